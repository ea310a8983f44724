//! The report writer of a planning run under the plan contract — a plan that breaks rules is
//! sent back once with every violation, a plan that still breaks them is written with its
//! violations in the notes and fails the run (exit 3) without a gate, a writer that gives no
//! plan fails it too — and resume after a kill at the plan draft and at the gate, which asks
//! no finished worker again.

use okstra_test_support::TestEnv;
use serde_json::{Value, json};

use crate::common::{okstra, okstra_cmd, read_json, run_dir, run_guarded, write_brief};
use crate::plan_replay::{TT, fixture_with, planning_project, report_data, run_planning};

/// The writer's scripted answer, with `edit` applied to its block.
fn writer_answer(fixture: &Value, edit: impl FnOnce(&mut Value)) -> Value {
    let text = fixture["workers"]["report-writer"]["0"]["text"]
        .as_str()
        .unwrap();
    let start = text.find("```json\n").unwrap() + "```json\n".len();
    let end = text.rfind("\n```").unwrap();
    let mut block: Value = serde_json::from_str(&text[start..end]).unwrap();
    edit(&mut block);
    json!({"text": format!("Here is the plan.\n\n```json\n{block}\n```"),
           "usage": {"inputTotal": 300, "output": 120}})
}

/// Stage 2 without validation commands (S7) and without a rollback (S9).
fn break_stage_2(block: &mut Value) {
    block["plan"]["stages"][1]["validation"] = json!([]);
    block["plan"]["stages"][1]["rollback"] = json!("");
}

#[test]
fn a_plan_that_breaks_rules_is_sent_back_once_with_every_violation() {
    let env = TestEnv::new();
    let fixture = fixture_with(|f| {
        let bad = writer_answer(f, break_stage_2);
        let good = f["workers"]["report-writer"]["0"].clone();
        f["workers"]["report-writer"]["0"] = json!([bad, good]);
    });
    planning_project(&env, &fixture);
    let (code, summary) = run_planning(&env, "pay/fixed");
    assert_eq!(code, Some(0), "{summary}");
    assert_eq!(summary["plan"]["gate"]["result"], "passed");
    let dir = run_dir(&env, "pay/fixed", TT);
    let a1 = fs_err::read_to_string(dir.join(format!("prompts/report-writer-{TT}-1.prompt.md")))
        .unwrap();
    let a2 = fs_err::read_to_string(dir.join(format!("prompts/report-writer-{TT}-1-a2.prompt.md")))
        .unwrap();
    assert!(a2.starts_with(&a1), "attempt 1's bytes, then the rejection");
    let rejected = &a2[a1.len()..];
    assert!(rejected.contains("## Rejected answer"), "{rejected}");
    assert!(rejected.contains("the plan breaks 2 rules: "), "{rejected}");
    for rule in [" S7 ", " S9 "] {
        assert!(rejected.contains(rule), "{rule} in {rejected}");
    }
    assert!(rejected.contains("/plan/stages/1"), "{rejected}");
    let data = report_data(&dir);
    assert_eq!(data["notes"], json!([]));
    assert_eq!(
        data["narrative"]["plan"]["stages"][1]["validation"],
        json!(["python -m pytest tests/test_cart.py"]),
        "the second answer's plan"
    );
    let v = okstra(&env, &["validate", summary["runId"].as_str().unwrap()]);
    assert_eq!(v.code, Some(0), "{v}");
}

#[test]
fn a_plan_that_still_breaks_rules_is_written_with_its_violations_and_fails_the_run() {
    let env = TestEnv::new();
    let fixture = fixture_with(|f| {
        f["workers"]["report-writer"]["0"] = writer_answer(f, break_stage_2);
    });
    planning_project(&env, &fixture);
    let (code, summary) = run_planning(&env, "pay/broken");
    assert_eq!(code, Some(3), "{summary}");
    assert_eq!(summary["status"], "failed");
    let plan = &summary["plan"];
    assert_eq!(plan["blocked"], true);
    assert_eq!(plan["gate"], Value::Null, "the gate is not run");
    assert_eq!(plan["violations"].as_array().unwrap().len(), 2, "{plan}");
    assert!(
        plan["reason"]
            .as_str()
            .unwrap()
            .starts_with("the plan breaks 2 rules"),
        "{plan}"
    );
    let dir = run_dir(&env, "pay/broken", TT);
    assert!(!dir.join("state/plan-body-verification-1.json").exists());
    assert!(
        !dir.join(format!("prompts/claude-worker-{TT}-1-pbv.prompt.md"))
            .exists()
    );
    let data = report_data(&dir);
    assert_eq!(data["planGate"], Value::Null);
    assert_eq!(
        data["narrative"]["plan"]["stages"][1]["validation"],
        json!([])
    );
    let notes: Vec<&str> = data["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(notes.len(), 3, "{notes:?}");
    assert!(notes[0].contains("cannot be approved; the plan-body verification gate was not run"));
    for rule in [
        "plan rule S7 at /narrative/plan/stages/1/validation: ",
        "plan rule S9 at /narrative/plan/stages/1/rollback: ",
    ] {
        assert!(
            notes[1..].iter().any(|n| n.starts_with(rule)),
            "{rule}: {notes:?}"
        );
    }
    // The writer was asked twice: its second answer is kept, with the rules it breaks.
    let team = read_json(&dir.join("state/team-state-1.json"));
    let writer = team["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["worker"] == "report-writer")
        .unwrap();
    assert_eq!(writer["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(writer["status"], "completed");
    let md = fs_err::read_to_string(dir.join(format!("reports/final-report-{TT}-1.md"))).unwrap();
    assert!(
        md.contains("plan rule S7 at /narrative/plan/stages/1"),
        "{md}"
    );
}

#[test]
fn a_writer_that_gives_no_plan_fails_the_run_with_the_reason() {
    let env = TestEnv::new();
    let fixture = fixture_with(|f| {
        f["workers"]["report-writer"]["0"] = writer_answer(f, |b| {
            b.as_object_mut().unwrap().remove("plan");
        });
    });
    planning_project(&env, &fixture);
    let (code, summary) = run_planning(&env, "pay/none");
    assert_eq!(code, Some(3), "{summary}");
    let reason = summary["plan"]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(
            "the run has no plan: the report writer ended error: the block has no `plan`"
        ),
        "{reason}"
    );
    let dir = run_dir(&env, "pay/none", TT);
    let data = report_data(&dir);
    assert_eq!(data["narrative"]["plan"], Value::Null);
    assert!(
        data["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("the report writer ended error: the block has no `plan`"),
        "{}",
        data["notes"]
    );
    assert!(
        dir.join(format!("prompts/report-writer-{TT}-1-a2.prompt.md"))
            .is_file(),
        "sent back once"
    );
    assert!(!dir.join("state/plan-body-verification-1.json").exists());
}

/// The events a manifest records after its (last) `resume` event.
fn events_after_resume(manifest: &Value) -> Vec<String> {
    let events: Vec<String> = manifest["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_owned())
        .collect();
    let at = events
        .iter()
        .rposition(|m| m.starts_with("resume "))
        .expect("a resume event");
    events[at + 1..].to_vec()
}

/// Kills a planning run at `point`, resumes it; returns the run dir and the events after the
/// resume.
fn kill_and_resume(env: &TestEnv, task: &str, point: &str) -> (std::path::PathBuf, Vec<String>) {
    planning_project(env, &fixture_with(|_| {}));
    let brief = write_brief(env);
    let mut cmd = okstra_cmd(
        env,
        &[
            "run",
            TT,
            "--task",
            task,
            "--brief",
            brief.to_str().unwrap(),
            "--base-ref",
            "main",
        ],
    );
    cmd.env("OKSTRA_TEST_KILL_AT", point);
    let out = run_guarded(env, cmd);
    assert_eq!(out.code, None, "{point}: okstra was not killed: {out}");
    let dir = run_dir(env, task, TT);
    let manifest_path = dir.join(format!("manifests/run-manifest-{TT}-1.json"));
    let manifest = read_json(&manifest_path);
    let passed: Vec<&str> = manifest["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["checkpoint"].as_str().unwrap())
        .collect();
    assert_eq!(passed.last(), Some(&point), "{passed:?}");
    let run_id = manifest["runId"].as_str().unwrap().to_owned();
    let out = run_guarded(env, okstra_cmd(env, &["resume", &run_id, "--json"]));
    assert_eq!(out.code, Some(0), "{point}: {out}");
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["plan"]["gate"]["result"], "passed", "{summary}");
    let v = okstra(env, &["validate", &run_id]);
    assert_eq!(v.code, Some(0), "{point}: {v}");
    let manifest = read_json(&manifest_path);
    assert_eq!(manifest["status"], "completed");
    (dir, events_after_resume(&manifest))
}

#[test]
fn a_run_killed_at_the_plan_draft_reuses_the_writer_and_runs_the_gate() {
    let env = TestEnv::new();
    let (dir, events) = kill_and_resume(&env, "pay/kill-draft", "plan-draft");
    assert!(
        events.contains(&"reused worker=report-writer".to_owned()),
        "{events:?}"
    );
    let dispatched: Vec<&String> = events
        .iter()
        .filter(|e| e.starts_with("phase-4-dispatch"))
        .collect();
    assert_eq!(
        dispatched.len(),
        3,
        "only the three pbv workers run: {events:?}"
    );
    assert!(
        dispatched.iter().all(|e| !e.contains("report-writer")),
        "{events:?}"
    );
    let team = read_json(&dir.join("state/team-state-1.json"));
    let writer = team["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["worker"] == "report-writer")
        .unwrap();
    assert_eq!(writer["attempts"].as_array().unwrap().len(), 1);
    assert!(dir.join("state/plan-body-verification-1.json").is_file());
}

#[test]
fn a_run_killed_at_the_gate_reuses_its_record_and_asks_nobody_again() {
    let env = TestEnv::new();
    let task = "pay/kill-gate";
    let dir = run_dir(&env, task, TT);
    let record = dir.join("state/plan-body-verification-1.json");
    let (_, events) = {
        // The record as the killed okstra left it is read back, unchanged.
        let env_ref = &env;
        let out = kill_and_resume(env_ref, task, "plan-body-verification");
        (out.0, out.1)
    };
    assert!(
        events.iter().all(|e| !e.starts_with("phase-4-dispatch")),
        "no worker was asked again: {events:?}"
    );
    assert!(events.iter().any(|e| e == "plan-body-verification result=passed answered=3/3 rejected=- disputed=-"), "{events:?}");
    let data = report_data(&dir);
    assert_eq!(data["planGate"], read_json(&record)["gate"]);
    assert_eq!(
        read_json(&dir.join("state/plan-body-verification.json")),
        read_json(&record)
    );
}
