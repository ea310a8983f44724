//! Benchmarks the worker runner on its real path — real processes (`fake-agent`), real pipes,
//! real files, the real dispatcher — and prints the figures the runner promises:
//!
//! - completion latency from a child's exit (the realtime stamp `fake-agent` writes just before
//!   it exits) to its terminal status being durable (team state and manifest written), p50/p99
//!   over 1,000 instant workers, one at a time and ten at a time (goal p99 ≤ 10 ms);
//! - the wall time of one round of 16 workers that each take 1 s (goal ≤ 1.1 s).
//!
//! Run: `cargo bench -p okstra-engine --bench runner`.

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
use std::time::{Duration, Instant};

use jiff::Timestamp;
use okstra_core::config::{Language, ProjectConfig};
use okstra_core::redact::Redactor;
use okstra_core::run_paths::RoundTag;
use okstra_core::settings::{SettingsLayer, resolve};
use okstra_core::status::{RunStatus, WorkerStatus};
use okstra_core::team_state::TeamState;
use okstra_core::{TaskKey, TaskType};
use okstra_engine::home::Home;
use okstra_engine::prepare::{PrepareRequest, prepare_run};
use okstra_engine::project::load_or_create_project;
use okstra_engine::runner::dispatcher::run_round;
use okstra_engine::runner::plan::{PlanEnv, ProcessInputs, launch_for, plan_entry};
use okstra_engine::runner::{PlannedWorker, RunContext};
use okstra_engine::worker::WorkerLimits;
use okstra_engine::worker::unix::become_subreaper;
use okstra_test_support::GitRepoBuilder;
use okstra_test_support::fake_agent::fake_agent_path;
use serde_json::json;
use tokio_util::sync::CancellationToken;

struct Bench {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    home: Home,
    project: okstra_engine::project::LoadedProject,
    tmp_root: PathBuf,
    env: BTreeMap<String, String>,
    workdir: PathBuf,
}

impl Bench {
    /// Returns a freshly prepared run, as every real run starts with its own team state.
    fn new_run(&self) -> RunContext {
        let (group, id) = TaskKey::parse_task_arg("bench/runner").expect("task");
        let prepared = prepare_run(
            &self.home,
            &self.project,
            &PrepareRequest {
                group,
                id,
                task_type: TaskType::ErrorAnalysis,
                brief: Some("bench".into()),
                base_ref: Some("main".into()),
                category: "feat".into(),
                stage: None,
                seq_override: None,
                status: RunStatus::Running,
                workers: Vec::new(),
                pid: Some(std::process::id()),
                replay: false,
                recipe: None,
            },
        )
        .expect("prepare");
        RunContext {
            task_key: prepared.task_key.clone(),
            team: TeamState::new(
                prepared.run_id().to_string(),
                "error-analysis".into(),
                prepared.manifest.run_seq.get(),
                Timestamp::now(),
            ),
            paths: prepared.paths.clone(),
            manifest: prepared.manifest.clone(),
            limits: WorkerLimits {
                deadline: Duration::from_secs(60),
                stall_window: Duration::from_secs(300),
                kill_grace: Duration::from_secs(5),
                retry_limit: 3,
            },
            redactor: Redactor::from_env(&self.env),
            tmp_root: self.tmp_root.clone(),
            cancel: CancellationToken::new(),
            sink: Arc::new(|_| {}),
            saved: okstra_engine::runner::SavedDigests::default(),
        }
    }
}

fn setup(agents: &serde_json::Value) -> Bench {
    let tmp = tempfile::tempdir().expect("temp dir");
    let base = fs_err::canonicalize(tmp.path()).expect("canonical");
    let root = base.join("shop");
    GitRepoBuilder::new(&root).build();
    let project_json = json!({"projectId": "shop", "agents": agents});
    fs_err::create_dir_all(root.join(".okstra")).expect("mkdir");
    fs_err::write(root.join(".okstra/project.json"), project_json.to_string()).expect("write");
    let home = Home::new(base.join("home"));
    let project = load_or_create_project(&root, None, Language::En).expect("project");
    let env: BTreeMap<String, String> = std::env::vars().collect();
    let bench = Bench {
        workdir: PathBuf::new(),
        _tmp: tmp,
        root,
        home,
        project,
        tmp_root: base.join("tmp"),
        env,
    };
    let first = bench.new_run();
    Bench {
        workdir: PathBuf::from(&first.manifest.worktree.workdir),
        ..bench
    }
}

fn plan(bench: &Bench, names: &[String], round: u32) -> Vec<PlannedWorker> {
    let (config, _) = ProjectConfig::parse(
        &fs_err::read_to_string(bench.root.join(".okstra/project.json")).expect("read"),
    )
    .expect("config");
    let settings = resolve(
        &SettingsLayer::defaults(TaskType::ErrorAnalysis),
        &SettingsLayer::default(),
        &SettingsLayer::default(),
        &SettingsLayer::default(),
    );
    let plan_env = PlanEnv {
        settings: &settings,
        config: &config,
        project_root: &bench.root,
        env: &bench.env,
    };
    names
        .iter()
        .map(|name| {
            let entry = plan_entry(&plan_env, name, okstra_core::worker_name::Role::Analysis)
                .expect("entry");
            let launch = launch_for(
                &entry,
                &ProcessInputs {
                    workdir: &bench.workdir,
                    add_dirs: &[],
                    tmpdir: bench.tmp_root.join(format!("{}-{round}", entry.worker)),
                    worker_env: &BTreeMap::new(),
                    env: &bench.env,
                    is_root: false,
                },
            )
            .expect("launch");
            PlannedWorker {
                worker: entry.worker,
                kind: entry.kind,
                role: entry.role,
                model: None,
                round: RoundTag::Round(round),
                cli: None,
                launch,
                prompt: "bench prompt\n".into(),
                check: None,
            }
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = (p / 100.0 * (sorted.len() as f64 - 1.0)).round();
    sorted[rank as usize]
}

fn stamps(path: &Path) -> Vec<i128> {
    fs_err::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

fn completion_latency(
    runtime: &tokio::runtime::Runtime,
    fake: &Path,
    total: usize,
    concurrency: usize,
) {
    let dir = tempfile::tempdir().expect("stamps dir");
    let mut agents = serde_json::Map::new();
    let names: Vec<String> = (0..concurrency).map(|i| format!("w{i}")).collect();
    for name in &names {
        let stamp = dir.path().join(format!("{name}.stamps"));
        agents.insert(
            name.clone(),
            json!({"adapter": "command", "argv": [fake.display().to_string(), "--text", "ok",
                "--exit-stamp-file", stamp.display().to_string()]}),
        );
    }
    let bench = setup(&serde_json::Value::Object(agents));
    let rounds = total / concurrency;
    let mut durable: Vec<Vec<Timestamp>> = vec![Vec::new(); concurrency];
    for _ in 0..rounds {
        let workers = plan(&bench, &names, 0);
        let mut ctx = bench.new_run();
        let results = runtime
            .block_on(run_round(&mut ctx, workers))
            .expect("round");
        for (i, r) in results.iter().enumerate() {
            assert_eq!(r.status, WorkerStatus::Completed, "{:?}", r.reason);
            durable[i].push(r.durable_at.expect("durable"));
        }
    }
    let mut latencies_ms = Vec::with_capacity(total);
    for (i, name) in names.iter().enumerate() {
        let exits = stamps(&dir.path().join(format!("{name}.stamps")));
        assert_eq!(exits.len(), rounds);
        for (exit_ns, at) in exits.iter().zip(&durable[i]) {
            let durable_ns = at.as_nanosecond();
            latencies_ms.push((durable_ns - exit_ns) as f64 / 1e6);
        }
    }
    latencies_ms.sort_by(f64::total_cmp);
    println!(
        "completion latency, {total} instant workers, {concurrency} at a time: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&latencies_ms, 50.0),
        percentile(&latencies_ms, 99.0),
        latencies_ms.last().copied().unwrap_or_default(),
    );
}

fn sixteen_one_second_workers(runtime: &tokio::runtime::Runtime, fake: &Path) {
    let mut agents = serde_json::Map::new();
    let names: Vec<String> = (0..16).map(|i| format!("s{i}")).collect();
    for name in &names {
        agents.insert(
            name.clone(),
            json!({"adapter": "command", "argv": [fake.display().to_string(), "--sleep-ms", "1000", "--text", "ok"]}),
        );
    }
    let bench = setup(&serde_json::Value::Object(agents));
    for round in 0..3u32 {
        let workers = plan(&bench, &names, 0);
        let mut ctx = bench.new_run();
        let started = Instant::now();
        let results = runtime
            .block_on(run_round(&mut ctx, workers))
            .expect("round");
        let wall = started.elapsed();
        assert!(results.iter().all(|r| r.status == WorkerStatus::Completed));
        println!(
            "16 workers of 1 s each, round {round}: wall {:.3} s (all durable)",
            wall.as_secs_f64()
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; this binary takes no options.
    become_subreaper();
    let exe = std::env::current_exe().expect("own path");
    let fake = fake_agent_path(&exe.display().to_string());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    completion_latency(&runtime, &fake, 1000, 1);
    completion_latency(&runtime, &fake, 1000, 10);
    sixteen_one_second_workers(&runtime, &fake);
}
