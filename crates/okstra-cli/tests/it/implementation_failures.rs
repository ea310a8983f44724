//! The failure cases of an implementation run (issue 11), each with its status and message, on
//! the kit's real program: an executor that writes no RED commit, a RED that already passes,
//! a validation that fails at the head, a verifier FAIL (exit 3, the stage stays started, no
//! carry, no `done` row), a budget reached between steps or before the verifier, a DB change
//! with no `db-test` (passes, `dbGate: unverified`), then `--retry` after a FAIL (the old commits under `refs/okstra/attempts/`, not in the new
//! carry), `--redo` of a done stage and `--reverify` of a stale one. `okstra validate` passes
//! on every run, failed ones included.

use okstra_test_support::TestEnv;
use okstra_test_support::git_repo::git;
use serde_json::{Value, json};

use crate::common::{okstra, read_json};
use crate::run_stage::{ledger_rows, stage_worktree};
use crate::stage_kit::{
    KitStage, add_patch, approve_kit_plan, carry, four_stages, judge, kit_env, kit_project,
    run_stage, script_agent, set_agent, shell_executor, stage_dir, step_answer, subjects,
    write_fixture,
};

const TASK: &str = "calc/ops";

/// Sets up the kit with `judge` and `extra` project keys, approves its plan; returns the
/// stages.
fn setup(env: &TestEnv, judge_fixture: &Value, extra: &Value) -> Vec<KitStage> {
    let stages = four_stages();
    kit_project(env, &stages, judge_fixture, extra);
    approve_kit_plan(env, TASK, &stages);
    stages
}

/// Replaces stage 1's executor fixture by steps `(patch files, subject)`.
fn script_stage_1(env: &TestEnv, steps: &[(&[(String, String)], &str)]) {
    let mut answers = serde_json::Map::new();
    for (i, (files, subject)) in steps.iter().enumerate() {
        answers.insert(
            format!("step-{}", i + 1),
            step_answer(&add_patch(files), subject),
        );
    }
    write_fixture(
        env,
        "s1",
        &json!({"schemaVersion": "replay-fixture/v1", "workers": {"executor": answers}}),
    );
}

/// Returns the run id of stage 1's run `seq`.
fn run_id(env: &TestEnv, seq: u32) -> String {
    let m = read_json(
        &stage_dir(env, TASK, 1).join(format!("manifests/run-manifest-implementation-{seq}.json")),
    );
    m["runId"].as_str().unwrap().to_owned()
}

/// Asserts run `seq` of stage 1 validates.
fn validates(env: &TestEnv, seq: u32) {
    let out = okstra(env, &["validate", &run_id(env, seq)]);
    assert_eq!(out.code, Some(0), "run {seq}: {out}");
}

/// Asserts stage 1's run `seq` failed with exit 3 and `reason`, left no carry nor `done` row,
/// and validates.
fn failed_with(env: &TestEnv, out: &okstra_test_support::CommandOutput, seq: u32, reason: &str) {
    assert_eq!(out.code, Some(3), "{out}");
    assert!(out.stdout.contains("stage:   1 FAIL\n"), "{out}");
    assert!(
        out.stdout.contains(&format!("  failure: {reason}")),
        "{out}"
    );
    assert!(out.stderr.contains("--stage 1 --retry"), "{out}");
    assert!(carry(env, TASK, 1).is_none(), "no carry for a FAIL");
    let rows = ledger_rows(env, TASK);
    assert!(rows.iter().all(|r| r["status"] == "started"), "{rows:?}");
    let data = read_json(&stage_dir(env, TASK, 1).join(format!(
        "reports/final-report-implementation-{seq}.data.json"
    )));
    assert_eq!(data["implementation"]["outcome"], "FAIL");
    validates(env, seq);
}

#[test]
fn an_executor_that_writes_no_red_commit_fails_the_proof() {
    let env = kit_env();
    let stages = setup(&env, &judge("PASS"), &json!({}));
    script_stage_1(
        &env,
        &[
            (&stages[0].red, "test: add the test of op 1"),
            (&stages[0].green, "GREEN: implement op 1"),
        ],
    );
    let out = run_stage(&env, TASK, 1, &[]);
    failed_with(&env, &out, 1, "TDD proof: ");
    assert!(
        out.stderr
            .contains("verifier: no verdict (okstra's own evidence fails the stage)")
    );
}

#[test]
fn a_red_commit_that_passes_fails_the_proof() {
    let env = kit_env();
    let stages = setup(&env, &judge("PASS"), &json!({}));
    let mut both = stages[0].red.clone();
    both.extend(stages[0].green.clone());
    script_stage_1(&env, &[(&both, "RED: a test of op 1, with its code")]);
    let out = run_stage(&env, TASK, 1, &[]);
    failed_with(&env, &out, 1, "TDD proof: ");
    let data = read_json(
        &stage_dir(&env, TASK, 1).join("reports/final-report-implementation-1.data.json"),
    );
    assert_eq!(data["implementation"]["tddProof"]["verdict"], "red-passed");
}

#[test]
fn a_validation_that_fails_at_the_head_fails_the_stage() {
    let env = kit_env();
    let stages = setup(&env, &judge("PASS"), &json!({}));
    let mut wrong = stages[0].green.clone();
    wrong[1].1 = "add() { echo $(( $1 + $2 + 1 )); }\n".to_owned();
    script_stage_1(
        &env,
        &[
            (&stages[0].red, "RED: a failing test of op 1"),
            (&wrong, "GREEN: implement op 1"),
        ],
    );
    let out = run_stage(&env, TASK, 1, &[]);
    failed_with(&env, &out, 1, "Stage Validation `sh tests/t1.sh` exited 1");
    let md = fs_err::read_to_string(
        stage_dir(&env, TASK, 1).join("reports/final-report-implementation-1.md"),
    )
    .unwrap();
    assert!(md.contains("`sh tests/t1.sh` exited 1:\n\n"), "{md}");
}

#[test]
fn a_verifier_fail_fails_the_stage_then_retry_starts_again_from_the_base() {
    let env = kit_env();
    let stages = setup(&env, &judge("FAIL"), &json!({}));
    let out = run_stage(&env, TASK, 1, &[]);
    failed_with(
        &env,
        &out,
        1,
        "the verifier said FAIL: lib/x.sh:1 plan-discrepancy: the stage does not do what the plan says",
    );
    let wt = stage_worktree(&env, TASK, 1);
    let old_head = git(&wt, &["rev-parse", "HEAD"]);
    let old: Vec<String> = git(&wt, &["rev-list", "main..HEAD"])
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(old.len(), 2);

    // --retry: the branch back at its base, the old head kept, new commits of a new script.
    write_fixture(&env, "judge", &judge("PASS"));
    let mut red = stages[0].red.clone();
    red[0].1.push_str("# retried\n");
    script_stage_1(
        &env,
        &[
            (&red, "RED: a failing test of op 1"),
            (&stages[0].green, "GREEN: implement op 1"),
        ],
    );
    let out = run_stage(&env, TASK, 1, &["--retry"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(
        git(&wt, &["rev-parse", "refs/okstra/attempts/stage-1-1"]),
        old_head
    );
    let c = carry(&env, TASK, 1).expect("a carry");
    let shas: Vec<&str> = c["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sha"].as_str().unwrap())
        .collect();
    assert_eq!(shas.len(), 2, "{shas:?}");
    assert!(
        shas.iter().all(|s| !old.iter().any(|o| o == s)),
        "{shas:?} {old:?}"
    );
    assert_eq!(c["runId"].as_str().unwrap(), run_id(&env, 2));
    validates(&env, 1);
    validates(&env, 2);
}

#[test]
fn a_db_change_with_no_db_test_passes_unverified() {
    let env = kit_env();
    let stages = setup(&env, &judge("PASS"), &json!({}));
    let mut green = stages[0].green.clone();
    green.push((
        "migrations/001_totals.sql".to_owned(),
        "CREATE TABLE totals (n INT);\n".to_owned(),
    ));
    script_stage_1(
        &env,
        &[
            (&stages[0].red, "RED: a failing test of op 1"),
            (&green, "GREEN: implement op 1"),
        ],
    );
    let out = run_stage(&env, TASK, 1, &[]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.contains("  note: dbGate: unverified"), "{out}");
    let c = carry(&env, TASK, 1).expect("a carry");
    assert_eq!(c["dbGate"]["status"], "unverified");
    assert!(
        c["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("dbGate: unverified"),
        "{c}"
    );
    let md = fs_err::read_to_string(
        stage_dir(&env, TASK, 1).join("reports/final-report-implementation-1.md"),
    )
    .unwrap();
    assert!(
        md.contains("The DB part of this stage is **unverified**"),
        "{md}"
    );
    validates(&env, 1);
}

#[test]
fn redo_of_a_done_stage_and_reverify_of_a_stale_one() {
    let env = kit_env();
    let stages = setup(&env, &judge("PASS"), &json!({}));
    let out = run_stage(&env, TASK, 1, &[]);
    assert_eq!(out.code, Some(0), "{out}");
    let wt = stage_worktree(&env, TASK, 1);
    let first = git(&wt, &["rev-parse", "HEAD"]);

    // --redo: reopened from its base, the done head kept, done again by a new run.
    let mut red = stages[0].red.clone();
    red[0].1.push_str("# redone\n");
    script_stage_1(
        &env,
        &[
            (&red, "RED: a failing test of op 1"),
            (&stages[0].green, "GREEN: implement op 1"),
        ],
    );
    let out = run_stage(&env, TASK, 1, &["--redo"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(
        git(&wt, &["rev-parse", "refs/okstra/attempts/stage-1-1"]),
        first
    );
    let redone = carry(&env, TASK, 1).unwrap();
    assert_eq!(redone["runId"].as_str().unwrap(), run_id(&env, 2));
    assert_ne!(redone["stageCommitRange"]["head"].as_str().unwrap(), first);

    // The branch moves on: the stage is stale until --reverify checks the head as it is.
    fs_err::write(wt.join("lib/add.sh"), "add() {\n  echo $(( $1 + $2 ))\n}\n").unwrap();
    git(&wt, &["commit", "-qam", "REFACTOR: one statement per line"]);
    let out = okstra(&env, &["ledger", "show", "--task", TASK, "--json"]);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["stages"][0]["state"], "stale", "{v}");
    let moved = git(&wt, &["rev-parse", "HEAD"]);
    let out = run_stage(&env, TASK, 1, &["--reverify"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stderr.contains("executor done (skipped, 0 invocations"),
        "{out}"
    );
    let reverified = carry(&env, TASK, 1).unwrap();
    assert_eq!(
        reverified["stageCommitRange"]["head"].as_str().unwrap(),
        moved
    );
    assert_eq!(reverified["runId"].as_str().unwrap(), run_id(&env, 3));
    assert_eq!(
        subjects(
            &wt,
            &format!(
                "{}..HEAD",
                reverified["stageCommitRange"]["base"].as_str().unwrap()
            )
        ),
        [
            "RED: a failing test of op 1",
            "GREEN: implement op 1",
            "REFACTOR: one statement per line"
        ]
    );
    let team = read_json(&stage_dir(&env, TASK, 1).join("state/team-state-3.json"));
    let roles: Vec<&str> = team["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["verifier"], "no executor ran");
    for seq in 1..=3 {
        validates(&env, seq);
    }
}

#[test]
fn outside_git_a_stage_passes_on_its_validation_with_the_tdd_order_unproven() {
    let env = TestEnv::new_non_git();
    for program in ["sh", "dirname", "cat", "mkdir", "head"] {
        let target = okstra_test_support::test_env::host_program(program);
        std::os::unix::fs::symlink(target, env.bin().join(program)).unwrap();
    }
    setup(&env, &judge("PASS"), &json!({}));
    let out = run_stage(&env, TASK, 1, &[]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        env.project().join("lib/add.sh").is_file(),
        "the patches landed in the root"
    );
    assert!(
        out.stdout
            .contains("  note: outside git: okstra could not prove the TDD order"),
        "{out}"
    );
    let c = carry(&env, TASK, 1).expect("a carry");
    assert_eq!(c["tddProof"]["verdict"], "no-git");
    assert_eq!(c["commits"], json!([]));
    assert_eq!(c["validationEvidence"][0]["exitCode"], 0);
    validates(&env, 1);
}

#[test]
fn a_reached_budget_starts_no_further_step_and_no_verifier() {
    // Each step costs 110 tokens, the verifier 55. A budget of 100 is reached after step 1:
    // step 2 never starts, and the stage fails saying why.
    let env = kit_env();
    setup(&env, &judge("PASS"), &json!({"budget": {"maxTokens": 100}}));
    let out = run_stage(&env, TASK, 1, &[]);
    failed_with(
        &env,
        &out,
        1,
        "the executor ended `not-run`: not started: budget reached: 110 tokens used of a budget of 100",
    );
    let wt = stage_worktree(&env, TASK, 1);
    assert_eq!(
        subjects(&wt, "main..HEAD"),
        ["RED: a failing test of op 1"],
        "only step 1 ran"
    );

    // A budget of 200 is reached after both steps (220): the verifier is not asked.
    let env = kit_env();
    setup(&env, &judge("PASS"), &json!({"budget": {"maxTokens": 200}}));
    let out = run_stage(&env, TASK, 1, &[]);
    failed_with(
        &env,
        &out,
        1,
        "the verifier was not asked: budget reached: 220 tokens used of a budget of 200",
    );
    let data = read_json(
        &stage_dir(&env, TASK, 1).join("reports/final-report-implementation-1.data.json"),
    );
    assert!(
        data.to_string().contains("budget"),
        "the report data says the budget was reached: {data}"
    );
}

/// A `command` executor whose git cannot write (it says so the way git does, and commits
/// nothing): its first invocation writes the whole stage, each later one the next step's files
/// (the test, then the code).
const UNCOMMITTING_EXECUTOR: &str = r#"#!/bin/sh
cat > /dev/null
count_file="$1"
n=$(cat "$count_file" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$count_file"
write_test() {
  mkdir -p tests
  printf '%s\n' '#!/bin/sh' 'set -e' 'test "$(sh calc.sh add 2 3)" = 5' > tests/t1.sh
}
write_code() {
  mkdir -p lib
  printf '%s\n' '#!/bin/sh' 'op="$1"' 'shift' '. "$(dirname "$0")/lib/$op.sh"' '"$op" "$@"' > calc.sh
  printf '%s\n' 'add() { echo $(( $1 + $2 )); }' > lib/add.sh
}
case "$n" in
  1) write_test; write_code ;;
  2) write_test ;;
  *) write_code ;;
esac
echo "fatal: Unable to create '$PWD/.git/index.lock': Read-only file system" >&2
echo "I could not commit: git says the file system is read-only."
"#;

#[test]
fn an_executor_that_cannot_commit_is_driven_step_by_step_on_its_retry() {
    let env = kit_env();
    setup(
        &env,
        &judge("PASS"),
        &json!({"executor": {"stepMode": false}}),
    );
    let count = env.root().join("invocations").display().to_string();
    let agent = script_agent(
        &env,
        "uncommitting-executor.sh",
        UNCOMMITTING_EXECUTOR,
        &[&count],
    );
    set_agent(&env, "s1", agent);

    // Driven whole, it commits nothing: okstra commits what it left, and with no RED commit
    // the TDD proof fails.
    let out = run_stage(&env, TASK, 1, &[]);
    assert_eq!(out.code, Some(3), "{out}");
    let x1 = read_json(&stage_dir(&env, TASK, 1).join("state/execution-1.json"));
    assert_eq!(x1["mode"], "whole-stage", "{x1}");
    assert_eq!(x1["cannotCommit"], true, "{x1}");
    let wt = stage_worktree(&env, TASK, 1);
    assert_eq!(
        subjects(&wt, "main..HEAD"),
        ["okstra: uncommitted executor changes"]
    );
    validates(&env, 1);

    // Its retry is driven one plan step per invocation, okstra committing each step under
    // the step's prefix: the proof holds and the stage is done.
    let out = run_stage(&env, TASK, 1, &["--retry"]);
    assert_eq!(out.code, Some(0), "{out}");
    let x2 = read_json(&stage_dir(&env, TASK, 1).join("state/execution-2.json"));
    assert_eq!(x2["mode"], "step-by-step", "{x2}");
    assert!(
        x2["modeReason"].as_str().unwrap_or("").contains("commit"),
        "{x2}"
    );
    let subjects = subjects(&wt, "main..HEAD");
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(subjects[0].starts_with("RED: "), "{subjects:?}");
    assert!(subjects[1].starts_with("GREEN: "), "{subjects:?}");
    let c = carry(&env, TASK, 1).expect("a carry");
    assert_eq!(c["tddProof"]["verdict"], "proven", "{c}");
    validates(&env, 2);
}

/// A `command` executor that makes stage 1's RED and GREEN commits after moving the stage
/// worktree off its branch (`switch`) or rewriting the base commit itself (`amend`).
const UNRULY_EXECUTOR: &str = r#"#!/bin/sh
cat > /dev/null
set -e
case "$1" in
  switch) git checkout -q -b elsewhere ;;
  amend) git commit -q --amend --allow-empty -m "rewritten base" ;;
esac
mkdir -p tests lib
printf '%s\n' '#!/bin/sh' 'set -e' 'test "$(sh calc.sh add 2 3)" = 5' > tests/t1.sh
git add tests/t1.sh
git commit -q -m "RED: a failing test of op 1"
printf '%s\n' '#!/bin/sh' 'op="$1"' 'shift' '. "$(dirname "$0")/lib/$op.sh"' '"$op" "$@"' > calc.sh
printf '%s\n' 'add() { echo $(( $1 + $2 )); }' > lib/add.sh
git add calc.sh lib/add.sh
git commit -q -m "GREEN: implement op 1"
echo "Did stage 1."
"#;

#[test]
fn a_head_off_the_stage_branch_or_below_its_base_fails_the_stage() {
    for (mode, reason) in [
        ("switch", "not on the stage branch"),
        ("amend", "does not descend from the stage's base"),
    ] {
        let env = kit_env();
        setup(
            &env,
            &judge("PASS"),
            &json!({"executor": {"stepMode": false}}),
        );
        let agent = script_agent(&env, "unruly-executor.sh", UNRULY_EXECUTOR, &[mode]);
        set_agent(&env, "s1", agent);
        let out = run_stage(&env, TASK, 1, &[]);
        assert_eq!(out.code, Some(3), "{mode}: {out}");
        assert!(out.stdout.contains(reason), "{mode}: {out}");
        assert!(carry(&env, TASK, 1).is_none(), "{mode}: no carry");
        validates(&env, 1);

        // `--retry` puts the stage worktree back on its branch, at its base.
        set_agent(&env, "s1", shell_executor(&env, None, false));
        let out = run_stage(&env, TASK, 1, &["--retry"]);
        assert_eq!(out.code, Some(0), "{mode}: {out}");
        let wt = stage_worktree(&env, TASK, 1);
        assert_eq!(
            subjects(&wt, "main..HEAD"),
            ["RED: a failing test of op 1", "GREEN: implement op 1"],
            "{mode}"
        );
        validates(&env, 2);
    }
}
