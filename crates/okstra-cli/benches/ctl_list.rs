//! Benchmarks `okstra ctl list` over 100,000 index rows as a whole process — goal ≤ 150 ms:
//! the built `okstra` binary is spawned and waited for, so the figure includes process start,
//! reading every index file (rotated at 16 MiB, as okstra does: two rotated files and the live
//! one), the fold, the filter and printing the table to a pipe. Three figures:
//!
//! - every run: 50,000 runs (a `started` and a `done` row each), the whole table printed;
//! - `--json`: the same runs as JSON;
//! - filtered: `--project proj-3 --status interrupted` (2,500 runs kept).
//!
//! Rows are okstra's own (`IndexRow`), of 20 projects, 50 groups, 700 task ids and every task
//! type, with absolute manifest paths as a real home has (about 370 bytes a row).
//!
//! Run: `cargo bench -p okstra-cli --bench ctl_list`.

#![expect(clippy::print_stderr, reason = "a bench binary reports its data size")]
#![expect(clippy::cast_precision_loss, reason = "a size for display")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use okstra_core::RunId;
use okstra_core::index::{IndexEvent, IndexRow};
use okstra_core::jsonl::encode_line;
use okstra_core::status::RunStatus;
use okstra_core::task_type::TaskType;
use ulid::Ulid;

const RUNS: usize = 50_000;
const ROTATE: usize = 16 * 1024 * 1024;

const TYPES: [TaskType; 6] = [
    TaskType::RequirementsDiscovery,
    TaskType::ErrorAnalysis,
    TaskType::ImplementationPlanning,
    TaskType::Implementation,
    TaskType::FinalVerification,
    TaskType::ReleaseHandoff,
];
const ENDS: [RunStatus; 4] = [
    RunStatus::Completed,
    RunStatus::Completed,
    RunStatus::Failed,
    RunStatus::Interrupted,
];

fn index_rows() -> Vec<IndexRow> {
    let start: Timestamp = "2026-06-01T00:00:00Z".parse().expect("time");
    let mut rows = Vec::with_capacity(RUNS * 2);
    for i in 0..RUNS {
        let n = i as u64;
        let at = start
            .checked_add(jiff::SignedDuration::from_secs(
                i64::try_from(n * 300).expect("n"),
            ))
            .expect("time");
        let run_id = RunId::from_ulid(Ulid::from_parts(
            at.as_millisecond().cast_unsigned(),
            u128::from(n),
        ));
        let project = format!("proj-{}", i % 20);
        let (group, task) = (format!("group-{}", i % 50), format!("dev-{}", i % 700));
        let task_type = TYPES[i % TYPES.len()];
        let seq = u32::try_from(i % 40 + 1).expect("seq");
        let stage = (task_type == TaskType::Implementation)
            .then(|| u32::try_from(i % 7 + 1).expect("stage"));
        let manifest = format!(
            "/home/someone/src/{project}/.okstra/tasks/{group}/{task}/runs/{}/manifests/run-manifest-{}-{seq}.json",
            task_type.as_str(),
            task_type.as_str()
        );
        let row = |event, status, at| IndexRow {
            v: Some(1),
            event,
            run_id,
            project_id: project.clone(),
            task_group: group.clone(),
            task_id: task.clone(),
            task_type,
            run_seq: seq,
            stage,
            status,
            at,
            manifest: manifest.clone(),
        };
        rows.push(row(IndexEvent::Started, RunStatus::Running, at));
        let end = at
            .checked_add(jiff::SignedDuration::from_secs(240))
            .expect("time");
        rows.push(row(IndexEvent::Done, ENDS[i % ENDS.len()], end));
    }
    rows
}

/// Writes the rows as okstra would: `runs.jsonl` rotated to `runs-<stamp>.jsonl` at 16 MiB.
fn write_index(home: &Path, rows: &[IndexRow]) -> usize {
    let dir = home.join("index");
    fs_err::create_dir_all(&dir).expect("mkdir");
    let mut files: Vec<String> = vec![String::new()];
    let mut bytes = 0;
    for row in rows {
        let line = encode_line(row).expect("encode");
        bytes += line.len();
        if files.last().is_some_and(|f| f.len() >= ROTATE) {
            files.push(String::new());
        }
        if let Some(f) = files.last_mut() {
            f.push_str(&line);
        }
    }
    let last = files.len() - 1;
    for (i, text) in files.iter().enumerate() {
        let name = if i == last {
            "runs.jsonl".to_owned()
        } else {
            format!("runs-20261101T00000{i}Z.jsonl")
        };
        fs_err::write(dir.join(name), text).expect("write index");
    }
    eprintln!(
        "{} index rows in {} files, {:.1} MB ({} bytes a row)",
        rows.len(),
        files.len(),
        bytes as f64 / 1e6,
        bytes / rows.len()
    );
    bytes
}

/// Runs `okstra ctl list <args>` and returns the number of lines it printed.
fn list(okstra: &str, home: &Path, args: &[&str]) -> usize {
    let out = Command::new(okstra)
        .arg("ctl")
        .arg("list")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("OKSTRA_HOME", home)
        .stdin(Stdio::null())
        .output()
        .expect("run okstra");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).lines().count()
}

fn bench_list(c: &mut Criterion) {
    let okstra = env!("CARGO_BIN_EXE_okstra");
    let tmp = tempfile::tempdir().expect("temp dir");
    let home: PathBuf = fs_err::canonicalize(tmp.path()).expect("canonical");
    write_index(&home, &index_rows());
    assert_eq!(list(okstra, &home, &[]), RUNS + 1);
    let filtered = ["--project", "proj-3", "--status", "interrupted"];
    let kept = list(okstra, &home, &filtered);
    assert!(kept > 1, "the filter keeps some runs");
    eprintln!("filtered: {} runs kept", kept - 1);
    let mut group = c.benchmark_group("ctl_list");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function(
        "okstra ctl list, 100,000 index rows, 50,000 runs printed (whole process), goal ≤ 150 ms",
        |b| b.iter(|| list(okstra, &home, &[])),
    );
    group.bench_function(
        "okstra ctl list --json, 100,000 index rows (whole process)",
        |b| b.iter(|| list(okstra, &home, &["--json"])),
    );
    group.bench_function(
        "okstra ctl list --project proj-3 --status interrupted, 100,000 index rows (whole process)",
        |b| b.iter(|| list(okstra, &home, &filtered)),
    );
    group.finish();
}

criterion_group!(benches, bench_list);
criterion_main!(benches);
