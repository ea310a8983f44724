//! The executor's git safety on real repositories: the push guard against a real local bare
//! remote (every push fails and nothing arrives, while fetch and commit work and the user's own
//! `GIT_CONFIG_*` entries still apply), okstra's commit of leftovers (tracked, untracked,
//! `.gitignore` respected; the configured identity, else okstra's fallback), and step mode's
//! per-step commits.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use okstra_core::executor::{LEFTOVER_SUBJECT, StepInvocation, plan_steps};
use okstra_core::plan::{Stage, Step};
use okstra_engine::{
    StepCommit, commit_leftovers, commit_step, commits_since, has_uncommitted_changes, head,
    push_guard_vars,
};
use okstra_test_support::git_repo::{RepoWithOrigin, commit_file, git};
use tempfile::TempDir;

/// A repository with a stage worktree and a bare remote it fetches from and would push to.
struct Remote {
    _tmp: TempDir,
    bare: PathBuf,
    repo: PathBuf,
    /// A linked worktree of `repo`, as a stage worktree is.
    worktree: PathBuf,
    home: PathBuf,
}

impl Remote {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs_err::canonicalize(tmp.path()).unwrap();
        let RepoWithOrigin {
            bare,
            repo,
            worktree,
        } = RepoWithOrigin::new(&root, "okstra/feat/g-t-stage-1");
        let home = root.join("home");
        fs_err::create_dir_all(&home).unwrap();
        Self {
            _tmp: tmp,
            bare,
            repo,
            worktree,
            home,
        }
    }

    /// The environment an executor would inherit: hermetic git, plus `extra`.
    fn user_env(&self, extra: &[(&str, &str)]) -> BTreeMap<String, String> {
        let mut env: BTreeMap<String, String> = [
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("HOME", self.home.display().to_string()),
            ("GIT_CONFIG_GLOBAL", "/dev/null".to_owned()),
            ("GIT_CONFIG_NOSYSTEM", "1".to_owned()),
            ("GIT_TERMINAL_PROMPT", "0".to_owned()),
            ("LC_ALL", "C".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        env
    }

    /// The executor's environment: the user's, plus the push guard okstra adds.
    fn guarded_env(&self, extra: &[(&str, &str)]) -> BTreeMap<String, String> {
        let mut env = self.user_env(extra);
        let vars = push_guard_vars(&self.worktree, &env).unwrap();
        env.extend(vars);
        env
    }

    fn branches_on_remote(&self) -> String {
        git(&self.bare, &["for-each-ref", "--format=%(refname)"])
    }
}

/// Runs git in `dir` with exactly `env`, as the executor's process would.
fn git_as(dir: &Path, env: &BTreeMap<String, String>, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_executor_push_fails_while_fetch_and_commit_work_and_user_entries_still_apply() {
    let r = Remote::new();
    let env = r.guarded_env(&[
        ("GIT_CONFIG_COUNT", "2"),
        ("GIT_CONFIG_KEY_0", "user.name"),
        ("GIT_CONFIG_VALUE_0", "User From Env"),
        ("GIT_CONFIG_KEY_1", "user.email"),
        ("GIT_CONFIG_VALUE_1", "user@env.example"),
    ]);
    assert_eq!(
        env["GIT_CONFIG_KEY_0"], "user.name",
        "the user's entries keep their place"
    );
    assert!(env["GIT_CONFIG_COUNT"].parse::<usize>().unwrap() > 2);
    let before = r.branches_on_remote();

    fs_err::write(r.worktree.join("new.txt"), "new\n").unwrap();
    assert!(git_as(&r.worktree, &env, &["add", "-A"]).status.success());
    let commit = git_as(&r.worktree, &env, &["commit", "-q", "-m", "RED: a test"]);
    assert!(commit.status.success(), "{}", stderr(&commit));
    let author = git_as(&r.worktree, &env, &["log", "-1", "--format=%an <%ae>"]);
    assert_eq!(
        String::from_utf8_lossy(&author.stdout).trim(),
        "User From Env <user@env.example>",
        "the user's own GIT_CONFIG entries still apply"
    );

    let bare = r.bare.to_str().unwrap();
    let file_url = format!("file://{bare}");
    for args in [
        vec!["push", "origin", "HEAD"],
        vec!["push", "origin", "HEAD:refs/heads/main"],
        vec!["push", "--all", "origin"],
        vec!["push", bare, "HEAD:refs/heads/direct"],
        vec!["push", &file_url, "HEAD:refs/heads/by-url"],
        vec!["push", "--mirror", bare],
    ] {
        let out = git_as(&r.worktree, &env, &args);
        assert!(!out.status.success(), "git {args:?} pushed");
        assert!(
            stderr(&out).contains("okstra-executor-never-pushes"),
            "git {args:?}: {}",
            stderr(&out)
        );
    }
    assert_eq!(
        r.branches_on_remote(),
        before,
        "nothing arrived in the remote"
    );

    commit_file(&r.repo, "upstream.txt", "u\n", "upstream change");
    git(&r.repo, &["push", "-q", "origin", "main"]);
    let fetch = git_as(&r.worktree, &env, &["fetch", "-q", "origin"]);
    assert!(fetch.status.success(), "fetch works: {}", stderr(&fetch));
    assert_eq!(
        git(&r.worktree, &["rev-parse", "origin/main"]),
        git(&r.repo, &["rev-parse", "main"])
    );

    // Without the guard the same process pushes: the guard is what stops it.
    let unguarded = git_as(
        &r.worktree,
        &r.user_env(&[]),
        &["push", "-q", "origin", "HEAD"],
    );
    assert!(unguarded.status.success(), "{}", stderr(&unguarded));
}

#[test]
fn the_guard_beats_an_explicit_pushurl_and_the_users_own_push_rewrites() {
    let r = Remote::new();
    let bare = r.bare.to_str().unwrap().to_owned();
    // A second remote whose explicit pushurl is the bare repository (by a file:// URL, which
    // origin's fetch URL does not start with).
    git(
        &r.repo,
        &["remote", "add", "fork", "https://example.invalid/fork.git"],
    );
    git(
        &r.repo,
        &["config", "remote.fork.pushurl", &format!("file://{bare}")],
    );
    // The user's own longer pushInsteadOf for origin's URL (git takes the longest match).
    let parent = r.bare.parent().unwrap().display().to_string();
    git(
        &r.repo,
        &[
            "config",
            &format!("url.file://{parent}/.pushInsteadOf"),
            &format!("{parent}/"),
        ],
    );
    let before = r.branches_on_remote();
    // Unguarded, both reach the remote (the user's rewrite points at the same repository).
    let plain = r.user_env(&[]);
    for remote in ["origin", "fork"] {
        let out = git_as(
            &r.worktree,
            &plain,
            &["push", "-q", "--dry-run", remote, "HEAD:x"],
        );
        assert!(out.status.success(), "{remote}: {}", stderr(&out));
    }
    let env = r.guarded_env(&[]);
    for remote in ["origin", "fork"] {
        let out = git_as(&r.worktree, &env, &["push", remote, "HEAD:refs/heads/x"]);
        assert!(!out.status.success(), "{remote} pushed");
        assert!(
            stderr(&out).contains("okstra-executor-never-pushes"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(r.branches_on_remote(), before);
    let fetch = git_as(&r.worktree, &env, &["fetch", "-q", "origin"]);
    assert!(fetch.status.success(), "{}", stderr(&fetch));
}

#[test]
fn a_bad_user_count_is_named() {
    let r = Remote::new();
    let env = r.user_env(&[("GIT_CONFIG_COUNT", "many")]);
    let err = push_guard_vars(&r.worktree, &env).unwrap_err();
    assert!(
        err.to_string().contains("GIT_CONFIG_COUNT=\"many\""),
        "{err}"
    );
}

#[test]
fn leftovers_are_committed_once_with_gitignore_respected() {
    let r = Remote::new();
    let wt = &r.worktree;
    git(wt, &["config", "user.name", "Repo User"]);
    git(wt, &["config", "user.email", "repo@user.example"]);
    commit_file(wt, ".gitignore", "target/\n", "ignore target");
    let base = head(wt).unwrap();
    assert!(!has_uncommitted_changes(wt).unwrap());
    assert_eq!(
        commit_leftovers(wt).unwrap(),
        None,
        "nothing left: no commit"
    );

    fs_err::write(wt.join("README.md"), "# changed\n").unwrap();
    fs_err::create_dir_all(wt.join("src/deep")).unwrap();
    fs_err::write(wt.join("src/deep/new.rs"), "fn main() {}\n").unwrap();
    fs_err::create_dir_all(wt.join("target")).unwrap();
    fs_err::write(wt.join("target/build.log"), "ignored\n").unwrap();
    assert!(has_uncommitted_changes(wt).unwrap());

    let made = commit_leftovers(wt).unwrap().expect("a commit");
    assert_eq!(made.subject, LEFTOVER_SUBJECT);
    assert_eq!(made.sha, head(wt).unwrap());
    assert_eq!(commits_since(wt, &base).unwrap(), 1);
    assert_eq!(
        git(
            wt,
            &["show", "--name-only", "--format=%s%n%an <%ae>", "HEAD"]
        ),
        "okstra: uncommitted executor changes\nRepo User <repo@user.example>\n\nREADME.md\n\
         src/deep/new.rs"
    );
    assert!(
        wt.join("target/build.log").exists(),
        "ignored files stay, uncommitted"
    );
    assert!(!has_uncommitted_changes(wt).unwrap());
    assert_eq!(commit_leftovers(wt).unwrap(), None);
}

/// The environment variable that makes the identity test run its body (in a child process
/// whose git sees no global or system configuration).
const IDENTITY_CHILD: &str = "OKSTRA_TEST_IDENTITY_CHILD";

#[test]
fn leftovers_fall_back_to_okstras_identity_without_changing_the_config() {
    if let Some(dir) = std::env::var_os(IDENTITY_CHILD) {
        let wt = PathBuf::from(dir);
        fs_err::write(wt.join("left.txt"), "left\n").unwrap();
        let made = commit_leftovers(&wt).unwrap().expect("a commit");
        assert_eq!(made.subject, LEFTOVER_SUBJECT);
        return;
    }
    let r = Remote::new();
    // This test's own binary, running only this test, with git isolated from the machine's
    // global identity (git reads it from the process environment).
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "executor::leftovers_fall_back_to_okstras_identity_without_changing_the_config",
            "--exact",
            "--nocapture",
        ])
        .env(IDENTITY_CHILD, &r.worktree)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", &r.home)
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_NAME")
        .env_remove("GIT_COMMITTER_EMAIL")
        .env_remove("EMAIL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
    assert_eq!(
        git(
            &r.worktree,
            &["log", "-1", "--format=%s|%an <%ae>|%cn <%ce>"]
        ),
        "okstra: uncommitted executor changes|okstra <okstra@localhost>|okstra <okstra@localhost>"
    );
    let config = fs_err::read_to_string(r.repo.join(".git/config")).unwrap();
    assert!(!config.contains("okstra@localhost"), "{config}");
}

fn stage(actions: &[&str]) -> Stage {
    Stage {
        number: 1,
        title: "Totals".into(),
        steps: actions
            .iter()
            .map(|a| Step {
                action: (*a).into(),
                files: Vec::new(),
            })
            .collect(),
        ..Stage::default()
    }
}

#[test]
fn step_mode_commits_each_step_with_its_subject_and_reports_an_empty_one() {
    let r = Remote::new();
    let wt = &r.worktree;
    let base = head(wt).unwrap();
    let steps: Vec<StepInvocation> = plan_steps(&stage(&[
        "RED: a test that totals round half up",
        "GREEN: round half up",
        "REFACTOR: nothing to tidy",
        "REFACTOR: the executor commits this one itself",
    ]))
    .unwrap();

    let before = head(wt).unwrap();
    fs_err::write(wt.join("total_test.txt"), "expect 3\n").unwrap();
    let red = commit_step(wt, &steps[0], &before).unwrap();
    let StepCommit::Committed(red) = red else {
        panic!("{red:?}")
    };
    assert_eq!(red.subject, "RED: a test that totals round half up");

    let before = head(wt).unwrap();
    fs_err::write(wt.join("total.txt"), "3\n").unwrap();
    assert!(matches!(
        commit_step(wt, &steps[1], &before).unwrap(),
        StepCommit::Committed(ref c) if c.subject == "GREEN: round half up"
    ));

    let before = head(wt).unwrap();
    assert_eq!(
        commit_step(wt, &steps[2], &before).unwrap(),
        StepCommit::NothingChanged
    );

    let before = head(wt).unwrap();
    let own = commit_file(wt, "tidy.txt", "t\n", "REFACTOR: its own subject");
    assert_eq!(
        commit_step(wt, &steps[3], &before).unwrap(),
        StepCommit::ByExecutor { head: own }
    );

    assert_eq!(commits_since(wt, &base).unwrap(), 3);
    assert_eq!(
        git(wt, &["log", "--format=%s", &format!("{base}..HEAD")]),
        "REFACTOR: its own subject\nGREEN: round half up\nRED: a test that totals round half up"
    );
}
