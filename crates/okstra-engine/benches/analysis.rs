//! Benchmarks the engine's own overhead on a whole error-analysis run, the real path end to
//! end: preparation on a real git repository (task worktree, seq, manifest, index `started`
//! row), three instant `replay` analysers that disagree (the demo's fixture with its delays
//! removed) through round 0 and two convergence rounds, the report writer, the report data and
//! markdown, the run validator, timeline and index `done` row. The workers' own time is their
//! scripted delay, zero here, so the engine overhead is the whole wall time; printed p50/p90/max
//! with, for information, the slowest worker per round as okstra timed it (dispatch to durable
//! result: that is engine time too, part of the wall) — goal: overhead ≤ 100 ms.
//!
//! Run: `cargo bench -p okstra-engine --bench analysis`.

#![expect(clippy::print_stdout, reason = "a bench binary reports on stdout")]
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "figures for display"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use okstra_core::config::{Language, ProjectConfig};
use okstra_core::run_paths::RoundTag;
use okstra_core::settings::{SettingsLayer, resolve};
use okstra_core::status::RunStatus;
use okstra_core::team_state::TeamState;
use okstra_core::worker_name::Role;
use okstra_core::{TaskKey, TaskType};
use okstra_engine::home::Home;
use okstra_engine::prepare::PrepareRequest;
use okstra_engine::project::{LoadedProject, load_or_create_project};
use okstra_engine::runner::analysis::Budget;
use okstra_engine::runner::imp::{RunRequest, RunSummary, execute_run};
use okstra_engine::runner::plan::{PlanEnv, plan_entry};
use okstra_engine::worker::WorkerLimits;
use okstra_test_support::GitRepoBuilder;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const FIXTURE: &str = include_str!("../../okstra-cli/demo/fixture.json");
const BRIEF: &str = include_str!("../../okstra-cli/demo/brief.md");

/// The demo fixture with every delay removed: workers that answer at once.
fn instant_fixture() -> String {
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
    let mut fixture: Value = serde_json::from_str(FIXTURE).expect("demo fixture");
    strip(&mut fixture);
    fixture.to_string()
}

struct Bench {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    home: Home,
    project: LoadedProject,
    config: ProjectConfig,
    tmp_root: PathBuf,
    env: BTreeMap<String, String>,
}

fn setup() -> Bench {
    let tmp = tempfile::tempdir().expect("temp dir");
    let base = fs_err::canonicalize(tmp.path()).expect("canonical");
    let root = base.join("shop");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../okstra-cli/demo/project");
    let mut repo = GitRepoBuilder::new(&root);
    for file in [
        "README.md",
        "shop/cart.py",
        "shop/pricing.py",
        "tests/test_cart.py",
    ] {
        let text = fs_err::read_to_string(demo.join(file)).unwrap_or_default();
        repo = repo.file(file, &text);
    }
    repo.build();
    fs_err::create_dir_all(root.join(".okstra")).expect("mkdir");
    fs_err::write(root.join(".okstra/fixture.json"), instant_fixture()).expect("fixture");
    let replay = json!({"adapter": "replay", "fixture": ".okstra/fixture.json"});
    let project_json = json!({"projectId": "shop",
        "agents": {"claude": replay, "codex": replay, "gemini": replay}});
    fs_err::write(root.join(".okstra/project.json"), project_json.to_string()).expect("write");
    let (config, _) = ProjectConfig::parse(&project_json.to_string()).expect("config");
    let home = Home::new(base.join("home"));
    let project = load_or_create_project(&root, None, Language::En).expect("project");
    Bench {
        _tmp: tmp,
        root,
        home,
        project,
        config,
        tmp_root: base.join("tmp"),
        env: std::env::vars()
            .filter(|(k, _)| !k.starts_with("OKSTRA_"))
            .collect(),
    }
}

fn request(bench: &Bench, task: &str) -> RunRequest {
    let settings = resolve(
        &SettingsLayer::defaults(TaskType::ErrorAnalysis),
        &SettingsLayer::default(),
        &SettingsLayer::default(),
        &SettingsLayer::default(),
    );
    let plan_env = PlanEnv {
        settings: &settings,
        config: &bench.config,
        project_root: &bench.root,
        env: &bench.env,
    };
    let roster = ["claude", "codex", "gemini"]
        .iter()
        .map(|a| plan_entry(&plan_env, a, Role::Analysis).expect("analyser"))
        .collect();
    let writer = plan_entry(&plan_env, "claude", Role::ReportWriter).expect("writer");
    let (group, id) = TaskKey::parse_task_arg(task).expect("task");
    RunRequest {
        home: bench.home.clone(),
        project: bench.project.clone(),
        prepare: PrepareRequest {
            group,
            id,
            task_type: TaskType::ErrorAnalysis,
            brief: Some(BRIEF.to_owned()),
            base_ref: Some("main".to_owned()),
            category: "fix".to_owned(),
            stage: None,
            seq_override: None,
            status: RunStatus::Running,
            workers: Vec::new(),
            pid: None,
            replay: true,
            recipe: None,
        },
        roster,
        critic: None,
        report_writer: Some(writer),
        max_rounds: 2,
        budget: Budget::default(),
        language: Language::En,
        limits: WorkerLimits {
            deadline: Duration::from_secs(60),
            stall_window: Duration::from_secs(300),
            kill_grace: Duration::from_secs(5),
            retry_limit: 3,
        },
        env: bench.env.clone(),
        worker_env: BTreeMap::new(),
        tmp_root: bench.tmp_root.clone(),
        is_root: false,
        cancel: CancellationToken::new(),
        sink: Arc::new(|_| {}),
    }
}

/// Per round, the slowest worker as okstra timed it (from team state), summed.
fn slot_time(summary: &RunSummary) -> Duration {
    let text = fs_err::read_to_string(summary.paths.team_state()).expect("team state");
    let team = TeamState::parse(&text).expect("team state parses");
    let mut slowest: BTreeMap<String, u64> = BTreeMap::new();
    for row in &team.workers {
        let key = match row.round {
            RoundTag::Round(n) if row.role == "report-writer" => format!("writer-{n}"),
            other => other.to_string(),
        };
        let ms = row.duration_ms.unwrap_or(0);
        let e = slowest.entry(key).or_insert(0);
        *e = (*e).max(ms);
    }
    Duration::from_millis(slowest.values().sum())
}

struct Sample {
    wall: Duration,
    slots: Duration,
}

fn one_run(runtime: &tokio::runtime::Runtime, bench: &Bench, task: &str) -> Sample {
    let summary = runtime
        .block_on(execute_run(request(bench, task)))
        .expect("run");
    assert_eq!(summary.status, RunStatus::Completed, "the run completed");
    assert!(summary.validation.is_empty(), "{:?}", summary.validation);
    let state = fs_err::read_to_string(summary.paths.convergence()).expect("convergence");
    let rounds = serde_json::from_str::<Value>(&state).expect("convergence parses")["rounds"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(rounds, 2, "two convergence rounds ran");
    Sample {
        wall: summary.wall,
        slots: slot_time(&summary),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn report(label: &str, samples: &[Sample]) {
    let mut walls: Vec<f64> = samples.iter().map(|s| ms(s.wall)).collect();
    let mut slots: Vec<f64> = samples.iter().map(|s| ms(s.slots)).collect();
    for v in [&mut walls, &mut slots] {
        v.sort_by(f64::total_cmp);
    }
    let pick = |v: &[f64], p: f64| v[((p / 100.0) * (v.len() - 1) as f64).round() as usize];
    println!("{label} ({} runs):", samples.len());
    println!("  workers' own time  0 ms (scripted delays removed)");
    for (name, v) in [("engine overhead", &walls), ("  of which rounds", &slots)] {
        println!(
            "  {name:<18} p50 {:7.1} ms   p90 {:7.1} ms   max {:7.1} ms",
            pick(v, 50.0),
            pick(v, 90.0),
            v[v.len() - 1]
        );
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let bench = setup();
    // Warm up (page cache, git, template compilation).
    one_run(&runtime, &bench, "bench/warm-up");

    let existing: Vec<Sample> = (0..30)
        .map(|_| one_run(&runtime, &bench, "bench/existing"))
        .collect();
    report(
        "error-analysis, 3 replay analysers, 2 rounds, report, validate — task worktree reused",
        &existing,
    );
    let fresh: Vec<Sample> = (0..15)
        .map(|n| one_run(&runtime, &bench, &format!("bench/fresh-{n}")))
        .collect();
    report(
        "the same, first run of a new task (git worktree add included)",
        &fresh,
    );
}
