//! Benchmarks run preparation (SPEC §4 step 1) on a real git repository: identity, project
//! meta, task worktree (created once, then reused), seq allocation under the task lock,
//! directories, manifest, timeline and the index `started` row — the real path, real files.

use criterion::{Criterion, criterion_group, criterion_main};
use okstra_core::config::Language;
use okstra_core::status::RunStatus;
use okstra_core::{TaskKey, TaskType};
use okstra_engine::home::Home;
use okstra_engine::prepare::{PrepareRequest, prepare_run};
use okstra_engine::project::load_or_create_project;
use okstra_test_support::GitRepoBuilder;

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

fn bench_prepare(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("shop");
    GitRepoBuilder::new(&root)
        .file("src/lib.rs", "pub fn total() -> u32 { 1 }\n")
        .build();
    let home = Home::new(tmp.path().join("okstra-home"));
    let project = load_or_create_project(&root, None, Language::En).expect("project");

    let mut group = c.benchmark_group("prepare_run");
    group.sample_size(50);
    // A new run of a task whose worktree exists: the common case.
    prepare_run(&home, &project, &request("payments/bench")).expect("first run");
    group.bench_function("existing task (worktree reused)", |b| {
        b.iter(|| prepare_run(&home, &project, &request("payments/bench")).expect("prepare"));
    });
    // The first run of a new task: includes `git worktree add`.
    let mut n = 0u32;
    group.bench_function("new task (worktree created)", |b| {
        b.iter(|| {
            n += 1;
            prepare_run(&home, &project, &request(&format!("fresh/task-{n}"))).expect("prepare")
        });
    });
    group.finish();
}

criterion_group!(benches, bench_prepare);
criterion_main!(benches);
