//! Benchmarks run preparation (SPEC §4 step 1) on a real git repository, through the engine's
//! `prepare_only` (what `okstra run --prepare-only` calls): identity, project meta, task
//! worktree, seq allocation under the task lock, directories, manifest, timeline and the index
//! `started` row — the real path, real files.
//!
//! Every measured call does the same work: each one gets a fresh repository and okstra home,
//! built (and removed) outside the timing, so no iteration inherits a longer timeline, index or
//! worktree registry from the ones before it. Two figures, each with its goal (preparation is
//! part of a run's ≤ 100 ms overhead):
//!
//! - existing task: the second run of a task whose worktree exists (reused), the common case —
//!   goal ≤ 20 ms;
//! - new task: the first run of a task, which includes `git worktree add` — goal ≤ 60 ms.
//!
//! Run: `cargo bench -p okstra-engine --bench prepare`.

mod support;

use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, criterion_group, criterion_main};
use okstra_core::settings::SettingsLayer;
use serde_json::json;
use support::BenchProject;

const TASK: &str = "payments/bench";

/// A fresh git repository, okstra home and project: what one measured call starts from.
fn fresh() -> BenchProject {
    BenchProject::new(
        &json!({"projectId": "shop"}),
        &[("src/lib.rs", "pub fn total() -> u32 { 1 }\n".to_owned())],
    )
}

/// A fresh project whose task already has one run (and so its worktree).
fn with_one_run() -> BenchProject {
    let bench = fresh();
    okstra_engine::prepare_only(&bench.new_run(TASK, &SettingsLayer::default()))
        .expect("first run");
    bench
}

fn prepare(bench: BenchProject) -> BenchProject {
    okstra_engine::prepare_only(&bench.new_run(TASK, &SettingsLayer::default())).expect("prepare");
    // Returned, so the project is removed after the timing.
    bench
}

fn bench_prepare(c: &mut Criterion) {
    let mut group = c.benchmark_group("prepare_run");
    // Each call needs its own project (a git repository, maybe a worktree), built untimed.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(2));
    group.bench_function("existing task (worktree reused), goal ≤ 20 ms", |b| {
        b.iter_batched(with_one_run, prepare, BatchSize::PerIteration);
    });
    group.bench_function("new task (worktree created), goal ≤ 60 ms", |b| {
        b.iter_batched(fresh, prepare, BatchSize::PerIteration);
    });
    group.finish();
}

criterion_group!(benches, bench_prepare);
criterion_main!(benches);
