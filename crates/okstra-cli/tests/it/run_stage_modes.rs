//! `okstra run implementation --prepare-only` beyond a new stage: `--retry` of a started stage
//! whose run failed, `--redo` of a done stage and `--reverify` of one (the old head kept under
//! `refs/okstra/attempts/stage-<N>-<k>`, or kept checked out), a base merged from several
//! dependencies (and a conflict between them that leaves nothing behind), a stage run in a
//! project outside git (one at a time), and the implementation flags refused elsewhere.

use okstra_test_support::TestEnv;
use okstra_test_support::git_repo::{commit_file, git};
use serde_json::Value;

use crate::common::{okstra, okstra_in, read_json};
use crate::run_stage::{
    FIVE, append_done, approved_plan, ledger_rows, prepare, run_id_of, stage_manifest,
    stage_worktree, task_root,
};

/// Marks a prepared run as failed, as a run whose verifier said FAIL ends.
fn mark_failed(env: &TestEnv, task: &str, stage: u32, seq: u32) {
    let path = task_root(env, task).join(format!(
        "runs/implementation/stage-{stage}/manifests/run-manifest-implementation-{seq}.json"
    ));
    let mut m = read_json(&path);
    m["status"] = "failed".into();
    fs_err::write(&path, m.to_string()).unwrap();
}

/// Returns the commit a ref names in the project's repository.
fn commit_of(env: &TestEnv, rev: &str) -> String {
    git(env.project(), &["rev-parse", "--verify", rev])
}

#[test]
fn retry_resets_a_failed_stage_to_its_base_and_keeps_the_old_head() {
    let env = TestEnv::new();
    approved_plan(&env, "t/v", FIVE);
    let base = commit_of(&env, "main");
    let first = prepare(&env, "t/v", &["--stage", "1"]);
    assert_eq!(first.code, Some(0), "{first}");
    let wt = stage_worktree(&env, "t/v", 1);
    let old = commit_file(&wt, "part_1.txt", "wrong\n", "RED: a test that passes");
    // A run that is only prepared has not failed: it is resumed, not retried.
    let out = prepare(&env, "t/v", &["--stage", "1", "--retry"]);
    assert_eq!(out.code, Some(2), "{out}");
    let run1 = run_id_of(&first);
    assert!(
        out.stderr.contains(&format!(
            "error: stage 1 was prepared by run {run1}, which has not started\nhint: `okstra resume {run1}` runs it"
        )),
        "{out}"
    );
    mark_failed(&env, "t/v", 1, 1);
    let out = prepare(&env, "t/v", &["--retry"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.starts_with("selected stages: 1\n"), "{out}");
    assert!(
        out.stdout
            .contains("mode:      retry\nexecutor:  claude\nkept:      refs/okstra/attempts/stage-1-1 (the previous attempt's head)\n"),
        "{out}"
    );
    // The branch is back at the base, in the same worktree, with the old attempt kept.
    assert_eq!(git(&wt, &["rev-parse", "HEAD"]), base);
    assert!(!wt.join("part_1.txt").exists());
    assert_eq!(commit_of(&env, "refs/okstra/attempts/stage-1-1"), old);
    let m = stage_manifest(&env, "t/v", 1, 2);
    assert_eq!(m["stageRun"]["mode"], "retry");
    assert_eq!(
        m["stageRun"]["attemptRef"],
        "refs/okstra/attempts/stage-1-1"
    );
    assert_eq!(m["stageRun"]["base"], base.as_str());
    let rows = ledger_rows(&env, "t/v");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["status"], "started");
    assert_eq!(rows[1]["run_id"], m["runId"]);
    assert_eq!(rows[1]["head_commit"], base.as_str());
    // A stage that is not started cannot be retried.
    let out = prepare(&env, "t/v", &["--stage", "5", "--retry"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("error: --retry takes a started, failed or died stage: stage 5 is ready"),
        "{out}"
    );
}

#[test]
fn redo_reopens_a_done_stage_and_reverify_keeps_its_head() {
    let env = TestEnv::new();
    let plan = approved_plan(&env, "t/v", FIVE);
    let base = commit_of(&env, "main");
    assert_eq!(prepare(&env, "t/v", &["--stage", "1"]).code, Some(0));
    let wt = stage_worktree(&env, "t/v", 1);
    let done = commit_file(&wt, "part_1.txt", "one\n", "GREEN: part 1");
    mark_failed(&env, "t/v", 1, 1);
    append_done(&env, "t/v", &plan, 1, &done);

    // --reverify: the same head, checked out as it is.
    let out = prepare(&env, "t/v", &["--stage", "1", "--reverify"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.contains("mode:      reverify\n"), "{out}");
    assert!(!out.stdout.contains("kept:"), "{out}");
    assert_eq!(git(&wt, &["rev-parse", "HEAD"]), done);
    let m = stage_manifest(&env, "t/v", 1, 2);
    assert_eq!(m["stageRun"]["base"], base.as_str());
    mark_failed(&env, "t/v", 1, 2);
    append_done(&env, "t/v", &plan, 1, &done);

    // --redo: back to the base, the done head kept.
    let out = prepare(&env, "t/v", &["--redo"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.starts_with("selected stages: 1\n"), "{out}");
    assert!(
        out.stdout
            .contains("kept:      refs/okstra/attempts/stage-1-1 (the previous attempt's head)"),
        "{out}"
    );
    assert_eq!(git(&wt, &["rev-parse", "HEAD"]), base);
    assert_eq!(commit_of(&env, "refs/okstra/attempts/stage-1-1"), done);
    let m = stage_manifest(&env, "t/v", 1, 3);
    assert_eq!(m["stageRun"]["mode"], "redo");
    // Reopened, the stage is started again: its dependents wait, and a second redo is refused.
    let out = prepare(&env, "t/v", &["--stage", "2"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr.contains("stage 2 is blocked by stage 1"),
        "{out}"
    );
    let out = prepare(&env, "t/v", &["--stage", "1", "--redo"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("--redo takes a done or stale stage: stage 1 is started (run "),
        "{out}"
    );
    let out = prepare(&env, "t/v", &["--redo"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("error: --redo found no done or stale stage: "),
        "{out}"
    );
}

/// Makes stage `n` done with one commit writing `file` = `text` on its branch.
fn done_with(env: &TestEnv, plan: &str, n: u32, file: &str, text: &str) -> String {
    let out = prepare(env, "t/v", &["--stage", &n.to_string()]);
    assert_eq!(out.code, Some(0), "{out}");
    let head = commit_file(&stage_worktree(env, "t/v", n), file, text, "GREEN: work");
    mark_failed(env, "t/v", n, 1);
    append_done(env, "t/v", plan, n, &head);
    head
}

/// Stages 1 and 2 on their own, 3 on both.
const JOIN: &[(u32, &[u32])] = &[(1, &[]), (2, &[]), (3, &[1, 2])];

#[test]
fn a_stage_with_two_dependencies_starts_from_their_merge() {
    let env = TestEnv::new();
    let plan = approved_plan(&env, "t/v", JOIN);
    let h1 = done_with(&env, &plan, 1, "one.txt", "one\n");
    let h2 = done_with(&env, &plan, 2, "two.txt", "two\n");
    let out = prepare(&env, "t/v", &["--stage", "auto"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.starts_with("selected stages: 3\n"), "{out}");
    let m = stage_manifest(&env, "t/v", 3, 1);
    let base = m["stageRun"]["base"].as_str().unwrap().to_owned();
    // A merge commit whose parents are both heads, with both changes, in the stage worktree.
    let parents = git(env.project(), &["rev-list", "--parents", "-n", "1", &base]);
    assert_eq!(parents, format!("{base} {h1} {h2}"));
    let wt = stage_worktree(&env, "t/v", 3);
    assert_eq!(git(&wt, &["rev-parse", "HEAD"]), base);
    assert_eq!(fs_err::read_to_string(wt.join("one.txt")).unwrap(), "one\n");
    assert_eq!(fs_err::read_to_string(wt.join("two.txt")).unwrap(), "two\n");
    let subject = git(env.project(), &["log", "-1", "--format=%s", &base]);
    assert_eq!(
        subject,
        "okstra: merge stages 1, 2 into the base of stage 3"
    );
    assert_eq!(
        ledger_rows(&env, "t/v").last().unwrap()["head_commit"],
        base.as_str()
    );
}

#[test]
fn dependencies_that_conflict_fail_the_selection_and_leave_nothing_behind() {
    let env = TestEnv::new();
    let plan = approved_plan(&env, "t/v", JOIN);
    done_with(&env, &plan, 1, "shared.txt", "from stage 1\n");
    done_with(&env, &plan, 2, "shared.txt", "from stage 2\n");
    let rows_before = ledger_rows(&env, "t/v").len();
    let out = prepare(&env, "t/v", &["--stage", "3"]);
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: the heads of stages 1, 2 do not merge into stage 3's base: conflicts in shared.txt
    hint: resolve the conflict between those stages (redo one of them on top of the other with --redo), or change the plan so the stage depends on one of them
    ");
    // No row, no run directory, no branch, no worktree, no registry entry.
    assert_eq!(ledger_rows(&env, "t/v").len(), rows_before);
    assert!(
        !task_root(&env, "t/v")
            .join("runs/implementation/stage-3")
            .exists()
    );
    let branches = git(env.project(), &["branch", "--list", "*-stage-3"]);
    assert_eq!(branches, "");
    assert!(!stage_worktree(&env, "t/v", 3).exists());
    let registry = read_json(&env.root().join("home/.okstra/registry/worktrees.json"));
    assert!(
        registry["tasks"]["project:t:v"]["stages"]
            .get("3")
            .is_none()
    );
}

#[test]
fn outside_git_a_stage_runs_in_the_project_root_one_at_a_time() {
    let env = TestEnv::new_non_git();
    let plan = approved_plan(&env, "t/v", FIVE);
    let out = prepare(&env, "t/v", &[]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.starts_with("selected stages: 1\n"), "{out}");
    let m = stage_manifest(&env, "t/v", 1, 1);
    let root = env.project().display().to_string();
    assert_eq!(m["worktree"]["status"], "skipped-non-git");
    assert_eq!(m["stageRun"]["workdir"], root.as_str());
    assert_eq!(m["stageRun"].get("branch"), None);
    assert_eq!(m["stageRun"].get("base"), None);
    let run1 = run_id_of(&out);
    let out = prepare(&env, "t/v", &["--stage", "5"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr.contains(&format!(
            "error: stage 1 is being run by run {run1} in the project root (it is prepared and not started): one stage runs at a time there"
        )),
        "{out}"
    );
    // Once that run has ended, the next stage may go.
    mark_failed(&env, "t/v", 1, 1);
    let out = prepare(&env, "t/v", &["--stage", "5"]);
    assert_eq!(out.code, Some(0), "{out}");
    mark_failed(&env, "t/v", 5, 1);
    // A row whose run has no manifest yet is a run being prepared — unless it is old (that
    // run died before writing it).
    let ledger = task_root(&env, "t/v").join("runs/implementation-planning/consumers.jsonl");
    let started = |at: &str| {
        format!(
            "{{\"v\":1,\"impl_task_key\":\"project:t:v\",\"stage\":2,\"status\":\"started\",\"started_at\":\"{at}\",\"head_commit\":\"\",\"plan_run_id\":\"{plan}\",\"run_id\":\"01JD0000000000000000000077\"}}\n"
        )
    };
    let before = fs_err::read_to_string(&ledger).unwrap();
    let now = jiff::Timestamp::now().to_string();
    fs_err::write(&ledger, format!("{before}{}", started(&now))).unwrap();
    let out = prepare(&env, "t/v", &["--stage", "1", "--retry"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr.contains(
            "error: stage 2 is being run by run 01JD0000000000000000000077 in the project root (it is being prepared)"
        ),
        "{out}"
    );
    fs_err::write(
        &ledger,
        format!("{before}{}", started("2026-01-01T00:00:00Z")),
    )
    .unwrap();
    let out = prepare(&env, "t/v", &["--stage", "1", "--retry"]);
    assert_eq!(out.code, Some(0), "{out}");
}

#[test]
fn the_plan_can_be_named_and_must_be_the_tasks() {
    let env = TestEnv::new();
    let plan = approved_plan(&env, "t/v", FIVE);
    approved_plan(&env, "t/w", FIVE);
    let out = prepare(&env, "t/v", &["--plan", &plan, "--stage", "5"]);
    assert_eq!(out.code, Some(0), "{out}");
    let report = ".okstra/tasks/t/v/runs/implementation-planning/reports/final-report-implementation-planning-1.md";
    let out = prepare(&env, "t/v", &["--plan", report]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.starts_with("selected stages: 1\n"), "{out}");
    // Another task's plan is refused.
    let other = ".okstra/tasks/t/w/runs/implementation-planning/reports/final-report-implementation-planning-1.md";
    let out = prepare(&env, "t/v", &["--plan", other]);
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: .okstra/tasks/t/w/runs/implementation-planning/reports/final-report-implementation-planning-1.md is not a plan of task t/v: it is not the report of one of the task's implementation-planning runs
    hint: name one of the task's plans (a run id, or its report), or bring the file in with `okstra plan import <file.md> --task <group>/<id>`
    ");
    // The implementation flags belong to implementation runs.
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "t/v",
            "--stage",
            "2",
            "--prepare-only",
        ],
    );
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: --stage is for implementation runs, not error-analysis
    hint: `okstra run implementation --task <group>/<id>` takes a stage of the task's approved plan
    ");
    let v: Value = read_json(&env.root().join("home/.okstra/registry/worktrees.json"));
    assert!(v["tasks"]["project:t:v"]["stages"].get("1").is_some());
}

#[test]
fn in_a_nested_worktree_a_stage_runs_in_it_from_its_head() {
    let env = TestEnv::new();
    let linked = env.root().join("linked");
    git(
        env.project(),
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "side",
            linked.to_str().unwrap(),
        ],
    );
    let head = git(&linked, &["rev-parse", "HEAD"]);
    fs_err::write(linked.join("plan.md"), crate::ledger::plan_md(FIVE)).unwrap();
    let out = okstra_in(
        &env,
        &linked,
        &["plan", "import", "plan.md", "--task", "t/v"],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let out = okstra_in(&env, &linked, &["approve", "--task", "t/v"]);
    assert_eq!(out.code, Some(0), "{out}");
    let args = [
        "run",
        "implementation",
        "--task",
        "t/v",
        "--prepare-only",
        "--json",
    ];
    let out = okstra_in(&env, &linked, &args);
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["stage"], 1);
    assert_eq!(v["worktree"]["status"], "skipped-nested-worktree");
    assert_eq!(v["stageRun"]["workdir"], linked.display().to_string());
    assert_eq!(v["stageRun"]["base"], head.as_str());
    assert_eq!(v["stageRun"].get("branch"), None);
    // No stage branch was made; a second stage run there is refused.
    assert_eq!(git(env.project(), &["branch", "--list", "*-stage-*"]), "");
    let out = okstra_in(&env, &linked, &args);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr.contains("one stage runs at a time there"),
        "{out}"
    );
}
