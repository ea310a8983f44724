//! Project and repository identity: a projectId names a project, a root is one checkout of
//! it, and task worktrees and branch ownership belong to a repository (its git common dir).

use std::path::PathBuf;

use okstra_test_support::TestEnv;
use okstra_test_support::git_repo::{GitRepoBuilder, git};

use crate::common::{okstra_in, read_json};

const PREPARE: [&str; 7] = [
    "run",
    "error-analysis",
    "--task",
    "pay/dev-1",
    "--base-ref",
    "main",
    "--prepare-only",
];

/// Returns a new git repository at `<tmp>/<rel>`.
fn repo(env: &TestEnv, rel: &str) -> PathBuf {
    GitRepoBuilder::new(env.root().join(rel)).build()
}

#[test]
fn the_same_task_in_two_repositories_gets_a_worktree_and_branch_in_each() {
    let env = TestEnv::new();
    let ra = repo(&env, "ra");
    let rb = repo(&env, "rb");
    for dir in [&ra, &rb] {
        let out = okstra_in(&env, dir, &["init"]);
        assert_eq!(out.code, Some(0), "{out}");
    }
    let args = &PREPARE;
    insta::assert_snapshot!(okstra_in(&env, &ra, args), @r"
    exit: 0
    ----- stdout -----
    run:       [RUN]
    seq:       1
    run dir:   .okstra/tasks/pay/dev-1/runs/error-analysis
    worktree:  [TMP]/home/.okstra/worktrees/ra/pay/dev-1/task (created, branch okstra/feat/pay-dev-1)
    ----- stderr -----
    ");
    insta::assert_snapshot!(okstra_in(&env, &rb, args), @r"
    exit: 0
    ----- stdout -----
    run:       [RUN]
    seq:       1
    run dir:   .okstra/tasks/pay/dev-1/runs/error-analysis
    worktree:  [TMP]/home/.okstra/worktrees/rb/pay/dev-1/task (created, branch okstra/feat/pay-dev-1)
    ----- stderr -----
    ");
    for (dir, id) in [(&ra, "ra"), (&rb, "rb")] {
        let worktree = env
            .okstra_home()
            .join(format!("worktrees/{id}/pay/dev-1/task"));
        assert_eq!(
            git(&worktree, &["rev-parse", "--abbrev-ref", "HEAD"]),
            "okstra/feat/pay-dev-1"
        );
        let listing = git(dir, &["worktree", "list", "--porcelain"]);
        assert!(
            listing.contains(&worktree.display().to_string()),
            "{listing}"
        );
    }
    // The registry records each branch's owner in its own repository.
    let registry = read_json(&env.okstra_home().join("registry/worktrees.json"));
    assert_eq!(registry["schemaVersion"], "registry/v1");
    for (dir, owner) in [(&ra, "ra:pay:dev-1"), (&rb, "rb:pay:dev-1")] {
        let common_dir = dir.join(".git").display().to_string();
        assert_eq!(
            registry["repositories"][&common_dir]["branches"]["okstra/feat/pay-dev-1"], owner,
            "{registry:#}"
        );
    }
}
