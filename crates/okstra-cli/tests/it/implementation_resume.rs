//! An implementation run's resume and its workers' edges: a run killed at each checkpoint is
//! finished by `okstra resume` (no step driven twice, no second commit, one `done` row); an
//! executor killed while it runs is run again in the same worktree; the executor's `git push`
//! fails while the stage passes; the verifier's unparsable verdict is asked again once; and the
//! verifier's prompt holds the stage, the diff and okstra's evidence — never the executor's
//! words — with the hexagonal rules only when `verifier.hexagonal` is set.

use std::process::Stdio;

use okstra_test_support::TestEnv;
use okstra_test_support::fake_agent::Gate;
use okstra_test_support::git_repo::git;
use serde_json::{Value, json};

use crate::common::{okstra, okstra_cmd, read_json, read_stderr_until, run_guarded, wait_guarded};
use crate::run_stage::{ledger_rows, stage_worktree};
use crate::stage_kit::{
    approve_kit_plan, carry, four_stages, judge, kit_env, kit_project, run_stage, shell_project,
    stage_dir, subjects, verdict_answer,
};

const TASK: &str = "calc/ops";

/// Returns the manifest of stage 1's run `seq`.
fn manifest(env: &TestEnv, seq: u32) -> Value {
    read_json(
        &stage_dir(env, TASK, 1).join(format!("manifests/run-manifest-implementation-{seq}.json")),
    )
}

/// Asserts stage 1 passed once: two commits on its base, one `done` row, the carry of run 1,
/// and `okstra validate` passes.
fn passed_once(env: &TestEnv) {
    let run = manifest(env, 1)["runId"].as_str().unwrap().to_owned();
    let wt = stage_worktree(env, TASK, 1);
    let c = carry(env, TASK, 1).expect("a carry");
    assert_eq!(c["runId"].as_str().unwrap(), run);
    let base = c["stageCommitRange"]["base"].as_str().unwrap();
    assert_eq!(
        subjects(&wt, &format!("{base}..HEAD")),
        ["RED: a failing test of op 1", "GREEN: implement op 1"]
    );
    let done: Vec<Value> = ledger_rows(env, TASK)
        .into_iter()
        .filter(|r| r["status"] == "done")
        .collect();
    assert_eq!(done.len(), 1, "{done:?}");
    let v = okstra(env, &["validate", &run]);
    assert_eq!(v.code, Some(0), "{v}");
}

#[test]
fn a_stage_run_killed_at_each_checkpoint_is_finished_by_resume() {
    for point in [
        "execute", "evidence", "verify", "carry", "report", "persist",
    ] {
        let env = kit_env();
        let stages = four_stages();
        kit_project(&env, &stages, &judge("PASS"), &json!({}));
        approve_kit_plan(&env, TASK, &stages);
        let mut cmd = okstra_cmd(
            &env,
            &[
                "run",
                "implementation",
                "--task",
                TASK,
                "--base-ref",
                "main",
                "--stage",
                "1",
                "--executor",
                "s1",
            ],
        );
        cmd.env("OKSTRA_TEST_KILL_AT", point);
        let out = run_guarded(&env, cmd);
        assert_eq!(out.code, None, "{point}: okstra was not killed: {out}");
        let run = manifest(&env, 1)["runId"].as_str().unwrap().to_owned();
        let out = okstra(&env, &["resume", &run]);
        assert_eq!(out.code, Some(0), "{point}: {out}");
        passed_once(&env);
        let team = read_json(&stage_dir(&env, TASK, 1).join("state/team-state-1.json"));
        for w in team["workers"].as_array().unwrap() {
            assert_eq!(w["attempts"].as_array().unwrap().len(), 1, "{point}: {w}");
        }
    }
}

#[test]
fn an_executor_killed_while_it_runs_runs_again_in_the_same_worktree() {
    let env = kit_env();
    let mut gate = Gate::new(&env.root().join("gate"));
    shell_project(&env, Some(&gate.arg()), false);
    let mut cmd = okstra_cmd(
        &env,
        &[
            "run",
            "implementation",
            "--task",
            TASK,
            "--base-ref",
            "main",
            "--stage",
            "1",
            "--executor",
            "s1",
        ],
    );
    cmd.env("OKSTRA_TEST_KILL_AT", "workers-running");
    let out = run_guarded(&env, cmd);
    assert_eq!(out.code, None, "okstra was not killed: {out}");
    let run = manifest(&env, 1)["runId"].as_str().unwrap().to_owned();
    let record = read_json(&stage_dir(&env, TASK, 1).join("state/execution-1.json"));
    assert_eq!(record["invocations"][0]["status"], "running", "{record}");

    let mut child = okstra_cmd(&env, &["resume", &run])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The dead okstra's executor is stopped before the new one is dispatched: only the new one
    // can take the gate's byte.
    let seen = read_stderr_until(&mut child, &["dispatch executor"]);
    gate.release(1);
    let out = env.output(&wait_guarded(child));
    assert_eq!(out.code, Some(0), "{seen:?} {out}");
    passed_once(&env);
    let record = read_json(&stage_dir(&env, TASK, 1).join("state/execution-1.json"));
    assert_eq!(
        record["invocations"].as_array().unwrap().len(),
        1,
        "{record}"
    );
    assert_eq!(record["invocations"][0]["status"], "completed");
}

#[test]
fn the_executors_push_fails_and_the_stage_still_passes() {
    let env = kit_env();
    let remote = env.root().join("remote.git");
    git(
        env.root().as_path(),
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    );
    git(
        env.project(),
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    git(env.project(), &["push", "-q", "origin", "main"]);
    shell_project(&env, None, false);
    let out = run_stage(&env, TASK, 1, &[]);
    assert_eq!(out.code, Some(0), "{out}");
    let result = fs_err::read_to_string(
        stage_dir(&env, TASK, 1).join("worker-results/executor-implementation-1.md"),
    )
    .unwrap();
    assert!(result.contains("push: refused"), "{result}");
    let refs = git(&remote, &["for-each-ref", "--format=%(refname)"]);
    assert_eq!(refs, "refs/heads/main", "nothing was pushed");
    passed_once(&env);
}

#[test]
fn an_unparsable_verdict_is_asked_again_once() {
    let env = kit_env();
    let stages = four_stages();
    let pass = verdict_answer("PASS", &json!([]));
    let garbled = json!({"text": "It looks fine to me.", "usage": {"inputTotal": 5, "output": 1}});
    let fixture = json!({"schemaVersion": "replay-fixture/v1",
        "workers": {"verifier": {"0": [garbled, pass]}}});
    kit_project(&env, &stages, &fixture, &json!({}));
    approve_kit_plan(&env, TASK, &stages);
    let out = run_stage(&env, TASK, 1, &[]);
    assert_eq!(out.code, Some(0), "{out}");
    let dir = stage_dir(&env, TASK, 1);
    let second =
        fs_err::read_to_string(dir.join("prompts/verifier-implementation-1-a2.prompt.md")).unwrap();
    assert!(second.contains("## Rejected answer"), "{second}");
    assert!(second.contains("It looks fine to me."), "{second}");
    passed_once(&env);

    // Twice unparsable: no verdict, the stage fails.
    let env = kit_env();
    let fixture = json!({"schemaVersion": "replay-fixture/v1",
        "workers": {"verifier": {"0": garbled_twice()}}});
    kit_project(&env, &stages, &fixture, &json!({}));
    approve_kit_plan(&env, TASK, &stages);
    let out = run_stage(&env, TASK, 1, &[]);
    assert_eq!(out.code, Some(3), "{out}");
    assert!(
        out.stdout
            .contains("  failure: the verifier gave no verdict: error: the answer has no fenced"),
        "{out}"
    );
    let run = manifest(&env, 1)["runId"].as_str().unwrap().to_owned();
    let v = okstra(&env, &["validate", &run]);
    assert_eq!(v.code, Some(0), "{v}");
}

/// Two unparsable verdicts.
fn garbled_twice() -> Value {
    json!([{"text": "Fine."}, {"text": "Still fine."}])
}

#[test]
fn the_verifier_reads_the_diff_and_okstras_evidence_never_the_executors_words() {
    for hexagonal in [false, true] {
        let env = kit_env();
        let stages = four_stages();
        kit_project(
            &env,
            &stages,
            &judge("PASS"),
            &json!({"verifier": {"hexagonal": hexagonal}}),
        );
        approve_kit_plan(&env, TASK, &stages);
        let out = run_stage(&env, TASK, 1, &[]);
        assert_eq!(out.code, Some(0), "{out}");
        let prompt = fs_err::read_to_string(
            stage_dir(&env, TASK, 1).join("prompts/verifier-implementation-1.prompt.md"),
        )
        .unwrap();
        assert!(prompt.starts_with("**Run:** "), "{prompt}");
        for part in [
            "## Stage 1 (what the plan asks)",
            "+test \"$(sh calc.sh add 2 3)\" = 5",
            "## okstra's evidence",
            "\"verdict\": \"proven\"",
            "plan-discrepancy",
            "read-only",
        ] {
            assert!(prompt.contains(part), "{part}\n{prompt}");
        }
        assert!(!prompt.contains("Did: "), "the executor's words: {prompt}");
        assert_eq!(
            prompt.contains("hexagonal-logic-in-port"),
            hexagonal,
            "{prompt}"
        );
    }
}

#[test]
fn what_the_executor_left_uncommitted_is_committed_by_okstra_and_reported() {
    let env = kit_env();
    shell_project(&env, None, true);
    let out = run_stage(&env, TASK, 1, &[]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stderr
            .contains("(whole-stage, 1 invocation, 2 commits; okstra committed 1)"),
        "{out}"
    );
    assert!(
        out.stdout
            .contains("  note: okstra committed what the executor left uncommitted: "),
        "{out}"
    );
    let c = carry(&env, TASK, 1).expect("a carry");
    let subjects: Vec<&str> = c["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
        [
            "RED: a failing test of op 1",
            "okstra: uncommitted executor changes"
        ]
    );
    assert_eq!(c["tddProof"]["verdict"], "proven");
    let data = read_json(
        &stage_dir(&env, TASK, 1).join("reports/final-report-implementation-1.data.json"),
    );
    assert_eq!(data["implementation"]["commits"][1]["byOkstra"], true);
    let run = manifest(&env, 1)["runId"].as_str().unwrap().to_owned();
    let v = okstra(&env, &["validate", &run]);
    assert_eq!(v.code, Some(0), "{v}");
}

#[test]
fn validate_names_a_tampered_record_carry_or_ledger() {
    let env = kit_env();
    let stages = four_stages();
    kit_project(&env, &stages, &judge("PASS"), &json!({}));
    approve_kit_plan(&env, TASK, &stages);
    let out = run_stage(&env, TASK, 1, &[]);
    assert_eq!(out.code, Some(0), "{out}");
    let run = manifest(&env, 1)["runId"].as_str().unwrap().to_owned();
    let task = env.project().join(".okstra/tasks").join(TASK);
    let ledger = task.join("runs/implementation-planning/consumers.jsonl");
    let rows = fs_err::read_to_string(&ledger).unwrap();
    // The done row gone, and the carry too (so no repair brings the row back).
    let kept: String = rows
        .split_inclusive('\n')
        .filter(|l| !l.contains("\"done\""))
        .collect();
    fs_err::write(&ledger, kept).unwrap();
    let carry_path = task.join("runs/implementation/carry/stage-1.json");
    let carry_text = fs_err::read_to_string(&carry_path).unwrap();
    fs_err::remove_file(&carry_path).unwrap();
    let v = okstra(&env, &["validate", &run]);
    assert_ne!(v.code, Some(0), "{v}");
    let all = format!("{}{}", v.stdout, v.stderr);
    assert!(
        all.contains("the stage passed but no carry of this run exists"),
        "{v}"
    );
    assert!(
        all.contains("the stage passed but no `done` row of run"),
        "{v}"
    );
    fs_err::write(&ledger, rows).unwrap();
    fs_err::write(&carry_path, carry_text).unwrap();
    // The evidence record edited after the report.
    let evidence = stage_dir(&env, TASK, 1).join("state/evidence-1.json");
    let text = fs_err::read_to_string(&evidence).unwrap();
    fs_err::write(&evidence, text.replace("\"proven\"", "\"exempt\"")).unwrap();
    let v = okstra(&env, &["validate", &run]);
    assert_ne!(v.code, Some(0), "{v}");
    let all = format!("{}{}", v.stdout, v.stderr);
    assert!(all.contains("changed after the report was written"), "{v}");
    assert!(
        all.contains("/implementation/tddProof differs from the evidence record"),
        "{v}"
    );
}
