//! Benchmarks the worker runner on its real path — whole runs through the engine's entry point,
//! with real processes (`fake-agent`), real pipes, real files and the real dispatcher — and
//! prints the figures the runner promises, each beside its goal:
//!
//! - completion latency: from a worker's exit (the realtime stamp `fake-agent` writes just
//!   before it exits) to its terminal status being durable — its result file, then team state
//!   and the manifest written and synced — p50/p99 over 1,000 instant workers, one at a time
//!   and ten at a time (goal p99 ≤ 10 ms one at a time, ≤ 15 ms ten at a time);
//! - the wall time of one round of 16 workers that each take 1 s, from the first dispatch to
//!   the last durable status (goal ≤ 1.1 s).
//!
//! Each run is a task of its own, as in real use, where a task holds a handful of runs: a
//! single task holding a thousand runs would measure its folders' growth (thousands of files
//! in one `worker-results/`), not the runner.
//!
//! Run: `cargo bench -p okstra-engine --bench runner`.

#![expect(clippy::print_stdout, reason = "a bench binary reports on stdout")]
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    reason = "figures for display"
)]

mod support;

use okstra_core::settings::SettingsLayer;
use okstra_core::status::{RunStatus, WorkerStatus};
use okstra_core::team_state::TeamState;
use serde_json::json;
use support::{BenchProject, FINDINGS, NARRATIVE, fake, numbers, percentile};

/// The project of `names` analysers running `fake-agent` with `args`, and a fake writer.
fn project(names: &[String], args: &[&str], stamps: Option<&std::path::Path>) -> BenchProject {
    let mut agents = serde_json::Map::new();
    for name in names {
        let mut a: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        if let Some(dir) = stamps {
            a.push("--exit-stamp-file".into());
            a.push(dir.join(format!("{name}.stamps")).display().to_string());
        }
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        agents.insert(name.clone(), fake(&a));
    }
    agents.insert("writer".into(), fake(&["--text", NARRATIVE]));
    BenchProject::new(
        &json!({"projectId": "shop", "roles": {"report-writer": "writer"}, "agents": agents}),
        &[],
    )
}

/// The flags of a run of `names` with no convergence round.
fn flags(names: &[String]) -> SettingsLayer {
    SettingsLayer {
        workers: Some(names.to_vec()),
        max_rounds: Some(0),
        ..SettingsLayer::default()
    }
}

fn completion_latency(total: usize, concurrency: usize, goal_ms: f64) {
    let stamps = tempfile::tempdir().expect("stamps dir");
    let names: Vec<String> = (0..concurrency).map(|i| format!("w{i}")).collect();
    let bench = project(&names, &["--text", FINDINGS], Some(stamps.path()));
    let runs = total / concurrency;
    let mut durable: Vec<Vec<i128>> = vec![Vec::new(); concurrency];
    for n in 0..runs {
        let task = format!("bench/runner-{concurrency}-{n}");
        let summary = okstra_engine::run(bench.new_run(&task, &flags(&names))).expect("run");
        assert_eq!(summary.status, RunStatus::Completed);
        for (i, w) in summary.workers.iter().enumerate() {
            assert_eq!(w.status, WorkerStatus::Completed, "{:?}", w.reason);
            durable[i].push(w.durable_at.expect("durable").as_nanosecond());
        }
    }
    let mut latencies_ms = Vec::with_capacity(total);
    for (i, name) in names.iter().enumerate() {
        let exits = numbers(&stamps.path().join(format!("{name}.stamps")));
        assert_eq!(exits.len(), runs);
        for (exit_ns, durable_ns) in exits.iter().zip(&durable[i]) {
            latencies_ms.push((durable_ns - exit_ns) as f64 / 1e6);
        }
    }
    latencies_ms.sort_by(f64::total_cmp);
    println!(
        "completion latency, {total} instant workers, {concurrency} at a time: p50 {:.2} ms, \
         p99 {:.2} ms, max {:.2} ms (goal p99 ≤ {goal_ms} ms)",
        percentile(&latencies_ms, 50.0),
        percentile(&latencies_ms, 99.0),
        latencies_ms.last().copied().unwrap_or_default(),
    );
}

fn sixteen_one_second_workers() {
    let names: Vec<String> = (0..16).map(|i| format!("s{i}")).collect();
    let bench = project(&names, &["--sleep-ms", "1000", "--text", FINDINGS], None);
    for round in 0..3u32 {
        let task = format!("bench/sixteen-{round}");
        let summary = okstra_engine::run(bench.new_run(&task, &flags(&names))).expect("run");
        assert!(
            summary
                .workers
                .iter()
                .all(|w| w.status == WorkerStatus::Completed)
        );
        let team = TeamState::parse(
            &fs_err::read_to_string(summary.paths.team_state()).expect("team state"),
        )
        .expect("team state parses");
        let first_dispatch = team
            .workers
            .iter()
            .filter(|w| {
                names
                    .iter()
                    .any(|n| w.worker.as_str() == format!("{n}-worker"))
            })
            .filter_map(okstra_core::team_state::TeamWorker::started_at)
            .min()
            .expect("dispatched");
        let last_durable = summary
            .workers
            .iter()
            .filter_map(|w| w.durable_at)
            .max()
            .expect("durable");
        let wall = last_durable.duration_since(first_dispatch);
        println!(
            "16 workers of 1 s each, run {round}: first dispatch to last durable status {:.3} s \
             (goal ≤ 1.1 s)",
            wall.as_secs_f64()
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; this binary takes no options.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    completion_latency(1000, 1, 10.0);
    completion_latency(1000, 10, 15.0);
    sixteen_one_second_workers();
}
