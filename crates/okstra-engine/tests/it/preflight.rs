//! The checks a new run makes before anything of it is written, through the engine's entry
//! points: a real run refused with nothing written (no analyser can run; no brief), and a dry
//! run that reports each refusal the real run would meet (a base ref other than the anchor, a
//! branch another task owns, no base ref for a new task, a forced seq that is taken).

use std::collections::BTreeMap;

use okstra_core::TaskType;
use okstra_core::outcome::NotRunReason;
use okstra_core::settings::{RunSettings, SettingsLayer};
use okstra_engine::{
    DryRun, DryRunFolder, DryRunRequest, PrepareError, RunError, WorktreeError, dry_run,
    load_or_default_project,
};
use okstra_test_support::TestEnv;
use okstra_test_support::fake_agent::fake_agent_path;
use okstra_test_support::git_repo::{commit_file, git};
use serde_json::json;

use crate::common::{Ask, Fixture};

const BRIEF: &str = "# The total is a cent short\n";

/// Writes a project whose analyser `x` and report writer are fake-agent command agents, which
/// need no CLI and no login.
fn runnable_project(fx: &Fixture) {
    let exe = std::env::current_exe().unwrap();
    let agent = json!({"adapter": "command",
        "argv": [fake_agent_path(&exe.display().to_string()).display().to_string(), "--text", "ok"]});
    let dir = fx.root().join(".okstra");
    fs_err::create_dir_all(&dir).unwrap();
    fs_err::write(
        dir.join("project.json"),
        json!({"projectId": "shop", "workers": {"error-analysis": ["x"]},
            "roles": {"report-writer": "writer"}, "agents": {"x": agent, "writer": agent}})
        .to_string(),
    )
    .unwrap();
}

/// An environment whose PATH holds no worker CLI.
fn no_clis() -> BTreeMap<String, String> {
    BTreeMap::from([("PATH".to_owned(), String::new())])
}

/// Returns the dry run of error-analysis on `task` from `base_ref`, with a brief.
fn dry(fx: &Fixture, task: &str, base_ref: Option<&str>, env: &BTreeMap<String, String>) -> DryRun {
    let project = load_or_default_project(&fx.home, &fx.root()).unwrap();
    let settings = RunSettings::resolve(
        TaskType::ErrorAnalysis,
        &SettingsLayer::default(),
        &project.config,
        env,
    )
    .unwrap();
    let (group, id) = okstra_core::TaskKey::parse_task_arg(task).unwrap();
    dry_run(&DryRunRequest {
        home: &fx.home,
        project: &project,
        settings: &settings,
        task_type: TaskType::ErrorAnalysis,
        group: &group,
        id: &id,
        base_ref,
        brief: Some(BRIEF),
        related: &[],
        env,
    })
    .unwrap()
}

#[test]
fn a_run_no_analyser_of_which_can_run_is_refused_before_anything_is_written() {
    let fx = Fixture::git();
    let before = TestEnv::files_under(fx.tmp.path());
    let ask = Ask {
        base_ref: Some("main"),
        brief: Some(BRIEF),
        ..Ask::default()
    };
    let err = okstra_engine::run(fx.new_run("t/none", TaskType::ErrorAnalysis, &ask, no_clis()))
        .unwrap_err();
    let RunError::NoAnalyserCanRun { workers } = &err else {
        panic!("{err:?}");
    };
    let names: Vec<String> = workers.iter().map(|(w, _)| w.to_string()).collect();
    assert_eq!(names, ["claude-worker", "codex-worker", "gemini-worker"]);
    assert!(
        workers
            .iter()
            .all(|(_, why)| matches!(why, NotRunReason::CliNotFound { .. })),
        "{workers:?}"
    );
    assert_eq!(
        err.to_string(),
        "no analyser can run: claude-worker, codex-worker and gemini-worker would all be not-run"
    );
    assert_eq!(
        TestEnv::files_under(fx.tmp.path()),
        before,
        "no project file, seq, worktree, registry entry or index row"
    );
}

#[test]
fn a_run_without_a_brief_is_refused_before_anything_is_written() {
    let fx = Fixture::git();
    runnable_project(&fx);
    let before = TestEnv::files_under(fx.tmp.path());
    let ask = Ask {
        base_ref: Some("main"),
        ..Ask::default()
    };
    let err = okstra_engine::run(fx.new_run("t/b", TaskType::ErrorAnalysis, &ask, no_clis()))
        .unwrap_err();
    assert!(
        matches!(&err, RunError::NoBrief { exists: false, path, .. } if path.ends_with("tasks/t/b/brief.md")),
        "{err:?}"
    );
    assert_eq!(
        TestEnv::files_under(fx.tmp.path()),
        before,
        "nothing written"
    );

    // A stored brief that is blank is no brief either.
    let brief = fx.root().join(".okstra/tasks/t/b/brief.md");
    fs_err::create_dir_all(brief.parent().unwrap()).unwrap();
    fs_err::write(&brief, " \n").unwrap();
    let err = okstra_engine::run(fx.new_run("t/b", TaskType::ErrorAnalysis, &ask, no_clis()))
        .unwrap_err();
    assert!(
        matches!(err, RunError::NoBrief { exists: true, .. }),
        "{err:?}"
    );
    assert!(err.to_string().ends_with("brief.md is empty"), "{err}");
}

#[test]
fn the_dry_run_reports_a_base_ref_that_differs_from_the_anchor() {
    let fx = Fixture::git();
    runnable_project(&fx);
    commit_file(&fx.root(), "x.txt", "x", "second");
    git(&fx.root(), &["branch", "other", "HEAD~1"]);
    fx.prepare("t/v", TaskType::ErrorAnalysis, Some("main"))
        .unwrap();
    let ok = dry(&fx, "t/v", Some("main"), &no_clis());
    assert!(ok.refusals.is_empty(), "{:?}", ok.refusals);
    let d = dry(&fx, "t/v", Some("other"), &no_clis());
    assert_eq!(
        d.folder,
        DryRunFolder::Existing {
            branch: "okstra/feat/t-v".into()
        }
    );
    assert!(
        matches!(
            d.refusals.as_slice(),
            [RunError::Prepare(PrepareError::Worktree(WorktreeError::BaseRefMismatch { given, anchor_ref, .. }))]
                if given == "other" && anchor_ref == "main"
        ),
        "{:?}",
        d.refusals
    );
}

#[test]
fn the_dry_run_reports_a_branch_owned_by_another_task() {
    let fx = Fixture::git();
    runnable_project(&fx);
    fx.prepare("a-b/c", TaskType::ErrorAnalysis, Some("main"))
        .unwrap();
    let before = TestEnv::files_under(fx.tmp.path());
    let d = dry(&fx, "a/b-c", Some("main"), &no_clis());
    assert!(
        matches!(
            d.refusals.as_slice(),
            [RunError::Prepare(PrepareError::Worktree(WorktreeError::BranchTaken { branch, owner, .. }))]
                if branch == "okstra/feat/a-b-c" && owner == "shop:a-b:c"
        ),
        "{:?}",
        d.refusals
    );
    assert_eq!(
        TestEnv::files_under(fx.tmp.path()),
        before,
        "nothing written"
    );
}

#[test]
fn the_dry_run_reports_a_missing_base_ref_a_taken_seq_and_a_missing_brief() {
    let fx = Fixture::git();
    runnable_project(&fx);
    let d = dry(&fx, "t/new", None, &no_clis());
    assert_eq!(d.folder, DryRunFolder::New { base_ref: None });
    assert!(
        matches!(
            d.refusals.as_slice(),
            [RunError::Prepare(PrepareError::Worktree(
                WorktreeError::BaseRefRequired { .. }
            ))]
        ),
        "{:?}",
        d.refusals
    );

    fx.prepare("t/seq", TaskType::ErrorAnalysis, Some("main"))
        .unwrap();
    let mut env = no_clis();
    env.insert("OKSTRA_RUN_SEQ_OVERRIDE".into(), "1".into());
    let d = dry(&fx, "t/seq", None, &env);
    assert!(
        matches!(
            d.refusals.as_slice(),
            [RunError::Prepare(PrepareError::SeqExists { seq: 1, .. })]
        ),
        "{:?}",
        d.refusals
    );

    // No brief given and none stored: a warning of the dry run, not a refusal.
    let project = load_or_default_project(&fx.home, &fx.root()).unwrap();
    let settings = RunSettings::resolve(
        TaskType::ErrorAnalysis,
        &SettingsLayer::default(),
        &project.config,
        &no_clis(),
    )
    .unwrap();
    let (group, id) = okstra_core::TaskKey::parse_task_arg("t/nobrief").unwrap();
    let d = dry_run(&DryRunRequest {
        home: &fx.home,
        project: &project,
        settings: &settings,
        task_type: TaskType::ErrorAnalysis,
        group: &group,
        id: &id,
        base_ref: Some("main"),
        brief: None,
        related: &[],
        env: &no_clis(),
    })
    .unwrap();
    assert!(d.refusals.is_empty(), "{:?}", d.refusals);
    assert!(
        matches!(d.no_brief, Some(RunError::NoBrief { .. })),
        "{:?}",
        d.no_brief
    );
    let roles: Vec<&str> = d.workers.iter().map(|w| w.role.as_str()).collect();
    assert_eq!(roles, ["analysis", "report-writer"]);
}
