//! `okstra run … --prepare-only`: identity checks, worktree rules, seqs under contention.

use std::collections::BTreeSet;
use std::process::Stdio;

use okstra_test_support::TestEnv;
use okstra_test_support::git_repo::git;
use serde_json::Value;

use crate::common::{okstra, okstra_cmd};

fn prepare_json(env: &TestEnv, args: &[&str]) -> Value {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend(["--prepare-only", "--json"]);
    let out = okstra(env, &all);
    assert_eq!(out.code, Some(0), "{out}");
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn prepare_prints_id_seq_run_dir_and_worktree() {
    let env = TestEnv::new();
    let brief = env.root().join("brief.md");
    fs_err::write(&brief, "# Checkout fails\n").unwrap();
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "payments/DEV-9495",
            "--brief",
            brief.to_str().unwrap(),
            "--base-ref",
            "main",
            "--prepare-only",
        ],
    );
    insta::assert_snapshot!(out, @r#"
    exit: 0
    ----- stdout -----
    run:       [RUN]
    seq:       1
    run dir:   .okstra/tasks/payments/dev-9495/runs/error-analysis
    worktree:  [TMP]/home/.okstra/worktrees/project/payments/dev-9495/task (created, branch okstra/feat/payments-dev-9495)
    ----- stderr -----
    task "payments/DEV-9495" is stored as payments/dev-9495 (names are slugged: lowercase ASCII, other characters become `-`)
    "#);
    let task = env.project().join(".okstra/tasks/payments/dev-9495");
    assert_eq!(
        fs_err::read_to_string(task.join("brief.md")).unwrap(),
        "# Checkout fails\n"
    );
    assert!(
        task.join("runs/error-analysis/manifests/run-manifest-error-analysis-1.json")
            .is_file()
    );
    // The run created project.json, since none existed.
    assert!(env.project().join(".okstra/project.json").is_file());
}

#[test]
fn first_run_without_base_ref_names_the_flag() {
    let env = TestEnv::new();
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "payments/dev-1",
            "--prepare-only",
        ],
    );
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: task project:payments:dev-1 has no worktree yet, and creating one needs a base ref
    hint: pass --base-ref <REF> (e.g. --base-ref main) the first time a task runs
    ");
}

#[test]
fn a_later_different_base_ref_names_the_anchor() {
    let env = TestEnv::new();
    git(env.project(), &["branch", "other"]);
    okstra_test_support::git_repo::commit_file(env.project(), "b.txt", "b", "two");
    prepare_json(
        &env,
        &["error-analysis", "--task", "g/i", "--base-ref", "other"],
    );
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "g/i",
            "--base-ref",
            "main",
            "--prepare-only",
        ],
    );
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: --base-ref main differs from the anchor of task project:g:i: other at [SHA]
    hint: omit --base-ref to use the task's anchor, or use a new task id
    ");
}

#[test]
fn second_task_type_reuses_the_worktree() {
    let env = TestEnv::new();
    let a = prepare_json(
        &env,
        &["error-analysis", "--task", "g/i", "--base-ref", "main"],
    );
    let b = prepare_json(&env, &["requirements-discovery", "--task", "g/i"]);
    assert_eq!(a["worktree"]["status"], "created");
    assert_eq!(b["worktree"]["status"], "reused");
    assert_eq!(a["worktree"]["path"], b["worktree"]["path"]);
    assert_eq!(b["runSeq"], 1);
}

#[test]
fn outside_git_and_in_a_linked_worktree_runs_use_the_project_root() {
    let env = TestEnv::new_non_git();
    let v = prepare_json(&env, &["error-analysis", "--task", "g/i"]);
    assert_eq!(v["worktree"]["status"], "skipped-non-git");
    assert_eq!(
        v["worktree"]["workdir"],
        env.project().display().to_string()
    );

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
    let mut cmd = okstra_cmd(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "g/i",
            "--prepare-only",
            "--json",
        ],
    );
    cmd.current_dir(&linked);
    let out = env.run(cmd);
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["worktree"]["status"], "skipped-nested-worktree");
    assert_eq!(v["worktree"]["workdir"], linked.display().to_string());
}

#[test]
fn bad_identity_inputs_exit_2_naming_the_value_and_write_nothing() {
    let long = "a".repeat(101);
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["error-analysis".into(), "--task".into(), "../x".into()],
            "../x",
        ),
        (
            vec![
                "error-analysis".into(),
                "--task".into(),
                "g/../../etc".into(),
            ],
            "g/../../etc",
        ),
        (
            vec!["error-analysis".into(), "--task".into(), "g\\x/i".into()],
            "g\\\\x/i",
        ),
        (
            vec!["error-analysis".into(), "--task".into(), String::new()],
            "\"\"",
        ),
        (
            vec!["error-analysis".into(), "--task".into(), "g/".into()],
            "g/",
        ),
        (
            vec!["error-analysis".into(), "--task".into(), "!!!/x".into()],
            "!!!",
        ),
        (
            vec!["error-analysis".into(), "--task".into(), "결제/dev".into()],
            "결제",
        ),
        (
            vec![
                "error-analysis".into(),
                "--task".into(),
                format!("g/{long}"),
            ],
            &long,
        ),
        (
            vec!["error-analysis".into(), "--task".into(), "g/x.lock".into()],
            "x.lock",
        ),
        (
            vec!["analysis".into(), "--task".into(), "g/i".into()],
            "analysis",
        ),
    ];
    for (args, named) in cases {
        let env = TestEnv::new();
        let before = TestEnv::files_under(&env.root());
        let mut all = vec!["run".to_owned()];
        all.extend(args.iter().cloned());
        all.extend([
            "--prepare-only".to_owned(),
            "--base-ref".to_owned(),
            "main".to_owned(),
        ]);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let out = okstra(&env, &refs);
        assert_eq!(out.code, Some(2), "{args:?}: {out}");
        assert!(
            out.stderr.contains(named),
            "{args:?} should name {named}: {out}"
        );
        assert!(out.stderr.starts_with("error:"), "{out}");
        let after = TestEnv::files_under(&env.root());
        assert_eq!(before, after, "{args:?} wrote files");
    }
}

#[test]
fn seq_override_gives_that_seq_once() {
    let mut env = TestEnv::new();
    env.set_env("OKSTRA_RUN_SEQ_OVERRIDE", "7");
    let v = prepare_json(
        &env,
        &["error-analysis", "--task", "g/i", "--base-ref", "main"],
    );
    assert_eq!(v["runSeq"], 7);
    let out = okstra(
        &env,
        &["run", "error-analysis", "--task", "g/i", "--prepare-only"],
    );
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: run seq 7 of error-analysis already exists for task project:g:i ([TMP]/project/.okstra/tasks/g/i/runs/error-analysis/manifests/run-manifest-error-analysis-7.json)
    hint: unset OKSTRA_RUN_SEQ_OVERRIDE, or choose a seq that is not taken
    ");
    env.set_env("OKSTRA_RUN_SEQ_OVERRIDE", "seven");
    let out = okstra(
        &env,
        &["run", "error-analysis", "--task", "g/i", "--prepare-only"],
    );
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr.contains("OKSTRA_RUN_SEQ_OVERRIDE=\"seven\""),
        "{out}"
    );
}

#[test]
fn sixteen_processes_preparing_one_new_task_at_once() {
    const N: usize = 16;
    let mut env = TestEnv::new();
    // Widen every locked section so the processes really contend.
    env.set_env("OKSTRA_TEST_LOCK_HOLD_MS", "25");
    let init = okstra(&env, &["init"]);
    assert_eq!(init.code, Some(0), "{init}");
    let children: Vec<_> = (0..N)
        .map(|_| {
            okstra_cmd(
                &env,
                &[
                    "run",
                    "error-analysis",
                    "--task",
                    "race/new-task",
                    "--base-ref",
                    "main",
                    "--prepare-only",
                    "--json",
                ],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let mut seqs = BTreeSet::new();
    let mut statuses = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let out = env.output(&out);
        assert_eq!(out.code, Some(0), "{out}");
        let v: Value = serde_json::from_str(&out.stdout).unwrap();
        seqs.insert(v["runSeq"].as_u64().unwrap());
        statuses.push(v["worktree"]["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(seqs, (1..=16).collect::<BTreeSet<u64>>());
    assert_eq!(statuses.iter().filter(|s| *s == "created").count(), 1);
    assert_eq!(statuses.iter().filter(|s| *s == "reused").count(), N - 1);

    let listing = git(env.project(), &["worktree", "list", "--porcelain"]);
    assert_eq!(listing.matches("\nworktree ").count() + 1, 2, "{listing}");
    let registry: Value = serde_json::from_str(
        &fs_err::read_to_string(env.okstra_home().join("registry/worktrees.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(registry["tasks"].as_object().unwrap().len(), 1);
    assert_eq!(registry["branches"].as_object().unwrap().len(), 1);

    let index = fs_err::read_to_string(env.okstra_home().join("index/runs.jsonl")).unwrap();
    let rows: Vec<Value> = index
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), N);
    assert!(rows.iter().all(|r| r["event"] == "started"));
    let timeline: Value = serde_json::from_str(
        &fs_err::read_to_string(
            env.project()
                .join(".okstra/tasks/race/new-task/history/timeline.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let entries = timeline["entries"].as_array().unwrap();
    assert_eq!(entries.len(), N);
    let timeline_seqs: BTreeSet<u64> = entries
        .iter()
        .map(|e| e["runSeq"].as_u64().unwrap())
        .collect();
    assert_eq!(timeline_seqs, seqs);
}
