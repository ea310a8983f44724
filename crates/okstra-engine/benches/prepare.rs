//! Benchmarks run preparation (SPEC §4 step 1) on a real git repository: identity, project
//! meta, task worktree, seq allocation under the task lock, directories, manifest, timeline and
//! the index `started` row — the real path (`prepare_run`), real files.
//!
//! Every measured call does the same work: each one gets a fresh repository and okstra home,
//! built (and removed) outside the timing, so no iteration inherits a longer timeline, index or
//! worktree registry from the ones before it. Two figures:
//!
//! - existing task: the second run of a task whose worktree exists (reused) — the common case;
//! - new task: the first run of a task, which includes `git worktree add`.
//!
//! SPEC and README state no goal for preparation; these two times are the figures to watch.
//!
//! Run: `cargo bench -p okstra-engine --bench prepare`.

#![expect(clippy::print_stdout, reason = "a bench binary reports on stdout")]

use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, criterion_group, criterion_main};
use okstra_core::config::Language;
use okstra_core::status::RunStatus;
use okstra_core::{TaskKey, TaskType};
use okstra_engine::home::Home;
use okstra_engine::prepare::{PrepareRequest, prepare_run};
use okstra_engine::project::{LoadedProject, load_or_create_project};
use okstra_test_support::GitRepoBuilder;
use tempfile::TempDir;

const TASK: &str = "payments/bench";

fn request(task: &str) -> PrepareRequest {
    let (group, id) = TaskKey::parse_task_arg(task).expect("valid task");
    PrepareRequest {
        group,
        id,
        task_type: TaskType::ErrorAnalysis,
        brief: Some("# Checkout fails on retry\n".to_owned()),
        base_ref: Some("main".to_owned()),
        category: "feat".to_owned(),
        stage: None,
        seq_override: None,
        status: RunStatus::Prepared,
        workers: Vec::new(),
        pid: None,
        replay: false,
        recipe: None,
    }
}

/// A fresh git repository, okstra home and project: what one measured call starts from.
struct Fixture {
    home: Home,
    project: LoadedProject,
    _tmp: TempDir,
}

impl Fixture {
    fn new() -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path().join("shop");
        GitRepoBuilder::new(&root)
            .file("src/lib.rs", "pub fn total() -> u32 { 1 }\n")
            .build();
        let home = Home::new(tmp.path().join("okstra-home"));
        let project = load_or_create_project(&root, None, Language::En).expect("project");
        Self {
            home,
            project,
            _tmp: tmp,
        }
    }

    /// A fixture whose task already has one run (and so its worktree).
    fn with_one_run() -> Self {
        let fx = Self::new();
        prepare_run(&fx.home, &fx.project, &request(TASK)).expect("first run");
        fx
    }
}

fn bench_prepare(c: &mut Criterion) {
    println!(
        "prepare_run: no goal is stated in SPEC or README; the figures to watch are the \
         existing-task and new-task times below"
    );
    let mut group = c.benchmark_group("prepare_run");
    // Each call needs its own fixture (a git repository and a worktree), built untimed.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(2));
    group.bench_function("existing task (worktree reused)", |b| {
        b.iter_batched(
            Fixture::with_one_run,
            |fx| {
                prepare_run(&fx.home, &fx.project, &request(TASK)).expect("prepare");
                // Returned, so the fixture is removed after the timing.
                fx
            },
            BatchSize::PerIteration,
        );
    });
    group.bench_function("new task (worktree created)", |b| {
        b.iter_batched(
            Fixture::new,
            |fx| {
                prepare_run(&fx.home, &fx.project, &request(TASK)).expect("prepare");
                fx
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, bench_prepare);
criterion_main!(benches);
