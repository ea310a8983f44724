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

#[path = "common/index_rows.rs"]
mod index_rows;

use index_rows::{RUNS, index_rows, write_index};

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
