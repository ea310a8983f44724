//! `okstra plan check|show|answer|import` and `okstra approve` on markdown plans: a hand-written
//! plan checked, shown and imported as a run; every refusal exit 2 with its reason; an
//! imported plan answered, approved and validated.

use std::path::PathBuf;

use okstra_test_support::TestEnv;
use serde_json::Value;

use crate::common::{okstra, read_json, run_dir};

/// A valid hand-written plan: two options, two stages (2 depends on 1), and a clarification
/// item `C-1` that blocks approval until it is answered.
pub(crate) const PLAN: &str = include_str!("fixtures/plan.md");

/// Writes `text` as `name` in the project folder and returns its path.
pub(crate) fn write_plan(env: &TestEnv, name: &str, text: &str) -> PathBuf {
    let path = env.project().join(name);
    fs_err::write(&path, text).unwrap();
    path
}

/// Returns the plan with `from` replaced by `to` (which must be there).
fn edited(from: &str, to: &str) -> String {
    assert!(PLAN.contains(from), "{from:?} is not in the plan");
    PLAN.replacen(from, to, 1)
}

/// Imports `plan.md` into task `t/v`; returns the run id and its report.
fn import(env: &TestEnv) -> (String, PathBuf) {
    write_plan(env, "plan.md", PLAN);
    let out = okstra(
        env,
        &["plan", "import", "plan.md", "--task", "t/v", "--json"],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    (
        v["runId"].as_str().unwrap().to_owned(),
        PathBuf::from(v["report"].as_str().unwrap()),
    )
}

#[test]
fn plan_check_passes_a_valid_plan_and_lists_every_violation() {
    let env = TestEnv::new_non_git();
    write_plan(&env, "plan.md", PLAN);
    insta::assert_snapshot!(okstra(&env, &["plan", "check", "plan.md"]), @r"
    exit: 0
    ----- stdout -----
    plan check passed: plan.md (2 stages)
    ----- stderr -----
    ");

    let broken = edited("depends-on: 1\n", "depends-on: 3\n").replacen("Delete the test.", "", 1);
    write_plan(&env, "broken.md", &broken);
    insta::assert_snapshot!(okstra(&env, &["plan", "check", "broken.md"]), @r"
    exit: 2
    ----- stdout -----
    broken.md:83: S9 Stage 1 has an empty Rollback
    broken.md:89: S5 Stage 2 depends on Stage 3, which does not exist
    ----- stderr -----
    error: broken.md fails plan check: 2 violations
    hint: fix each line named above, then run `okstra plan check` again
    ");
    let out = okstra(&env, &["plan", "check", "broken.md", "--json"]);
    assert_eq!(out.code, Some(2), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["passed"], false);
    assert_eq!(v["checkedAs"], "markdown");
    let rules: Vec<&str> = v["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["S9", "S5"]);
    assert_eq!(v["violations"][1]["at"], "89");
}

#[test]
fn plan_show_lists_each_stage_ready_or_waiting_and_the_dag() {
    let env = TestEnv::new_non_git();
    write_plan(&env, "plan.md", PLAN);
    insta::assert_snapshot!(okstra(&env, &["plan", "show", "plan.md"]), @r"
    exit: 0
    ----- stdout -----
    plan: plan.md (2 stages, not approved)
    STAGE  TITLE                            DEPENDS-ON  STATE        NEXT
    1      Failing test for guest checkout  (none)      not started  ready
    2      Non-optional cart                1           not started  waiting on stage 1
    ----- stderr -----
    ");
    let titled = edited(
        "Stage 2: Non-optional cart\n\ndepends-on",
        "Stage 2: Non-optional \"cart\" \\ type\n\ndepends-on",
    );
    write_plan(&env, "quoted.md", &titled);
    insta::assert_snapshot!(okstra(&env, &["plan", "show", "quoted.md", "--dot"]), @r#"
    exit: 0
    ----- stdout -----
    digraph plan {
      rankdir=LR;
      node [shape=box];
      s1 [label="1: Failing test for guest checkout"];
      s2 [label="2: Non-optional \"cart\" \\ type"];
      s1 -> s2;
    }
    ----- stderr -----
    "#);
    let out = okstra(&env, &["plan", "show", "plan.md", "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["approved"], false);
    assert_eq!(v["stages"][0]["ready"], true);
    assert_eq!(v["stages"][1]["ready"], false);
    assert_eq!(v["stages"][1]["waitingOn"], serde_json::json!([1]));
    assert_eq!(v["stages"][1]["state"], "not-started");
}

#[test]
fn import_makes_a_completed_imported_run_that_validates() {
    let env = TestEnv::new();
    write_plan(&env, "plan.md", PLAN);
    let out = okstra(&env, &["plan", "import", "plan.md", "--task", "t/v"]);
    insta::assert_snapshot!(out, @r"
    exit: 0
    ----- stdout -----
    run:     [RUN]
    report:  .okstra/tasks/t/v/runs/implementation-planning/reports/final-report-implementation-planning-1.md
    ----- stderr -----
    imported plan.md as run #1 of project:t:v (2 stages)
    ");
    let run = out.stdout.lines().next().unwrap()[9..].to_owned();
    let dir = run_dir(&env, "t/v", "implementation-planning");
    let manifest = read_json(&dir.join("manifests/run-manifest-implementation-planning-1.json"));
    assert_eq!(manifest["status"], "completed");
    assert_eq!(manifest["kind"], "imported");
    assert_eq!(manifest["worktree"]["status"], "not-needed");
    assert_eq!(manifest["workers"], serde_json::json!([]));
    let report =
        fs_err::read_to_string(dir.join("reports/final-report-implementation-planning-1.md"))
            .unwrap();
    assert_eq!(report, format!("---\napproved: false\n---\n{PLAN}"));
    // The index has its started and done rows; the timeline its entry; no worktree was made.
    let index = fs_err::read_to_string(env.okstra_home().join("index/runs.jsonl")).unwrap();
    let events: Vec<String> = index
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|row| row["runId"] == run.as_str())
        .map(|row| format!("{} {}", row["event"], row["status"]))
        .collect();
    assert_eq!(
        events,
        ["\"started\" \"completed\"", "\"done\" \"completed\""]
    );
    let timeline = read_json(
        &env.project()
            .join(".okstra/tasks/t/v/history/timeline.json"),
    );
    assert_eq!(timeline["entries"][0]["runId"], run.as_str());
    assert!(!env.okstra_home().join("worktrees").exists());

    let valid = okstra(&env, &["validate", &run]);
    assert_eq!(valid.code, Some(0), "{valid}");
    // An imported report edited to break a rule no longer validates, and says where.
    let report = dir.join("reports/final-report-implementation-planning-1.md");
    let text = fs_err::read_to_string(&report).unwrap();
    fs_err::write(
        &report,
        text.replacen("depends-on: 1\n", "depends-on: 4\n", 1),
    )
    .unwrap();
    let broken = okstra(&env, &["validate", &run]);
    assert_eq!(broken.code, Some(3), "{broken}");
    assert!(
        broken.stdout.starts_with(&format!(
            "FAIL {}: [plan-rules] 92: S5 Stage 2 depends on Stage 4, which does not exist\n",
            report.display()
        )),
        "{broken}"
    );
    fs_err::write(&report, &text).unwrap();
    let shown = okstra(&env, &["plan", "show", "--task", "t/v"]);
    assert_eq!(shown.code, Some(0), "{shown}");
    assert!(
        shown.stdout.starts_with(
            "plan: .okstra/tasks/t/v/runs/implementation-planning/reports/final-report-implementation-planning-1.md (2 stages, not approved)"
        ),
        "{shown}"
    );
    // A second import is the task's next run, and the one --task shows.
    let again = okstra(
        &env,
        &["plan", "import", "plan.md", "--task", "t/v", "--json"],
    );
    assert_eq!(again.code, Some(0), "{again}");
    let v: Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(v["runSeq"], 2);
    let shown = okstra(&env, &["plan", "show", "--task", "t/v", "--json"]);
    let shown: Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(shown["runId"], v["runId"]);
}

#[test]
fn import_refuses_a_plan_that_fails_s5_and_writes_nothing() {
    let env = TestEnv::new();
    let before = TestEnv::files_under(&env.root());
    let bad = edited("depends-on: 1\n", "depends-on: 1, 7\n");
    write_plan(&env, "s5.md", &bad);
    let out = okstra(&env, &["plan", "import", "s5.md", "--task", "t/v"]);
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/project/s5.md fails plan check (1 violation):
    [TMP]/project/s5.md:89: S5 Stage 2 depends on Stage 7, which does not exist
    hint: fix each line named above, then run `okstra plan check` on the file
    ");
    let mut after = TestEnv::files_under(&env.root());
    after.retain(|f| !f.ends_with("s5.md"));
    assert_eq!(before, after, "a refused import writes nothing");
}

#[test]
fn answer_then_approve_turns_a_blocked_imported_plan_into_an_approved_one() {
    let env = TestEnv::new();
    let (run, report) = import(&env);
    insta::assert_snapshot!(okstra(&env, &["approve", &run]), @r#"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/project/.okstra/tasks/t/v/runs/implementation-planning/reports/final-report-implementation-planning-1.md cannot be approved:
    - C-1 (Status=open): Keep the cart of a guest who logs in to an account that has a cart?
    hint: answer each open item with `okstra plan answer <plan> <C-id> "<answer>"`
    "#);
    let answered = okstra(
        &env,
        &["plan", "answer", &run, "c-1", "Yes | merge both carts"],
    );
    assert_eq!(answered.code, Some(0), "{answered}");
    assert!(
        answered.stdout.starts_with("C-1 is resolved: "),
        "{answered}"
    );
    let text = fs_err::read_to_string(&report).unwrap();
    assert!(
        text.contains("| C-1 | Keep the cart of a guest who logs in to an account that has a cart? | Yes \\| merge both carts | approval | resolved |"),
        "{text}"
    );
    // Answering again, as JSON: the item as the plan spells it, and the files rewritten.
    let answered = okstra(
        &env,
        &[
            "plan",
            "answer",
            &run,
            "c-1",
            "Yes, merge both carts",
            "--json",
        ],
    );
    assert_eq!(answered.code, Some(0), "{answered}");
    let v: serde_json::Value = serde_json::from_str(&answered.stdout).unwrap();
    assert_eq!(v["id"], "C-1", "{v}");
    assert_eq!(v["status"], "resolved", "{v}");
    // An imported markdown plan: its markdown is the plan, rewritten in place.
    assert_eq!(v["plan"], report.display().to_string(), "{v}");
    assert_eq!(
        v["written"],
        serde_json::json!([report.display().to_string()]),
        "{v}"
    );
    let approved = okstra(&env, &["approve", &run]);
    assert_eq!(approved.code, Some(0), "{approved}");
    let text = fs_err::read_to_string(&report).unwrap();
    assert!(text.starts_with("---\napproved: true\n---\n"), "{text}");
    let valid = okstra(&env, &["validate", &run]);
    assert_eq!(valid.code, Some(0), "{valid}");
    // The task's latest plan is the same one.
    let again = okstra(&env, &["approve", "--task", "t/v"]);
    assert_eq!(again.code, Some(0), "{again}");
    assert!(again.stdout.starts_with("already approved: "), "{again}");
    assert!(
        again
            .stdout
            .trim_end()
            .ends_with("final-report-implementation-planning-1.md"),
        "{again}"
    );
}

#[test]
fn approve_refuses_an_unparsable_section_1_and_answer_an_unknown_item() {
    let env = TestEnv::new_non_git();
    write_plan(&env, "plan.md", PLAN);
    let out = okstra(&env, &["plan", "answer", "plan.md", "C-9", "yes"]);
    insta::assert_snapshot!(out, @r#"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/project/plan.md: no clarification item "C-9"; its items are: C-1, C-2
    hint: use one of the ids listed; `okstra plan show` names the plan
    "#);
    let broken = edited(
        "| id | question | answer | Blocks | Status |",
        "| id | question | answer |",
    );
    write_plan(&env, "broken.md", &broken);
    let out = okstra(&env, &["approve", "broken.md"]);
    assert_eq!(out.code, Some(2), "{out}");
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/project/broken.md cannot be approved:
    - [TMP]/project/broken.md:3: section-1 section 1 has no clarification table (| id | question | answer | Blocks | Status |)
    hint: make section 1 a table `| id | question | answer | Blocks | Status |`
    ");
    assert!(
        !fs_err::read_to_string(env.project().join("broken.md"))
            .unwrap()
            .starts_with("---")
    );
}

/// The folder of okstra-core's plan fixtures and their snapshotted diagnostics.
fn core_tests() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../okstra-core/tests")
}

#[test]
fn plan_check_prints_the_diagnostics_of_every_core_plan_fixture() {
    let env = TestEnv::new_non_git();
    let core = core_tests();
    let mut checked = 0;
    for entry in fs_err::read_dir(core.join("fixtures/plans")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let stem = name.strip_suffix(".md").unwrap();
        let arg = format!("tests/fixtures/plans/{name}");
        // From okstra-core's folder, the paths are those its snapshots name.
        let dir = core.join("..");
        let out = okstra(&env, &["-C", dir.to_str().unwrap(), "plan", "check", &arg]);
        if stem == "valid" {
            assert_eq!(out.code, Some(0), "{out}");
            continue;
        }
        assert_eq!(out.code, Some(2), "{name}: {out}");
        let snap = fs_err::read_to_string(
            core.join(format!("plan/snapshots/plan__fixtures__{stem}.snap")),
        )
        .unwrap();
        let expected = snap.splitn(3, "---\n").nth(2).unwrap().trim_end();
        assert_eq!(out.stdout.trim_end(), expected, "{name}");
        checked += 1;
    }
    assert!(
        checked >= 23,
        "every rule and keyword has its fixture: {checked}"
    );
}

#[test]
fn the_core_fixtures_import_and_approve_or_are_refused() {
    let env = TestEnv::new();
    let core = core_tests().join("fixtures/plans");
    let s5 = fs_err::read_to_string(core.join("s5.md")).unwrap();
    write_plan(&env, "s5.md", &s5);
    let out = okstra(&env, &["plan", "import", "s5.md", "--task", "t/v"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert_eq!(
        out.stderr_normalized().lines().nth(1).unwrap(),
        "[TMP]/project/s5.md:93: S5 Stage 2 depends on Stage 3, which does not exist"
    );
    assert!(
        !env.project().join(".okstra/tasks").exists(),
        "nothing written"
    );

    // valid.md has no open Blocks=approval item: it imports and approves at once.
    let valid = fs_err::read_to_string(core.join("valid.md")).unwrap();
    write_plan(&env, "valid.md", &valid);
    let out = okstra(
        &env,
        &["plan", "import", "valid.md", "--task", "t/v", "--json"],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let run = v["runId"].as_str().unwrap();
    let report = fs_err::read_to_string(v["report"].as_str().unwrap()).unwrap();
    assert_eq!(report, valid, "its own approved: false is kept");
    let out = okstra(&env, &["approve", run]);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(okstra(&env, &["validate", run]).code, Some(0));
}

#[test]
fn import_takes_the_seq_override_once() {
    let mut env = TestEnv::new_non_git();
    write_plan(&env, "plan.md", PLAN);
    env.set_env("OKSTRA_RUN_SEQ_OVERRIDE", "7");
    let args = ["plan", "import", "plan.md", "--task", "t/v", "--json"];
    let out = okstra(&env, &args);
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["runSeq"], 7, "{v}");
    assert!(
        v["report"]
            .as_str()
            .unwrap()
            .ends_with("final-report-implementation-planning-7.md"),
        "{v}"
    );
    let again = okstra(&env, &args);
    assert_eq!(again.code, Some(2), "{again}");
    assert!(
        again
            .stderr
            .contains("run seq 7 of implementation-planning already exists"),
        "{again}"
    );
    assert!(
        again.stderr.contains("unset OKSTRA_RUN_SEQ_OVERRIDE"),
        "{again}"
    );
    env.set_env("OKSTRA_RUN_SEQ_OVERRIDE", "seven");
    let bad = okstra(&env, &args);
    assert_eq!(bad.code, Some(2), "{bad}");
    assert!(bad.stderr.contains("OKSTRA_RUN_SEQ_OVERRIDE"), "{bad}");
}
