//! `okstra run implementation … --prepare-only`: the plan chosen and checked, the stage selected
//! and reserved with its `started` row, the implementation base fixed in the registry, the stage
//! worktree and branch, the stage-scoped run directory and manifest, `selected stages: <N>`, and
//! every refusal of the selection (done, started by run X, reserved, blocked by stage M, no such
//! stage, no approved plan).

use std::path::PathBuf;

use okstra_test_support::git_repo::{commit_file, git};
use okstra_test_support::{CommandOutput, TestEnv};
use serde_json::{Value, json};

use crate::common::{okstra, read_json};
use crate::ledger::plan_md;
use crate::plan::write_plan;

/// Imports a plan of `stages` into `task` and approves it; returns its run id.
pub(crate) fn approved_plan(env: &TestEnv, task: &str, stages: &[(u32, &[u32])]) -> String {
    let run = imported_plan(env, task, stages);
    let out = okstra(env, &["approve", &run]);
    assert_eq!(out.code, Some(0), "{out}");
    run
}

/// Imports a plan of `stages` into `task` (not approved); returns its run id.
pub(crate) fn imported_plan(env: &TestEnv, task: &str, stages: &[(u32, &[u32])]) -> String {
    let file = format!("plan-{}.md", task.replace('/', "-"));
    write_plan(env, &file, &plan_md(stages));
    let out = okstra(env, &["plan", "import", &file, "--task", task, "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    v["runId"].as_str().unwrap().to_owned()
}

/// Runs `okstra run implementation --task <task> --prepare-only --base-ref main <extra…>`.
pub(crate) fn prepare(env: &TestEnv, task: &str, extra: &[&str]) -> CommandOutput {
    let mut args = vec![
        "run",
        "implementation",
        "--task",
        task,
        "--prepare-only",
        "--base-ref",
        "main",
    ];
    args.extend_from_slice(extra);
    okstra(env, &args)
}

/// Returns the task folder of `g/i`.
pub(crate) fn task_root(env: &TestEnv, task: &str) -> PathBuf {
    env.project().join(".okstra/tasks").join(task)
}

/// Returns the rows of the task's consumers ledger.
pub(crate) fn ledger_rows(env: &TestEnv, task: &str) -> Vec<Value> {
    let path = task_root(env, task).join("runs/implementation-planning/consumers.jsonl");
    fs_err::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Returns the manifest of implementation run `seq` of `stage`.
pub(crate) fn stage_manifest(env: &TestEnv, task: &str, stage: u32, seq: u32) -> Value {
    read_json(&task_root(env, task).join(format!(
        "runs/implementation/stage-{stage}/manifests/run-manifest-implementation-{seq}.json"
    )))
}

/// Appends a `done` row for `stage` with `head` to the task's ledger, as a passing run would.
pub(crate) fn append_done(env: &TestEnv, task: &str, plan_run: &str, stage: u32, head: &str) {
    let path = task_root(env, task).join("runs/implementation-planning/consumers.jsonl");
    let mut text = fs_err::read_to_string(&path).unwrap_or_default();
    let row = json!({"v": 1, "impl_task_key": format!("project:{}", task.replace('/', ":")),
        "stage": stage, "status": "done", "head_commit": head,
        "carry_path": format!("runs/implementation/carry/stage-{stage}.json"),
        "plan_run_id": plan_run});
    text.push_str(&format!("{row}\n"));
    fs_err::write(&path, text).unwrap();
}

/// Returns the stage worktree of `g/i`'s stage `n`.
pub(crate) fn stage_worktree(env: &TestEnv, task: &str, n: u32) -> PathBuf {
    env.root()
        .join("home/.okstra/worktrees/project")
        .join(task)
        .join(format!("stage-{n}"))
}

/// Five stages: 2 and 3 depend on 1, 4 on both, 5 on nothing.
pub(crate) const FIVE: &[(u32, &[u32])] = &[(1, &[]), (2, &[1]), (3, &[1]), (4, &[2, 3]), (5, &[])];

#[test]
fn a_prepared_stage_has_its_row_worktree_branch_run_dir_and_manifest() {
    let env = TestEnv::new();
    let plan = approved_plan(&env, "t/v", FIVE);
    let main = git(env.project(), &["rev-parse", "main"]);
    let out = prepare(&env, "t/v", &[]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.starts_with("selected stages: 1\n"), "{out}");
    assert!(
        out.stdout.contains("mode:      new\nexecutor:  claude\n"),
        "{out}"
    );

    // The started row: the stage's base, the plan, the run.
    let m = stage_manifest(&env, "t/v", 1, 1);
    let rows = ledger_rows(&env, "t/v");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["status"], "started");
    assert_eq!(rows[0]["stage"], 1);
    assert_eq!(rows[0]["head_commit"], main.as_str());
    assert_eq!(rows[0]["plan_run_id"], plan.as_str());
    assert_eq!(rows[0]["run_id"], m["runId"]);
    assert_eq!(rows[0]["impl_task_key"], "project:t:v");

    // The manifest: stage-scoped, prepared, with what a resumed run needs.
    assert_eq!(m["status"], "prepared");
    assert_eq!(m["stage"], 1);
    assert_eq!(m["runDir"], ".okstra/tasks/t/v/runs/implementation/stage-1");
    let wt = stage_worktree(&env, "t/v", 1);
    let record = &m["stageRun"];
    assert_eq!(record["planRunId"], plan.as_str());
    assert_eq!(
        record["plan"],
        ".okstra/tasks/t/v/runs/implementation-planning/reports/final-report-implementation-planning-1.md"
    );
    assert_eq!(record["base"], main.as_str());
    assert_eq!(record["implementationBase"], main.as_str());
    assert_eq!(record["branch"], "okstra/feat/t-v-stage-1");
    assert_eq!(record["worktree"], wt.display().to_string());
    assert_eq!(record["workdir"], wt.display().to_string());
    assert_eq!(record["mode"], "new");
    assert_eq!(record["executor"], "claude");
    assert_eq!(m["worktree"]["workdir"], wt.display().to_string());
    assert_eq!(m["recipe"]["executor"], "claude");
    let workers: Vec<&str> = m["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["worker"].as_str().unwrap())
        .collect();
    assert_eq!(workers, ["executor", "verifier"]);

    // The stage worktree beside the task worktree, on its branch at the base.
    assert_eq!(git(&wt, &["rev-parse", "HEAD"]), main);
    assert_eq!(
        git(&wt, &["branch", "--show-current"]),
        "okstra/feat/t-v-stage-1"
    );
    // The registry: the implementation base and the stage worktree.
    let registry = read_json(&env.root().join("home/.okstra/registry/worktrees.json"));
    let task = &registry["tasks"]["project:t:v"];
    assert_eq!(task["implementationBase"], main.as_str());
    assert_eq!(task["stages"]["1"]["branch"], "okstra/feat/t-v-stage-1");
    assert_eq!(task["stages"]["1"]["runId"], m["runId"]);
    // The index and the timeline carry the stage.
    let timeline = read_json(&task_root(&env, "t/v").join("history/timeline.json"));
    let entry = timeline["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["taskType"] == "implementation")
        .unwrap()
        .clone();
    assert_eq!(entry["stage"], 1, "{timeline}");
    let index = fs_err::read_to_string(env.root().join("home/.okstra/index/runs.jsonl")).unwrap();
    let row: Value = index
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|r| r["taskType"] == "implementation")
        .unwrap();
    assert_eq!(row["stage"], 1);

    // The next auto run takes the lowest ready stage: 2 and 3 wait on 1, so 5.
    let out = prepare(&env, "t/v", &["--stage", "auto"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.starts_with("selected stages: 5\n"), "{out}");
    // The implementation base stays fixed although the task branch moved on.
    let task_wt = env.root().join("home/.okstra/worktrees/project/t/v/task");
    commit_file(&task_wt, "later.txt", "later\n", "later work");
    approved_plan(&env, "t/w", &[(1, &[])]);
    let m5 = stage_manifest(&env, "t/v", 5, 1);
    assert_eq!(m5["stageRun"]["base"], main.as_str());
}

#[test]
fn json_output_carries_the_stage_and_its_record() {
    let env = TestEnv::new();
    approved_plan(&env, "t/v", FIVE);
    let out = prepare(&env, "t/v", &["--stage", "5", "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["stage"], 5);
    assert_eq!(v["status"], "prepared");
    assert_eq!(v["stageRun"]["branch"], "okstra/feat/t-v-stage-5");
    assert!(
        v["runDir"]
            .as_str()
            .unwrap()
            .ends_with("runs/implementation/stage-5")
    );
}

/// Returns the run id a prepare printed.
pub(crate) fn run_id_of(out: &CommandOutput) -> String {
    out.stdout
        .lines()
        .find_map(|l| l.strip_prefix("run:       "))
        .unwrap_or_else(|| panic!("no run line in {out}"))
        .to_owned()
}

#[test]
fn a_stage_that_cannot_be_taken_is_refused_with_its_reason() {
    let env = TestEnv::new();
    let plan = imported_plan(&env, "t/v", FIVE);
    // No approved plan.
    let out = prepare(&env, "t/v", &[]);
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: task t/v has no approved implementation plan (its latest plan is .okstra/tasks/t/v/runs/implementation-planning/reports/final-report-implementation-planning-1.md)
    hint: review the plan, then `okstra approve .okstra/tasks/t/v/runs/implementation-planning/reports/final-report-implementation-planning-1.md`
    ");
    let out = okstra(&env, &["approve", "--task", "t/v"]);
    assert_eq!(out.code, Some(0), "{out}");
    // No such stage.
    let out = prepare(&env, "t/v", &["--stage", "9"]);
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: the plan has no stage 9 (its stages are 1-5)
    hint: `okstra ledger show --task <group>/<id>` lists the plan's stages
    ");
    // Blocked by the stage it depends on.
    let out = prepare(&env, "t/v", &["--stage", "2"]);
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: stage 2 is blocked by stage 1
    hint: run the stages it depends on first (--stage auto takes the next ready one)
    ");
    // Started by a run.
    let first = prepare(&env, "t/v", &["--stage", "1"]);
    assert_eq!(first.code, Some(0), "{first}");
    let run1 = run_id_of(&first);
    let out = prepare(&env, "t/v", &["--stage", "1"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains(&format!("error: stage 1 is started by run {run1}")),
        "{out}"
    );
    // Done.
    let wt = stage_worktree(&env, "t/v", 1);
    let head = commit_file(&wt, "part_1.txt", "one\n", "GREEN: part 1");
    append_done(&env, "t/v", &plan, 1, &head);
    let out = prepare(&env, "t/v", &["--stage", "1"]);
    insta::assert_snapshot!(out.to_string().replace(&head[..12], "[HEAD]"), @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: stage 1 is done (head [HEAD])
    hint: a done stage is run again with --redo
    ");
    // Reserved: stage 5 is held by a prepared run; the ledger that said so is lost (only
    // `done` rows come back from carry), but the registry still holds it.
    let out = prepare(&env, "t/v", &["--stage", "5"]);
    assert_eq!(out.code, Some(0), "{out}");
    fs_err::remove_file(
        task_root(&env, "t/v").join("runs/implementation-planning/consumers.jsonl"),
    )
    .unwrap();
    let out = prepare(&env, "t/v", &["--stage", "5"]);
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: stage 5 is reserved by another run
    hint: another run holds it; `okstra ctl list` shows the runs
    ");
    // Nothing was written for a refused run: two stage runs, one manifest each.
    for (stage, n) in [(1, 1), (5, 1), (2, 0), (9, 0)] {
        let dir =
            task_root(&env, "t/v").join(format!("runs/implementation/stage-{stage}/manifests"));
        let count = fs_err::read_dir(&dir).map_or(0, Iterator::count);
        assert_eq!(count, n, "stage {stage}");
    }
}

#[test]
fn a_named_plan_must_be_approved_and_pass_its_rules() {
    let env = TestEnv::new();
    let plan = imported_plan(&env, "t/v", FIVE);
    let out = prepare(&env, "t/v", &["--plan", &plan]);
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: .okstra/tasks/t/v/runs/implementation-planning/reports/final-report-implementation-planning-1.md is not approved
    hint: review the plan, then `okstra approve .okstra/tasks/t/v/runs/implementation-planning/reports/final-report-implementation-planning-1.md`
    ");
    // Approved, then edited by hand so that a stage lost its validation: refused, naming the
    // line, before anything is written.
    let out = okstra(&env, &["approve", &plan]);
    assert_eq!(out.code, Some(0), "{out}");
    let report = task_root(&env, "t/v")
        .join("runs/implementation-planning/reports/final-report-implementation-planning-1.md");
    let text = fs_err::read_to_string(&report).unwrap();
    let broken = text.replacen("- `cargo test part_2`\n", "", 1);
    assert_ne!(text, broken);
    fs_err::write(&report, broken).unwrap();
    let out = prepare(&env, "t/v", &[]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr.starts_with("error: ") && out.stderr.contains("fails plan check (1 violation):"),
        "{out}"
    );
    assert!(out.stderr.contains(": S7"), "{out}");
    assert!(
        out.stderr
            .contains("hint: fix each line named above, then run `okstra plan check` on the plan"),
        "{out}"
    );
    assert!(!env.root().join("home/.okstra/worktrees").exists());
    assert!(ledger_rows(&env, "t/v").is_empty());
}
