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

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use okstra_core::carry::{CarrySidecar, Verdict, VerifierVerdict};
use okstra_core::evidence::{
    CommandEvidence, DbGate, DbGateStatus, StageCommit, StageEvidence, TddProof, TddVerdict,
};
use okstra_core::{RunId, Stage};

const SIDECARS: u32 = 5_000;
const TASK: &str = "bench/ledger";

fn sha(n: usize) -> String {
    format!("{n:040x}")
}

/// Returns a carry sidecar of about 2 KB.
fn carry(stage: u32, plan_run_id: RunId) -> String {
    let n = stage as usize;
    let command = |commit: &str| CommandEvidence {
        command: format!("cargo test -p shop module_{n}"),
        cwd: ".".into(),
        commit: commit.to_owned(),
        exit_code: Some(0),
        duration_ms: 1234,
        output_tail: "test result: ok. 42 passed; 0 failed; 0 ignored\n".repeat(8),
        note: None,
    };
    let evidence = StageEvidence {
        base: sha(n * 10),
        head: sha(n * 10 + 3),
        head_tree: sha(n * 10 + 9),
        commits: (1..=3)
            .map(|i| StageCommit {
                sha: sha(n * 10 + i),
                subject: format!(
                    "{}: module {n} step {i}",
                    ["RED", "GREEN", "REFACTOR"][i - 1]
                ),
            })
            .collect(),
        files_changed: vec![format!("src/module_{n}.rs"), format!("tests/module_{n}.rs")],
        validation: vec![command(&sha(n * 10 + 3))],
        tdd_proof: TddProof {
            verdict: TddVerdict::Proven,
            red_commit: Some(sha(n * 10 + 1)),
            at_red: vec![command(&sha(n * 10 + 1))],
            reason: "RED failed, the head passes".into(),
        },
        db_gate: DbGate {
            status: DbGateStatus::NotApplicable,
            triggers: vec![],
            evidence: None,
        },
        findings: vec![],
    };
    CarrySidecar::from_evidence(
        Stage::new(stage).expect("stage"),
        "shop:bench:ledger".into(),
        plan_run_id,
        RunId::generate(),
        &evidence,
        VerifierVerdict {
            verdict: Verdict::Pass,
            findings: vec![],
            worker: Some("verifier".into()),
        },
        "2026-11-29T12:00:00Z".parse().expect("time"),
    )
    .to_json()
    .expect("json")
}

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
        let text = carry(stage, plan);
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
