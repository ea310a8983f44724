//! Benchmarks the engine's own overhead on a whole error-analysis run, the path every real run
//! takes: preparation on a real git repository (task worktree, seq, manifest, index `started`
//! row), three analysers and a report writer that are real processes (`fake-agent`, answering
//! at once what the demo's replay fixture scripts for them) — spawned, fed their prompt on
//! stdin, their output read through pipes and parsed, reaped — through round 0 and two
//! convergence rounds, then the report data and markdown, the run validator, the timeline and
//! the index `done` row. The workers' own time is a process start and a print, so the wall
//! time is the engine's overhead; printed p50/p90/max beside the goal (≤ 100 ms), with, for
//! information, the slowest worker of each round as okstra timed it, summed (dispatch to
//! recorded end: process time and engine time together).
//!
//! Run: `cargo bench -p okstra-engine --bench analysis`.

#![expect(clippy::print_stdout, reason = "a bench binary reports on stdout")]
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "figures for display"
)]

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use okstra_core::run_paths::RoundTag;
use okstra_core::settings::SettingsLayer;
use okstra_core::status::RunStatus;
use okstra_core::team_state::TeamState;
use okstra_core::worker_name::Role;
use okstra_engine::RunSummary;
use serde_json::json;
use support::{BenchProject, fake, percentile};

const FIXTURE: &str = include_str!("../../okstra-cli/demo/fixtures/analysis.json");
const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../okstra-cli/demo/project");

fn setup() -> BenchProject {
    let files: Vec<(&str, String)> = [
        "README.md",
        "shop/cart.py",
        "shop/pricing.py",
        "tests/test_cart.py",
    ]
    .iter()
    .map(|f| {
        (
            *f,
            fs_err::read_to_string(Path::new(DEMO).join(f)).unwrap_or_default(),
        )
    })
    .collect();
    let bench = BenchProject::new(&json!({"projectId": "shop"}), &files);
    let fixture = bench.base.join("demo-fixture.json");
    fs_err::write(&fixture, FIXTURE).expect("fixture");
    let fixture = fixture.display().to_string();
    let agent = |worker: &str| fake(&["--fixture", &fixture, "--worker", worker]);
    bench.set_project(
        &json!({"projectId": "shop", "roles": {"report-writer": "writer"},
        "agents": {
            "claude": agent("claude-worker"),
            "codex": agent("codex-worker"),
            "gemini": agent("gemini-worker"),
            "writer": agent("report-writer"),
        }}),
    );
    bench
}

/// Per round, the slowest worker as okstra timed it (from team state), summed.
fn slot_time(summary: &RunSummary) -> Duration {
    let text = fs_err::read_to_string(summary.paths.team_state()).expect("team state");
    let team = TeamState::parse(&text).expect("team state parses");
    let mut slowest: BTreeMap<String, u64> = BTreeMap::new();
    for row in &team.workers {
        let key = match row.round {
            RoundTag::Round(n) if row.role == Role::ReportWriter => format!("writer-{n}"),
            other => other.to_string(),
        };
        let ms = row.duration_ms().unwrap_or(0);
        let e = slowest.entry(key).or_insert(0);
        *e = (*e).max(ms);
    }
    Duration::from_millis(slowest.values().sum())
}

struct Sample {
    wall: Duration,
    slots: Duration,
}

fn one_run(bench: &BenchProject, task: &str) -> Sample {
    let flags = SettingsLayer {
        workers: Some(vec!["claude".into(), "codex".into(), "gemini".into()]),
        ..SettingsLayer::default()
    };
    let summary = okstra_engine::run(bench.new_run(task, &flags)).expect("run");
    assert_eq!(
        summary.status,
        RunStatus::Completed,
        "the run completed: {:?} {:?}",
        summary
            .workers
            .iter()
            .map(|w| (w.worker.as_str(), w.status, w.reason.as_deref()))
            .collect::<Vec<_>>(),
        summary.validation
    );
    assert!(summary.validation.is_empty(), "{:?}", summary.validation);
    let state = fs_err::read_to_string(summary.paths.convergence()).expect("convergence");
    let rounds =
        serde_json::from_str::<serde_json::Value>(&state).expect("convergence parses")["rounds"]
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
    println!("{label} ({} runs):", samples.len());
    for (name, v, goal) in [
        ("engine overhead", &walls, " (goal ≤ 100 ms)"),
        ("  of which rounds", &slots, ""),
    ] {
        println!(
            "  {name:<18} p50 {:7.1} ms   p90 {:7.1} ms   max {:7.1} ms{goal}",
            percentile(v, 50.0),
            percentile(v, 90.0),
            v[v.len() - 1]
        );
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let bench = setup();
    // Warm up (page cache, git, template compilation, the fake agent's binary).
    one_run(&bench, "bench/warm-up");

    let existing: Vec<Sample> = (0..30).map(|_| one_run(&bench, "bench/existing")).collect();
    report(
        "error-analysis, 3 spawned analysers, 2 rounds, report, validate — task worktree reused",
        &existing,
    );
    let fresh: Vec<Sample> = (0..15)
        .map(|n| one_run(&bench, &format!("bench/fresh-{n}")))
        .collect();
    report(
        "the same, first run of a new task (git worktree add included)",
        &fresh,
    );
}
