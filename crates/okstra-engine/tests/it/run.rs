//! The runner through the engine's entry points (`run`, `prepare_only`, `resume`, `dry_run`):
//! every phase of an analysis with replay workers, process workers and their temp folders,
//! a prepared run continued with its recorded recipe, and the typed errors of bad inputs.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use okstra_core::TaskType;
use okstra_core::events::Checkpoint;
use okstra_core::findings::ConsensusClass;
use okstra_core::index::IndexEvent;
use okstra_core::manifest::RunManifest;
use okstra_core::settings::{RunSettings, SettingsLayer};
use okstra_core::status::{RunStatus, WorkerStatus};
use okstra_core::team_state::TeamState;
use okstra_engine::{
    DryRunFolder, DryRunRequest, ResumeOutcome, ResumeRun, RunError, dry_run,
    load_or_default_project,
};
use okstra_test_support::fake_agent::fake_agent_path;
use serde_json::{Value, json};

use crate::common::{Ask, Fixture};

const DEMO_FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../okstra-cli/demo/fixtures/analysis.json"
);

const FINDINGS: &str = "Found it.\n```json\n{\"findings\": [{\"id\": \"A-1\", \"title\": \"Total rounds down\", \"severity\": \"high\", \"evidence\": [\"README.md:1\"], \"claim\": \"c\", \"reasoning\": \"r\"}], \"summary\": \"s\"}\n```";
const NARRATIVE: &str =
    "```json\n{\"summary\": \"Scripted.\", \"analysis\": \"a\", \"recommendations\": []}\n```";

/// The demo fixture with every delay removed.
fn instant_demo_fixture() -> String {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                map.remove("delayMs");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut fixture: Value =
        serde_json::from_str(&fs_err::read_to_string(DEMO_FIXTURE).unwrap()).unwrap();
    strip(&mut fixture);
    fixture.to_string()
}

fn write_project(fx: &Fixture, project: &Value) {
    let dir = fx.root().join(".okstra");
    fs_err::create_dir_all(&dir).unwrap();
    fs_err::write(dir.join("project.json"), project.to_string()).unwrap();
}

fn fake(args: &[&str]) -> Value {
    let exe = std::env::current_exe().unwrap();
    let mut argv = vec![
        fake_agent_path(&exe.display().to_string())
            .display()
            .to_string(),
    ];
    argv.extend(args.iter().map(|a| (*a).to_owned()));
    json!({"adapter": "command", "argv": argv})
}

/// A private TMPDIR for the run's workers, and okstra's environment with it.
fn env_with_tmp(fx: &Fixture) -> (PathBuf, BTreeMap<String, String>) {
    let tmp = fs_err::canonicalize(fx.tmp.path()).unwrap().join("tmp");
    fs_err::create_dir_all(&tmp).unwrap();
    let mut env: BTreeMap<String, String> = std::env::vars()
        .filter(|(k, _)| !k.starts_with("OKSTRA_"))
        .collect();
    env.insert("TMPDIR".into(), tmp.display().to_string());
    (tmp, env)
}

fn read_team(manifest: &RunManifest) -> TeamState {
    TeamState::parse(&fs_err::read_to_string(manifest.paths().team_state()).unwrap()).unwrap()
}

#[test]
fn a_replay_analysis_runs_every_phase_and_records_one_truth() {
    let fx = Fixture::git();
    fs_err::create_dir_all(fx.root().join(".okstra")).unwrap();
    fs_err::write(
        fx.root().join(".okstra/fixture.json"),
        instant_demo_fixture(),
    )
    .unwrap();
    let replay = json!({"adapter": "replay", "fixture": ".okstra/fixture.json"});
    write_project(
        &fx,
        &json!({"projectId": "shop", "roles": {"report-writer": "claude"},
            "agents": {"claude": replay, "codex": replay, "gemini": replay}}),
    );
    let ask = Ask {
        base_ref: Some("main"),
        brief: Some("# The total is a cent short\n"),
        seq: None,
    };
    let summary = okstra_engine::run(fx.new_run(
        "checkout/cent",
        TaskType::ErrorAnalysis,
        &ask,
        BTreeMap::new(),
    ))
    .unwrap();
    assert_eq!(summary.status, RunStatus::Completed);
    assert!(summary.validation.is_empty(), "{:?}", summary.validation);
    assert_eq!(summary.workers.len(), 3);
    // The demo's analysers disagree on purpose: every class appears.
    for class in ConsensusClass::ALL {
        assert!(
            summary.classes.of(class) >= 1,
            "{class}: {:?}",
            summary.classes
        );
    }
    let manifest =
        RunManifest::parse(&fs_err::read_to_string(summary.paths.manifest()).unwrap()).unwrap();
    let passed: Vec<Checkpoint> = manifest.checkpoints.iter().map(|c| c.checkpoint).collect();
    assert_eq!(
        passed,
        [
            Checkpoint::Prepare,
            Checkpoint::Prompts,
            Checkpoint::Collect,
            Checkpoint::Convergence,
            Checkpoint::Report,
            Checkpoint::Persist
        ]
    );
    assert_eq!(manifest.status, RunStatus::Completed);
    assert!(manifest.replay);
    assert!(
        manifest.recipe.is_some(),
        "the recipe is recorded for resume"
    );
    // Team state: rows whose derived facts agree with their attempts, written as copies.
    let team = read_team(&manifest);
    let raw: Value =
        serde_json::from_str(&fs_err::read_to_string(summary.paths.team_state()).unwrap()).unwrap();
    for (row, file) in team.workers.iter().zip(raw["workers"].as_array().unwrap()) {
        assert_eq!(file["status"], row.status().as_str());
        assert_eq!(file["tokens"], serde_json::to_value(row.tokens()).unwrap());
        assert!(row.attempts.iter().all(|a| a.status.is_terminal()));
    }
    assert_eq!(team.tmp_root, None, "replay workers need no temp folder");
    // One `started` and one `done` row.
    let rows: Vec<IndexEvent> = fx
        .home
        .read_index()
        .unwrap()
        .rows
        .iter()
        .filter(|r| r.run_id == summary.run_id)
        .map(|r| r.event)
        .collect();
    assert_eq!(rows, [IndexEvent::Started, IndexEvent::Done]);
    assert_eq!(okstra_engine::validate_run(&manifest), Vec::new());
}

#[test]
fn process_workers_get_private_temp_folders_that_are_removed() {
    let fx = Fixture::git();
    let (tmp, env) = env_with_tmp(&fx);
    let seen = fx.tmp.path().join("worker-env");
    let agent = fake(&["--env-file", seen.to_str().unwrap(), "--text", FINDINGS]);
    write_project(
        &fx,
        &json!({"projectId": "shop", "roles": {"report-writer": "writer"},
            "agents": {"x": agent, "writer": fake(&["--text", NARRATIVE])}}),
    );
    let mut new = fx.new_run(
        "t/tmp",
        TaskType::ErrorAnalysis,
        &Ask {
            base_ref: Some("main"),
            brief: Some("# The total is a cent short\n"),
            ..Ask::default()
        },
        env,
    );
    new.settings.workers.value = vec!["x".into()];
    let summary = okstra_engine::run(new).unwrap();
    assert_eq!(
        summary.status,
        RunStatus::Completed,
        "{:?}",
        summary.workers
    );
    let vars = fs_err::read_to_string(&seen).unwrap();
    let tmpdir = vars
        .lines()
        .find_map(|l| l.strip_prefix("TMPDIR="))
        .unwrap()
        .to_owned();
    let tmpdir = Path::new(&tmpdir);
    assert_eq!(tmpdir.file_name().unwrap(), "x-worker-r0");
    let run_folder = tmpdir.parent().unwrap();
    assert_eq!(run_folder.parent().unwrap(), tmp);
    let name = run_folder
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let prefix = format!("okstra-{}-", summary.run_id);
    assert!(name.starts_with(&prefix), "{name}");
    assert!(
        name.len() > prefix.len() + 6,
        "an unpredictable suffix: {name}"
    );
    assert!(!run_folder.exists(), "the run's temp folder is removed");
    assert_eq!(read_team(&summary.manifest).tmp_root, None);
}

#[test]
fn a_prepared_run_is_resumed_with_its_recorded_recipe() {
    let fx = Fixture::git();
    let (_tmp, env) = env_with_tmp(&fx);
    write_project(
        &fx,
        &json!({"projectId": "shop", "roles": {"report-writer": "writer"},
            "agents": {"x": fake(&["--text", FINDINGS]), "y": fake(&["--text", FINDINGS]),
                       "writer": fake(&["--text", NARRATIVE])}}),
    );
    let mut new = fx.new_run(
        "t/prepared",
        TaskType::ErrorAnalysis,
        &Ask {
            base_ref: Some("main"),
            ..Ask::default()
        },
        env.clone(),
    );
    new.settings.workers.value = vec!["x".into(), "y".into()];
    let prepared = okstra_engine::prepare_only(&new).unwrap();
    assert_eq!(prepared.manifest.status, RunStatus::Prepared);
    let recipe = prepared.manifest.recipe.clone().unwrap();
    assert_eq!(recipe.analysers, ["x", "y"]);
    // The project changes meanwhile; the recipe decides.
    write_project(
        &fx,
        &json!({"projectId": "shop", "agents": {"x": fake(&["--text", FINDINGS]),
            "y": fake(&["--text", FINDINGS]), "writer": fake(&["--text", NARRATIVE])}}),
    );
    let project = load_or_default_project(&fx.home, &fx.root()).unwrap();
    let settings = RunSettings::resolve(
        TaskType::ErrorAnalysis,
        &SettingsLayer::from_recipe(&recipe),
        &project.config,
        &env,
    )
    .unwrap();
    let outcome = okstra_engine::resume(ResumeRun {
        home: fx.home.clone(),
        project,
        settings,
        manifest: prepared.manifest,
        env,
        sink: okstra_engine::silent(),
    })
    .unwrap();
    let ResumeOutcome::Resumed { summary, .. } = outcome else {
        panic!("a prepared run is continued");
    };
    assert_eq!(summary.status, RunStatus::Completed);
    let names: Vec<String> = summary
        .workers
        .iter()
        .map(|w| w.worker.to_string())
        .collect();
    assert_eq!(names, ["x-worker", "y-worker"]);
    assert!(
        summary
            .workers
            .iter()
            .all(|w| w.status == WorkerStatus::Completed)
    );
    assert_eq!(summary.classes.of(ConsensusClass::FullConsensus), 1);
    let team = read_team(&summary.manifest);
    assert!(
        team.workers
            .iter()
            .any(|w| w.worker.as_str() == "report-writer" && w.status() == WorkerStatus::Completed),
        "the recorded report writer answered"
    );
}

#[test]
fn the_dry_run_plans_each_worker_and_writes_nothing() {
    let fx = Fixture::git();
    let before = okstra_test_support::TestEnv::files_under(fx.tmp.path());
    let project = load_or_default_project(&fx.home, &fx.root()).unwrap();
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    env.insert("PATH".into(), String::new());
    env.insert("TMPDIR".into(), "/scratch".into());
    let settings = RunSettings::resolve(
        TaskType::ErrorAnalysis,
        &SettingsLayer::default(),
        &project.config,
        &env,
    )
    .unwrap();
    let (group, id) = okstra_core::TaskKey::parse_task_arg("g/i").unwrap();
    let dry = dry_run(&DryRunRequest {
        home: &fx.home,
        project: &project,
        settings: &settings,
        task_type: TaskType::ErrorAnalysis,
        group: &group,
        id: &id,
        base_ref: Some("main"),
        brief: Some("# The total is a cent short\n"),
        related: &[],
        env: &env,
    })
    .unwrap();
    assert_eq!(
        dry.folder,
        DryRunFolder::New {
            base_ref: Some("main".into())
        }
    );
    assert_eq!(
        dry.workdir,
        fx.home
            .paths()
            .task_worktree(&project.project_id, group.segment(), id.segment())
    );
    let workers: Vec<String> = dry.workers.iter().map(|w| w.worker.to_string()).collect();
    assert_eq!(
        workers,
        [
            "claude-worker",
            "codex-worker",
            "gemini-worker",
            "report-writer"
        ]
    );
    assert!(
        dry.workers.iter().all(|w| w
            .not_run
            .as_deref()
            .is_some_and(|r| r.contains("not on PATH"))),
        "an empty PATH has no CLI"
    );
    assert!(
        matches!(dry.refusals.as_slice(), [RunError::NoAnalyserCanRun { workers }] if workers.len() == 3),
        "{:?}",
        dry.refusals
    );
    assert!(dry.no_brief.is_none(), "a brief was given");
    assert_eq!(
        okstra_test_support::TestEnv::files_under(fx.tmp.path()),
        before,
        "nothing is written"
    );
}

#[test]
fn bad_inputs_are_typed_errors_that_name_the_file() {
    let fx = Fixture::git();
    write_project(
        &fx,
        &json!({"projectId": "shop", "roles": {"report-writer": "writer"},
            "agents": {"x": fake(&["--text", FINDINGS]), "writer": fake(&["--text", NARRATIVE])}}),
    );
    // An implementation run whose executor cannot run is refused before anything is written
    // of it.
    let err = okstra_engine::run(fx.new_run(
        "t/bad",
        TaskType::Implementation,
        &Ask::default(),
        BTreeMap::new(),
    ))
    .unwrap_err();
    assert!(
        matches!(
            err,
            RunError::Stage(okstra_engine::StageError::ExecutorCannotRun { .. })
        ),
        "{err:?}"
    );

    // A prior report of the task that is not report data.
    let prepared = fx
        .prepare("t/bad", TaskType::ErrorAnalysis, Some("main"))
        .unwrap();
    let prior = prepared
        .paths
        .task()
        .run_dir(TaskType::RequirementsDiscovery, None)
        .join("reports/final-report-requirements-discovery-1.data.json");
    fs_err::create_dir_all(prior.parent().unwrap()).unwrap();
    fs_err::write(&prior, "{ not json").unwrap();
    let mut new = fx.new_run(
        "t/bad",
        TaskType::ErrorAnalysis,
        &Ask::default(),
        BTreeMap::new(),
    );
    new.settings.workers.value = vec!["x".into()];
    let err = okstra_engine::run(new).unwrap_err();
    assert!(
        err.to_string().contains(&prior.display().to_string()),
        "{err}"
    );
    assert!(matches!(err, RunError::PriorReport(_)), "{err:?}");
    fs_err::remove_file(&prior).unwrap();

    // A brief that is not text.
    let brief = prepared.paths.task().brief();
    fs_err::write(&brief, [0xff, 0xfe, 0x00]).unwrap();
    fs_err::set_permissions(&brief, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut new = fx.new_run(
        "t/bad",
        TaskType::ErrorAnalysis,
        &Ask::default(),
        BTreeMap::new(),
    );
    new.settings.workers.value = vec!["x".into()];
    let err = okstra_engine::run(new).unwrap_err();
    assert!(
        matches!(err, RunError::Brief { ref path, .. } if *path == brief),
        "{err:?}"
    );
}

#[test]
fn a_run_again_is_asked_what_the_first_ones_recipe_recorded() {
    let fx = Fixture::git();
    let (_tmp, env) = env_with_tmp(&fx);
    write_project(
        &fx,
        &json!({"projectId": "shop", "roles": {"report-writer": "writer"},
            "agents": {"x": fake(&["--text", FINDINGS]), "writer": fake(&["--text", NARRATIVE])}}),
    );
    let ask = Ask {
        base_ref: Some("main"),
        brief: Some("# b"),
        ..Ask::default()
    };
    okstra_engine::prepare_only(&fx.new_run("t/other", TaskType::ErrorAnalysis, &ask, env.clone()))
        .unwrap();
    let mut new = fx.new_run("t/first", TaskType::ErrorAnalysis, &ask, env.clone());
    new.settings.workers.value = vec!["x".into()];
    new.directive = Some("Only the rounding".into());
    new.related = vec![okstra_engine::RelatedTask::parse("t/other").unwrap()];
    let first = okstra_engine::prepare_only(&new).unwrap().manifest;
    let recipe = first.recipe.clone().unwrap();
    assert_eq!(recipe.directive.as_deref(), Some("Only the rounding"));
    assert_eq!(recipe.related, ["t/other"]);

    let project = load_or_default_project(&fx.home, &fx.root()).unwrap();
    let settings = RunSettings::resolve(
        TaskType::ErrorAnalysis,
        &SettingsLayer::from_recipe(&recipe),
        &project.config,
        &env,
    )
    .unwrap();
    let again = okstra_engine::NewRun::again(
        &first,
        fx.home.clone(),
        project,
        settings,
        env,
        okstra_engine::silent(),
    );
    let second = okstra_engine::prepare_detached(&again).unwrap().manifest;
    assert_eq!(second.run_seq.get(), 2);
    assert_eq!(second.task_id.raw(), "first");
    assert_eq!(second.recipe.as_ref().unwrap().analysers, ["x"]);
    assert_eq!(
        second.recipe.as_ref().unwrap().directive.as_deref(),
        Some("Only the rounding")
    );
    assert_eq!(second.recipe.as_ref().unwrap().related, ["t/other"]);
    assert_eq!(
        second.tmux_session.as_deref(),
        Some(second.run_id.session_name().as_str())
    );
    assert_eq!(second.status, RunStatus::Prepared);
}
