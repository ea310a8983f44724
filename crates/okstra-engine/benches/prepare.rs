//! Benchmarks run preparation (SPEC §4 step 1) on a real git repository, through the engine's
//! `prepare_only` (what `okstra run --prepare-only` calls): identity, project meta, task
//! worktree (created once, then reused), seq allocation under the task lock, directories,
//! manifest, timeline and the index `started` row — the real path, real files. Every measured
//! iteration does the same work: before each, the task's runs and timeline are put back as
//! they were, so nothing grows from one iteration to the next.
//!
//! Goals (the prepare step of a run's ≤ 100 ms overhead): existing task ≤ 20 ms, new task
//! (with `git worktree add`) ≤ 60 ms.

mod support;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use okstra_core::settings::SettingsLayer;
use serde_json::json;
use support::BenchProject;

/// Removes what a prepared run of `task` added under the project: its run folders and its
/// timeline (the task's brief and its worktree are kept).
fn reset_task(bench: &BenchProject, task: &str) {
    let dir = bench.path(&format!(".okstra/tasks/{task}"));
    let _ = fs_err::remove_dir_all(dir.join("runs"));
    let _ = fs_err::remove_file(dir.join("history/timeline.json"));
}

fn bench_prepare(c: &mut Criterion) {
    let bench = BenchProject::new(
        &json!({"projectId": "shop"}),
        &[("src/lib.rs", "pub fn total() -> u32 { 1 }\n".to_owned())],
    );
    let flags = SettingsLayer::default();
    let mut group = c.benchmark_group("prepare_run");
    group.sample_size(50);
    // A new run of a task whose worktree exists: the common case.
    okstra_engine::prepare_only(&bench.new_run("payments/bench", &flags)).expect("first run");
    group.bench_function("existing task (worktree reused; goal ≤ 20 ms)", |b| {
        b.iter_batched(
            || {
                reset_task(&bench, "payments/bench");
                bench.new_run("payments/bench", &flags)
            },
            |new| okstra_engine::prepare_only(&new).expect("prepare"),
            BatchSize::PerIteration,
        );
    });
    // The first run of a new task: includes `git worktree add`; each iteration a new task.
    let mut n = 0u32;
    group.bench_function("new task (worktree created; goal ≤ 60 ms)", |b| {
        b.iter_batched(
            || {
                n += 1;
                bench.new_run(&format!("fresh/task-{n}"), &flags)
            },
            |new| okstra_engine::prepare_only(&new).expect("prepare"),
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, bench_prepare);
criterion_main!(benches);
