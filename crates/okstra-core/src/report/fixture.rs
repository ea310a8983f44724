//! Test fixtures for reports: one full report (findings in all four classes with verdicts, a
//! timed-out worker, replay workers, two convergence rounds, a critic note, a budget note,
//! token figures the CLIs did not report) and one empty report, for any task type and
//! language.

use jiff::Timestamp;

use crate::config::Language;
use crate::findings::model::{ConsensusClass, Severity, Verdict};
use crate::report::data::{
    BudgetNote, Clarification, ClassCounts, CriticNote, Integrity, Narrative, ReportData,
    ReportFinding, ReportFrontmatter, ReportRound, ReportTokens, ReportVerdict, ReportWorker,
};
use crate::run_paths::RoundTag;
use crate::status::WorkerStatus;
use crate::task_type::TaskType;
use crate::tokens::TokenUsage;

/// A fixed `dataSha256`.
pub(crate) const DATA_SHA256: &str =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

fn frontmatter(task_type: TaskType, language: Language, replay: bool) -> ReportFrontmatter {
    ReportFrontmatter {
        task_key: "shop:payments:DEV-9495".to_owned(),
        task_type,
        run_id: "01JABCDEFGHJKMNPQRSTVWXYZ0".to_owned(),
        run_seq: 2,
        stage: (task_type == TaskType::Implementation).then_some(2),
        language,
        approved: (task_type == TaskType::ImplementationPlanning).then_some(false),
        generated_at: "2026-06-10T09:30:00Z"
            .parse::<Timestamp>()
            .expect("a fixed valid timestamp"),
        replay,
    }
}

const PLAN_BODY: &str = "## 5. Implementation Plan

### 5.1 Option Candidates

- Option A: guard the nil cart in the handler.
- Option B: make the cart non-optional in the session type.

### 5.2 Trade-off

| option | cost | risk |
|---|---|---|
| A | small | leaves the type loose |
| B | medium | touches every caller |

### 5.3 Recommended Option

Option B.

## 5.4 Implementation Plan Deliverables

- `Session::cart` becomes `Cart`; callers updated.

## 5.5 Stage Map

## 5.5.1 Stage 1: Make the cart non-optional

depends-on: (none)
Slice value: checkout never sees a missing cart.
Acceptance: `cargo test -p shop checkout` passes.

### Stepwise Execution Order

| step | action |
|---|---|
| 1 | RED: add a failing test for an empty session |
| 2 | GREEN: construct an empty cart on login |

### Stage Validation

- `cargo test -p shop`

### Stage Exit Contract

The session type has no optional cart.

### Rollback

Revert the stage commit.
";

fn narrative(task_type: TaskType, language: Language) -> Narrative {
    let summary = match language {
        Language::En => {
            "Checkout fails for guests because the session cart is `None` \
                         after login."
        }
        Language::Ko => "로그인 후 세션 카트가 `None`이어서 게스트 결제가 실패합니다.",
    };
    Narrative {
        summary: summary.to_owned(),
        analysis: "The login handler replaces the session without copying the cart.\n\n\
                   `checkout::submit` then unwraps it and panics."
            .to_owned(),
        recommendations: strings(&[
            "Copy the cart when the session is replaced.",
            "Add a regression test for guest checkout\nthat logs in mid-flow.",
        ]),
        plan_body: (task_type == TaskType::ImplementationPlanning).then(|| PLAN_BODY.to_owned()),
        clarifications: vec![
            Clarification {
                id: "C-1".to_owned(),
                question: "Must guest carts survive a login | merge?".to_owned(),
                answer: None,
                blocks: "approval".to_owned(),
                status: "open".to_owned(),
            },
            Clarification {
                id: "C-2".to_owned(),
                question: "Which release carries the fix?".to_owned(),
                answer: Some("2.4.1".to_owned()),
                blocks: "none".to_owned(),
                status: "resolved".to_owned(),
            },
        ],
    }
}

fn verdict(worker: &str, round: u32, verdict: Verdict, reason: &str) -> ReportVerdict {
    ReportVerdict {
        worker: worker.to_owned(),
        round,
        verdict,
        reason: reason.to_owned(),
    }
}

fn findings() -> Vec<ReportFinding> {
    let base = ReportFinding {
        id: String::new(),
        title: String::new(),
        severity: Severity::High,
        class: ConsensusClass::FullConsensus,
        claim: String::new(),
        reasoning: String::new(),
        evidence: Vec::new(),
        authors: Vec::new(),
        sources: Vec::new(),
        agreed_by: Vec::new(),
        disagreed_by: Vec::new(),
        unsure_by: Vec::new(),
        verdicts: Vec::new(),
        round: 0,
    };
    vec![
        ReportFinding {
            id: "F-1".to_owned(),
            title: "Session cart is dropped on login".to_owned(),
            severity: Severity::Critical,
            class: ConsensusClass::FullConsensus,
            claim: "`login` builds a fresh session and loses the guest cart.".to_owned(),
            reasoning: "The handler calls `Session::new()`.\nNothing copies `cart` across."
                .to_owned(),
            evidence: strings(&["src/auth/login.rs:42", "src/session.rs:17"]),
            authors: strings(&["claude-worker", "codex-worker"]),
            sources: strings(&["claude-worker:C-1", "codex-worker:X-2"]),
            agreed_by: strings(&["gemini-worker"]),
            verdicts: vec![verdict(
                "gemini-worker",
                1,
                Verdict::Agree,
                "Confirmed at login.rs:42.",
            )],
            ..base.clone()
        },
        ReportFinding {
            id: "F-2".to_owned(),
            title: "Checkout unwraps the cart".to_owned(),
            severity: Severity::High,
            class: ConsensusClass::PartialConsensus,
            claim: "`checkout::submit` panics on a missing cart.".to_owned(),
            reasoning: "An `unwrap()` on `session.cart`.".to_owned(),
            evidence: strings(&["src/checkout.rs:88"]),
            authors: strings(&["claude-worker"]),
            sources: strings(&["claude-worker:C-2"]),
            agreed_by: strings(&["codex-worker"]),
            unsure_by: strings(&["gemini-worker"]),
            verdicts: vec![
                verdict("codex-worker", 1, Verdict::Agree, "Same line."),
                verdict(
                    "gemini-worker",
                    1,
                    Verdict::Unsure,
                    "Could not find where\nthe cart is read.",
                ),
            ],
            ..base.clone()
        },
        ReportFinding {
            id: "F-3".to_owned(),
            title: "Retry loop hides the panic".to_owned(),
            severity: Severity::Medium,
            class: ConsensusClass::WorkerUnique,
            claim: "The client retries on 500, so users see a spinner.".to_owned(),
            reasoning: "`web/retry.ts` retries any 5xx three times.".to_owned(),
            evidence: strings(&["web/retry.ts:12"]),
            authors: strings(&["gemini-worker"]),
            sources: strings(&["gemini-worker:G-1"]),
            unsure_by: strings(&["claude-worker"]),
            verdicts: vec![
                verdict(
                    "claude-worker",
                    1,
                    Verdict::Unsure,
                    "Frontend is out of scope.",
                ),
                verdict("claude-worker", 2, Verdict::Unsure, "Still unsure."),
            ],
            round: 0,
            ..base.clone()
        },
        ReportFinding {
            id: "F-4".to_owned(),
            title: "Cart TTL too short".to_owned(),
            severity: Severity::Low,
            class: ConsensusClass::Disputed,
            claim: "Carts expire after 5 minutes.".to_owned(),
            reasoning: "`CART_TTL` is 300.".to_owned(),
            evidence: strings(&["src/config.rs:9"]),
            authors: strings(&["codex-worker"]),
            sources: strings(&["codex-worker:X-5"]),
            agreed_by: strings(&["gemini-worker"]),
            disagreed_by: strings(&["claude-worker"]),
            verdicts: vec![
                verdict("claude-worker", 1, Verdict::Disagree, "TTL is 300 *hours*."),
                verdict("gemini-worker", 1, Verdict::Agree, "Seconds, per the docs."),
            ],
            ..base
        },
    ]
}

#[expect(clippy::too_many_arguments, reason = "a fixture row builder")]
fn worker(
    name: &str,
    kind: &str,
    role: &str,
    model: Option<&str>,
    round: RoundTag,
    status: WorkerStatus,
    reason: Option<&str>,
    attempts: u32,
    duration_ms: Option<u64>,
    tokens: TokenUsage,
    replay: bool,
) -> ReportWorker {
    ReportWorker {
        worker: name.to_owned(),
        kind: kind.to_owned(),
        role: role.to_owned(),
        model: model.map(str::to_owned),
        round,
        status,
        reason: reason.map(str::to_owned),
        attempts,
        duration_ms,
        tokens,
        replay,
    }
}

fn workers() -> Vec<ReportWorker> {
    let claude = TokenUsage {
        input_total: Some(48_210),
        cache_read: Some(40_000),
        cache_write: None,
        output: Some(3_102),
        reasoning: None,
        cost_usd: Some(0.4821),
    };
    let codex = TokenUsage {
        input_total: Some(30_500),
        cache_read: Some(12_000),
        cache_write: None,
        output: Some(2_200),
        reasoning: Some(1_024),
        cost_usd: None,
    };
    let unknown = TokenUsage::default();
    vec![
        worker(
            "claude-worker",
            "claude",
            "analysis",
            Some("opus"),
            RoundTag::Round(0),
            WorkerStatus::Completed,
            None,
            1,
            Some(245_000),
            claude,
            false,
        ),
        worker(
            "codex-worker",
            "codex",
            "analysis",
            Some("gpt-5.5"),
            RoundTag::Round(0),
            WorkerStatus::Completed,
            None,
            1,
            Some(312_400),
            codex,
            false,
        ),
        worker(
            "gemini-worker",
            "replay",
            "analysis",
            None,
            RoundTag::Round(0),
            WorkerStatus::Completed,
            None,
            1,
            Some(850),
            unknown,
            true,
        ),
        worker(
            "claude-worker",
            "claude",
            "analysis",
            Some("opus"),
            RoundTag::Round(1),
            WorkerStatus::Completed,
            None,
            1,
            Some(61_000),
            claude,
            false,
        ),
        worker(
            "codex-worker",
            "codex",
            "analysis",
            Some("gpt-5.5"),
            RoundTag::Round(1),
            WorkerStatus::Timeout,
            Some("deadline 30m passed"),
            2,
            Some(1_800_000),
            unknown,
            false,
        ),
        worker(
            "gemini-worker",
            "replay",
            "analysis",
            None,
            RoundTag::Round(1),
            WorkerStatus::Completed,
            None,
            1,
            Some(420),
            unknown,
            true,
        ),
        worker(
            "claude-worker",
            "claude",
            "analysis",
            Some("opus"),
            RoundTag::Round(2),
            WorkerStatus::Completed,
            None,
            1,
            Some(12_345),
            claude,
            false,
        ),
        worker(
            "claude-worker",
            "claude",
            "analysis",
            Some("opus"),
            RoundTag::PlanBody,
            WorkerStatus::Completed,
            None,
            1,
            Some(30_000),
            claude,
            false,
        ),
        worker(
            "critic",
            "gemini",
            "critic",
            Some("auto"),
            RoundTag::Round(2),
            WorkerStatus::Error,
            Some("rate limited (HTTP 429)"),
            1,
            None,
            unknown,
            false,
        ),
        worker(
            "report-writer",
            "claude",
            "report-writer",
            Some("opus"),
            RoundTag::Round(2),
            WorkerStatus::Completed,
            None,
            1,
            Some(3_725_000),
            claude,
            false,
        ),
    ]
}

fn rounds() -> Vec<ReportRound> {
    vec![
        ReportRound {
            round: 1,
            queue: strings(&["F-1", "F-2", "F-3", "F-4"]),
            answered_by: strings(&["claude-worker", "gemini-worker"]),
            skipped_workers: strings(&["codex-worker"]),
            tokens: TokenUsage {
                input_total: Some(48_210),
                output: Some(3_102),
                cost_usd: Some(0.4821),
                ..TokenUsage::default()
            },
        },
        ReportRound {
            round: 2,
            queue: strings(&["F-3"]),
            answered_by: strings(&["claude-worker"]),
            skipped_workers: strings(&["codex-worker"]),
            tokens: TokenUsage::default(),
        },
    ]
}

/// Returns the full fixture report of `task_type` in `language`.
pub(crate) fn report_data(task_type: TaskType, language: Language) -> ReportData {
    let findings = findings();
    let workers = workers();
    let total = workers
        .iter()
        .fold(TokenUsage::default(), |sum, w| sum.plus(&w.tokens));
    ReportData {
        schema_version: ReportData::current_schema_version(),
        frontmatter: frontmatter(task_type, language, true),
        narrative: narrative(task_type, language),
        class_counts: ClassCounts::from_findings(&findings),
        findings,
        workers,
        rounds: rounds(),
        tokens: ReportTokens { total },
        budget: Some(BudgetNote {
            max_tokens: Some(2_000_000),
            max_cost_usd: None,
            reached: false,
            message: "1.3% of the token budget used.".to_owned(),
        }),
        critic: Some(CriticNote {
            provider: "gemini".to_owned(),
            gaps: 1,
        }),
        notes: strings(&[
            "codex-worker timed out in round 1 and was skipped for the rest of convergence.",
        ]),
        integrity: Integrity::default(),
    }
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
        notes: Vec::new(),
        integrity: Integrity::default(),
    }
}
