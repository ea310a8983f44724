//! Benchmarks `okstra ctl reindex` over 10,000 run manifests as a whole process — goal ≤ 1 s:
//! the built `okstra` binary is spawned and waited for, so the figure includes process start,
//! listing every task's run folders (stage folders included), reading and parsing every
//! manifest, reading the index and appending what it lacks. Two figures:
//!
//! - rebuild: the index is gone (removed before each call, untimed), so 20,000 rows (a
//!   `started` and a `done` row per run) are appended;
//! - steady state: the index is whole, nothing is added — what a routine reindex pays.
//!
//! Each manifest is a real one (`okstra run --prepare-only` in the setup) made into a finished
//! run: four workers, a recipe, twelve checkpoints and forty events — about 9 KB. The runs
//! are spread over 200 tasks of every task type; the implementation runs sit under
//! `runs/implementation/stage-<N>/manifests`.
//!
//! Run: `cargo bench -p okstra-cli --bench ctl_reindex`.

#![expect(clippy::print_stderr, reason = "a bench binary reports its data size")]
#![expect(clippy::cast_precision_loss, reason = "a size for display")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use okstra_core::RunId;
use serde_json::{Value, json};

const RUNS: usize = 10_000;
const TASKS: usize = 200;
const TYPES: [&str; 6] = [
    "requirements-discovery",
    "error-analysis",
    "implementation-planning",
    "implementation",
    "final-verification",
    "release-handoff",
];

/// The checkpoints a finished run passed, cycled through.
const CHECKPOINTS: [&str; 8] = [
    "prepare",
    "prompts",
    "dispatch",
    "collect",
    "convergence",
    "report",
    "validate",
    "persist",
];

struct Home {
    _tmp: tempfile::TempDir,
    base: PathBuf,
    root: PathBuf,
    index: PathBuf,
}

fn okstra_cmd(okstra: &str, h: &Home, args: &[&str]) -> Command {
    let mut cmd = Command::new(okstra);
    cmd.args(args)
        .current_dir(&h.root)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &h.base)
        .env("OKSTRA_HOME", h.base.join("home"))
        .stdin(Stdio::null());
    cmd
}

/// Returns a finished-run manifest made from a real prepared one.
fn finished(
    template: &Value,
    run_id: RunId,
    task: (&str, &str),
    task_type: &str,
    seq: usize,
) -> Value {
    let mut m = template.clone();
    m["runId"] = json!(run_id.to_string());
    m["taskGroup"] = json!(task.0);
    m["taskId"] = json!(task.1);
    m["taskType"] = json!(task_type);
    m["runSeq"] = json!(seq);
    m["stage"] = if task_type == "implementation" {
        json!(seq % 5 + 1)
    } else {
        Value::Null
    };
    m["status"] = json!(if seq.is_multiple_of(4) {
        "failed"
    } else {
        "completed"
    });
    m["finishedAt"] = json!("2026-11-21T10:30:00Z");
    m["pid"] = Value::Null;
    let at = "2026-11-21T10:00:00Z";
    m["checkpoints"] = json!(
        (0..12)
            .map(|i| json!({"checkpoint": CHECKPOINTS[i % 8], "at": at}))
            .collect::<Vec<_>>()
    );
    m["events"] = json!((0..40)
        .map(|i| json!({"at": at, "checkpoint": "phase-5-collect",
            "message": format!("phase-5-collect worker=claude-worker status=completed tokens=12345 round={i}")}))
        .collect::<Vec<_>>());
    m
}

fn home(okstra: &str) -> Home {
    let tmp = tempfile::tempdir().expect("temp dir");
    let base = fs_err::canonicalize(tmp.path()).expect("canonical");
    let root = base.join("shop");
    fs_err::create_dir_all(root.join(".okstra")).expect("mkdir");
    fs_err::write(
        root.join(".okstra/project.json"),
        "{\"projectId\": \"shop\"}\n",
    )
    .expect("project.json");
    let h = Home {
        index: base.join("home/index/runs.jsonl"),
        _tmp: tmp,
        base,
        root,
    };
    let out = okstra_cmd(
        okstra,
        &h,
        &[
            "run",
            "error-analysis",
            "--task",
            "seed/t",
            "--prepare-only",
            "--json",
        ],
    )
    .output()
    .expect("run okstra");
    assert!(out.status.success(), "{out:?}");
    let prepared: Value = serde_json::from_slice(&out.stdout).expect("json");
    let template: Value = serde_json::from_str(
        &fs_err::read_to_string(prepared["manifest"].as_str().expect("manifest")).expect("read"),
    )
    .expect("manifest json");
    // The seed run is one of the runs: 9,999 more.
    let mut bytes = 0;
    for i in 1..RUNS {
        let task = (format!("group-{}", i % 20), format!("dev-{}", i % TASKS));
        let task_type = TYPES[i % TYPES.len()];
        let seq = i / TASKS + 1;
        let m = finished(
            &template,
            RunId::generate(),
            (&task.0, &task.1),
            task_type,
            seq,
        );
        let mut dir = h
            .root
            .join(".okstra/tasks")
            .join(&task.0)
            .join(&task.1)
            .join("runs")
            .join(task_type);
        if task_type == "implementation" {
            dir = dir.join(format!("stage-{}", seq % 5 + 1));
        }
        let dir = dir.join("manifests");
        fs_err::create_dir_all(&dir).expect("mkdir");
        let text = serde_json::to_string_pretty(&m).expect("json");
        bytes += text.len();
        fs_err::write(
            dir.join(format!("run-manifest-{task_type}-{seq}.json")),
            text,
        )
        .expect("write");
    }
    eprintln!(
        "{RUNS} run manifests, {:.1} MB ({} bytes each on average)",
        bytes as f64 / 1e6,
        bytes / (RUNS - 1)
    );
    h
}

/// Runs `okstra ctl reindex` and returns how many rows it added (from its last line,
/// `<n> manifests read; added <m> rows (…)`).
fn reindex(okstra: &str, h: &Home) -> u64 {
    let out = okstra_cmd(okstra, h, &["ctl", "reindex"])
        .output()
        .expect("run okstra");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or_default();
    last.split("added ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {last:?}"))
}

fn lines(path: &Path) -> usize {
    fs_err::read_to_string(path).map_or(0, |t| t.lines().count())
}

fn bench_reindex(c: &mut Criterion) {
    let okstra = env!("CARGO_BIN_EXE_okstra");
    let h = home(okstra);
    // The seed run has its started row; the 9,999 others are added, the seed's done row not
    // (it is still prepared).
    assert_eq!(reindex(okstra, &h), 2 * (RUNS as u64 - 1));
    assert_eq!(reindex(okstra, &h), 0);
    let mut group = c.benchmark_group("ctl_reindex");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function(
        "okstra ctl reindex, 10,000 manifests, index rebuilt: 19,999 rows (whole process), goal ≤ 1 s",
        |b| {
            b.iter_batched(
                || {
                    let _ = fs_err::remove_file(&h.index);
                },
                |()| reindex(okstra, &h),
                BatchSize::PerIteration,
            );
        },
    );
    group.bench_function(
        "okstra ctl reindex, 10,000 manifests, nothing to add (whole process)",
        |b| b.iter(|| reindex(okstra, &h)),
    );
    group.finish();
    assert_eq!(lines(&h.index), 2 * RUNS - 1);
}

criterion_group!(benches, bench_reindex);
criterion_main!(benches);
