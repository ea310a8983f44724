//! Benchmarks stage selection (SPEC §8, issue 11) as `okstra run implementation` makes it: under
//! the task lock, read and repair the consumers ledger, fold it, compute the plan's stage book,
//! select the stage (`--stage auto`) and append its `started` row — `claim_stage` with
//! `select_stage`, real files. Goal: ≤ 50 ms on a 200-stage plan with a 100,000-row ledger.
//!
//! The plan is a chain of 200 stages; the ledger holds 100,000 `started` / `done` rows of its
//! first 199 stages (many attempts each), so stage 200 is the one ready. Every measured call
//! starts from the same 100,000-row ledger, restored outside the timing.
//!
//! Run: `cargo bench -p okstra-engine --bench stage_select`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, criterion_group, criterion_main};
use okstra_core::ledger::{StageChoice, select_stage};
use okstra_core::plan::{PlanBody, Stage, Step};
use okstra_core::run_paths::{ProjectPaths, TaskPaths};
use okstra_core::{RunId, Segment};
use okstra_engine::{Claim, ClaimRequest, claim_stage};

const STAGES: u32 = 200;
const ROWS: u32 = 100_000;
const PLAN_RUN: &str = "01JD0000000000000000000001";

/// A chain of 200 stages.
fn plan() -> PlanBody {
    PlanBody {
        stages: (1..=STAGES)
            .map(|n| Stage {
                number: n,
                title: format!("Part {n}"),
                depends_on: if n == 1 { Vec::new() } else { vec![n - 1] },
                steps: vec![Step {
                    action: format!("RED: part {n}"),
                    files: Vec::new(),
                }],
                validation: vec![format!("cargo test part_{n}")],
                ..Stage::default()
            })
            .collect(),
        ..PlanBody::default()
    }
}

/// Returns the text of a ledger of `ROWS` rows: attempts of stages 1..199, each ending done.
fn ledger_text() -> String {
    let mut text = String::new();
    let stages = STAGES - 1;
    for i in 0..ROWS {
        let stage = i % stages + 1;
        // The last pass over the stages writes `done` rows, so every one of them ends done.
        let done = i >= ROWS - stages || i % 2 == 1;
        let head = format!("{:040x}", u64::from(i));
        let row = if done {
            format!(
                r#"{{"v":1,"impl_task_key":"shop:g:t","stage":{stage},"status":"done","head_commit":"{head}","carry_path":"runs/implementation/carry/stage-{stage}.json","plan_run_id":"{PLAN_RUN}"}}"#
            )
        } else {
            format!(
                r#"{{"v":1,"impl_task_key":"shop:g:t","stage":{stage},"status":"started","started_at":"2026-06-10T08:00:00Z","head_commit":"{head}","plan_run_id":"{PLAN_RUN}","run_id":"01JD00000000000000000000{:02}"}}"#,
                i % 90 + 10
            )
        };
        text.push_str(&row);
        text.push('\n');
    }
    text
}

struct Fixture {
    _dir: tempfile::TempDir,
    task: TaskPaths,
    ledger: PathBuf,
    text: String,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let seg = |s: &str| Segment::parse(s).expect("segment");
    let task = ProjectPaths::new(dir.path()).task(&seg("g"), &seg("t"));
    let ledger = task.consumers_ledger();
    fs_err::create_dir_all(ledger.parent().expect("parent")).expect("dirs");
    let text = ledger_text();
    Fixture {
        _dir: dir,
        task,
        ledger,
        text,
    }
}

fn restore(path: &Path, text: &str) {
    fs_err::write(path, text).expect("restore the ledger");
}

fn bench_select(c: &mut Criterion) {
    let fx = fixture();
    let plan = plan();
    let plan_run_id: RunId = PLAN_RUN.parse().expect("run id");
    let run_id = RunId::generate();
    let (reserved, trees) = (BTreeSet::new(), BTreeMap::new());
    let request = ClaimRequest {
        task: &fx.task,
        plan: &plan,
        plan_run_id,
        impl_task_key: "shop:g:t",
        run_id,
        reserved: &reserved,
        current_trees: &trees,
    };
    let mut group = c.benchmark_group("stage_select");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(4));
    group.bench_function("200-stage plan, 100,000-row ledger, goal ≤ 50 ms", |b| {
        b.iter_batched(
            || restore(&fx.ledger, &fx.text),
            |()| {
                let (claimed, stage) = claim_stage(&request, |book, _| {
                    let selected = select_stage(book, StageChoice::Auto)?;
                    let base = selected
                        .dependency_heads
                        .first()
                        .map(|(_, head)| head.clone())
                        .unwrap_or_default();
                    Ok::<_, okstra_core::ledger::SelectError>((
                        Claim {
                            stage: selected.stage,
                            base,
                        },
                        selected.stage,
                    ))
                })
                .expect("a stage is ready");
                assert_eq!(stage, STAGES);
                claimed
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, bench_select);
criterion_main!(benches);
