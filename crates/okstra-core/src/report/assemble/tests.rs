//! Report assembly from a scripted run's state (the report fixture) and from small states.

use super::*;
use crate::budget::BudgetReached;
use crate::findings::FindingsBlock;
use crate::findings::merge::merge_findings;
use crate::findings::model::{RawFinding, Severity};
use crate::report::fixture;
use crate::run_paths::RoundTag;
use crate::status::WorkerStatus;
use crate::task_type::TaskType;

fn class_of(data: &ReportData, title: &str) -> ConsensusClass {
    data.findings
        .iter()
        .find(|f| f.title.starts_with(title))
        .unwrap_or_else(|| panic!("no {title}"))
        .class
}

#[test]
fn the_scripted_run_gives_every_class_and_consistent_figures() {
    let data = fixture::report_data(TaskType::ErrorAnalysis, Language::En);
    assert_eq!(
        class_of(&data, "Session cart"),
        ConsensusClass::FullConsensus
    );
    assert_eq!(
        class_of(&data, "Checkout unwraps"),
        ConsensusClass::PartialConsensus
    );
    assert_eq!(class_of(&data, "Retry loop"), ConsensusClass::WorkerUnique);
    assert_eq!(class_of(&data, "Cart TTL"), ConsensusClass::Disputed);
    assert_eq!(
        class_of(&data, "No test covers"),
        ConsensusClass::FullConsensus
    );
    assert_eq!(
        data.class_counts,
        ClassCounts::from_findings(&data.findings)
    );
    assert_eq!(data.class_counts.total(), 5);

    // The merged login finding keeps both sources.
    let login = data
        .findings
        .iter()
        .find(|f| f.title.starts_with("Session cart"))
        .unwrap();
    assert_eq!(login.sources, ["claude-worker:C-1", "codex-worker:X-2"]);
    assert_eq!(login.agreed_by, ["gemini-worker"]);

    // Codex timed out twice in round 2: a verification error, skipped from then on.
    let codex_r2 = data
        .workers
        .iter()
        .find(|w| w.worker == "codex-worker" && w.round == RoundTag::Round(2))
        .unwrap();
    assert_eq!(codex_r2.status, WorkerStatus::VerificationError);
    assert_eq!(codex_r2.attempts, 2);
    assert_eq!(
        codex_r2.reason.as_deref(),
        Some("the deadline of 30m passed")
    );
    assert_eq!(codex_r2.duration_ms, Some(3_600_000));
    let skipped: Vec<&[String]> = data
        .rounds
        .iter()
        .map(|r| r.skipped_workers.as_slice())
        .collect();
    assert_eq!(
        skipped,
        [
            &[][..],
            &["codex-worker".to_owned()][..],
            &["codex-worker".to_owned()][..]
        ]
    );
    assert_eq!(
        data.rounds.iter().map(|r| r.round).collect::<Vec<_>>(),
        [1, 2, 3]
    );

    // The critic completed and found one gap.
    let critic = data.workers.iter().find(|w| w.worker == "critic").unwrap();
    assert_eq!(critic.status, WorkerStatus::Completed);
    assert_eq!(data.critic.as_ref().unwrap().gaps, 1);

    // Tokens: the run's total is the sum of every row; the replay worker reported none.
    let sum = data
        .workers
        .iter()
        .fold(crate::tokens::TokenUsage::default(), |s, w| {
            s.plus(&w.tokens)
        });
    assert_eq!(data.tokens.total, sum);
    let gemini = data
        .workers
        .iter()
        .find(|w| w.worker == "gemini-worker")
        .unwrap();
    assert!(gemini.tokens.is_unknown() && gemini.replay);
    assert!(data.frontmatter.replay);

    // The budget was not reached, and the note says so from the figures.
    let budget = data.budget.as_ref().unwrap();
    assert!(!budget.reached);
    assert!(data.tokens.total.total().unwrap() < budget.max_tokens.unwrap());
    assert_eq!(budget.message, "the budget was not reached");

    // Plan-body verification belongs to plans only.
    assert!(!data.workers.iter().any(|w| w.round == RoundTag::PlanBody));
    let plan = fixture::report_data(TaskType::ImplementationPlanning, Language::En);
    assert!(plan.workers.iter().any(|w| w.round == RoundTag::PlanBody));
    assert_eq!(plan.frontmatter.approved, Some(false));
    assert_eq!(data.frontmatter.approved, None);
}

fn one_finding_state(analysers: &[&str]) -> ConvergenceState {
    let block = FindingsBlock {
        findings: vec![RawFinding {
            id: "A-1".into(),
            title: "t".into(),
            severity: Severity::High,
            evidence: vec!["a.rs:1".into()],
            claim: "c".into(),
            reasoning: "r".into(),
        }],
        summary: "s".into(),
    };
    let blocks = vec![(analysers[0].to_owned(), block)];
    ConvergenceState::new(
        "R".into(),
        2,
        analysers.iter().map(|a| (*a).to_owned()).collect(),
        merge_findings(&blocks, 0),
    )
}

fn input<'a>(
    manifest: &'a RunManifest,
    state: &'a ConvergenceState,
    team: &'a TeamState,
) -> ReportInput<'a> {
    ReportInput {
        manifest,
        language: Language::En,
        convergence: state,
        team,
        narrative: Narrative::default(),
        budget: Budget::default(),
        budget_reached: None,
        notes: vec!["the report writer ended error: boom".into()],
        integrity: Integrity::default(),
        plan_gate: None,
        implementation: None,
        generated_at: "2026-06-10T09:30:00Z".parse().unwrap(),
    }
}

#[test]
fn one_analyser_is_never_a_consensus_and_the_report_says_so() {
    let manifest = crate::manifest::testing::sample(TaskType::ErrorAnalysis, false);
    let team = TeamState::new(
        manifest.run_id,
        manifest.task_type,
        manifest.run_seq,
        manifest.created_at,
    );
    let state = one_finding_state(&["claude-worker"]);
    let data = assemble_report(input(&manifest, &state, &team));
    assert_eq!(data.findings[0].class, ConsensusClass::WorkerUnique);
    assert_eq!(
        data.notes,
        [
            "only one analyser answered (claude-worker): nothing can be a consensus, so every \
             finding is worker-unique",
            "the report writer ended error: boom"
        ]
    );
    let two = one_finding_state(&["claude-worker", "codex-worker"]);
    let data = assemble_report(input(&manifest, &two, &team));
    assert_eq!(data.notes, ["the report writer ended error: boom"]);
    assert!(data.budget.is_none(), "no budget, no note");
}

#[test]
fn a_reached_budget_is_reported_with_its_reason() {
    let manifest = crate::manifest::testing::sample(TaskType::ErrorAnalysis, false);
    let team = TeamState::new(
        manifest.run_id,
        manifest.task_type,
        manifest.run_seq,
        manifest.created_at,
    );
    let state = one_finding_state(&["claude-worker", "codex-worker"]);
    let mut i = input(&manifest, &state, &team);
    i.budget = Budget {
        max_tokens: Some(10),
        max_cost_usd: None,
    };
    i.budget_reached = Some(BudgetReached::Tokens { used: 12, max: 10 });
    let data = assemble_report(i);
    let note = data.budget.unwrap();
    assert!(note.reached);
    assert_eq!(
        note.message,
        "budget reached: 12 tokens used of a budget of 10; okstra started no further round or \
         worker and finished the report with what it had"
    );
    // A stop recorded by convergence wins over the report-time check.
    let mut stopped = state.clone();
    stopped.stopped = Some("budget reached: earlier".into());
    let mut i = input(&manifest, &stopped, &team);
    i.budget = Budget {
        max_tokens: Some(10),
        max_cost_usd: None,
    };
    assert!(
        assemble_report(i)
            .budget
            .unwrap()
            .message
            .starts_with("budget reached: earlier;")
    );
}
