//! Task worktree provisioning on real git (SPEC §8 first bullet).

use okstra_core::repository::{GitCommonDir, WorktreeNamespace};
use okstra_core::status::WorktreeStatus;
use okstra_core::{ProjectId, Segment, TaskType};
use okstra_engine::{PrepareError, RunError, WorktreeError};
use okstra_test_support::git_repo::{commit_file, git};

use crate::common::Fixture;

#[test]
fn created_then_reused_by_another_task_type() {
    let fx = Fixture::git();
    let first = fx
        .prepare("payments/dev-1", TaskType::ErrorAnalysis, Some("main"))
        .unwrap();
    let wt = &first.worktree;
    assert_eq!(wt.status, WorktreeStatus::Created);
    let path = wt.path.clone().unwrap();
    assert_eq!(
        path,
        fx.home
            .paths()
            .home()
            .join("worktrees/shop/payments/dev-1/task")
            .display()
            .to_string()
    );
    assert_eq!(wt.branch.as_deref(), Some("okstra/feat/payments-dev-1"));
    assert_eq!(
        git(
            std::path::Path::new(&path),
            &["rev-parse", "--abbrev-ref", "HEAD"]
        ),
        "okstra/feat/payments-dev-1"
    );
    let main_head = git(&fx.root(), &["rev-parse", "main"]);
    assert_eq!(wt.anchor_base_commit.as_deref(), Some(main_head.as_str()));

    // A second task type of the same task reuses it, without --base-ref.
    let second = fx
        .prepare("payments/dev-1", TaskType::RequirementsDiscovery, None)
        .unwrap();
    assert_eq!(second.worktree.status, WorktreeStatus::Reused);
    assert_eq!(second.worktree.path.as_deref(), Some(path.as_str()));

    // The same --base-ref again is fine even after main moved: the anchor stays fixed.
    commit_file(&fx.root(), "b.txt", "b", "move main");
    let third = fx
        .prepare("payments/dev-1", TaskType::ErrorAnalysis, Some("main"))
        .unwrap();
    assert_eq!(third.worktree.status, WorktreeStatus::Reused);
    assert_eq!(
        third.worktree.anchor_base_commit.as_deref(),
        Some(main_head.as_str())
    );

    let registry = fx.registry();
    assert_eq!(registry.tasks.len(), 1);
    assert_eq!(
        registry.branches["okstra/feat/payments-dev-1"],
        "shop:payments:dev-1"
    );
    let listing = git(&fx.root(), &["worktree", "list", "--porcelain"]);
    assert_eq!(listing.matches("worktree ").count(), 2, "{listing}");
}

#[test]
fn first_time_without_base_ref_is_refused() {
    let fx = Fixture::git();
    let err = fx
        .prepare("payments/dev-1", TaskType::ErrorAnalysis, None)
        .unwrap_err();
    assert!(
        matches!(
            err,
            RunError::Prepare(PrepareError::Worktree(WorktreeError::BaseRefRequired { ref task_key }))
                if task_key == "shop:payments:dev-1"
        ),
        "{err:?}"
    );
    assert!(fx.registry().tasks.is_empty());
    assert!(!fx.home.paths().home().join("worktrees").exists());
}

#[test]
fn a_different_base_ref_later_is_refused() {
    let fx = Fixture::git();
    commit_file(&fx.root(), "x.txt", "x", "second");
    git(&fx.root(), &["branch", "other", "HEAD~1"]);
    fx.prepare("payments/dev-1", TaskType::ErrorAnalysis, Some("main"))
        .unwrap();
    let err = fx
        .prepare("payments/dev-1", TaskType::ErrorAnalysis, Some("other"))
        .unwrap_err();
    assert!(
        matches!(
            &err,
            RunError::Prepare(PrepareError::Worktree(WorktreeError::BaseRefMismatch { given, anchor_ref, .. }))
                if given == "other" && anchor_ref == "main"
        ),
        "{err:?}"
    );
    // A different spelling of the anchor commit is not "different".
    let anchor = git(&fx.root(), &["rev-parse", "main"]);
    fx.prepare("payments/dev-1", TaskType::ErrorAnalysis, Some(&anchor))
        .unwrap();
}

#[test]
fn unknown_base_ref_is_refused() {
    let fx = Fixture::git();
    let err = fx
        .prepare(
            "payments/dev-1",
            TaskType::ErrorAnalysis,
            Some("no-such-branch"),
        )
        .unwrap_err();
    assert!(
        matches!(err, RunError::Prepare(PrepareError::Worktree(WorktreeError::BadBaseRef { ref value, .. })) if value == "no-such-branch"),
        "{err:?}"
    );
}

#[test]
fn branch_owned_by_another_task_is_refused() {
    let fx = Fixture::git();
    fx.prepare("a-b/c", TaskType::ErrorAnalysis, Some("main"))
        .unwrap();
    let err = fx
        .prepare("a/b-c", TaskType::ErrorAnalysis, Some("main"))
        .unwrap_err();
    assert!(
        matches!(
            &err,
            RunError::Prepare(PrepareError::Worktree(WorktreeError::BranchTaken { branch, owner, .. }))
                if branch == "okstra/feat/a-b-c" && owner == "shop:a-b:c"
        ),
        "{err:?}"
    );
}

#[test]
fn the_same_branch_in_another_repository_is_free() {
    let fx = Fixture::git();
    let other = fx.another_repository("mall");
    fx.prepare("a-b/c", TaskType::ErrorAnalysis, Some("main"))
        .unwrap();
    let run = other
        .prepare("a-b/c", TaskType::ErrorAnalysis, Some("main"))
        .unwrap();
    assert_eq!(run.worktree.status, WorktreeStatus::Created);
    assert_eq!(run.worktree.branch.as_deref(), Some("okstra/feat/a-b-c"));
    assert_eq!(
        git(
            std::path::Path::new(run.worktree.path.as_deref().unwrap()),
            &["rev-parse", "--abbrev-ref", "HEAD"]
        ),
        "okstra/feat/a-b-c"
    );
    // Within that repository the branch now has an owner too.
    let err = other
        .prepare("a/b-c", TaskType::ErrorAnalysis, Some("main"))
        .unwrap_err();
    assert!(
        matches!(
            &err,
            RunError::Prepare(PrepareError::Worktree(WorktreeError::BranchTaken { branch, owner, .. }))
                if branch == "okstra/feat/a-b-c" && owner == "mall:a-b:c"
        ),
        "{err:?}"
    );
}

#[test]
fn a_registry_written_by_the_previous_release_is_read_and_kept_readable() {
    let fx = Fixture::git();
    fx.prepare("a-b/c", TaskType::ErrorAnalysis, Some("main"))
        .unwrap();
    // Rewrite the file as the previous release wrote it: branch owners with no repository.
    let path = fx.home.paths().registry();
    let read = || -> serde_json::Value {
        serde_json::from_str(&fs_err::read_to_string(&path).unwrap()).unwrap()
    };
    let mut old = read();
    old.as_object_mut().unwrap().remove("repositories");
    fs_err::write(&path, old.to_string()).unwrap();

    // The old owner is attributed to its task's repository: there it still holds the branch…
    let err = fx
        .prepare("a/b-c", TaskType::ErrorAnalysis, Some("main"))
        .unwrap_err();
    assert!(
        matches!(
            &err,
            RunError::Prepare(PrepareError::Worktree(WorktreeError::BranchTaken { owner, .. }))
                if owner == "shop:a-b:c"
        ),
        "{err:?}"
    );
    // …and another repository may use the same branch name.
    let other = fx.another_repository("mall");
    let run = other
        .prepare("a-b/c", TaskType::ErrorAnalysis, Some("main"))
        .unwrap();
    assert_eq!(run.worktree.status, WorktreeStatus::Created);

    // The file is written in the new shape, still v1, with the old view kept for old readers.
    let new = read();
    assert_eq!(new["schemaVersion"], "registry/v1");
    assert_eq!(new["branches"]["okstra/feat/a-b-c"], "shop:a-b:c");
    let owners: Vec<&str> = new["repositories"]
        .as_object()
        .unwrap()
        .values()
        .map(|r| r["branches"]["okstra/feat/a-b-c"].as_str().unwrap())
        .collect();
    assert_eq!(owners.len(), 2, "{new:#}");
    assert!(owners.contains(&"shop:a-b:c") && owners.contains(&"mall:a-b:c"));
}

#[test]
fn two_clones_of_one_project_get_a_worktree_each() {
    let fx = Fixture::git();
    let clone = fx.another_repository("shop");
    // The clone joins project `shop` through its project.json, as a tracked one would.
    fs_err::create_dir_all(clone.root().join(".okstra")).unwrap();
    fs_err::write(
        clone.root().join(".okstra/project.json"),
        r#"{"projectId": "shop"}"#,
    )
    .unwrap();
    let first = fx
        .prepare("payments/dev-1", TaskType::ErrorAnalysis, Some("main"))
        .unwrap();
    let second = clone
        .prepare("payments/dev-1", TaskType::ErrorAnalysis, Some("main"))
        .unwrap();
    assert_eq!(second.task_key.to_string(), "shop:payments:dev-1");
    for run in [&first, &second] {
        assert_eq!(run.worktree.status, WorktreeStatus::Created);
        assert_eq!(
            run.worktree.branch.as_deref(),
            Some("okstra/feat/payments-dev-1")
        );
    }
    let (group, id) = (
        Segment::parse("payments").unwrap(),
        Segment::parse("dev-1").unwrap(),
    );
    let shop = ProjectId::parse("shop").unwrap();
    let path = |p: std::path::PathBuf| Some(p.display().to_string());
    // The project's first repository keeps the SPEC path; the clone has a namespace of its own.
    assert_eq!(
        first.worktree.path,
        path(fx.home.paths().task_worktree(&shop, &group, &id))
    );
    let clone_repo = GitCommonDir::new(
        fs_err::canonicalize(clone.root().join(".git"))
            .unwrap()
            .display()
            .to_string(),
    );
    let namespace = WorktreeNamespace::of_repository(&shop, &clone_repo);
    assert_eq!(
        second.worktree.path,
        path(fx.home.paths().task_worktree(&namespace, &group, &id))
    );
    // Each checkout finds its own worktree again.
    let again = clone
        .prepare("payments/dev-1", TaskType::RequirementsDiscovery, None)
        .unwrap();
    assert_eq!(again.worktree.status, WorktreeStatus::Reused);
    assert_eq!(again.worktree.path, second.worktree.path);
    let again = fx
        .prepare("payments/dev-1", TaskType::RequirementsDiscovery, None)
        .unwrap();
    assert_eq!(again.worktree.path, first.worktree.path);
    let keys: Vec<String> = fx.registry().tasks.into_keys().collect();
    assert_eq!(
        keys,
        [
            "shop:payments:dev-1".to_owned(),
            format!("{namespace}:payments:dev-1")
        ]
    );
}

#[test]
fn outside_git_runs_use_the_project_root() {
    let fx = Fixture::non_git();
    let run = fx
        .prepare("payments/dev-1", TaskType::ErrorAnalysis, None)
        .unwrap();
    assert_eq!(run.worktree.status, WorktreeStatus::SkippedNonGit);
    assert_eq!(run.worktree.path, None);
    assert_eq!(run.worktree.workdir, fx.root().display().to_string());
    assert_eq!(run.manifest.worktree.status, WorktreeStatus::SkippedNonGit);
}

#[test]
fn inside_a_linked_worktree_runs_use_the_project_root() {
    let fx = Fixture::git();
    let linked = fx.tmp.path().join("linked");
    git(
        &fx.root(),
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "side",
            &linked.display().to_string(),
        ],
    );
    let linked = fs_err::canonicalize(&linked).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let fx2 = Fixture::at(tmp, &linked);
    let run = fx2
        .prepare("payments/dev-1", TaskType::ErrorAnalysis, Some("main"))
        .unwrap();
    assert_eq!(run.worktree.status, WorktreeStatus::SkippedNestedWorktree);
    assert_eq!(run.worktree.workdir, linked.display().to_string());
    assert!(fx2.registry().tasks.is_empty());
}

#[test]
fn monorepo_subfolder_works_in_the_same_subfolder_of_the_worktree() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = fs_err::canonicalize(tmp.path()).unwrap().join("mono");
    okstra_test_support::GitRepoBuilder::new(&repo)
        .file("services/api/README.md", "api\n")
        .build();
    let fx = Fixture::at(tmp, &repo.join("services/api"));
    let run = fx
        .prepare("payments/dev-1", TaskType::ErrorAnalysis, Some("main"))
        .unwrap();
    let path = run.worktree.path.clone().unwrap();
    assert_eq!(run.worktree.workdir, format!("{path}/services/api"));
    assert!(
        std::path::Path::new(&run.worktree.workdir)
            .join("README.md")
            .is_file()
    );
}

#[test]
fn a_removed_worktree_folder_is_provisioned_again() {
    let fx = Fixture::git();
    let run = fx
        .prepare("payments/dev-1", TaskType::ErrorAnalysis, Some("main"))
        .unwrap();
    let path = run.worktree.path.unwrap();
    fs_err::remove_dir_all(&path).unwrap();
    let again = fx
        .prepare("payments/dev-1", TaskType::ErrorAnalysis, None)
        .unwrap();
    assert_eq!(again.worktree.status, WorktreeStatus::Reused);
    assert!(std::path::Path::new(&path).join("README.md").is_file());
}
