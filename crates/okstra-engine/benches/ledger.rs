//! Benchmarks stage selection (SPEC §8) on a 200-stage plan with a 100,000-row ledger — goal
//! ≤ 50 ms — through the engine's `reserve_stage`, the real path of an implementation run's
//! selection: take the task lock, read and decode the ledger, read and probe the carry
//! sidecars, repair (nothing to recover: the steady state), fold, compute every stage's state,
//! select. Two figures:
//!
//! - select: the reservation stops at the base (the caller's base refuses), so nothing is
//!   appended and every call does the same work;
//! - reserve: the same plus the `started` row appended and fsynced (the ledger is cut back to
//!   its 100,000 rows before each call, untimed);
//! - and, for scale, core's decode and fold of the 100,000 rows on one thread (the engine
//!   decodes a large ledger in parts on several threads).
//!
//! The ledger: stages 1–100 done (each ~600 `started` rows of earlier attempts, then its
//! `done` row; one row in twenty is the original okstra's, with no `v` or plan), stages
//! 101–150 started (~400 rows each), 151–200 not started; a carry sidecar for each done stage
//! (`carry/v1`, ~2 KB). Stages 1–100 form a chain; stage n > 100 depends on stage n − 100 (and
//! n − 101 when even), so 151–200 are ready and `auto` takes 151.
//!
//! Run: `cargo bench -p okstra-engine --bench ledger`.

#![expect(clippy::print_stderr, reason = "a bench binary reports its data size")]
#![expect(clippy::cast_precision_loss, reason = "a size for display")]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

#[path = "support/carry.rs"]
mod carry_fixture;

use carry_fixture::{carry, sha};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use okstra_core::ledger::StageChoice;
use okstra_core::plan::{PlanBody, Stage as PlanStage};
use okstra_core::run_paths::{ProjectPaths, TaskPaths};
use okstra_core::{RunId, Segment};
use okstra_engine::{ReserveError, ReserveRequest, reserve_stage, write_carry};

const STAGES: u32 = 200;
const ROWS: usize = 100_000;
const KEY: &str = "shop:payments:dev-9495";

fn plan() -> PlanBody {
    PlanBody {
        stages: (1..=STAGES)
            .map(|n| {
                // 1–100: a chain (each even stage also on the one before last); 101–200: on a
                // stage of the first half.
                let base = if n > 100 { n - 100 } else { n };
                let mut depends_on = Vec::new();
                if n > 100 {
                    depends_on.push(base);
                } else if n > 1 {
                    depends_on.push(n - 1);
                }
                if n > 2 && n % 2 == 0 {
                    depends_on.push(if n > 100 { base - 1 } else { n - 2 });
                }
                PlanStage {
                    number: n,
                    title: format!("Stage {n}"),
                    depends_on,
                    ..PlanStage::default()
                }
            })
            .collect(),
        ..PlanBody::default()
    }
}

/// Writes the ledger and the carries; returns the ledger's length.
fn build(task: &TaskPaths, plan_run_id: RunId) -> u64 {
    let plan = plan_run_id.to_string();
    let mut text = String::with_capacity(ROWS * 240);
    let mut rows = 0;
    let mut push = |stage: u32, status: &str, i: usize, original: bool| {
        let run = RunId::generate().to_string();
        let line = if original {
            format!(
                "{{\"impl_task_key\": \"{KEY}\", \"stage\": {stage}, \"status\": \"{status}\", \"started_at\": \"2026-11-29T12:00:00.000000+00:00\", \"head_commit\": \"{}\"}}\n",
                sha(i)
            )
        } else if status == "done" {
            format!(
                "{{\"v\":1,\"impl_task_key\":\"{KEY}\",\"stage\":{stage},\"status\":\"done\",\"head_commit\":\"{}\",\"carry_path\":\"runs/implementation/carry/stage-{stage}.json\",\"plan_run_id\":\"{plan}\",\"run_id\":\"{run}\"}}\n",
                sha(stage as usize * 10 + 3)
            )
        } else {
            format!(
                "{{\"v\":1,\"impl_task_key\":\"{KEY}\",\"stage\":{stage},\"status\":\"started\",\"started_at\":\"2026-11-29T12:00:00.123456789Z\",\"head_commit\":\"{}\",\"plan_run_id\":\"{plan}\",\"run_id\":\"{run}\"}}\n",
                sha(i)
            )
        };
        text.push_str(&line);
        rows += 1;
    };
    // Attempts interleave across stages, as concurrent runs would append them.
    let started_rows = ROWS - 100;
    for i in 0..started_rows {
        let stage = 1 + u32::try_from(i % 150).expect("small");
        push(stage, "started", i, i % 20 == 0);
    }
    for stage in 1..=100 {
        push(stage, "done", 0, false);
    }
    assert_eq!(rows, ROWS);
    let path = task.consumers_ledger();
    fs_err::create_dir_all(path.parent().expect("folder")).expect("mkdir");
    fs_err::write(&path, &text).expect("write ledger");
    for stage in 1..=100 {
        write_carry(task, &carry(stage, KEY, plan_run_id)).expect("carry");
    }
    text.len() as u64
}

fn cut_back(path: &Path, len: u64) {
    let file = fs_err::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("open ledger");
    file.set_len(len).expect("truncate");
    file.sync_all().expect("sync");
}

fn bench_select(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let task = ProjectPaths::new(tmp.path()).task(
        &Segment::parse("payments").expect("group"),
        &Segment::parse("dev-9495").expect("id"),
    );
    let plan_run_id = RunId::generate();
    let len = build(&task, plan_run_id);
    eprintln!(
        "ledger: {ROWS} rows, {:.1} MB; 100 carry sidecars; plan: {STAGES} stages",
        len as f64 / 1e6
    );
    let body = plan();
    let (reserved, trees) = (BTreeSet::new(), BTreeMap::new());
    let request = |run_id| ReserveRequest {
        task: &task,
        plan: &body,
        plan_run_id,
        impl_task_key: KEY,
        run_id,
        choice: StageChoice::Auto,
        reserved: &reserved,
        current_trees: &trees,
    };
    // The lowest ready stage is 151.
    match reserve_stage(&request(RunId::generate()), |sel| {
        Err::<String, u32>(sel.stage)
    }) {
        Err(ReserveError::Base(151)) => {}
        other => panic!("unexpected selection: {other:?}"),
    }
    let mut group = c.benchmark_group("stage_selection");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function(
        "select on 200 stages, 100k-row ledger (read+repair+select), goal ≤ 50 ms",
        |b| {
            b.iter(|| {
                let r = reserve_stage(&request(RunId::generate()), |sel| {
                    Err::<String, u32>(sel.stage)
                });
                assert!(matches!(r, Err(ReserveError::Base(151))));
            });
        },
    );
    let text = fs_err::read_to_string(task.consumers_ledger()).expect("ledger");
    group.bench_function(
        "of which: decode + fold the 100k rows (core, no I/O)",
        |b| {
            b.iter(|| {
                let decoded = okstra_core::ledger::decode_ledger(&text).expect("decoded");
                okstra_core::ledger::LedgerSummary::fold(&decoded.rows)
            });
        },
    );
    group.bench_function("reserve (select + started row, fsynced)", |b| {
        b.iter_batched(
            || cut_back(&task.consumers_ledger(), len),
            |()| {
                let r = reserve_stage(&request(RunId::generate()), |_| Ok::<_, u32>(sha(7)))
                    .expect("reserved");
                assert_eq!(r.selected.stage, 151);
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, bench_select);
criterion_main!(benches);
