//! `okstra plan …` and `okstra approve` on plans okstra wrote: the data.json of a scripted
//! `implementation-planning` run (the replay fixture of `plan_replay`) is the source of truth —
//! checked as data, answered and approved there with the markdown re-rendered, its blocked gate
//! refused, and a markdown whose `approved` was edited by hand refused by every command that
//! reads the plan.

use std::path::PathBuf;

use okstra_test_support::TestEnv;
use serde_json::{Value, json};

use crate::common::{okstra, read_json, replay_run, run_dir};
use crate::plan_replay::{TT, agree_but, fixture_with, planning_project, run_planning};

/// Runs the scripted planning run on `task` with `edit` applied to the fixture; returns the
/// exit code, the run id and the run's folder.
fn planned(
    env: &TestEnv,
    task: &str,
    edit: impl FnOnce(&mut Value),
) -> (Option<i32>, String, PathBuf) {
    planning_project(env, &fixture_with(edit));
    let (code, summary) = run_planning(env, task);
    (
        code,
        summary["runId"].as_str().unwrap().to_owned(),
        run_dir(env, task, TT),
    )
}

/// Makes the writer's clarification item C-1 block approval.
fn c1_blocks_approval(fixture: &mut Value) {
    let text = fixture["workers"]["report-writer"]["0"]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    let from = r#""blocks": "none""#;
    assert!(text.contains(from), "{text}");
    fixture["workers"]["report-writer"]["0"]["text"] =
        Value::String(text.replacen(from, r#""blocks": "approval""#, 1));
}

fn data_path(dir: &std::path::Path) -> PathBuf {
    dir.join(format!("reports/final-report-{TT}-1.data.json"))
}

fn md_path(dir: &std::path::Path) -> PathBuf {
    dir.join(format!("reports/final-report-{TT}-1.md"))
}

#[test]
fn a_plan_okstra_wrote_is_checked_as_data_and_shown_with_its_gate() {
    let env = TestEnv::new();
    let (code, run, dir) = planned(&env, "pay/plan", |_| {});
    assert_eq!(code, Some(0));
    insta::assert_snapshot!(okstra(&env, &["plan", "check", &run]), @r"
    exit: 0
    ----- stdout -----
    plan check passed: .okstra/tasks/pay/plan/runs/implementation-planning/reports/final-report-implementation-planning-1.data.json (2 stages)
    ----- stderr -----
    ");
    insta::assert_snapshot!(okstra(&env, &["plan", "show", "--task", "pay/plan"]), @r"
    exit: 0
    ----- stdout -----
    plan: .okstra/tasks/pay/plan/runs/implementation-planning/reports/final-report-implementation-planning-1.data.json (2 stages, not approved, gate passed)
    STAGE  TITLE                               DEPENDS-ON  STATE        NEXT
    1      Round the discounted total half up  (none)      not started  ready
    2      Round line totals once              1           not started  waiting on stage 1
    ----- stderr -----
    ");

    // A rule broken in the data is named by its JSON pointer.
    let data = data_path(&dir);
    let mut value = read_json(&data);
    value["narrative"]["plan"]["stages"][1]["validation"] = json!([]);
    value["narrative"]["plan"]["stages"][0]["dependsOn"] = json!([2]);
    fs_err::write(&data, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    let out = okstra(&env, &["plan", "check", data.to_str().unwrap()]);
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    .okstra/tasks/pay/plan/runs/implementation-planning/reports/final-report-implementation-planning-1.data.json:/narrative/plan/stages/0/dependsOn: S6 the dependency graph has a cycle: Stage 1 → Stage 2 → Stage 1
    .okstra/tasks/pay/plan/runs/implementation-planning/reports/final-report-implementation-planning-1.data.json:/narrative/plan/stages/1/validation: S7 Stage 2 has no Stage Validation command
    ----- stderr -----
    error: .okstra/tasks/pay/plan/runs/implementation-planning/reports/final-report-implementation-planning-1.data.json fails plan check: 2 violations
    hint: a plan okstra wrote is fixed by a new `okstra run implementation-planning`, not by editing its data.json
    ");
}

#[test]
fn answer_then_approve_a_plan_okstra_wrote_and_the_run_validates() {
    let env = TestEnv::new();
    let (code, run, dir) = planned(&env, "pay/ask", c1_blocks_approval);
    assert_eq!(code, Some(0));
    insta::assert_snapshot!(okstra(&env, &["approve", &run]), @r#"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/project/.okstra/tasks/pay/ask/runs/implementation-planning/reports/final-report-implementation-planning-1.data.json cannot be approved:
    - C-1 (Status=open): Should refunds round the same way?
    hint: answer each open item with `okstra plan answer <plan> <C-id> "<answer>"`
    "#);

    let out = okstra(
        &env,
        &["plan", "answer", &run, "C-1", "Yes, half up as well"],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let data = read_json(&data_path(&dir));
    assert_eq!(
        data["narrative"]["clarifications"][0],
        json!({"id": "C-1", "question": "Should refunds round the same way?",
               "answer": "Yes, half up as well", "blocks": "approval", "status": "resolved"})
    );
    assert_eq!(data["frontmatter"]["approved"], false);
    let md = fs_err::read_to_string(md_path(&dir)).unwrap();
    assert!(
        md.contains("| C-1 | Should refunds round the same way? | Yes, half up as well | approval | resolved |"),
        "{md}"
    );
    assert_eq!(okstra(&env, &["validate", &run]).code, Some(0));

    let out = okstra(&env, &["approve", &run]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.starts_with("approved: "), "{out}");
    assert_eq!(read_json(&data_path(&dir))["frontmatter"]["approved"], true);
    let md = fs_err::read_to_string(md_path(&dir)).unwrap();
    assert!(md.contains("\napproved: true\n"), "{md}");
    let v = okstra(&env, &["validate", &run]);
    assert_eq!(v.code, Some(0), "{v}");
    let again = okstra(&env, &["approve", &run]);
    assert!(again.stdout.starts_with("already approved: "), "{again}");
}

#[test]
fn approve_refuses_a_plan_its_gate_blocked() {
    let env = TestEnv::new();
    let (code, run, _) = planned(&env, "pay/blocked", |f| {
        for w in ["claude-worker", "codex-worker"] {
            f["workers"][w]["pbv"] = agree_but(&[("P-4", "DISAGREE")]);
        }
    });
    assert_eq!(code, Some(3));
    insta::assert_snapshot!(okstra(&env, &["approve", &run]), @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/project/.okstra/tasks/pay/blocked/runs/implementation-planning/reports/final-report-implementation-planning-1.data.json cannot be approved:
    - the plan-body gate is blocked-by-disagreement: rejected by most of those who judged it: P-4
    hint: a plan the gate blocked needs a new `okstra run implementation-planning`
    ");
    // A blocked gate is a valid record: the run's files validate.
    assert_eq!(okstra(&env, &["validate", &run]).code, Some(0));
}

#[test]
fn a_hand_edited_approval_is_refused_by_every_command_that_reads_the_plan() {
    let env = TestEnv::new();
    let (code, run, dir) = planned(&env, "pay/edit", |_| {});
    assert_eq!(code, Some(0));
    let md = md_path(&dir);
    let original = fs_err::read_to_string(&md).unwrap();
    assert!(original.contains("\napproved: false\n"));
    fs_err::write(
        &md,
        original.replacen("\napproved: false\n", "\napproved: true\n", 1),
    )
    .unwrap();

    let md_arg = md.to_str().unwrap();
    insta::assert_snapshot!(okstra(&env, &["approve", md_arg]), @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/project/.okstra/tasks/pay/edit/runs/implementation-planning/reports/final-report-implementation-planning-1.data.json cannot be approved:
    - [TMP]/project/.okstra/tasks/pay/edit/runs/implementation-planning/reports/final-report-implementation-planning-1.md: approved is true, but its data [TMP]/project/.okstra/tasks/pay/edit/runs/implementation-planning/reports/final-report-implementation-planning-1.data.json says false: the markdown was edited by hand
    hint: `okstra render <data.json>` re-renders the markdown from its data
    ");
    for args in [
        vec!["plan", "check", md_arg],
        vec!["plan", "show", &run],
        vec!["plan", "show", "--task", "pay/edit"],
        vec!["plan", "answer", &run, "C-1", "yes"],
    ] {
        let out = okstra(&env, &args);
        assert_eq!(out.code, Some(2), "{args:?}: {out}");
        assert!(
            out.stderr_normalized().starts_with(
                "error: [TMP]/project/.okstra/tasks/pay/edit/runs/implementation-planning/reports/final-report-implementation-planning-1.md: approved is true, but its data"
            ),
            "{args:?}: {out}"
        );
        assert!(out.stderr.contains("hint: `okstra render "), "{out}");
    }
    let v = okstra(&env, &["validate", &run]);
    assert_eq!(v.code, Some(3), "{v}");
    assert!(v.stdout.contains("use `okstra approve`"), "{v}");

    // Re-rendered from its data, the plan is whole again and can be approved.
    let rendered = okstra(&env, &["render", data_path(&dir).to_str().unwrap()]);
    assert_eq!(rendered.code, Some(0), "{rendered}");
    assert_eq!(fs_err::read_to_string(&md).unwrap(), original);
    let out = okstra(&env, &["approve", &run]);
    assert_eq!(out.code, Some(0), "{out}");
}

#[test]
fn validate_names_a_gate_record_that_differs_and_a_broken_rule() {
    let env = TestEnv::new();
    let (code, run, dir) = planned(&env, "pay/valid", |_| {});
    assert_eq!(code, Some(0));
    let record = dir.join("state/plan-body-verification-1.json");
    let original = fs_err::read_to_string(&record).unwrap();
    let mut value: Value = serde_json::from_str(&original).unwrap();
    value["gate"]["result"] = json!("passed-with-dissent");
    fs_err::write(&record, value.to_string()).unwrap();
    let v = okstra(&env, &["validate", &run]);
    assert_eq!(v.code, Some(3), "{v}");
    let data = data_path(&dir);
    assert_eq!(
        v.stdout.lines().next().unwrap(),
        format!(
            "FAIL {}: [plan-gate] /planGate (passed) differs from the gate {} records (passed-with-dissent)",
            data.display(),
            record.display()
        ),
        "{v}"
    );
    fs_err::write(&record, &original).unwrap();

    // A rule broken in the data (rendered again, so only the rule fails) is named by pointer.
    let mut value = read_json(&data);
    value["narrative"]["plan"]["stages"][1]["validation"] = json!([]);
    fs_err::write(&data, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    assert_eq!(
        okstra(&env, &["render", data.to_str().unwrap()]).code,
        Some(0)
    );
    let v = okstra(&env, &["validate", &run]);
    assert_eq!(v.code, Some(3), "{v}");
    assert_eq!(
        v.stdout.lines().next().unwrap(),
        format!(
            "FAIL {}: [plan-rules] /narrative/plan/stages/1/validation: S7 Stage 2 has no Stage Validation command",
            data.display()
        ),
        "{v}"
    );
}

#[test]
fn a_run_or_report_that_is_not_a_plan_is_refused_by_name() {
    let env = TestEnv::new();
    let (run, dir) = replay_run(&env);
    let out = okstra(&env, &["plan", "show", &run]);
    assert_eq!(out.code, Some(2), "{out}");
    assert_eq!(
        out.stderr_normalized(),
        "error: run [RUN] is of task type error-analysis: only implementation-planning runs have a plan\n\
         hint: `okstra ctl list` shows each run's task type: plans come from implementation-planning runs\n"
    );
    let data = dir.join("reports/final-report-error-analysis-1.data.json");
    let out = okstra(&env, &["approve", data.to_str().unwrap()]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr_normalized().starts_with(
            "error: [TMP]/project/.okstra/tasks/t/v/runs/error-analysis/reports/final-report-error-analysis-1.data.json is the report of a run of task type error-analysis, not a plan\n"
        ),
        "{out}"
    );
    let out = okstra(&env, &["plan", "check", "nowhere.md"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr_normalized()
            .starts_with("error: [TMP]/project/nowhere.md: no such file\n"),
        "{out}"
    );
}
