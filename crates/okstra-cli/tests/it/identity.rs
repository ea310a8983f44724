//! Project and repository identity: a projectId names a project, a root is one checkout of
//! it, and task worktrees and branch ownership belong to a repository (its git common dir).

use std::path::{Path, PathBuf};

use okstra_test_support::TestEnv;
use okstra_test_support::git_repo::{GitRepoBuilder, git};
use serde_json::Value;

use crate::common::{okstra_in, read_json};

const PREPARE: [&str; 10] = [
    "run",
    "error-analysis",
    "--task",
    "pay/dev-1",
    "--base-ref",
    "main",
    "--brief-text",
    "# Pay fails",
    "--prepare-only",
    "--json",
];

/// Returns a new git repository at `<tmp>/<rel>`.
fn repo(env: &TestEnv, rel: &str) -> PathBuf {
    GitRepoBuilder::new(env.root().join(rel)).build()
}

/// Prepares `pay/dev-1` in `dir` and returns the `--json` output.
fn prepare(env: &TestEnv, dir: &Path) -> Value {
    let out = okstra_in(env, dir, &PREPARE);
    assert_eq!(out.code, Some(0), "{out}");
    serde_json::from_str(&out.stdout).unwrap()
}

/// Returns the root paths `projects/<id>/meta.json` lists.
fn meta_roots(env: &TestEnv, id: &str) -> Vec<String> {
    let meta = read_json(&env.okstra_home().join(format!("projects/{id}/meta.json")));
    meta["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_owned())
        .collect()
}

fn project_id_on_disk(dir: &Path) -> String {
    read_json(&dir.join(".okstra/project.json"))["projectId"]
        .as_str()
        .unwrap()
        .to_owned()
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
    let args = &PREPARE[..9];
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

#[test]
fn two_repositories_with_the_same_folder_name_get_two_project_ids() {
    let env = TestEnv::new();
    let x1 = repo(&env, "x1/app");
    let x2 = repo(&env, "x2/app");
    let x3 = repo(&env, "x3/app");
    insta::assert_snapshot!(okstra_in(&env, &x1, &["init"]), @r"
    exit: 0
    ----- stdout -----
    ----- stderr -----
    initialised okstra project `app` in [TMP]/x1/app
      wrote .okstra/project.json
      added .okstra/ to [TMP]/x1/app/.git/info/exclude
      registered in [TMP]/home/.okstra/projects/app/meta.json
    next: [OKSTRA] doctor   (checks the worker CLIs)
    then: [OKSTRA] run error-analysis --task <group>/<id> --brief <FILE> --base-ref <REF>
    ");
    insta::assert_snapshot!(okstra_in(&env, &x2, &["init"]), @r"
    exit: 0
    ----- stdout -----
    ----- stderr -----
    initialised okstra project `app-2` in [TMP]/x2/app
      project id `app` (from the folder name) is already used by [TMP]/x1/app, so this project is `app-2`
      wrote .okstra/project.json
      added .okstra/ to [TMP]/x2/app/.git/info/exclude
      registered in [TMP]/home/.okstra/projects/app-2/meta.json
    next: [OKSTRA] doctor   (checks the worker CLIs)
    then: [OKSTRA] run error-analysis --task <group>/<id> --brief <FILE> --base-ref <REF>
    ");
    let out = okstra_in(&env, &x3, &["init"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(project_id_on_disk(&x3), "app-3");
    assert_eq!(project_id_on_disk(&x2), "app-2");
    assert_eq!(meta_roots(&env, "app"), [x1.display().to_string()]);
    assert_eq!(meta_roots(&env, "app-2"), [x2.display().to_string()]);
    assert_eq!(meta_roots(&env, "app-3"), [x3.display().to_string()]);

    // Running init again keeps the id it chose.
    insta::assert_snapshot!(okstra_in(&env, &x2, &["init"]), @r"
    exit: 0
    ----- stdout -----
    ----- stderr -----
    okstra project `app-2` is already initialised in [TMP]/x2/app
      registered in [TMP]/home/.okstra/projects/app-2/meta.json
    next: [OKSTRA] doctor   (checks the worker CLIs)
    then: [OKSTRA] run error-analysis --task <group>/<id> --brief <FILE> --base-ref <REF>
    ");

    // A task made in each is its own task, in its own worktree.
    let first = prepare(&env, &x1);
    let second = prepare(&env, &x2);
    assert_eq!(first["taskKey"], "app:pay:dev-1");
    assert_eq!(second["taskKey"], "app-2:pay:dev-1");
    assert_eq!(first["worktree"]["status"], "created");
    assert_eq!(second["worktree"]["status"], "created");
    assert_eq!(
        second["worktree"]["path"],
        env.okstra_home()
            .join("worktrees/app-2/pay/dev-1/task")
            .display()
            .to_string()
    );
}

#[test]
fn a_first_run_in_a_new_folder_takes_a_free_project_id_and_says_so() {
    let env = TestEnv::new();
    let x1 = repo(&env, "x1/app");
    let x2 = repo(&env, "x2/app");
    assert_eq!(okstra_in(&env, &x1, &["init"]).code, Some(0));
    insta::assert_snapshot!(okstra_in(&env, &x2, &PREPARE[..9]), @r"
    exit: 0
    ----- stdout -----
    run:       [RUN]
    seq:       1
    run dir:   .okstra/tasks/pay/dev-1/runs/error-analysis
    worktree:  [TMP]/home/.okstra/worktrees/app-2/pay/dev-1/task (created, branch okstra/feat/pay-dev-1)
    ----- stderr -----
    project id `app` (from the folder name) is already used by [TMP]/x1/app, so this project is `app-2`
    ");
    assert_eq!(project_id_on_disk(&x2), "app-2");
    assert_eq!(meta_roots(&env, "app"), [x1.display().to_string()]);
    assert_eq!(meta_roots(&env, "app-2"), [x2.display().to_string()]);
    // The next run reads the id from project.json and says nothing more.
    let out = okstra_in(&env, &x2, &PREPARE[..9]);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(out.stderr, "");
}

#[test]
fn init_refuses_a_project_id_another_repository_uses() {
    let env = TestEnv::new();
    let x1 = repo(&env, "x1/app");
    let x2 = repo(&env, "x2/other");
    assert_eq!(okstra_in(&env, &x1, &["init"]).code, Some(0));
    insta::assert_snapshot!(okstra_in(&env, &x2, &["init", "--project-id", "App"]), @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: project id `app` is already used by [TMP]/x1/app, a checkout of another repository
    hint: pass another --project-id, or omit it to take a free id from the folder name
    ");
    assert!(!x2.join(".okstra").exists(), "nothing is written");
    assert_eq!(meta_roots(&env, "app"), [x1.display().to_string()]);

    // Another checkout of the same repository (a linked worktree) may join the project.
    let linked = env.root().join("linked/app");
    git(
        &x1,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "side",
            &linked.display().to_string(),
        ],
    );
    let out = okstra_in(&env, &linked, &["init", "--project-id", "app"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(project_id_on_disk(&linked), "app");
    assert_eq!(
        meta_roots(&env, "app"),
        [x1.display().to_string(), linked.display().to_string()]
    );
}

#[test]
fn a_clone_of_a_tracked_project_joins_it_with_worktrees_of_its_own() {
    let env = TestEnv::new();
    let x1 = repo(&env, "x1/app");
    let out = okstra_in(&env, &x1, &["init", "--track"]);
    assert_eq!(out.code, Some(0), "{out}");
    git(&x1, &["add", ".okstra/project.json"]);
    git(&x1, &["commit", "-q", "-m", "track okstra"]);
    let x2 = env.root().join("x2/app");
    fs_err::create_dir_all(x2.parent().unwrap()).unwrap();
    git(
        &env.root(),
        &[
            "clone",
            "-q",
            &x1.display().to_string(),
            &x2.display().to_string(),
        ],
    );
    insta::assert_snapshot!(okstra_in(&env, &x2, &["init"]), @r"
    exit: 0
    ----- stdout -----
    ----- stderr -----
    okstra project `app` is already initialised in [TMP]/x2/app
      added .okstra/ to [TMP]/x2/app/.git/info/exclude
      registered in [TMP]/home/.okstra/projects/app/meta.json
    next: [OKSTRA] doctor   (checks the worker CLIs)
    then: [OKSTRA] run error-analysis --task <group>/<id> --brief <FILE> --base-ref <REF>
    ");
    assert_eq!(
        meta_roots(&env, "app"),
        [x1.display().to_string(), x2.display().to_string()]
    );

    // The same task in each checkout: one task key, two worktrees, one branch in each repository.
    let first = prepare(&env, &x1);
    let second = prepare(&env, &x2);
    for out in [&first, &second] {
        assert_eq!(out["taskKey"], "app:pay:dev-1");
        assert_eq!(out["worktree"]["status"], "created");
        assert_eq!(out["worktree"]["branch"], "okstra/feat/pay-dev-1");
    }
    let worktrees = env.okstra_home().join("worktrees");
    assert_eq!(
        first["worktree"]["path"],
        worktrees.join("app/pay/dev-1/task").display().to_string()
    );
    // The second repository's worktrees sit under `app~<8 hex digits of its common dir>`.
    let path = PathBuf::from(second["worktree"]["path"].as_str().unwrap());
    let relative = path.strip_prefix(&worktrees).unwrap().display().to_string();
    let (namespace, rest) = relative.split_once('/').unwrap();
    assert_eq!(rest, "pay/dev-1/task");
    let hash = namespace.strip_prefix("app~").unwrap();
    assert!(
        hash.len() == 8 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{namespace}"
    );
    assert_eq!(
        git(&path, &["rev-parse", "--abbrev-ref", "HEAD"]),
        "okstra/feat/pay-dev-1"
    );
    assert!(git(&x2, &["worktree", "list", "--porcelain"]).contains(&path.display().to_string()));
    // Each checkout finds its own worktree again.
    let again = prepare(&env, &x2);
    assert_eq!(again["worktree"]["status"], "reused");
    assert_eq!(again["worktree"]["path"], second["worktree"]["path"]);
    let again = prepare(&env, &x1);
    assert_eq!(again["worktree"]["path"], first["worktree"]["path"]);
}
