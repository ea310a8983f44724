//! Benchmarks rendering a report's HTML page, goal ≤ 20 ms: the page of a 200-stage plan
//! (Stage Map DAG) run by 30 workers — 30 analysers each answering three rounds, one retry
//! each, so 180 attempts on the timeline — with 60 findings, so a 60 × 30 consensus matrix.
//! The page is checked to hold every stage and finding before anything is measured.
//!
//! Run: `cargo bench -p okstra-core --bench report_html`.

#[path = "common/plan200.rs"]
mod plan200;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use okstra_core::config::{AdapterKind, Language};
use okstra_core::findings::model::{ConsensusClass, Severity};
use okstra_core::ids::RunSeq;
use okstra_core::report::html::{HtmlInput, render_html};
use okstra_core::report::{
    ClassCounts, Narrative, ReportData, ReportFinding, ReportFrontmatter, ReportTokens,
    ReportWorker,
};
use okstra_core::run_paths::RoundTag;
use okstra_core::status::WorkerStatus;
use okstra_core::task_type::TaskType;
use okstra_core::team_state::{AttemptRecord, TeamState, TeamWorker};
use okstra_core::tokens::TokenUsage;
use okstra_core::worker_name::Role;
use plan200::{STAGES, plan};

const WORKERS: usize = 30;
const FINDINGS: usize = 60;
const ROUNDS: u32 = 3;
const RUN_ID: &str = "01JABCDEFGHJKMNPQRSTVWXYZ0";

fn worker(i: usize) -> String {
    format!("agent{i}-worker")
}

fn data() -> ReportData {
    let names: Vec<String> = (0..WORKERS).map(worker).collect();
    let findings: Vec<ReportFinding> = (0..FINDINGS)
        .map(|f| {
            let author = &names[f % WORKERS];
            ReportFinding {
                id: format!("F-{}", f + 1),
                title: format!("Finding {f}: the cart total drops a cent"),
                severity: Severity::Medium,
                class: ConsensusClass::ALL[f % 4],
                claim: "Totals are truncated, not rounded.".to_owned(),
                reasoning: "`round_cents` uses `as i64`.".to_owned(),
                evidence: vec![format!("src/cart.rs:{}", 10 + f)],
                authors: vec![author.clone()],
                sources: vec![format!("{author}:F-1")],
                agreed_by: names
                    .iter()
                    .step_by(2)
                    .filter(|n| *n != author)
                    .cloned()
                    .collect(),
                disagreed_by: names
                    .iter()
                    .skip(1)
                    .step_by(4)
                    .filter(|n| *n != author)
                    .cloned()
                    .collect(),
                unsure_by: Vec::new(),
                verdicts: Vec::new(),
                round: 0,
            }
        })
        .collect();
    let workers = (0..WORKERS)
        .flat_map(|i| {
            (0..ROUNDS).map(move |r| ReportWorker {
                worker: worker(i),
                kind: AdapterKind::Replay,
                role: Role::Analysis,
                model: Some("model-x".to_owned()),
                round: RoundTag::Round(r),
                status: WorkerStatus::Completed,
                reason: None,
                attempts: 2,
                duration_ms: Some(60_000),
                tokens: TokenUsage {
                    input_total: Some(10_000 + i as u64),
                    output: Some(2_000),
                    cost_usd: Some(0.05),
                    ..TokenUsage::default()
                },
                replay: true,
            })
        })
        .collect();
    ReportData {
        schema_version: ReportData::current_schema_version(),
        frontmatter: ReportFrontmatter {
            task_key: "shop:payments:DEV-9495".to_owned(),
            task_type: TaskType::ImplementationPlanning,
            run_id: RUN_ID.to_owned(),
            run_seq: 1,
            stage: None,
            language: Language::En,
            approved: Some(false),
            generated_at: "2026-11-30T09:00:00Z".parse().unwrap(),
            replay: true,
        },
        narrative: Narrative {
            summary: "A plan in 200 stages.".to_owned(),
            analysis: "Each stage fixes one thing.".to_owned(),
            plan: Some(plan()),
            ..Narrative::default()
        },
        class_counts: ClassCounts::from_findings(&findings),
        findings,
        workers,
        rounds: Vec::new(),
        tokens: ReportTokens::default(),
        budget: None,
        critic: None,
        plan_gate: None,
        implementation: None,
        handoff: None,
        final_verification: None,
        notes: Vec::new(),
        integrity: okstra_core::report::Integrity::default(),
        approval: None,
    }
}

fn team() -> TeamState {
    let start: Timestamp = "2026-11-30T08:00:00Z".parse().unwrap();
    let mut team = TeamState::new(
        RUN_ID.parse().unwrap(),
        TaskType::ImplementationPlanning,
        RunSeq::FIRST,
        start,
    );
    for i in 0..WORKERS {
        for r in 0..ROUNDS {
            let at = |m: i64| Some(start + SignedDuration::from_mins(m));
            let base = i64::from(r) * 20 + i64::try_from(i % 5).unwrap_or(0);
            team.workers.push(TeamWorker {
                worker: worker(i).parse().unwrap(),
                kind: AdapterKind::Replay,
                role: Role::Analysis,
                round: RoundTag::Round(r),
                model: None,
                cli: None,
                env_set: Vec::new(),
                attempts: vec![
                    AttemptRecord {
                        attempt: 1,
                        started_at: at(base),
                        finished_at: at(base + 4),
                        status: WorkerStatus::Timeout,
                        ..AttemptRecord::default()
                    },
                    AttemptRecord {
                        attempt: 2,
                        started_at: at(base + 5),
                        finished_at: at(base + 12),
                        status: WorkerStatus::Completed,
                        ..AttemptRecord::default()
                    },
                ],
                replay: true,
            });
        }
    }
    team
}

#[expect(clippy::print_stderr, reason = "the bench says what it measures")]
fn bench(c: &mut Criterion) {
    let data = data();
    let team = team();
    let input = HtmlInput {
        data: &data,
        data_sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        team: Some(&team),
        verification: None,
        stage_map: None,
    };
    let html = render_html(&input);
    for n in 1..=STAGES {
        assert!(
            html.contains(&format!("data-stage=\"{n}\"")),
            "stage {n} missing"
        );
    }
    for f in &data.findings {
        assert!(
            html.contains(&format!("id=\"{}\"", f.id)),
            "{} missing",
            f.id
        );
    }
    eprintln!(
        "page: {STAGES} stages, {WORKERS} workers ({} attempts), {FINDINGS} findings, {} KiB",
        team.workers.iter().map(|w| w.attempts.len()).sum::<usize>(),
        html.len() / 1024
    );
    c.bench_function("report_html_200_stages_30_workers", |b| {
        b.iter(|| render_html(black_box(&input)));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
