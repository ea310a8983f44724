//! Whole `final-verification` runs on a real git repository after real (replay-driven)
//! implementation runs of the kit's stages (issue 12): the stage branches merged into the task
//! branch in Stage Map order, okstra's own commands on the merged head, replay analysers as
//! verifiers, and okstra's verdict — accepted (and a second run merging nothing); a critical
//! worker-unique finding nobody disputed, a high-severity converged finding, a critical gap the
//! opt-in critic found and a failing qa command rejected (exit 3); fewer than two verifiers
//! aborted (exit 3); stages whose branches conflict rejected with the task branch left as it
//! was; a run killed after its verifiers answered finished by `okstra resume`. The refusals are
//! `final_verification_refusals`.

use std::path::PathBuf;

use okstra_test_support::git_repo::git;
use okstra_test_support::{CommandOutput, TestEnv};
use serde_json::{Value, json};

use crate::common::{okstra, okstra_cmd, read_json, run_guarded};
use crate::stage_kit::{
    KitStage, approve_kit_plan, carry, four_stages, judge, kit_env, kit_project, run_stage,
    write_fixture,
};

const TASK: &str = "calc/ops";

/// Returns a verifier's round-0 answer with `findings`.
fn findings_answer(findings: &Value) -> Value {
    let block = json!({"findings": findings, "summary": "reviewed"});
    json!({"text": format!("I read the merged diff.\n\n```json\n{block}\n```"),
           "usage": {"inputTotal": 100, "output": 10}})
}

/// Returns a verifier's reverify answer with `verdicts` (`[id, verdict]`).
fn verdicts_answer(verdicts: &[(&str, &str)]) -> Value {
    let list: Vec<Value> = verdicts
        .iter()
        .map(|(id, v)| json!({"findingId": id, "verdict": v, "reason": "checked"}))
        .collect();
    let block = json!({"verdicts": list});
    json!({"text": format!("```json\n{block}\n```"), "usage": {"inputTotal": 50, "output": 5}})
}

/// A finding of `severity`.
fn finding(id: &str, title: &str, severity: &str) -> Value {
    json!({"id": id, "title": title, "severity": severity, "evidence": ["lib/add.sh:1"],
           "claim": "claim", "reasoning": "reasoning"})
}

/// Returns the verifiers' fixture: `workers` (worker → rounds) and a report writer.
fn verifiers_fixture(workers: Value) -> Value {
    let mut workers = workers;
    workers["report-writer"] = json!({"0": {"text": "```json\n{\"summary\": \"The task was \
        verified.\", \"analysis\": \"Scripted.\", \"recommendations\": []}\n```",
        "usage": {"inputTotal": 20, "output": 4}}});
    json!({"schemaVersion": "replay-fixture/v1", "workers": workers})
}

/// Three verifiers that find nothing.
pub(crate) fn clean_verifiers() -> Value {
    let clean = json!({"0": findings_answer(&json!([]))});
    verifiers_fixture(json!({"claude-worker": clean, "codex-worker": clean,
                              "gemini-worker": clean}))
}

/// Makes claude, codex and gemini replay verifiers answering `fixture`, with `qa` as the
/// project's `qaCommands`.
pub(crate) fn set_verifiers(env: &TestEnv, fixture: &Value, qa: &Value) {
    let rel = write_fixture(env, "verifiers", fixture);
    let path = env.project().join(".okstra/project.json");
    let mut project: Value = serde_json::from_str(&fs_err::read_to_string(&path).unwrap()).unwrap();
    for agent in ["claude", "codex", "gemini"] {
        project["agents"][agent] = json!({"adapter": "replay", "fixture": rel});
    }
    project["qaCommands"] = qa.clone();
    fs_err::write(&path, project.to_string()).unwrap();
}

/// Sets the kit up with `stages`, approves its plan and runs every stage in order.
pub(crate) fn all_done(env: &TestEnv, stages: &[KitStage]) {
    kit_project(env, stages, &judge("PASS"), &json!({}));
    approve_kit_plan(env, TASK, stages);
    for s in stages {
        let out = run_stage(env, TASK, s.n, &[]);
        assert_eq!(out.code, Some(0), "stage {}: {out}", s.n);
    }
}

/// Runs `okstra run final-verification` on the task, with `extra` arguments.
pub(crate) fn run_fv(env: &TestEnv, extra: &[&str]) -> CommandOutput {
    let mut args = vec![
        "run",
        "final-verification",
        "--task",
        TASK,
        "--brief-text",
        "calc computes add, mul, sub and mulsub",
    ];
    args.extend_from_slice(extra);
    run_guarded(env, okstra_cmd(env, &args))
}

/// Returns the final-verification run directory.
pub(crate) fn fv_dir(env: &TestEnv) -> PathBuf {
    env.project()
        .join(".okstra/tasks")
        .join(TASK)
        .join("runs/final-verification")
}

/// Returns the record of final-verification run `seq`.
pub(crate) fn record(env: &TestEnv, seq: u32) -> Value {
    read_json(&fv_dir(env).join(format!("state/final-verification-{seq}.json")))
}

/// Returns the task worktree (from the run's manifest).
fn task_worktree(env: &TestEnv, seq: u32) -> PathBuf {
    let m = read_json(&fv_dir(env).join(format!(
        "manifests/run-manifest-final-verification-{seq}.json"
    )));
    PathBuf::from(m["worktree"]["path"].as_str().unwrap())
}

/// Asserts `okstra validate` passes on final-verification run `seq`.
pub(crate) fn assert_valid(env: &TestEnv, seq: u32) {
    let m = read_json(&fv_dir(env).join(format!(
        "manifests/run-manifest-final-verification-{seq}.json"
    )));
    let v = okstra(env, &["validate", m["runId"].as_str().unwrap()]);
    assert_eq!(v.code, Some(0), "{v}");
}

#[test]
fn every_stage_merged_and_verified_is_accepted_and_a_second_run_merges_nothing() {
    let env = kit_env();
    let stages = four_stages();
    all_done(&env, &stages);
    set_verifiers(&env, &clean_verifiers(), &json!({"test": "sh tests/t4.sh"}));
    let out = run_fv(&env, &[]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.contains("verdict: accepted"), "{out}");

    let r = record(&env, 1);
    assert_eq!(r["schemaVersion"], "final-verification/v1");
    assert_eq!(r["verdict"], "accepted");
    assert_eq!(r["reasons"], json!([]));
    let wt = task_worktree(&env, 1);
    let head = git(&wt, &["rev-parse", "HEAD"]);
    assert_eq!(r["verifiedHead"], head.as_str());
    let branch = git(&wt, &["rev-parse", "--abbrev-ref", "HEAD"]);
    assert_eq!(r["taskBranch"], branch.as_str());
    // Merged in topological order of the Stage Map, every stage's head in the task branch.
    let merged: Vec<u64> = r["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_u64().unwrap())
        .collect();
    assert_eq!(merged, [1, 2, 3, 4]);
    for n in 1..=4 {
        let stage_head = carry(&env, TASK, n).unwrap()["stageCommitRange"]["head"]
            .as_str()
            .unwrap()
            .to_owned();
        git(&wt, &["merge-base", "--is-ancestor", &stage_head, "HEAD"]);
    }
    for f in ["lib/add.sh", "lib/mul.sh", "lib/sub.sh", "lib/mulsub.sh"] {
        assert!(wt.join(f).is_file(), "{f}");
    }
    assert_eq!(
        git(&wt, &["status", "--porcelain"]),
        "",
        "the task worktree is clean"
    );
    // okstra's own commands: qaCommands.test, then the Validation Checklist.
    let commands: Vec<(&str, i64)> = r["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["command"].as_str().unwrap(),
                c["exitCode"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(commands, [("sh tests/t4.sh", 0), ("sh tests/t1.sh", 0)]);
    assert_eq!(r["verifiersAnswered"].as_array().unwrap().len(), 3);
    // The verifiers were given the plan, the carries and okstra's evidence.
    let prompt = fs_err::read_to_string(
        fv_dir(&env).join("prompts/claude-worker-final-verification-1.prompt.md"),
    )
    .unwrap();
    for needle in [
        "What to verify",
        "okstra's evidence on the merged head",
        "`sh tests/t4.sh` | 0 |",
        "Approved plan",
        "Carry of stage 4",
        &format!("git diff {}..{head}", r["anchor"].as_str().unwrap()),
    ] {
        assert!(prompt.contains(needle), "{needle}:\n{prompt}");
    }
    // The report writer explains okstra's verdict; it does not decide one.
    let writer = fs_err::read_to_string(
        fv_dir(&env).join("prompts/report-writer-final-verification-1.prompt.md"),
    )
    .unwrap();
    assert!(
        writer.contains("okstra decided the verdict: **accepted**"),
        "{writer}"
    );
    // The report carries the verdict, and okstra validate agrees.
    let data = read_json(&fv_dir(&env).join("reports/final-report-final-verification-1.data.json"));
    assert_eq!(data["finalVerification"], r);
    let md =
        fs_err::read_to_string(fv_dir(&env).join("reports/final-report-final-verification-1.md"))
            .unwrap();
    assert!(
        md.contains("- Verdict: **accepted** (decided by okstra)"),
        "{md}"
    );
    assert!(md.contains("## 3. Merged Stages"), "{md}");
    assert_valid(&env, 1);
    // The manifest keeps the final verification's steps.
    let m = read_json(&fv_dir(&env).join("manifests/run-manifest-final-verification-1.json"));
    let messages: Vec<&str> = m["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .filter(|e| e.starts_with("fv-"))
        .collect();
    assert_eq!(
        messages,
        [
            "fv-merge merged=4 already=0",
            "fv-commands ran=2 failed=0",
            "fv-verdict verdict=accepted reasons=0"
        ]
    );

    // Again: every stage is already merged; nothing moves, the verdict stands.
    let out = run_fv(&env, &[]);
    assert_eq!(out.code, Some(0), "{out}");
    let again = record(&env, 2);
    assert_eq!(again["verifiedHead"], head.as_str());
    assert!(
        again["stages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["mergeCommit"].is_null()),
        "{again}"
    );
    assert_eq!(git(&wt, &["rev-parse", "HEAD"]), head);
    assert_valid(&env, 2);
}

#[test]
fn a_critical_worker_unique_finding_nobody_disputed_rejects() {
    let env = kit_env();
    all_done(&env, &four_stages());
    let critical = finding("C-1", "mulsub ignores overflow", "critical");
    let unsure = json!({"0": findings_answer(&json!([])),
                        "1": verdicts_answer(&[("F-1", "UNSURE")])});
    let fixture = verifiers_fixture(json!({
        "claude-worker": {"0": findings_answer(&json!([critical]))},
        "codex-worker": unsure, "gemini-worker": unsure}));
    set_verifiers(&env, &fixture, &json!({}));
    let out = run_fv(&env, &[]);
    assert_eq!(out.code, Some(3), "{out}");
    let r = record(&env, 1);
    assert_eq!(r["verdict"], "rejected");
    assert_eq!(
        r["reasons"],
        json!(["F-1 (critical, worker-unique): mulsub ignores overflow"])
    );
    assert!(out.stdout.contains("verdict: rejected"), "{out}");
    assert!(
        out.stdout
            .contains("  reason: F-1 (critical, worker-unique): mulsub ignores overflow"),
        "{out}"
    );
    assert!(
        out.stderr.contains("--redo"),
        "the next step names the fix: {out}"
    );
    assert_valid(&env, 1);

    // A record edited to say accepted no longer validates.
    let path = fv_dir(&env).join("state/final-verification-1.json");
    let mut edited = r.clone();
    edited["verdict"] = json!("accepted");
    fs_err::write(&path, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    let m = read_json(&fv_dir(&env).join("manifests/run-manifest-final-verification-1.json"));
    let v = okstra(&env, &["validate", m["runId"].as_str().unwrap()]);
    assert_ne!(v.code, Some(0), "{v}");
    assert!(
        v.stdout.contains(
            "[final-verification-verdict] the verdict is accepted, but its commands, verifiers \
             and the report's findings give rejected"
        ),
        "{v}"
    );
    assert!(v.stdout.contains("[final-verification-report]"), "{v}");
}

#[test]
fn a_high_finding_every_verifier_agreed_rejects_and_a_disputed_one_only_warns() {
    let env = kit_env();
    all_done(&env, &four_stages());
    let high = finding("C-1", "sub is not tested with negatives", "high");
    let disputed = finding("C-2", "add overflows", "high");
    let fixture = verifiers_fixture(json!({
        "claude-worker": {"0": findings_answer(&json!([high, disputed]))},
        "codex-worker": {"0": findings_answer(&json!([])),
                         "1": verdicts_answer(&[("F-1", "AGREE"), ("F-2", "DISAGREE")])},
        "gemini-worker": {"0": findings_answer(&json!([])),
                          "1": verdicts_answer(&[("F-1", "AGREE"), ("F-2", "AGREE")])}}));
    set_verifiers(&env, &fixture, &json!({}));
    let out = run_fv(&env, &[]);
    assert_eq!(out.code, Some(3), "{out}");
    let r = record(&env, 1);
    assert_eq!(r["verdict"], "rejected");
    assert_eq!(
        r["reasons"],
        json!(["F-1 (high, full-consensus): sub is not tested with negatives"])
    );
    assert_eq!(
        r["warnings"],
        json!(["F-2 (high, disputed): add overflows"])
    );
    assert_valid(&env, 1);
}

#[test]
fn a_failing_qa_command_rejects() {
    let env = kit_env();
    all_done(&env, &four_stages());
    set_verifiers(
        &env,
        &clean_verifiers(),
        &json!({"test": "sh tests/t1.sh", "lint": "sh -c 'echo lint says no; exit 4'"}),
    );
    let out = run_fv(&env, &["--json"]);
    assert_eq!(out.code, Some(3), "{out}");
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["status"], "failed");
    assert_eq!(summary["finalVerification"]["verdict"], "rejected");
    let r = record(&env, 1);
    assert_eq!(
        r["reasons"],
        json!(["`sh -c 'echo lint says no; exit 4'` exited 4"])
    );
    let lint = &r["commands"][1];
    assert_eq!(lint["exitCode"], 4);
    assert!(
        lint["outputTail"]
            .as_str()
            .unwrap()
            .contains("lint says no"),
        "{lint}"
    );
    let md =
        fs_err::read_to_string(fv_dir(&env).join("reports/final-report-final-verification-1.md"))
            .unwrap();
    assert!(md.contains("    lint says no"), "{md}");
    assert_valid(&env, 1);
}

#[test]
fn fewer_than_two_verifiers_answering_is_an_aborted_non_result() {
    let env = kit_env();
    all_done(&env, &four_stages());
    // Only claude's answer is scripted: codex and gemini fail.
    let fixture = verifiers_fixture(json!({"claude-worker": {"0": findings_answer(&json!([]))}}));
    set_verifiers(&env, &fixture, &json!({}));
    let out = run_fv(&env, &[]);
    assert_eq!(out.code, Some(3), "{out}");
    let r = record(&env, 1);
    assert_eq!(r["verdict"], "aborted-non-result");
    assert_eq!(
        r["reasons"][0],
        "1 of 3 verifiers answered; a verdict needs at least 2"
    );
    assert_eq!(r["verifiersAnswered"], json!(["claude-worker"]));
    assert!(out.stderr.contains("there is no verdict"), "{out}");
    assert_valid(&env, 1);
}

#[test]
fn stages_whose_branches_conflict_reject_and_leave_the_task_branch_as_it_was() {
    let env = kit_env();
    let mut stages = four_stages();
    stages.truncate(3);
    // Stage 3 writes the file stage 2 wrote, differently: their branches cannot both merge.
    stages[2].green = vec![(
        "lib/mul.sh".to_owned(),
        "mul() { echo 0; }\nsub() { echo $(( $1 - $2 )); }\n".to_owned(),
    )];
    stages[2].red = vec![(
        "tests/t3.sh".to_owned(),
        "#!/bin/sh\nset -e\n. ./lib/mul.sh\ntest \"$(sub 5 3)\" = 2\n".to_owned(),
    )];
    all_done(&env, &stages);
    set_verifiers(&env, &clean_verifiers(), &json!({}));
    let out = run_fv(&env, &[]);
    assert_eq!(out.code, Some(3), "{out}");
    let r = record(&env, 1);
    assert_eq!(r["verdict"], "rejected");
    let reason = r["reasons"][0].as_str().unwrap();
    assert!(
        reason.starts_with("stage 3 does not merge into okstra/")
            && reason.ends_with(": conflicting files lib/mul.sh"),
        "{reason}"
    );
    assert_eq!(r["verifiersAsked"], json!([]), "no verifier was asked");
    assert_eq!(r["commands"], json!([]), "nothing ran on an unmerged head");
    // The task branch and its worktree are as they were.
    let wt = task_worktree(&env, 1);
    assert_eq!(
        git(&wt, &["rev-parse", "HEAD"]),
        r["verifiedHead"].as_str().unwrap()
    );
    assert_eq!(git(&wt, &["status", "--porcelain"]), "");
    assert!(!wt.join("lib/mul.sh").exists(), "no stage was merged");
    assert!(
        out.stdout.contains("reason: stage 3 does not merge"),
        "{out}"
    );
    assert_valid(&env, 1);
}

#[test]
fn a_verification_killed_after_its_verifiers_answered_is_finished_by_resume() {
    let env = kit_env();
    all_done(&env, &four_stages());
    set_verifiers(&env, &clean_verifiers(), &json!({}));
    let mut cmd = okstra_cmd(
        &env,
        &[
            "run",
            "final-verification",
            "--task",
            TASK,
            "--brief-text",
            "calc computes",
        ],
    );
    cmd.env("OKSTRA_TEST_KILL_AT", "phase-5-collect");
    let out = run_guarded(&env, cmd);
    assert_eq!(out.code, None, "okstra was not killed: {out}");
    assert!(
        !fv_dir(&env)
            .join("state/final-verification-1.json")
            .exists(),
        "no verdict before the kill"
    );
    // The stages were merged before the verifiers ran.
    let wt = task_worktree(&env, 1);
    let merged = git(&wt, &["rev-parse", "HEAD"]);
    assert!(wt.join("lib/mulsub.sh").is_file());
    let m = read_json(&fv_dir(&env).join("manifests/run-manifest-final-verification-1.json"));
    let out = run_guarded(
        &env,
        okstra_cmd(&env, &["resume", m["runId"].as_str().unwrap()]),
    );
    assert_eq!(out.code, Some(0), "{out}");
    let r = record(&env, 1);
    assert_eq!(r["verdict"], "accepted");
    // Merging again found every stage in the branch: the head is the one merged before.
    assert_eq!(r["verifiedHead"], merged.as_str());
    assert_eq!(git(&wt, &["rev-parse", "HEAD"]), merged);
    assert_valid(&env, 1);
}

#[test]
fn a_critical_gap_the_critic_found_and_the_verifiers_confirmed_rejects() {
    let env = kit_env();
    all_done(&env, &four_stages());
    let gap = finding("K-1", "mulsub is not in the plan's coverage", "critical");
    let confirm = verdicts_answer(&[("F-1", "AGREE")]);
    let fixture = verifiers_fixture(json!({
        "claude-worker": {"0": findings_answer(&json!([])), "2": confirm},
        "codex-worker": {"0": findings_answer(&json!([])), "2": confirm},
        "gemini-worker": {"0": findings_answer(&json!([])), "2": confirm},
        "critic": {"2": findings_answer(&json!([gap]))}}));
    set_verifiers(&env, &fixture, &json!({}));
    let out = run_fv(&env, &["--critic", "codex"]);
    assert_eq!(out.code, Some(3), "{out}");
    let r = record(&env, 1);
    assert_eq!(r["verdict"], "rejected");
    assert_eq!(
        r["reasons"],
        json!(["F-1 (critical, full-consensus): mulsub is not in the plan's coverage"])
    );
    assert_valid(&env, 1);
}

#[test]
fn two_verifications_started_at_once_merge_the_stages_once() {
    let env = kit_env();
    let stages = four_stages();
    all_done(&env, &stages);
    set_verifiers(&env, &clean_verifiers(), &json!({"test": "sh tests/t4.sh"}));
    let args = [
        "run",
        "final-verification",
        "--task",
        TASK,
        "--brief-text",
        "calc computes add, mul, sub and mulsub",
    ];
    let children: Vec<_> = (0..2)
        .map(|_| {
            okstra_cmd(&env, &args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn okstra")
        })
        .collect();
    for child in children {
        let out = env.output(&crate::common::wait_guarded(child));
        assert_eq!(out.code, Some(0), "{out}");
        assert!(out.stdout.contains("verdict: accepted"), "{out}");
    }
    let (one, two) = (record(&env, 1), record(&env, 2));
    assert_eq!(one["verifiedHead"], two["verifiedHead"]);
    let branch = one["taskBranch"].as_str().unwrap();
    let merges = git(
        env.project(),
        &["log", "--first-parent", "--format=%s", branch],
    );
    let merges = merges
        .lines()
        .filter(|s| s.starts_with("okstra: merge stage "))
        .count();
    assert_eq!(merges, stages.len(), "each stage merged once");
    assert_valid(&env, 1);
    assert_valid(&env, 2);
}
