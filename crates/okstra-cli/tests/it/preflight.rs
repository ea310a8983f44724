//! The checks `okstra run` makes before anything is written, and `--dry-run` telling the truth
//! about them: the dry run exits 2 when the real run would be refused (a base ref other than
//! the task's anchor, a branch another task owns, every analyser `not-run`); a doomed real run
//! writes nothing; a run with one analyser that can run goes ahead and says who was skipped; a
//! run with no brief is refused, which `--prepare-only` and `--dry-run` only warn about.

use okstra_test_support::TestEnv;
use okstra_test_support::git_repo::{commit_file, git};
use serde_json::{Value, json};

use crate::common::{
    FINDINGS, fake, okstra, okstra_cmd, read_json, run_dir, run_guarded, write_brief,
    write_project, writer,
};

/// Writes a project whose analyser `x` answers with findings and whose report writer is a
/// fake: no worker CLI is needed.
fn runnable_project(env: &TestEnv) {
    write_project(
        env,
        &json!({"projectId": "shop", "workers": {"error-analysis": ["x"]},
            "roles": {"report-writer": "writer"},
            "agents": {"x": fake(&["--text", FINDINGS]), "writer": writer()}}),
    );
}

/// Returns `okstra run error-analysis --task <task>` with `extra` arguments.
fn run_args<'a>(task: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["run", "error-analysis", "--task", task];
    args.extend_from_slice(extra);
    args
}

#[test]
fn dry_run_exits_2_on_a_base_ref_that_differs_from_the_anchor() {
    let env = TestEnv::new();
    runnable_project(&env);
    commit_file(env.project(), "x.txt", "x", "second");
    git(env.project(), &["branch", "other", "HEAD~1"]);
    let out = okstra(
        &env,
        &run_args(
            "t/v",
            &[
                "--base-ref",
                "main",
                "--brief-text",
                "# b",
                "--prepare-only",
            ],
        ),
    );
    assert_eq!(out.code, Some(0), "{out}");
    let ok = okstra(&env, &run_args("t/v", &["--base-ref", "main", "--dry-run"]));
    assert_eq!(ok.code, Some(0), "the anchor itself: {ok}");
    let before = TestEnv::files_under(&env.root());
    let out = okstra(
        &env,
        &run_args("t/v", &["--base-ref", "other", "--dry-run"]),
    );
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stdout.starts_with("dry run: error-analysis on t/v"),
        "{out}"
    );
    let stderr = out.stderr_normalized();
    assert!(
        stderr.starts_with(
            "error: the real run would be refused: --base-ref other differs from the anchor of \
             task shop:t:v: main at "
        ),
        "{out}"
    );
    assert!(
        stderr.contains("hint: omit --base-ref to use the task's anchor, or use a new task id"),
        "{out}"
    );
    assert_eq!(TestEnv::files_under(&env.root()), before, "nothing written");
}

#[test]
fn dry_run_exits_2_on_a_branch_owned_by_another_task() {
    let env = TestEnv::new();
    runnable_project(&env);
    let out = okstra(
        &env,
        &run_args("a-b/c", &["--base-ref", "main", "--prepare-only"]),
    );
    assert_eq!(out.code, Some(0), "{out}");
    let before = TestEnv::files_under(&env.root());
    let out = okstra(
        &env,
        &run_args(
            "a/b-c",
            &["--base-ref", "main", "--brief-text", "# b", "--dry-run"],
        ),
    );
    assert_eq!(out.code, Some(2), "{out}");
    insta::assert_snapshot!(out.stderr_normalized(), @r"
    error: the real run would be refused: task shop:a:b-c cannot use branch okstra/feat/a-b-c: it already belongs to task shop:a-b:c
    hint: use another task id: the two tasks would share one branch name
    ");
    assert_eq!(TestEnv::files_under(&env.root()), before, "nothing written");
    // The real run meets the same refusal.
    let out = okstra(
        &env,
        &run_args("a/b-c", &["--base-ref", "main", "--brief-text", "# b"]),
    );
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr.contains("it already belongs to task shop:a-b:c"),
        "{out}"
    );
}

#[test]
fn dry_run_exits_2_when_every_analyser_would_be_not_run() {
    // TestEnv's PATH holds git but no worker CLI, whatever the machine has installed.
    let env = TestEnv::new();
    let out = okstra(
        &env,
        &run_args(
            "t/v",
            &[
                "--base-ref",
                "main",
                "--brief-text",
                "# b",
                "--dry-run",
                "--json",
            ],
        ),
    );
    assert_eq!(out.code, Some(2), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let not_run: Vec<bool> = v["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["notRun"].is_string())
        .collect();
    assert_eq!(
        not_run,
        [true, true, true, true],
        "three analysers and the report writer"
    );
    assert_eq!(
        v["refused"],
        "the real run would be refused: no analyser can run: claude-worker, codex-worker and \
         gemini-worker would all be not-run"
    );
    insta::assert_snapshot!(out.stderr_normalized(), @r"
    error: the real run would be refused: no analyser can run: claude-worker, codex-worker and gemini-worker would all be not-run
    hint: claude-worker: claude CLI not found (claude is not on PATH): install it with `npm install -g @anthropic-ai/claude-code`, or set agents.claude.binary in .okstra/project.json
    hint: codex-worker: codex CLI not found (codex is not on PATH): install it with `npm install -g @openai/codex`, or set agents.codex.binary in .okstra/project.json
    hint: gemini-worker: gemini CLI not found (gemini is not on PATH): install it with `npm install -g @google/gemini-cli`, or set agents.gemini.binary in .okstra/project.json
    hint: `okstra doctor` checks every worker CLI; --workers chooses other analysers
    ");
}

/// Asserts that nothing of a run exists: no task folder (seq, manifest, brief), no worktree,
/// no registry entry, no index row, no project.json.
fn assert_nothing_written(env: &TestEnv) {
    let home = env.okstra_home();
    for path in [
        env.project().join(".okstra"),
        home.join("worktrees"),
        home.join("registry/worktrees.json"),
        home.join("index"),
    ] {
        assert!(!path.exists(), "{} was written", path.display());
    }
    let branches = git(env.project(), &["branch", "--list", "okstra/*"]);
    assert_eq!(branches, "", "no task branch");
}

#[test]
fn a_doomed_run_is_refused_and_writes_nothing() {
    let env = TestEnv::new();
    let brief = write_brief(&env);
    let before = TestEnv::files_under(&env.root());
    let out = okstra(
        &env,
        &run_args(
            "t/v",
            &["--brief", brief.to_str().unwrap(), "--base-ref", "main"],
        ),
    );
    assert_eq!(out.code, Some(2), "{out}");
    let stderr = out.stderr_normalized();
    assert!(
        stderr.starts_with(
            "error: no analyser can run: claude-worker, codex-worker and gemini-worker would all \
             be not-run\n"
        ),
        "{out}"
    );
    for fix in [
        "hint: claude-worker: claude CLI not found (claude is not on PATH): install it with `npm install -g @anthropic-ai/claude-code`",
        "hint: codex-worker: codex CLI not found (codex is not on PATH): install it with `npm install -g @openai/codex`",
        "hint: gemini-worker: gemini CLI not found (gemini is not on PATH): install it with `npm install -g @google/gemini-cli`",
        "hint: `okstra doctor` checks every worker CLI",
    ] {
        assert!(stderr.contains(fix), "{fix}: {out}");
    }
    assert_nothing_written(&env);
    assert_eq!(TestEnv::files_under(&env.root()), before, "nothing written");
}

#[test]
fn a_run_with_one_analyser_that_can_run_goes_ahead_and_says_who_was_skipped() {
    let env = TestEnv::new();
    runnable_project(&env);
    let brief = write_brief(&env);
    let out = run_guarded(
        &env,
        okstra_cmd(
            &env,
            &run_args(
                "t/v",
                &[
                    "--brief",
                    brief.to_str().unwrap(),
                    "--base-ref",
                    "main",
                    "--workers",
                    "gemini,x",
                ],
            ),
        ),
    );
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stdout.lines().any(|l| l.contains("gemini-worker")
            && l.contains("not-run")
            && l.contains("gemini CLI not found")),
        "the summary names the skipped analyser and why: {out}"
    );
    let team = read_json(&run_dir(&env, "t/v", "error-analysis").join("state/team-state-1.json"));
    let statuses: Vec<(&str, &str)> = team["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["worker"].as_str().unwrap(), w["status"].as_str().unwrap()))
        .filter(|(w, _)| *w != "report-writer")
        .collect();
    assert_eq!(
        statuses,
        [("gemini-worker", "not-run"), ("x-worker", "completed")]
    );
}

#[test]
fn a_run_without_a_brief_is_refused_with_a_hint() {
    let env = TestEnv::new();
    runnable_project(&env);
    let before = TestEnv::files_under(&env.root());
    let out = okstra(&env, &run_args("t/v", &["--base-ref", "main"]));
    insta::assert_snapshot!(out, @r#"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: task shop:t:v has no brief: none was given and [TMP]/project/.okstra/tasks/t/v/brief.md does not exist
    hint: pass --brief FILE, or --brief-text "…": the brief is what the workers are paid to read
    "#);
    assert_eq!(TestEnv::files_under(&env.root()), before, "nothing written");
    assert!(!env.okstra_home().join("index").exists(), "no index row");

    // A blank --brief-text or an empty --brief file is bad input, named.
    let out = okstra(
        &env,
        &run_args("t/v", &["--base-ref", "main", "--brief-text", " "]),
    );
    assert_eq!(out.code, Some(2), "{out}");
    assert!(out.stderr.contains("--brief-text"), "{out}");
    let empty = env.root().join("empty.md");
    fs_err::write(&empty, "\n").unwrap();
    let out = okstra(
        &env,
        &run_args(
            "t/v",
            &["--base-ref", "main", "--brief", empty.to_str().unwrap()],
        ),
    );
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr_normalized()
            .contains("error: --brief [TMP]/empty.md is empty"),
        "{out}"
    );
}

#[test]
fn prepare_only_and_dry_run_only_warn_without_a_brief() {
    let env = TestEnv::new();
    runnable_project(&env);
    let out = okstra(
        &env,
        &run_args("t/v", &["--base-ref", "main", "--prepare-only", "--json"]),
    );
    assert_eq!(out.code, Some(0), "{out}");
    insta::assert_snapshot!(out.stderr_normalized(), @r#"
    warning: task shop:t:v has no brief: none was given and [TMP]/project/.okstra/tasks/t/v/brief.md does not exist; `okstra resume` of this run gives its workers nothing to read
    hint: pass --brief FILE, or --brief-text "…": the brief is what the workers are paid to read
    "#);
    let out = okstra(&env, &run_args("t/w", &["--base-ref", "main", "--dry-run"]));
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stdout.starts_with("dry run: error-analysis on t/w"),
        "{out}"
    );
    assert!(
        out.stderr
            .starts_with("warning: task shop:t:w has no brief")
            && out
                .stderr
                .contains("the real run will be refused without one"),
        "{out}"
    );

    // --brief-text is a brief: stored as the task's brief.md.
    let out = okstra(
        &env,
        &run_args(
            "t/w",
            &[
                "--base-ref",
                "main",
                "--brief-text",
                "# Checkout fails",
                "--prepare-only",
            ],
        ),
    );
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(out.stderr, "", "{out}");
    let brief = env.project().join(".okstra/tasks/t/w/brief.md");
    assert_eq!(fs_err::read_to_string(brief).unwrap(), "# Checkout fails");
    let out = okstra(&env, &run_args("t/w", &["--dry-run"]));
    assert_eq!(out.code, Some(0), "a stored brief is the brief: {out}");
    assert_eq!(out.stderr, "", "{out}");
}

/// A CLI that serves several roles of a team is asked for its login and its version once each,
/// not once per role: each ask of a node CLI can take a second.
#[test]
fn a_cli_that_serves_several_roles_is_probed_once() {
    let mut env = TestEnv::new();
    let clis = env.root().join("clis");
    fs_err::create_dir_all(&clis).unwrap();
    let calls = env.root().join("claude-calls");
    let claude = clis.join("claude");
    fs_err::write(
        &claude,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nif [ \"$1\" = --version ]; then echo '9.9.9 (Claude Code)'; exit 0; fi\n\
             echo '{{\"loggedIn\": true}}'\n",
            calls.display()
        ),
    )
    .unwrap();
    fs_err::set_permissions(&claude, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    env.prepend_path(&clis);
    write_project(
        &env,
        &json!({"projectId": "shop", "workers": {"error-analysis": ["claude"]},
            "roles": {"report-writer": "claude", "critic": "claude"}}),
    );
    let out = okstra(
        &env,
        &run_args(
            "t/v",
            &["--base-ref", "main", "--brief-text", "# b", "--dry-run"],
        ),
    );
    assert!(out.stdout.contains("claude-worker"), "{out}");
    let mut asked: Vec<String> = fs_err::read_to_string(&calls)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    asked.sort();
    assert_eq!(asked, ["--version", "auth status"], "{out}");
}

#[test]
fn an_implementation_dry_run_shows_its_executor_and_verifier() {
    // TestEnv's PATH holds no worker CLI: the stage team (claude executor, codex verifier by
    // default) cannot run, and the dry run says so instead of planning analysers.
    let env = TestEnv::new();
    let out = okstra(
        &env,
        &[
            "run",
            "implementation",
            "--task",
            "t/v",
            "--base-ref",
            "main",
            "--dry-run",
            "--json",
        ],
    );
    assert_eq!(out.code, Some(2), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let roles: Vec<&str> = v["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["role"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(roles, ["executor", "verifier"], "{v}");
    assert!(
        v["refused"]
            .as_str()
            .is_some_and(|r| r.contains("the executor claude (executor) cannot run")),
        "{v}"
    );
}
