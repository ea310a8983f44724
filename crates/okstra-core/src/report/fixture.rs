//! Test fixtures for reports. The full report is the outcome of a scripted run, assembled by
//! the same code that assembles a real one: three analysers (one a replay worker whose CLI
//! reports no tokens) whose round-0 findings merge into four, two convergence rounds in which
//! codex times out twice and becomes a verification error, a critic whose gap is re-verified,
//! plan-body verification for plans, a report writer, and a token budget that was not
//! reached; an implementation run's is its own script (`stage`). Every figure and class in it follows from the script, so the report describes a
//! run that could happen. The empty report has nothing but a summary.
//!
//! This file plays the script; the fixed texts (frontmatter, narrative, plan body, round-0
//! findings) are in `texts`.

mod final_verification;
mod stage;
mod texts;

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use self::texts::{GENERATED_AT, block, frontmatter, narrative, raw, round_zero};
use crate::budget::Budget;
use crate::config::{AdapterKind, Language};
use crate::findings::converge::{ConvergenceState, CriticRecord, RoundAnswer, RoundKind};
use crate::findings::merge::{merge_findings, merge_from};
use crate::findings::model::{Severity, Verdict, VerdictItem, VerdictsBlock};
use crate::manifest::RunManifest;
use crate::report::assemble::{ReportInput, assemble_report};
use crate::report::data::{ClassCounts, Integrity, Narrative, ReportData, ReportTokens};
use crate::run_paths::RoundTag;
use crate::status::WorkerStatus;
use crate::task_type::TaskType;
use crate::team_state::{AttemptRecord, TeamState, TeamWorker};
use crate::tokens::TokenUsage;
use crate::worker_name::Role;

/// A fixed `dataSha256`.
pub(crate) const DATA_SHA256: &str =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// Returns the id of the finding whose title starts with `title`.
fn id_of(state: &ConvergenceState, title: &str) -> String {
    state
        .findings
        .iter()
        .find(|f| f.title.starts_with(title))
        .map_or_else(|| panic!("no finding titled {title:?}"), |f| f.id.clone())
}

/// A worker's answers in a round: (finding title, verdict, reason) — only those sent to it
/// count, as in a real round.
fn answer(state: &ConvergenceState, items: &[(&str, Verdict, &str)]) -> RoundAnswer {
    RoundAnswer::Answered(VerdictsBlock {
        verdicts: items
            .iter()
            .map(|(title, verdict, reason)| VerdictItem {
                finding_id: id_of(state, title),
                verdict: *verdict,
                reason: (*reason).to_owned(),
                evidence: Vec::new(),
                duplicate_of: None,
            })
            .collect(),
    })
}

fn usage(
    input: u64,
    cache: u64,
    output: u64,
    reasoning: Option<u64>,
    cost: Option<f64>,
) -> TokenUsage {
    TokenUsage {
        input_total: Some(input),
        cache_read: Some(cache),
        cache_write: None,
        output: Some(output),
        reasoning,
        cost_usd: cost,
    }
}

/// The scripted team: who ran in which round, with what outcome, for how long.
struct Script {
    team: TeamState,
    clock: Timestamp,
}

impl Script {
    fn row(
        &mut self,
        worker: &str,
        kind: AdapterKind,
        role: Role,
        model: Option<&str>,
        round: RoundTag,
        attempts: &[(WorkerStatus, Option<&str>, u64, TokenUsage)],
    ) {
        let mut records = Vec::new();
        for (n, (status, reason, ms, tokens)) in attempts.iter().enumerate() {
            let started = self.clock;
            self.clock = started
                .checked_add(SignedDuration::from_millis(i64::try_from(*ms).unwrap_or(0)))
                .expect("a scripted time");
            let n = u32::try_from(n + 1).unwrap_or(1);
            let suffix = if n == 1 {
                String::new()
            } else {
                format!("-a{n}")
            };
            records.push(AttemptRecord {
                attempt: n,
                status: *status,
                reason: reason.map(str::to_owned),
                tokens: *tokens,
                started_at: Some(started),
                finished_at: Some(self.clock),
                result_path: Some(format!("worker-results/{worker}-r{round}{suffix}.md")),
                ..AttemptRecord::default()
            });
        }
        self.team.upsert(TeamWorker {
            worker: worker.parse().expect("a worker name"),
            kind,
            role,
            round,
            model: model.map(str::to_owned),
            cli: None,
            env_set: Vec::new(),
            attempts: records,
            replay: kind == AdapterKind::Replay,
        });
    }

    /// Returns the tokens of a round's rows.
    fn round_tokens(&self, round: RoundTag) -> TokenUsage {
        self.team
            .workers
            .iter()
            .filter(|w| w.round == round && w.role == Role::Analysis)
            .fold(TokenUsage::default(), |sum, w| sum.plus(&w.tokens()))
    }
}

/// Returns the full fixture report of `task_type` in `language`.
pub(crate) fn report_data(task_type: TaskType, language: Language) -> ReportData {
    let mut data = scripted_report(task_type, language).0;
    if task_type == TaskType::FinalVerification {
        data.final_verification = Some(final_verification::record());
    }
    data
}

/// Runs the script: the report of `task_type`, with the manifest, convergence state and team
/// state it was assembled from.
pub(crate) fn scripted_run(
    task_type: TaskType,
) -> (ReportData, RunManifest, ConvergenceState, TeamState) {
    scripted_report(task_type, Language::En)
}

pub(crate) fn scripted_report(
    task_type: TaskType,
    language: Language,
) -> (ReportData, RunManifest, ConvergenceState, TeamState) {
    let manifest = crate::manifest::testing::sample(task_type, true);
    if task_type == TaskType::Implementation {
        let (data, state, team) = stage::scripted(&manifest, language);
        return (data, manifest, state, team);
    }
    let claude = usage(48_210, 40_000, 3_102, None, Some(0.4821));
    let codex = usage(30_500, 12_000, 2_200, Some(1_024), None);
    let unknown = TokenUsage::default();
    let ok = WorkerStatus::Completed;
    let timeout = (
        WorkerStatus::Timeout,
        Some("the deadline of 30m passed"),
        1_800_000,
        unknown,
    );
    let mut script = Script {
        team: TeamState::new(
            manifest.run_id,
            task_type,
            manifest.run_seq,
            Timestamp::UNIX_EPOCH,
        ),
        clock: "2026-06-10T08:00:00Z"
            .parse()
            .expect("a fixed valid timestamp"),
    };
    let analysers = [
        ("claude-worker", AdapterKind::Claude, Some("opus"), claude),
        ("codex-worker", AdapterKind::Codex, Some("gpt-5.5"), codex),
        ("gemini-worker", AdapterKind::Replay, None, unknown),
    ];

    // Round 0: every analyser answers; the two login findings merge.
    for (worker, kind, model, tokens) in analysers {
        let ms = match kind {
            AdapterKind::Claude => 245_000,
            AdapterKind::Codex => 312_400,
            _ => 850,
        };
        script.row(
            worker,
            kind,
            Role::Analysis,
            model,
            RoundTag::Round(0),
            &[(ok, None, ms, tokens)],
        );
    }
    let mut state = ConvergenceState::new(
        manifest.run_id.to_string(),
        2,
        analysers.iter().map(|a| a.0.to_owned()).collect(),
        merge_findings(&round_zero(), 0),
    );

    // Round 1: everyone answers what was sent to them.
    let queue = state.next_queue(None);
    for (worker, kind, model, tokens) in analysers {
        script.row(
            worker,
            kind,
            Role::Analysis,
            model,
            RoundTag::Round(1),
            &[(ok, None, 61_000, tokens)],
        );
    }
    let outcomes = BTreeMap::from([
        (
            "claude-worker".to_owned(),
            answer(
                &state,
                &[
                    ("Retry loop", Verdict::Unsure, "Frontend is out of scope."),
                    ("Cart TTL", Verdict::Disagree, "TTL is 300 *hours*."),
                ],
            ),
        ),
        (
            "codex-worker".to_owned(),
            answer(
                &state,
                &[
                    ("Checkout unwraps", Verdict::Agree, "Same line."),
                    ("Retry loop", Verdict::Unsure, "Not in the traces I read."),
                ],
            ),
        ),
        (
            "gemini-worker".to_owned(),
            answer(
                &state,
                &[
                    ("Session cart", Verdict::Agree, "Confirmed at login.rs:42."),
                    (
                        "Checkout unwraps",
                        Verdict::Unsure,
                        "Could not find where\nthe cart is read.",
                    ),
                    ("Cart TTL", Verdict::Agree, "Seconds, per the docs."),
                ],
            ),
        ),
    ]);
    let tokens = script.round_tokens(RoundTag::Round(1));
    state.record_round(
        1,
        RoundKind::Reverify,
        &queue,
        outcomes,
        BTreeMap::new(),
        tokens,
    );

    // Round 2: codex times out twice and is skipped from then on.
    let queue = state.next_queue(None);
    script.row(
        "claude-worker",
        AdapterKind::Claude,
        Role::Analysis,
        Some("opus"),
        RoundTag::Round(2),
        &[(ok, None, 12_345, claude)],
    );
    script.row(
        "codex-worker",
        AdapterKind::Codex,
        Role::Analysis,
        Some("gpt-5.5"),
        RoundTag::Round(2),
        &[timeout, timeout],
    );
    script.row(
        "gemini-worker",
        AdapterKind::Replay,
        Role::Analysis,
        None,
        RoundTag::Round(2),
        &[(ok, None, 420, unknown)],
    );
    let outcomes = BTreeMap::from([
        (
            "claude-worker".to_owned(),
            answer(
                &state,
                &[
                    ("Retry loop", Verdict::Unsure, "Still unsure."),
                    ("Cart TTL", Verdict::Disagree, "Still 300 hours."),
                ],
            ),
        ),
        (
            "codex-worker".to_owned(),
            RoundAnswer::VerificationError("timeout: the deadline of 30m passed".to_owned()),
        ),
        (
            "gemini-worker".to_owned(),
            answer(
                &state,
                &[(
                    "Checkout unwraps",
                    Verdict::Unsure,
                    "Still could not find it.",
                )],
            ),
        ),
    ]);
    let tokens = script.round_tokens(RoundTag::Round(2));
    state.record_round(
        2,
        RoundKind::Reverify,
        &queue,
        outcomes,
        BTreeMap::new(),
        tokens,
    );

    // The critic finds one gap, which the remaining analysers re-verify.
    let critic_round = state.max_rounds + 1;
    script.row(
        "critic",
        AdapterKind::Gemini,
        Role::Critic,
        Some("auto"),
        RoundTag::Round(critic_round),
        &[(ok, None, 30_000, unknown)],
    );
    let gaps = merge_from(
        &[(
            "critic".to_owned(),
            block(vec![raw(
                "K-1",
                "No test covers guest checkout",
                Severity::Low,
                "tests/checkout_test.rs:1",
                "Nothing exercises checkout after a login.",
                "The checkout tests all start logged in.",
            )]),
        )],
        critic_round,
        state.next_finding_number(),
    );
    let gap_ids: Vec<String> = gaps.iter().map(|f| f.id.clone()).collect();
    state.add_findings(gaps);
    state.critic = Some(CriticRecord {
        provider: "gemini".to_owned(),
        round: critic_round,
        status: WorkerStatus::Completed,
        gaps: gap_ids.clone(),
    });
    let queue = state.next_queue(Some(&gap_ids));
    script.row(
        "claude-worker",
        AdapterKind::Claude,
        Role::Analysis,
        Some("opus"),
        RoundTag::Round(critic_round),
        &[(ok, None, 9_000, claude)],
    );
    script.row(
        "gemini-worker",
        AdapterKind::Replay,
        Role::Analysis,
        None,
        RoundTag::Round(critic_round),
        &[(ok, None, 300, unknown)],
    );
    let outcomes = BTreeMap::from([
        (
            "claude-worker".to_owned(),
            answer(&state, &[("No test covers", Verdict::Agree, "None do.")]),
        ),
        (
            "gemini-worker".to_owned(),
            answer(&state, &[("No test covers", Verdict::Agree, "Confirmed.")]),
        ),
    ]);
    let tokens = script.round_tokens(RoundTag::Round(critic_round));
    state.record_round(
        critic_round,
        RoundKind::Critic,
        &queue,
        outcomes,
        BTreeMap::new(),
        tokens,
    );

    // Plans: the analysers still in the run verify the plan body.
    if task_type == TaskType::ImplementationPlanning {
        script.row(
            "claude-worker",
            AdapterKind::Claude,
            Role::Analysis,
            Some("opus"),
            RoundTag::PlanBody,
            &[(ok, None, 30_000, claude)],
        );
        script.row(
            "gemini-worker",
            AdapterKind::Replay,
            Role::Analysis,
            None,
            RoundTag::PlanBody,
            &[(ok, None, 500, unknown)],
        );
    }
    script.row(
        "report-writer",
        AdapterKind::Claude,
        Role::ReportWriter,
        Some("opus"),
        RoundTag::Round(0),
        &[(ok, None, 65_000, claude)],
    );

    let mut data = assemble_report(ReportInput {
        manifest: &manifest,
        language,
        convergence: &state,
        team: &script.team,
        narrative: narrative(task_type, language),
        budget: Budget {
            max_tokens: Some(2_000_000),
            max_cost_usd: None,
        },
        budget_reached: None,
        notes: Vec::new(),
        integrity: Integrity::default(),
        plan_gate: None,
        implementation: None,
        generated_at: GENERATED_AT.parse().expect("a fixed valid timestamp"),
    });
    if task_type == TaskType::ReleaseHandoff {
        data.handoff = Some(crate::handoff::HandoffReport {
            title: "Round discounted totals | to the cent".to_owned(),
            pr_body_path: ".okstra/tasks/g/id/runs/release-handoff/reports/pr-body-1.md".to_owned(),
            pr_body_sha256: "0".repeat(64),
            pr_body: "## Summary\n\nRounds.\n".to_owned(),
            template: "built-in".to_owned(),
            task_branch: "okstra/feat/g-id".to_owned(),
            head: "a".repeat(40),
            final_verification_run_id: "FV".to_owned(),
            final_verification_seq: 1,
            push: crate::handoff::PushOutcome::Rejected {
                remote: "origin".to_owned(),
                branch: "okstra/feat/g-id".to_owned(),
                message: "pre-receive hook declined".to_owned(),
            },
            pr: crate::handoff::PrOutcome::GhMissing {
                command: "gh pr create --title T --body-file B".to_owned(),
            },
        });
    }
    (data, manifest, state, script.team)
}

/// Returns a report with nothing in it but a summary: no findings, workers, rounds, notes.
pub(crate) fn empty_report_data(task_type: TaskType, language: Language) -> ReportData {
    ReportData {
        schema_version: ReportData::current_schema_version(),
        frontmatter: frontmatter(task_type, language, false),
        narrative: Narrative {
            summary: "Nothing to report.".to_owned(),
            ..Narrative::default()
        },
        findings: Vec::new(),
        class_counts: ClassCounts::default(),
        workers: Vec::new(),
        rounds: Vec::new(),
        tokens: ReportTokens::default(),
        budget: None,
        critic: None,
        plan_gate: None,
        implementation: None,
        handoff: None,
        final_verification: None,
        approval: None,
        notes: Vec::new(),
        integrity: Integrity::default(),
    }
}
