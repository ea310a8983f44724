//! Benchmarks `okstra ctl status` with 50 live runs as a whole process — goal ≤ 50 ms: the
//! built `okstra` binary is spawned and waited for, so the figure includes process start,
//! reading the central index, reading each running run's manifest and team state, and checking
//! every okstra and worker pid against its start time in `/proc`.
//!
//! The fixture is one real replay run of error-analysis (its manifest and team state: four
//! workers over their rounds, 9 rows), copied as 50 runs that are running: each run's okstra pid — and its workers'
//! pids — is a live `sleep` process of this bench with its real start time, and each run has
//! its index `started` row. The 50 `sleep` processes are killed at the end.
//!
//! Run: `cargo bench -p okstra-cli --bench ctl_status`.

#![expect(clippy::print_stderr, reason = "a bench binary reports its data size")]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use okstra_core::RunId;
use okstra_test_support::TestEnv;
use serde_json::{Value, json};

const LIVE: u64 = 50;

/// Returns a process's start time (clock ticks since boot), `/proc/<pid>/stat` field 22.
fn start_time(pid: u32) -> u64 {
    let stat = fs_err::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let after = stat.rsplit_once(')').expect("comm").1;
    after
        .split_whitespace()
        .nth(19)
        .expect("field 22")
        .parse()
        .expect("ticks")
}

/// Runs one replay error-analysis run of `bench/live`, then writes 50 running copies of it.
fn fixture(env: &TestEnv, okstra: &str) -> Vec<Child> {
    let project = env.project();
    fs_err::write(
        project.join("fixture.json"),
        include_str!("../tests/it/fixtures/analysis.json"),
    )
    .expect("fixture");
    let replay = json!({"adapter": "replay", "fixture": "fixture.json"});
    fs_err::create_dir_all(project.join(".okstra")).expect("mkdir");
    fs_err::write(
        project.join(".okstra/project.json"),
        json!({"projectId": "shop", "agents": {"claude": replay, "codex": replay, "gemini": replay}})
            .to_string(),
    )
    .expect("project.json");
    let brief = env.root().join("brief.md");
    fs_err::write(&brief, "# Checkout fails\n").expect("brief");
    let out = env
        .command(okstra)
        .args([
            "run",
            "error-analysis",
            "--task",
            "bench/live",
            "--base-ref",
            "main",
        ])
        .args(["--brief", brief.to_str().expect("utf-8"), "--quiet"])
        .stdin(Stdio::null())
        .output()
        .expect("run okstra");
    assert!(out.status.success(), "{out:?}");

    let dir = project.join(".okstra/tasks/bench/live/runs/error-analysis");
    let read = |p: std::path::PathBuf| -> Value {
        serde_json::from_str(&fs_err::read_to_string(p).expect("read")).expect("json")
    };
    let manifest = read(dir.join("manifests/run-manifest-error-analysis-1.json"));
    let team = read(dir.join("state/team-state-1.json"));
    let index_path = env.okstra_home().join("index/runs.jsonl");
    let first_row: Value = serde_json::from_str(
        fs_err::read_to_string(&index_path)
            .expect("index")
            .lines()
            .next()
            .expect("a row"),
    )
    .expect("row");

    let mut sleepers = Vec::new();
    let mut rows = String::new();
    for seq in 2..=LIVE + 1 {
        let sleeper = Command::new("sleep")
            .arg("600")
            .stdin(Stdio::null())
            .spawn()
            .expect("sleep");
        let pid = sleeper.id();
        let start = start_time(pid);
        sleepers.push(sleeper);
        let run_id = RunId::generate().to_string();
        let path = dir.join(format!("manifests/run-manifest-error-analysis-{seq}.json"));
        let mut m = manifest.clone();
        m["runId"] = json!(run_id);
        m["runSeq"] = json!(seq);
        m["status"] = json!("running");
        m["finishedAt"] = Value::Null;
        m["pid"] = json!(pid);
        m["pidStart"] = json!(start);
        fs_err::write(&path, m.to_string()).expect("manifest");
        let mut t = team.clone();
        t["runId"] = json!(run_id);
        t["runSeq"] = json!(seq);
        for worker in t["workers"].as_array_mut().expect("workers") {
            for attempt in worker["attempts"].as_array_mut().expect("attempts") {
                attempt["status"] = json!("running");
                attempt["finishedAt"] = Value::Null;
                attempt["pid"] = json!(pid);
                attempt["processStart"] = json!(start);
            }
        }
        fs_err::write(
            dir.join(format!("state/team-state-{seq}.json")),
            t.to_string(),
        )
        .expect("team state");
        let mut row = first_row.clone();
        row["runId"] = json!(run_id);
        row["runSeq"] = json!(seq);
        row["status"] = json!("running");
        row["manifest"] = json!(path.display().to_string());
        rows.push_str(&row.to_string());
        rows.push('\n');
    }
    let mut index = fs_err::read_to_string(&index_path).expect("index");
    index.push_str(&rows);
    fs_err::write(&index_path, index).expect("index");
    sleepers
}

/// Runs `okstra ctl status` with `args`; returns its stdout.
fn status(env: &TestEnv, okstra: &str, args: &[&str]) -> String {
    let out = env
        .command(okstra)
        .args(["ctl", "status"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run okstra");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn bench_status(c: &mut Criterion) {
    let okstra = env!("CARGO_BIN_EXE_okstra");
    let env = TestEnv::new();
    let mut sleepers = fixture(&env, okstra);
    let shown: Value = serde_json::from_str(&status(&env, okstra, &["--json"])).expect("json");
    let shown = shown.as_array().expect("runs");
    assert_eq!(shown.len() as u64, LIVE);
    let workers = shown[0]["workers"].as_array().expect("workers").len();
    assert!(workers >= 4, "{}", shown[0]);
    let live = |r: &Value| {
        r["state"] == "running"
            && r["workers"]
                .as_array()
                .is_some_and(|w| w.len() == workers && w.iter().all(|w| w["alive"] == true))
    };
    assert!(shown.iter().all(live), "{}", shown[0]);
    eprintln!("{LIVE} live runs, {workers} worker rows each");
    assert_eq!(status(&env, okstra, &[]).lines().count() as u64, LIVE + 1);

    let mut group = c.benchmark_group("ctl_status");
    group.sample_size(50);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function(
        "okstra ctl status, 50 live runs, 9 worker rows each (whole process), goal ≤ 50 ms",
        |b| b.iter(|| status(&env, okstra, &[])),
    );
    group.finish();
    for sleeper in &mut sleepers {
        let _ = sleeper.kill();
        let _ = sleeper.wait();
    }
}

criterion_group!(benches, bench_status);
criterion_main!(benches);
