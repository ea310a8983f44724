//! Benchmarks `okstra ledger repair` over 5,000 carry sidecars as a whole process — goal
//! ≤ 20 ms: the built `okstra` binary is spawned and waited for, so the figure includes process
//! start, argument parsing, reading the ledger, listing and reading every sidecar, the repair
//! and the output. Two figures:
//!
//! - steady state: every sidecar already has its `done` row (5,000 rows), so the repair lists
//!   and stats every sidecar (their probes come from the carry folder's cache while their
//!   stamps are unchanged) and recovers nothing — what every reader of the ledger pays;
//! - first repair: the ledger is gone (removed before each call, untimed), so the 5,000 rows
//!   are recovered and appended (one write, one fsync).
//!
//! Each sidecar is okstra's `carry/v1` of about 2 KB (three commits, a validation command with
//! its output tail, the TDD proof).
//!
//! Run: `cargo bench -p okstra-cli --bench ledger_repair`.

#![expect(clippy::print_stderr, reason = "a bench binary reports its data size")]
#![expect(clippy::cast_precision_loss, reason = "a size for display")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

#[path = "../../okstra-engine/benches/support/carry.rs"]
mod carry_fixture;

use carry_fixture::carry;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use okstra_core::RunId;

const SIDECARS: u32 = 5_000;
const TASK: &str = "bench/ledger";

struct Project {
    _tmp: tempfile::TempDir,
    base: PathBuf,
    root: PathBuf,
    ledger: PathBuf,
}

fn project() -> Project {
    let tmp = tempfile::tempdir().expect("temp dir");
    let base = fs_err::canonicalize(tmp.path()).expect("canonical");
    let root = base.join("shop");
    fs_err::create_dir_all(root.join(".okstra")).expect("mkdir");
    fs_err::write(
        root.join(".okstra/project.json"),
        "{\"projectId\": \"shop\"}\n",
    )
    .expect("project.json");
    let task = root.join(".okstra/tasks/bench/ledger");
    let carry_dir = task.join("runs/implementation/carry");
    fs_err::create_dir_all(&carry_dir).expect("mkdir");
    let plan = RunId::generate();
    let mut bytes = 0;
    for stage in 1..=SIDECARS {
        let text = carry(stage, "shop:bench:ledger", plan)
            .to_json()
            .expect("json");
        bytes += text.len();
        fs_err::write(carry_dir.join(format!("stage-{stage}.json")), text).expect("carry");
    }
    eprintln!(
        "{SIDECARS} carry sidecars, {:.1} MB ({} bytes each on average)",
        bytes as f64 / 1e6,
        bytes / SIDECARS as usize
    );
    Project {
        _tmp: tmp,
        ledger: task.join("runs/implementation-planning/consumers.jsonl"),
        base,
        root,
    }
}

/// Runs `okstra ledger repair` and returns its stdout.
fn repair(okstra: &str, p: &Project) -> String {
    let out = Command::new(okstra)
        .args(["ledger", "repair", "--task", TASK, "--quiet"])
        .current_dir(&p.root)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &p.base)
        .env("OKSTRA_HOME", p.base.join("home"))
        .stdin(Stdio::null())
        .output()
        .expect("run okstra");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn lines(path: &Path) -> usize {
    fs_err::read_to_string(path).map_or(0, |t| t.lines().count())
}

fn bench_repair(c: &mut Criterion) {
    let okstra = env!("CARGO_BIN_EXE_okstra");
    let p = project();
    assert_eq!(repair(okstra, &p).lines().count(), SIDECARS as usize);
    assert_eq!(lines(&p.ledger), SIDECARS as usize);
    assert!(repair(okstra, &p).starts_with("no rows recovered"));
    let mut group = c.benchmark_group("ledger_repair");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function(
        "okstra ledger repair, 5,000 sidecars, nothing to recover (whole process), goal ≤ 20 ms",
        |b| b.iter(|| repair(okstra, &p)),
    );
    group.bench_function(
        "okstra ledger repair, 5,000 sidecars, 5,000 rows recovered (whole process)",
        |b| {
            b.iter_batched(
                || {
                    let _ = fs_err::remove_file(&p.ledger);
                },
                |()| repair(okstra, &p),
                BatchSize::PerIteration,
            );
        },
    );
    group.finish();
    assert_eq!(lines(&p.ledger), SIDECARS as usize);
}

criterion_group!(benches, bench_repair);
criterion_main!(benches);
