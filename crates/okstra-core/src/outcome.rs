//! Owns the worker status decision (SPEC §5.4): how an attempt's end becomes its terminal
//! status, reason and text — after the contract check of its final answer — and whether it earns
//! the one re-dispatch; and the run status a run ends with.
//!
//! Running attempts and writing their result files is the engine's; here are the pure rules.

use thiserror::Error;

use crate::adapter::install_hint;
use crate::answer::AnswerError;
use crate::config::AdapterKind;
use crate::findings::check::{check_findings_answer, check_verdicts_answer};
use crate::implementation::check_stage_verdict_answer;
use crate::plan::answer::{check_plan_answer, check_plan_verdicts_answer};
use crate::report::parse_narrative;
use crate::status::{RunStatus, WorkerStatus};
use crate::tokens::TokenUsage;

/// The reason recorded for an attempt stopped by Ctrl-C, SIGTERM or SIGHUP; `okstra resume`
/// runs such a worker again.
pub const INTERRUPTED: &str = "interrupted";

/// Why a worker is `not-run`: a failure found before spawning it, naming the CLI and the fix
/// (SPEC §5.4).
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum NotRunReason {
    #[error(
        "{} CLI not found ({program} is not on PATH): install it with `{}`, or set agents.{agent}.binary in .okstra/project.json",
        cli.as_str(),
        install_hint(*cli)
    )]
    CliNotFound {
        cli: AdapterKind,
        program: String,
        agent: String,
    },
    #[error("{program} not found on PATH (agents.{agent}.argv in .okstra/project.json)")]
    CommandNotFound { program: String, agent: String },
    #[error(
        "codex is not logged in: run `codex login`, or set CODEX_API_KEY (or OPENAI_API_KEY) in the environment or workerEnv"
    )]
    CodexNotLoggedIn,
    #[error(
        "claude is not logged in: run `claude` and /login, or set ANTHROPIC_API_KEY in the environment or workerEnv"
    )]
    ClaudeNotLoggedIn,
    #[error(
        "gemini has no auth method: run `gemini` once to log in, or set GEMINI_API_KEY in the environment or workerEnv"
    )]
    GeminiNoAuth,
    #[error(
        "codex's model provider {provider} reads its key from {var}, which is not set: set {var} in the environment or workerEnv"
    )]
    CodexProviderKey { provider: String, var: String },
}

/// Why an attempt failed, as the executor saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailCause {
    /// The CLI reported it: `error`, not re-dispatched.
    Reported,
    /// No known reason: re-dispatched once.
    Crash,
    /// No usable result: re-dispatched once.
    Unparsable,
    /// The deadline passed: re-dispatched once.
    Timeout,
    /// Too many retry notices with one HTTP status: `error`.
    RetryStorm,
    /// Ctrl-C, SIGTERM or SIGHUP: `error: interrupted`.
    Interrupted,
    /// The process could not be started: `not-run`.
    SpawnFailed,
}

impl FailCause {
    /// Returns the terminal status this failure gives.
    pub fn status(self) -> WorkerStatus {
        match self {
            FailCause::Timeout => WorkerStatus::Timeout,
            FailCause::SpawnFailed => WorkerStatus::NotRun,
            FailCause::Reported
            | FailCause::Crash
            | FailCause::Unparsable
            | FailCause::RetryStorm
            | FailCause::Interrupted => WorkerStatus::Error,
        }
    }

    /// Returns whether this failure earns the one re-dispatch: a timeout, a crash with no
    /// known reason, or an unparsable answer (SPEC §5.4).
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            FailCause::Timeout | FailCause::Crash | FailCause::Unparsable
        )
    }
}

/// How an attempt ended, before its answer is checked.
#[derive(Clone, Debug, PartialEq)]
pub enum AttemptResult {
    Completed {
        text: String,
        usage: TokenUsage,
    },
    Failed {
        cause: FailCause,
        message: String,
        usage: TokenUsage,
    },
}

impl AttemptResult {
    /// Returns the attempt's usage.
    pub fn usage(&self) -> TokenUsage {
        match self {
            AttemptResult::Completed { usage, .. } | AttemptResult::Failed { usage, .. } => *usage,
        }
    }
}

/// The contract a worker's final answer must meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerContract {
    /// An analyser's or the critic's findings block (SPEC §6.1).
    Findings,
    /// A reverify answer's verdicts block (SPEC §6.3).
    Verdicts,
    /// The report writer's narrative block (SPEC §7.1).
    Narrative,
    /// The narrative block of a plan's report writer (SPEC §4 step 7): it parses, matches its
    /// schema, has a `plan`, and the plan breaks no rule (S2, S4–S10, options).
    Plan,
    /// A plan-body verification answer (SPEC §7.3) on a plan of `items` `P-` items: every
    /// verdict names one of them, none twice.
    PlanVerdicts { items: u32 },
    /// An implementation run's executor (SPEC §8): any final text — what it did is judged by
    /// okstra's evidence, never by its words.
    Executor,
    /// A stage verifier's verdict block (SPEC §8): `PASS|FAIL` with its findings, a FAIL
    /// citing a blocking one and a PASS none.
    StageVerdict,
    /// The release hand-off writer's block: the PR title and body narrative.
    Handoff,
}

impl AnswerContract {
    /// Checks a final answer against the contract.
    pub fn check(self, text: &str) -> Result<(), AnswerError> {
        match self {
            AnswerContract::Findings => check_findings_answer(text)
                .map(|_| ())
                .map_err(AnswerError::from),
            AnswerContract::Verdicts => check_verdicts_answer(text)
                .map(|_| ())
                .map_err(AnswerError::from),
            AnswerContract::Narrative => {
                parse_narrative(text).map(|_| ()).map_err(AnswerError::from)
            }
            AnswerContract::Plan => check_plan_answer(text)
                .map(|_| ())
                .map_err(AnswerError::from),
            AnswerContract::PlanVerdicts { items } => check_plan_verdicts_answer(text, items)
                .map(|_| ())
                .map_err(AnswerError::from),
            AnswerContract::Executor => Ok(()),
            AnswerContract::StageVerdict => check_stage_verdict_answer(text)
                .map(|_| ())
                .map_err(AnswerError::from),
            AnswerContract::Handoff => crate::handoff::check_handoff_answer(text)
                .map(|_| ())
                .map_err(AnswerError::from),
        }
    }

    /// Checks the final answer of attempt `attempt` against the contract, as the run keeps it:
    /// the contract in full, except that the last attempt of a plan (after the one re-dispatch)
    /// is kept when the plan's only fault is the rules it breaks — the plan is written with its
    /// violations listed and cannot be approved, rather than lost.
    pub fn accepts(self, text: &str, attempt: u32) -> Result<(), AnswerError> {
        match self.check(text) {
            Err(e) if attempt >= 2 && e.plan_violations().is_some() => Ok(()),
            checked => checked,
        }
    }
}

/// An attempt's end, decided: what its result file and team-state record say.
#[derive(Clone, Debug, PartialEq)]
pub struct AttemptDecision {
    pub status: WorkerStatus,
    /// Why it failed, when it did (decides re-dispatch).
    pub cause: Option<FailCause>,
    pub reason: Option<String>,
    /// The final text of a completed attempt.
    pub text: Option<String>,
    pub usage: TokenUsage,
    /// The answer the contract check rejected, with the check's error.
    pub rejected: Option<(String, AnswerError)>,
}

impl AttemptDecision {
    /// Returns whether this attempt is followed by the one re-dispatch: its failure is
    /// retryable, it was the first attempt, and the run is not being interrupted.
    pub fn redispatches(&self, attempt: u32, interrupted: bool) -> bool {
        attempt == 1 && !interrupted && self.cause.is_some_and(FailCause::is_retryable)
    }
}

/// Decides the status of attempt `attempt`: a completed answer the contract does not accept
/// ([`AnswerContract::accepts`]) is `Unparsable` (an `error` that earns the re-dispatch); a
/// failure takes its cause's status.
pub fn decide_attempt(
    result: AttemptResult,
    contract: Option<AnswerContract>,
    attempt: u32,
) -> AttemptDecision {
    match result {
        AttemptResult::Completed { text, usage } => {
            match contract.map_or(Ok(()), |c| c.accepts(&text, attempt)) {
                Ok(()) => AttemptDecision {
                    status: WorkerStatus::Completed,
                    cause: None,
                    reason: None,
                    text: Some(text),
                    usage,
                    rejected: None,
                },
                Err(error) => AttemptDecision {
                    status: FailCause::Unparsable.status(),
                    cause: Some(FailCause::Unparsable),
                    reason: Some(error.to_string()),
                    text: None,
                    usage,
                    rejected: Some((text, error)),
                },
            }
        }
        AttemptResult::Failed {
            cause,
            message,
            usage,
        } => AttemptDecision {
            status: cause.status(),
            cause: Some(cause),
            reason: Some(message),
            text: None,
            usage,
            rejected: None,
        },
    }
}

impl RunStatus {
    /// Returns the status a run ends with: `interrupted` when it was stopped, `failed` when no
    /// analyser completed or the run validator found a failure, else `completed` (SPEC §5.4,
    /// §12).
    pub fn decide(interrupted: bool, any_completed: bool, validation_passed: bool) -> RunStatus {
        if interrupted {
            RunStatus::Interrupted
        } else if !any_completed || !validation_passed {
            RunStatus::Failed
        } else {
            RunStatus::Completed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FINDINGS: &str = "ok\n```json\n{\"findings\": [], \"summary\": \"s\"}\n```";

    fn failed(cause: FailCause) -> AttemptResult {
        AttemptResult::Failed {
            cause,
            message: "boom".into(),
            usage: TokenUsage::default(),
        }
    }

    #[test]
    fn statuses_of_failures() {
        let table = [
            (FailCause::Reported, WorkerStatus::Error, false),
            (FailCause::Crash, WorkerStatus::Error, true),
            (FailCause::Unparsable, WorkerStatus::Error, true),
            (FailCause::Timeout, WorkerStatus::Timeout, true),
            (FailCause::RetryStorm, WorkerStatus::Error, false),
            (FailCause::Interrupted, WorkerStatus::Error, false),
            (FailCause::SpawnFailed, WorkerStatus::NotRun, false),
        ];
        for (cause, status, retryable) in table {
            let d = decide_attempt(failed(cause), Some(AnswerContract::Findings), 1);
            assert_eq!(d.status, status, "{cause:?}");
            assert_eq!(d.reason.as_deref(), Some("boom"));
            assert_eq!(d.redispatches(1, false), retryable, "{cause:?}");
            assert!(
                !d.redispatches(2, false),
                "only the first attempt is re-dispatched"
            );
            assert!(!d.redispatches(1, true), "never while interrupted");
        }
    }

    #[test]
    fn a_completed_answer_is_checked_against_its_contract() {
        let usage = TokenUsage {
            output: Some(3),
            ..TokenUsage::default()
        };
        let ok = decide_attempt(
            AttemptResult::Completed {
                text: FINDINGS.into(),
                usage,
            },
            Some(AnswerContract::Findings),
            1,
        );
        assert_eq!(ok.status, WorkerStatus::Completed);
        assert_eq!(ok.text.as_deref(), Some(FINDINGS));
        assert_eq!(ok.usage, usage);

        let bad = decide_attempt(
            AttemptResult::Completed {
                text: "no block".into(),
                usage,
            },
            Some(AnswerContract::Verdicts),
            1,
        );
        assert_eq!(bad.status, WorkerStatus::Error);
        assert_eq!(bad.cause, Some(FailCause::Unparsable));
        assert_eq!(
            bad.reason.as_deref(),
            Some("the answer has no fenced ```json block at its end")
        );
        assert_eq!(
            bad.rejected.as_ref().map(|(t, _)| t.as_str()),
            Some("no block")
        );
        assert_eq!(bad.usage, usage, "tokens of a rejected answer still count");
        assert!(bad.redispatches(1, false));

        let unchecked = decide_attempt(
            AttemptResult::Completed {
                text: "anything".into(),
                usage,
            },
            None,
            1,
        );
        assert_eq!(unchecked.status, WorkerStatus::Completed);
    }

    #[test]
    fn narrative_contract() {
        let text = "```json\n{\"summary\": \"s\", \"analysis\": \"a\"}\n```";
        assert!(AnswerContract::Narrative.check(text).is_ok());
        assert!(AnswerContract::Narrative.check(FINDINGS).is_err());
    }

    #[test]
    fn plan_contracts() {
        let verdicts =
            "```json\n{\"verdicts\": [{\"itemId\": \"P-2\", \"verdict\": \"AGREE\"}]}\n```";
        assert!(
            AnswerContract::PlanVerdicts { items: 2 }
                .check(verdicts)
                .is_ok()
        );
        assert!(
            AnswerContract::PlanVerdicts { items: 1 }
                .check(verdicts)
                .is_err()
        );
        // Only rule violations are kept on the last attempt; a missing plan never is.
        let no_plan = "```json\n{\"summary\": \"s\", \"analysis\": \"a\"}\n```";
        for attempt in [1, 2] {
            let d = decide_attempt(
                AttemptResult::Completed {
                    text: no_plan.into(),
                    usage: TokenUsage::default(),
                },
                Some(AnswerContract::Plan),
                attempt,
            );
            assert_eq!(d.status, WorkerStatus::Error, "attempt {attempt}");
            assert!(d.reason.as_deref().is_some_and(|r| r.contains("no `plan`")));
        }
        assert!(AnswerContract::Narrative.accepts(no_plan, 2).is_ok());
    }

    #[test]
    fn stage_contracts() {
        assert!(AnswerContract::Executor.check("anything at all").is_ok());
        let pass = "```json\n{\"verdict\": \"PASS\", \"findings\": []}\n```";
        assert!(AnswerContract::StageVerdict.check(pass).is_ok());
        let d = decide_attempt(
            AttemptResult::Completed {
                text: "looks good to me".into(),
                usage: TokenUsage::default(),
            },
            Some(AnswerContract::StageVerdict),
            1,
        );
        assert_eq!(d.cause, Some(FailCause::Unparsable));
        assert!(
            d.redispatches(1, false),
            "one re-dispatch on an unparsable verdict"
        );
        assert!(!d.redispatches(2, false));
    }

    #[test]
    fn not_run_reasons_name_the_cli_and_the_fix() {
        assert_eq!(
            NotRunReason::CliNotFound {
                cli: AdapterKind::Claude,
                program: "claude".into(),
                agent: "claude".into()
            }
            .to_string(),
            "claude CLI not found (claude is not on PATH): install it with `npm install -g \
             @anthropic-ai/claude-code`, or set agents.claude.binary in .okstra/project.json"
        );
        assert_eq!(
            NotRunReason::CommandNotFound {
                program: "my-agent".into(),
                agent: "local".into()
            }
            .to_string(),
            "my-agent not found on PATH (agents.local.argv in .okstra/project.json)"
        );
        assert!(
            NotRunReason::CodexNotLoggedIn
                .to_string()
                .starts_with("codex is not logged in")
        );
    }

    #[test]
    fn run_status() {
        assert_eq!(RunStatus::decide(true, true, true), RunStatus::Interrupted);
        assert_eq!(
            RunStatus::decide(true, false, false),
            RunStatus::Interrupted
        );
        assert_eq!(RunStatus::decide(false, false, true), RunStatus::Failed);
        assert_eq!(RunStatus::decide(false, true, false), RunStatus::Failed);
        assert_eq!(RunStatus::decide(false, true, true), RunStatus::Completed);
    }
}
