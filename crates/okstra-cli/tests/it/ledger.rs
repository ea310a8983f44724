//! `okstra ledger repair|show`, `okstra plan show` on the real ledger, and `okstra approve
//! --supersede`: an approved plan of five stages whose ledger rows and carry sidecars are
//! written as an implementation run (and the original okstra) would write them.

use std::path::PathBuf;
use std::process::Command;

use okstra_test_support::TestEnv;
use okstra_test_support::git_repo::git;
use serde_json::{Value, json};

use crate::common::okstra;
use crate::plan::write_plan;

const H1: &str = "1111111111111111111111111111111111111111";
const H5: &str = "5555555555555555555555555555555555555555";
const RUN1: &str = "01JD0000000000000000000001";
const RUN2: &str = "01JD0000000000000000000002";
const RUN3: &str = "01JD0000000000000000000003";

/// Returns a plan of `stages` (`(number, depends-on)`) that passes `okstra plan check`.
pub(crate) fn plan_md(stages: &[(u32, &[u32])]) -> String {
    let list = |deps: &[u32]| {
        if deps.is_empty() {
            "(none)".to_owned()
        } else {
            deps.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let all = stages
        .iter()
        .map(|(n, _)| n.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut text = format!(
        "---\napproved: false\n---\n\n# Implementation Plan\n\n## 1. Clarification Items\n\n\
         | id | question | answer | Blocks | Status |\n|---|---|---|---|---|\n\
         | C-1 | Which release carries it? | The next. | none | resolved |\n\n\
         ## 5. Implementation Plan\n\n## 5.1 Requirement Coverage\n\n\
         | requirement | stages | note |\n|---|---|---|\n| Totals are right | {all} | — |\n\n\
         ## 5.2 Option Candidates\n\n### Option 1: Patch the sum\n\nFix the loop.\n\n\
         #### Trade-off\n\n- Small.\n\n### Option 2: Rewrite the sum\n\nA fold.\n\n\
         #### Trade-off\n\n- Larger.\n\n## 5.3 Recommended Option\n\nOption 2: Rewrite the sum\n\n\
         It is clearer.\n\n## 5.4 Implementation Plan Deliverables\n\n\
         | id | kind | item |\n|---|---|---|\n\
         | P-1 | option | Option 1: Patch the sum |\n| P-2 | option | Option 2: Rewrite the sum |\n"
    );
    let mut p = 3;
    for (n, _) in stages {
        text.push_str(&format!("| P-{p} | stage | Stage {n}: Part {n} |\n"));
        p += 1;
    }
    text.push_str(&format!(
        "| P-{p} | validation | cargo test |\n\n## 5.5 Stage Map\n\n### Dependency Graph\n\n\
         | stage | title | depends-on |\n|---|---|---|\n"
    ));
    for (n, deps) in stages {
        text.push_str(&format!("| {n} | Part {n} | {} |\n", list(deps)));
    }
    for (n, deps) in stages {
        text.push_str(&format!(
            "\n## 5.5.{n} Stage {n}: Part {n}\n\ndepends-on: {}\n\
             Slice value: part {n} works.\nAcceptance: `cargo test part_{n}` passes.\n\n\
             ### Stepwise Execution Order\n\n| # | action | files |\n|---|---|---|\n\
             | 1 | RED: a failing test of part {n} | `tests/part_{n}.rs` |\n\
             | 2 | GREEN: make it pass | `src/part_{n}.rs` |\n\n\
             ### Stage Validation\n\n- `cargo test part_{n}`\n\n\
             ### Stage Exit Contract\n\n- Part {n} is tested.\n\n### Rollback\n\nRevert it.\n",
            list(deps)
        ));
    }
    text.push_str("\n## 5.6 Validation Checklist\n\n- `cargo test` — every test passes\n");
    text
}

/// Five stages: 2 and 3 depend on 1, 4 on both, 5 on nothing.
const FIVE: &[(u32, &[u32])] = &[(1, &[]), (2, &[1]), (3, &[1]), (4, &[2, 3]), (5, &[])];

/// Imports `stages` as a plan of task `t/v` and approves it; returns its run id.
fn approved_plan(env: &TestEnv, file: &str, stages: &[(u32, &[u32])]) -> String {
    write_plan(env, file, &plan_md(stages));
    let out = okstra(env, &["plan", "import", file, "--task", "t/v", "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let run = v["runId"].as_str().unwrap().to_owned();
    let out = okstra(env, &["approve", &run]);
    assert_eq!(out.code, Some(0), "{out}");
    run
}

fn task_root(env: &TestEnv) -> PathBuf {
    env.project().join(".okstra/tasks/t/v")
}

fn ledger(env: &TestEnv) -> PathBuf {
    task_root(env).join("runs/implementation-planning/consumers.jsonl")
}

/// Appends rows to the task's ledger.
fn append(env: &TestEnv, rows: &[Value]) {
    let path = ledger(env);
    fs_err::create_dir_all(path.parent().unwrap()).unwrap();
    let mut text = fs_err::read_to_string(&path).unwrap_or_default();
    for row in rows {
        text.push_str(&format!("{row}\n"));
    }
    fs_err::write(&path, text).unwrap();
}

fn write_carry(env: &TestEnv, name: &str, text: &str) {
    let dir = task_root(env).join("runs/implementation/carry");
    fs_err::create_dir_all(&dir).unwrap();
    fs_err::write(dir.join(name), text).unwrap();
}

/// Writes the manifest of implementation run `run_id` of `stage`, `running` with the pid of a
/// process that has exited.
fn dead_run_manifest(env: &TestEnv, plan_run: &str, stage: u32, run_id: &str) {
    let planning = task_root(env)
        .join("runs/implementation-planning/manifests/run-manifest-implementation-planning-1.json");
    let mut m: Value = serde_json::from_str(&fs_err::read_to_string(planning).unwrap()).unwrap();
    assert_eq!(m["runId"], plan_run);
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    m["runId"] = json!(run_id);
    m["taskType"] = json!("implementation");
    m["stage"] = json!(stage);
    m["status"] = json!("running");
    m["pid"] = json!(pid);
    let dir = task_root(env).join(format!("runs/implementation/stage-{stage}/manifests"));
    fs_err::create_dir_all(&dir).unwrap();
    fs_err::write(
        dir.join("run-manifest-implementation-1.json"),
        m.to_string(),
    )
    .unwrap();
}

/// The ledger of the five-stage plan `plan`: 1 done (run 1), 2 started by a dead run, 3
/// started by a run with no manifest, 5's carry written with no `done` row.
fn five_stages_in_progress(env: &TestEnv) -> String {
    let plan = approved_plan(env, "plan.md", FIVE);
    let row = |stage: u32, status: &str, run: &str| {
        json!({"v": 1, "impl_task_key": "project:t:v", "stage": stage, "status": status,
            "started_at": "2026-11-29T12:00:00Z", "head_commit": H1, "plan_run_id": plan, "run_id": run})
    };
    let mut done = row(1, "done", RUN1);
    done["carry_path"] = json!("runs/implementation/carry/stage-1.json");
    append(
        env,
        &[
            row(1, "started", RUN1),
            done,
            row(2, "started", RUN2),
            row(3, "started", RUN3),
        ],
    );
    dead_run_manifest(env, &plan, 2, RUN2);
    write_carry(
        env,
        "stage-1.json",
        &json!({"stage": 1, "head": H1, "plan_run_id": plan}).to_string(),
    );
    write_carry(
        env,
        "stage-5.json",
        &json!({"schemaVersion": "carry/v1", "stage": 5, "plan_run_id": plan, "status": "done",
            "stageCommitRange": {"base": H1, "head": H5}, "headTree": "t5"})
        .to_string(),
    );
    plan
}

#[test]
fn ledger_show_lists_each_stage_with_its_state_run_head_and_carry() {
    let env = TestEnv::new();
    five_stages_in_progress(&env);
    insta::assert_snapshot!(okstra(&env, &["ledger", "show", "--task", "t/v"]), @r"
    exit: 0
    ----- stdout -----
    plan: .okstra/tasks/t/v/runs/implementation-planning/reports/final-report-implementation-planning-1.md (run [RUN], 5 stages, approved)
    STAGE  TITLE   STATE                                                  RUN                         HEAD          CARRY
    1      Part 1  done                                                   [RUN]  111111111111  runs/implementation/carry/stage-1.json
    2      Part 2  started (run [RUN] is dead)       [RUN]  -             -
    3      Part 3  started (run [RUN], no manifest)  [RUN]  -             -
    4      Part 4  blocked by stages 2, 3                                 -                           -             -
    5      Part 5  done                                                   -                           555555555555  runs/implementation/carry/stage-5.json
    ----- stderr -----
    recovered 1 done row(s) from carry sidecars
    ");
    // The repair appended stage 5's row once.
    let text = fs_err::read_to_string(ledger(&env)).unwrap();
    assert_eq!(text.matches("carry-backfill").count(), 1);
    let out = okstra(&env, &["ledger", "show", "--task", "t/v", "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["recovered"], 0, "a second read recovers nothing");
    assert_eq!(v["choice"], "latest-approved");
    let stages = v["stages"].as_array().unwrap();
    assert_eq!(stages[1]["state"], "started");
    assert_eq!(stages[1]["run"], "dead");
    assert_eq!(stages[1]["base"], H1);
    assert_eq!(stages[3]["blockedBy"], json!([2, 3]));
    assert_eq!(stages[4]["source"], "carry-backfill");
    assert_eq!(stages[4]["head"], H5);
}

#[test]
fn plan_show_reads_the_ledger() {
    let env = TestEnv::new();
    five_stages_in_progress(&env);
    let out = okstra(&env, &["plan", "show", "--task", "t/v"]);
    assert_eq!(out.code, Some(0), "{out}");
    insta::assert_snapshot!(out.stdout_normalized(), @r"
    plan: .okstra/tasks/t/v/runs/implementation-planning/reports/final-report-implementation-planning-1.md (5 stages, approved)
    STAGE  TITLE   DEPENDS-ON  STATE        NEXT
    1      Part 1  (none)      done         -
    2      Part 2  1           started      -
    3      Part 3  1           started      -
    4      Part 4  2, 3        not started  waiting on stages 2, 3
    5      Part 5  (none)      done         -
    ");
}

#[test]
fn ledger_repair_prints_the_rows_it_recovered_then_says_there_are_none() {
    let env = TestEnv::new();
    approved_plan(&env, "plan.md", FIVE);
    append(
        &env,
        &[json!({"impl_task_key": "project:t:v", "stage": 1, "status": "started"})],
    );
    // The original's carries: a stage from the file name, a head from the last commit.
    write_carry(&env, "stage-1.json", &json!({"head_sha": H1}).to_string());
    write_carry(
        &env,
        "stage-2.json",
        &json!({"stageNumber": 2, "commits": [{"sha": H1}, {"sha": H5}]}).to_string(),
    );
    write_carry(
        &env,
        "stage-3.json",
        &json!({"status": "FAILED", "head": H5}).to_string(),
    );
    write_carry(&env, "stage-4.json", "{\"stage\": 4,");
    insta::assert_snapshot!(okstra(&env, &["ledger", "repair", "--task", "t/v"]), @r#"
    exit: 0
    ----- stdout -----
    stage 1: done at 111111111111 from runs/implementation/carry/stage-1.json (impl_task_key project:t:v)
    stage 2: done at 555555555555 from runs/implementation/carry/stage-2.json (impl_task_key project:t:v)
    ----- stderr -----
    warning: .okstra/tasks/t/v/runs/implementation/carry/stage-3.json gives no done row: its status is "FAILED"
    warning: .okstra/tasks/t/v/runs/implementation/carry/stage-4.json gives no done row: not JSON (EOF while parsing a value at line 1 column 12)
    recovered 2 rows into .okstra/tasks/t/v/runs/implementation-planning/consumers.jsonl
    "#);
    let out = okstra(&env, &["ledger", "repair", "--task", "t/v", "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["recovered"], json!([]));
    assert_eq!(v["skipped"].as_array().unwrap().len(), 2);
    let out = okstra(&env, &["ledger", "repair", "--task", "t/v"]);
    assert_eq!(
        out.stdout,
        "no rows recovered: every complete carry sidecar already has its done row\n"
    );
    // The ledger deleted: the carries alone give the same rows back.
    fs_err::remove_file(ledger(&env)).unwrap();
    let out = okstra(&env, &["ledger", "repair", "--task", "t/v", "--json"]);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["recovered"], json!([]), "no row names the task key: {v}");
    write_carry(
        &env,
        "stage-1.json",
        &json!({"head_sha": H1, "impl_task_key": "project:t:v"}).to_string(),
    );
    let out = okstra(&env, &["ledger", "repair", "--task", "t/v", "--json"]);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let heads: Vec<(u64, &str)> = v["recovered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["stage"].as_u64().unwrap(),
                r["head_commit"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(heads, [(1, H1), (2, H5)]);
}

#[test]
fn a_done_stage_whose_branch_points_at_another_tree_is_stale() {
    let env = TestEnv::new();
    let brief = env.root().join("brief.md");
    fs_err::write(&brief, "# Totals\n").unwrap();
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "t/v",
            "--brief",
            brief.to_str().unwrap(),
            "--base-ref",
            "main",
            "--prepare-only",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let plan = approved_plan(&env, "plan.md", FIVE);
    let project = env.project();
    git(project, &["branch", "okstra/feat/t-v-stage-1", "main"]);
    let tree = git(project, &["rev-parse", "main^{tree}"])
        .trim()
        .to_owned();
    append(
        &env,
        &[
            json!({"v": 1, "impl_task_key": "project:t:v", "stage": 1, "status": "done",
            "head_commit": H1, "plan_run_id": plan,
            "carry_path": "runs/implementation/carry/stage-1.json"}),
        ],
    );
    let carry = |tree: &str| {
        json!({"schemaVersion": "carry/v1", "stage": 1, "plan_run_id": plan, "status": "done",
            "stageCommitRange": {"head": H1}, "headTree": tree})
        .to_string()
    };
    write_carry(&env, "stage-1.json", &carry(&tree));
    let state = |env: &TestEnv| {
        let out = okstra(env, &["ledger", "show", "--task", "t/v", "--json"]);
        assert_eq!(out.code, Some(0), "{out}");
        let v: Value = serde_json::from_str(&out.stdout).unwrap();
        v["stages"][0].clone()
    };
    assert_eq!(state(&env)["state"], "done");
    write_carry(
        &env,
        "stage-1.json",
        &carry("0123456789abcdef0123456789abcdef01234567"),
    );
    let stage = state(&env);
    assert_eq!(stage["state"], "stale");
    assert_eq!(stage["currentTree"], tree);
    let out = okstra(&env, &["ledger", "show", "--task", "t/v"]);
    let note = out.stdout.lines().last().unwrap().to_owned();
    assert_eq!(
        note,
        format!(
            "stage 1: stale — its branch points at tree {}, its evidence was taken on 0123456789ab; re-verify it before later gates",
            &tree[..12]
        )
    );
    // Stage 2 depends on the stale stage: blocked.
    let out = okstra(&env, &["ledger", "show", "--task", "t/v", "--json"]);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["stages"][1]["blockedBy"], json!([1]));
}

#[test]
fn approving_a_plan_over_another_plans_stages_needs_supersede() {
    let env = TestEnv::new();
    let old = five_stages_in_progress(&env);
    write_plan(&env, "new.md", &plan_md(&[(1, &[]), (2, &[1])]));
    let out = okstra(
        &env,
        &["plan", "import", "new.md", "--task", "t/v", "--json"],
    );
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let new = v["runId"].as_str().unwrap().to_owned();
    let refused = okstra(&env, &["approve", &new]);
    assert_eq!(refused.code, Some(2), "{refused}");
    insta::assert_snapshot!(refused.stderr_normalized(), @r"
    error: .okstra/tasks/t/v/runs/implementation-planning/reports/final-report-implementation-planning-2.md cannot be approved over another plan: stages 1, 5 done, stages 2, 3 started of plan [RUN]
    hint: `okstra approve [RUN] --supersede` switches the task to this plan; the other plan's carries are kept
    ");
    let report = task_root(&env)
        .join("runs/implementation-planning/reports/final-report-implementation-planning-2.md");
    assert!(
        fs_err::read_to_string(&report)
            .unwrap()
            .contains("approved: false")
    );
    let out = okstra(&env, &["approve", &new, "--supersede"]);
    assert_eq!(out.code, Some(0), "{out}");
    insta::assert_snapshot!(out.stdout_normalized(), @r"
    approved: .okstra/tasks/t/v/runs/implementation-planning/reports/final-report-implementation-planning-2.md
    superseded: plan [RUN] by plan [RUN] (stages 1, 5 done, stages 2, 3 started of plan [RUN])
    ");
    let switches: Value = serde_json::from_str(
        &fs_err::read_to_string(
            task_root(&env).join("runs/implementation-planning/plan-switches.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(switches["current"], new);
    assert_eq!(switches["switches"][0]["from"], old);
    let carry = task_root(&env).join("runs/implementation/carry");
    assert!(carry.join("superseded-1/stage-1.json").is_file());
    assert!(carry.join("superseded-1/stage-5.json").is_file());
    assert!(!carry.join("stage-1.json").exists());
    // The new plan's stages start afresh; the old plan is no longer the task's.
    let out = okstra(&env, &["ledger", "show", "--task", "t/v", "--json"]);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["planRunId"], new);
    assert_eq!(v["choice"], "in-force");
    let states: Vec<&str> = v["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["ready", "blocked"]);
    let out = okstra(&env, &["plan", "show", &old]);
    assert!(
        out.stderr
            .contains("this plan's stages do not count: the task's stages belong to plan"),
        "{out}"
    );
    // Approving it again records nothing new.
    let again = okstra(&env, &["approve", &new, "--supersede"]);
    assert_eq!(
        again.stdout_normalized().trim(),
        "already approved: .okstra/tasks/t/v/runs/implementation-planning/reports/final-report-implementation-planning-2.md"
    );
    let again = okstra(&env, &["approve", &new, "--supersede", "--json"]);
    let v: Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(v["alreadyApproved"], true, "{v}");
    assert_eq!(v["planRunId"], new, "{v}");
    assert_eq!(v["written"], json!([]), "{v}");
    assert_eq!(v["superseded"], Value::Null, "{v}");
    // Switching back to the old plan, as JSON: the switch names both plans.
    let back = okstra(&env, &["approve", &old, "--supersede", "--json"]);
    assert_eq!(back.code, Some(0), "{back}");
    let v: Value = serde_json::from_str(&back.stdout).unwrap();
    assert_eq!(v["alreadyApproved"], true, "{v}");
    assert_eq!(v["superseded"]["from"], new, "{v}");
    assert_eq!(v["superseded"]["to"], old, "{v}");
    assert!(
        v["plan"]
            .as_str()
            .unwrap()
            .ends_with("final-report-implementation-planning-1.md"),
        "{v}"
    );
}

#[test]
fn ledger_commands_name_a_task_with_no_folder() {
    let env = TestEnv::new();
    insta::assert_snapshot!(okstra(&env, &["ledger", "show", "--task", "t/none"]), @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: task t/none has no folder .okstra/tasks/t/none
    hint: name a task with runs here, as <group>/<id>; `okstra ctl list` lists runs
    ");
    let out = okstra(&env, &["ledger", "repair", "--task", "../x"]);
    assert_eq!(out.code, Some(2), "{out}");
}
