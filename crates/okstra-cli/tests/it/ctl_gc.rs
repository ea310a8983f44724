//! `okstra ctl gc` on a real repository with real stage runs (the Done-when of issue 14): a
//! done-and-merged stage worktree is removed and its space reported; a worktree with
//! uncommitted changes and a stage branch with unmerged commits are kept and named; once the
//! task had no run for the period its task worktree goes too (a branch with commits found
//! nowhere else stays), and the task's next run re-creates it from the branch and succeeds.

use std::path::{Path, PathBuf};

use okstra_test_support::TestEnv;
use okstra_test_support::git_repo::git;
use serde_json::{Value, json};

use crate::common::okstra;
use crate::run_stage::stage_worktree;
use crate::stage_kit::{approve_kit_plan, four_stages, judge, kit_env, kit_project, run_stage};

const TASK: &str = "calc/ops";
const BRANCH: &str = "okstra/feat/calc-ops";

fn task_worktree(env: &TestEnv) -> PathBuf {
    env.okstra_home().join("worktrees/project/calc/ops/task")
}

fn registry(env: &TestEnv) -> Value {
    let text = fs_err::read_to_string(env.okstra_home().join("registry/worktrees.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn branches(repo: &Path) -> Vec<String> {
    git(repo, &["branch", "--format=%(refname:short)"])
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Replaces each size (`12.0 KiB`, `512 B`) with `[SIZE]`: disk usage depends on the file system.
fn sizes_out(text: &str) -> String {
    let units = ["B", "KiB", "MiB", "GiB"];
    text.lines()
        .map(|line| {
            let words: Vec<&str> = line.split(' ').collect();
            let mut out: Vec<&str> = Vec::new();
            let mut i = 0;
            while i < words.len() {
                let unit = words.get(i + 1).map(|u| u.trim_end_matches(':'));
                if words[i].parse::<f64>().is_ok() && unit.is_some_and(|u| units.contains(&u)) {
                    out.push("[SIZE]");
                    i += 2;
                } else {
                    out.push(words[i]);
                    i += 1;
                }
            }
            out.join(" ") + "\n"
        })
        .collect()
}

/// Moves every run of the index, and the task's worktree record, to 2020.
fn age_everything(env: &TestEnv) {
    let index = env.okstra_home().join("index/runs.jsonl");
    let text = fs_err::read_to_string(&index).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        let mut row: Value = serde_json::from_str(line).unwrap();
        row["at"] = json!("2020-01-01T00:00:00Z");
        out.push_str(&format!("{row}\n"));
    }
    fs_err::write(&index, out).unwrap();
    let path = env.okstra_home().join("registry/worktrees.json");
    let mut reg = registry(env);
    for task in reg["tasks"].as_object_mut().unwrap().values_mut() {
        task["createdAt"] = json!("2020-01-01T00:00:00Z");
    }
    fs_err::write(&path, reg.to_string()).unwrap();
}

#[test]
fn gc_removes_finished_worktrees_keeps_unsafe_ones_and_a_later_run_re_creates_them() {
    let env = kit_env();
    let stages = four_stages();
    kit_project(&env, &stages, &judge("PASS"), &json!({}));
    approve_kit_plan(&env, TASK, &stages);
    for n in [1, 2, 3] {
        let out = run_stage(&env, TASK, n, &[]);
        assert_eq!(out.code, Some(0), "stage {n}: {out}");
    }
    let task_wt = task_worktree(&env);
    // Stages 1 and 2 are merged into the task branch; 3 is not. Stage 2's worktree is dirty.
    git(
        &task_wt,
        &["merge", "--ff-only", &format!("{BRANCH}-stage-2")],
    );
    fs_err::write(stage_worktree(&env, TASK, 2).join("notes.txt"), "wip\n").unwrap();
    let s1 = stage_worktree(&env, TASK, 1);
    let before = branches(env.project());

    let dry = okstra(&env, &["ctl", "gc", "--dry-run"]);
    assert_eq!(dry.code, Some(0), "{dry}");
    assert!(
        dry.stdout.contains(&format!(
            "would remove stage-1 worktree of project:calc:ops ({})",
            s1.display()
        )),
        "{dry}"
    );
    assert!(dry.stdout.contains("(dry run: nothing removed)"), "{dry}");
    insta::assert_snapshot!(sizes_out(&dry.to_string()), @r"
    exit: 0
    ----- stdout -----
    would remove stage-1 worktree of project:calc:ops ([TMP]/home/.okstra/worktrees/project/calc/ops/stage-1): [SIZE] freed — stage 1 is done and merged into okstra/feat/calc-ops
    kept stage-3 worktree of project:calc:ops ([TMP]/home/.okstra/worktrees/project/calc/ops/stage-3): the stage is done but its branch has 2 commit(s) not merged into okstra/feat/calc-ops
    kept stage-2 worktree of project:calc:ops ([TMP]/home/.okstra/worktrees/project/calc/ops/stage-2): uncommitted changes: notes.txt
    total: [SIZE] would be freed (dry run: nothing removed)
    ----- stderr -----
    ");
    assert!(s1.is_dir(), "a dry run removes nothing");

    let out = okstra(&env, &["ctl", "gc", "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let removed = report["removed"].as_array().unwrap();
    assert_eq!(removed.len(), 1, "{out}");
    assert_eq!(removed[0]["stage"], 1);
    assert_eq!(removed[0]["path"], s1.display().to_string());
    assert!(removed[0]["bytes"].as_u64().unwrap() > 0, "{out}");
    assert_eq!(report["freedBytes"], removed[0]["bytes"]);
    let kept: Vec<(u64, &str)> = report["kept"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["stage"].as_u64().unwrap(), k["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(kept, [(3, "not-merged"), (2, "uncommitted")], "{out}");
    assert!(!s1.exists(), "the merged stage's worktree is gone");
    assert!(stage_worktree(&env, TASK, 2).join("notes.txt").is_file());
    assert!(stage_worktree(&env, TASK, 3).is_dir());
    assert_eq!(branches(env.project()), before, "no branch is ever removed");
    assert!(registry(&env)["tasks"]["project:calc:ops"]["stages"]["1"].is_null());
    assert!(!registry(&env)["tasks"]["project:calc:ops"]["stages"]["2"].is_null());

    // The human output names what it keeps and why.
    let out = okstra(&env, &["ctl", "gc"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stdout
            .contains("kept stage-2 worktree of project:calc:ops"),
        "{out}"
    );
    assert!(
        out.stdout.contains("uncommitted changes: notes.txt"),
        "{out}"
    );
    assert!(
        out.stdout.contains(&format!(
            "kept stage-3 worktree of project:calc:ops ({}): the stage is done but its branch has 2 commit(s) not merged into {BRANCH}",
            stage_worktree(&env, TASK, 3).display()
        )),
        "{out}"
    );
    assert!(out.stdout.ends_with("total: 0 B freed\n"), "{out}");

    // No run for the period: the task worktree goes; stage 3's commits exist only on its
    // branch, so its worktree stays.
    age_everything(&env);
    let out = okstra(&env, &["ctl", "gc", "--older-than", "30d"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stdout.contains(&format!(
            "removed task worktree of project:calc:ops ({})",
            task_wt.display()
        )),
        "{out}"
    );
    assert!(out.stdout.contains("— no run since 2020-01-01"), "{out}");
    assert!(
        out.stdout
            .contains("kept stage-3 worktree of project:calc:ops")
            && out.stdout.contains("2 commit(s) that exist nowhere else"),
        "{out}"
    );
    assert!(
        out.stdout.contains("uncommitted changes: notes.txt"),
        "{out}"
    );
    assert!(!task_wt.exists());
    assert_eq!(branches(env.project()), before, "no branch is ever removed");

    // The task's next run re-creates the task worktree from its branch and succeeds.
    let out = run_stage(&env, TASK, 4, &[]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(task_wt.is_dir());
    assert_eq!(git(&task_wt, &["branch", "--show-current"]), BRANCH);
    assert_eq!(
        git(&task_wt, &["rev-parse", "HEAD"]),
        git(env.project(), &["rev-parse", &format!("{BRANCH}-stage-2")]),
        "re-created at its branch's head"
    );
}

#[test]
fn a_bad_age_exits_2_naming_it() {
    let env = TestEnv::new();
    let out = okstra(&env, &["ctl", "gc", "--older-than", "soon"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr.contains("--older-than \"soon\" is not an age"),
        "{out}"
    );
    assert!(out.stderr.contains("30d"), "{out}");
}

#[test]
fn gc_removes_the_temp_folder_a_finished_run_left_in_its_team_state() {
    let env = kit_env();
    let stages = four_stages();
    kit_project(&env, &stages, &judge("PASS"), &json!({}));
    approve_kit_plan(&env, TASK, &stages);
    let out = run_stage(&env, TASK, 1, &[]);
    assert_eq!(out.code, Some(0), "{out}");
    // An okstra that died before its clean-up leaves its temp folder recorded.
    let state = crate::stage_kit::stage_dir(&env, TASK, 1).join("state/team-state-1.json");
    let mut team: Value = serde_json::from_str(&fs_err::read_to_string(&state).unwrap()).unwrap();
    assert!(
        team.get("tmpRoot").is_none(),
        "a finished run removed its own"
    );
    let run_id = team["runId"].as_str().unwrap().to_owned();
    // Named and closed as okstra makes a run's temp folder.
    let tmp = env.root().join(format!("tmp/okstra-{run_id}-left"));
    fs_err::create_dir_all(tmp.join("executor-r0")).unwrap();
    fs_err::set_permissions(&tmp, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    fs_err::write(tmp.join("executor-r0/scratch"), vec![b'x'; 64 * 1024]).unwrap();
    team["tmpRoot"] = json!(tmp.display().to_string());
    fs_err::write(&state, team.to_string()).unwrap();

    let dry = okstra(&env, &["ctl", "gc", "--dry-run"]);
    assert_eq!(dry.code, Some(0), "{dry}");
    let line = format!(
        "would remove temp folder of run {run_id} ({}): ",
        tmp.display()
    );
    assert!(dry.stdout.contains(&line), "{dry}");
    assert!(tmp.is_dir());

    let out = okstra(&env, &["ctl", "gc", "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let temp = &report["tempFolders"][0];
    assert_eq!(temp["runId"], run_id.as_str());
    assert!(temp["bytes"].as_u64().unwrap() >= 64 * 1024, "{out}");
    assert!(!tmp.exists());
    let team: Value = serde_json::from_str(&fs_err::read_to_string(&state).unwrap()).unwrap();
    assert!(team.get("tmpRoot").is_none(), "the record is cleared");
    let again = okstra(&env, &["ctl", "gc", "--json"]);
    let report: Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(report["tempFolders"], json!([]), "{again}");

    // A team state edited to name any other folder (or carried in by a clone) never has it
    // removed: only a folder okstra made for that run is.
    let precious = env.root().join("tmp/precious");
    fs_err::create_dir_all(&precious).unwrap();
    fs_err::write(precious.join("keep"), "x").unwrap();
    let mut team: Value = serde_json::from_str(&fs_err::read_to_string(&state).unwrap()).unwrap();
    team["tmpRoot"] = json!(precious.display().to_string());
    fs_err::write(&state, team.to_string()).unwrap();
    let out = okstra(&env, &["ctl", "gc", "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["tempFolders"], json!([]), "{out}");
    assert!(
        precious.join("keep").exists(),
        "a folder okstra did not make is kept"
    );
}

/// Rewrites every index row of the home as `interrupted` in 2020.
fn interrupt_in_2020(env: &TestEnv) {
    age_everything(env);
    let index = env.okstra_home().join("index/runs.jsonl");
    let text = fs_err::read_to_string(&index).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        let mut row: Value = serde_json::from_str(line).unwrap();
        row["status"] = json!("interrupted");
        out.push_str(&format!("{row}\n"));
    }
    fs_err::write(&index, out).unwrap();
}

#[test]
fn a_task_worktree_is_kept_while_locked_or_holding_its_only_copy_of_a_commit() {
    let env = TestEnv::new();
    let prepare = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "error-analysis",
            "--task",
            "pay/dev-1",
            "--prepare-only",
        ];
        args.extend_from_slice(extra);
        let out = okstra(&env, &args);
        assert_eq!(out.code, Some(0), "{out}");
    };
    prepare(&["--base-ref", "main"]);
    let wt = env.okstra_home().join("worktrees/project/pay/dev-1/task");
    assert!(wt.is_dir());
    // A prepared run is going: the task is not finished, whatever its age.
    age_everything(&env);
    let out = okstra(&env, &["ctl", "gc"]);
    assert_eq!(out.stdout, "total: 0 B freed\n", "{out}");
    interrupt_in_2020(&env);

    // Interrupted in 2020 but resumed now: its okstra holds the run lock (the index row still
    // says interrupted), so the task is going.
    let lock_path = env
        .project()
        .join(".okstra/tasks/pay/dev-1/runs/error-analysis/state/.run-1.lock");
    let held = fs_err::File::create(&lock_path).unwrap();
    held.file().lock().unwrap();
    let out = okstra(&env, &["ctl", "gc"]);
    assert_eq!(out.stdout, "total: 0 B freed\n", "{out}");
    drop(held);

    git(&wt, &["worktree", "lock", wt.to_str().unwrap()]);
    let out = okstra(&env, &["ctl", "gc"]);
    assert!(out.stdout.contains("it is locked"), "{out}");
    git(&wt, &["worktree", "unlock", wt.to_str().unwrap()]);

    fs_err::write(wt.join("only-here.txt"), "x\n").unwrap();
    git(&wt, &["add", "only-here.txt"]);
    git(&wt, &["commit", "-q", "-m", "only here"]);
    let out = okstra(&env, &["ctl", "gc"]);
    assert!(
        out.stdout.contains(&format!(
            "kept task worktree of project:pay:dev-1 ({}): its branch has 1 commit(s) that exist nowhere else",
            wt.display()
        )),
        "{out}"
    );
    assert!(wt.is_dir());

    // Once the commit is in another ref, the worktree goes; the next run re-creates it from
    // its branch without --base-ref.
    git(env.project(), &["branch", "saved", "okstra/feat/pay-dev-1"]);
    let out = okstra(&env, &["ctl", "gc"]);
    assert!(
        out.stdout
            .contains("removed task worktree of project:pay:dev-1"),
        "{out}"
    );
    assert!(!wt.exists());
    let out = okstra(&env, &["ctl", "gc"]);
    assert_eq!(
        out.stdout, "total: 0 B freed\n",
        "an earlier gc's removal is not reported again: {out}"
    );
    prepare(&[]);
    assert!(
        wt.join("only-here.txt").is_file(),
        "re-created at its branch's head"
    );
}
