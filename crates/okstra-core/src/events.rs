//! Owns the run's checkpoints (SPEC §4 steps) and the progress events the engine emits at them,
//! with their exact spec text (`phase-4-dispatch worker=<role> model=<model>`, …).
//!
//! The engine sends `RunEvent`s through a callback; the manifest stores them as
//! `ManifestEvent`s (the spec line), and the CLI's live view renders their data its own way.

use std::fmt;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::budget::BudgetReached;
use crate::duration::display_elapsed;
use crate::ids::RunSeq;
use crate::plan::gate::{GateItem, GateResult, PlanGate};
use crate::status::{RunStatus, WorkerStatus};
use crate::tokens::TokenUsage;
use crate::worker_name::WorkerName;

/// A step of the run lifecycle (SPEC §4) that is recorded once passed, so `resume` knows where
/// to continue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Checkpoint {
    /// Step 1: identity, worktree, seq, directories, manifest, index `started` row.
    Prepare,
    /// Step 2: every prompt of round 0 rendered and saved.
    #[serde(rename = "phase-2-prompts")]
    Prompts,
    /// Steps 3–4: every round-0 worker reached a terminal status.
    #[serde(rename = "phase-5-collect")]
    Collect,
    /// Step 5: convergence finished.
    #[serde(rename = "phase-5.5-convergence")]
    Convergence,
    /// Step 6: the critic and its reverify round finished.
    #[serde(rename = "phase-5.6-critic")]
    Critic,
    /// Step 7: the report writer's plan draft is collected (implementation-planning).
    #[serde(rename = "plan-draft")]
    PlanDraft,
    /// Step 7: the plan-body verification gate ran.
    #[serde(rename = "plan-body-verification")]
    PlanBody,
    /// Implementation: the executor finished the stage (or `--reverify` skipped it), and
    /// okstra committed what it left.
    Execute,
    /// Implementation: okstra took its own evidence on the stage's head.
    Evidence,
    /// Implementation: the verifier judged the stage (or was not asked).
    Verify,
    /// Implementation: okstra decided the stage; on a PASS its carry and `done` row are
    /// written.
    Carry,
    /// Step 8: the report data and markdown are written.
    Report,
    /// Step 9: the run validator ran and the run was persisted (timeline, index `done` row).
    Persist,
}

impl Checkpoint {
    /// Every checkpoint, in lifecycle order.
    pub const ALL: [Checkpoint; 13] = [
        Checkpoint::Prepare,
        Checkpoint::Prompts,
        Checkpoint::Collect,
        Checkpoint::Convergence,
        Checkpoint::Critic,
        Checkpoint::PlanDraft,
        Checkpoint::PlanBody,
        Checkpoint::Execute,
        Checkpoint::Evidence,
        Checkpoint::Verify,
        Checkpoint::Carry,
        Checkpoint::Report,
        Checkpoint::Persist,
    ];

    /// Returns the spec spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Checkpoint::Prepare => "prepare",
            Checkpoint::Prompts => "phase-2-prompts",
            Checkpoint::Collect => "phase-5-collect",
            Checkpoint::Convergence => "phase-5.5-convergence",
            Checkpoint::Critic => "phase-5.6-critic",
            Checkpoint::PlanDraft => "plan-draft",
            Checkpoint::PlanBody => "plan-body-verification",
            Checkpoint::Execute => "execute",
            Checkpoint::Evidence => "evidence",
            Checkpoint::Verify => "verify",
            Checkpoint::Carry => "carry",
            Checkpoint::Report => "report",
            Checkpoint::Persist => "persist",
        }
    }
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One progress event as the manifest keeps it: when, its checkpoint name and its full spec
/// line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestEvent {
    pub at: Timestamp,
    /// The event's spec name, e.g. `phase-4-dispatch`.
    pub checkpoint: String,
    /// The whole line, e.g. `phase-4-dispatch worker=claude-worker model=opus`.
    pub message: String,
}

/// The signal okstra sent a worker's process group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KillSignal {
    Term,
    Kill,
}

impl KillSignal {
    /// Returns the signal's name (`SIGTERM`, `SIGKILL`).
    pub fn as_str(self) -> &'static str {
        match self {
            KillSignal::Term => "SIGTERM",
            KillSignal::Kill => "SIGKILL",
        }
    }
}

/// A progress event of a run (SPEC §4), emitted by the engine with typed data. Its `Display`
/// is the spec line the manifest keeps; a terminal renders the data as it likes.
#[derive(Clone, Debug, PartialEq)]
pub enum RunEvent {
    /// The run is prepared.
    Prepared { run_dir: String, seq: RunSeq },
    /// `execute stage=<N> mode=<whole-stage|step-by-step|skipped> invocations=<n> commits=<n>
    /// okstra-commits=<n>`: the executor's part of a stage ended.
    Executed {
        stage: u32,
        mode: String,
        invocations: usize,
        commits: usize,
        okstra_commits: usize,
    },
    /// `evidence commits=<n> failures=<n>`, or `evidence error=<why>`.
    Evidence {
        commits: usize,
        failures: Vec<String>,
        error: Option<String>,
    },
    /// `verify verdict=<PASS|FAIL|none> findings=<n>` (`none`: with the reason).
    Verified {
        verdict: Option<crate::carry::Verdict>,
        findings: usize,
        reason: Option<String>,
    },
    /// `carry stage=<N> verdict=<PASS|FAIL> carry=<path|->`: okstra's decision.
    Decided {
        stage: u32,
        verdict: crate::carry::Verdict,
        carry: Option<String>,
        reasons: usize,
    },
    /// `fv-merge merged=<n> already=<n>`, or `fv-merge conflict=<stage and files>`: the stage
    /// branches merged into the task branch by a final verification.
    FvMerged {
        merged: usize,
        already: usize,
        conflict: Option<String>,
    },
    /// `fv-commands ran=<n> failed=<n>`: okstra's commands on the merged head.
    FvCommands { ran: usize, failed: usize },
    /// `fv-verdict verdict=<verdict> reasons=<n>`: okstra's whole-task verdict.
    FvVerdict {
        verdict: crate::final_verification::FinalVerdict,
        reasons: usize,
    },
    /// `phase-2-prompts preparing <N> worker prompts`
    Prompts { count: usize },
    /// `phase-4-dispatch worker=<role> model=<model>`
    Dispatch {
        worker: WorkerName,
        model: Option<String>,
    },
    /// `phase-5-poll pending=<n> done=<m>`
    Poll { pending: usize, done: usize },
    /// `phase-5-collect worker=<role> status=<terminal-status>`
    Collect {
        worker: WorkerName,
        status: WorkerStatus,
    },
    /// A worker attempt's process started.
    Spawned {
        worker: WorkerName,
        attempt: u32,
        pid: u32,
    },
    /// A worker's usage so far, for the live view; not recorded.
    Progress {
        worker: WorkerName,
        tokens: TokenUsage,
    },
    /// A worker printed nothing for the stall window.
    Stalled {
        worker: WorkerName,
        silent_for: Duration,
    },
    /// A worker's deadline passed.
    Deadline { worker: WorkerName, attempt: u32 },
    /// okstra signalled a worker's process group.
    Signal {
        worker: WorkerName,
        attempt: u32,
        signal: KillSignal,
    },
    /// The CLI is retrying an API call (with the HTTP status its notice names).
    Retry {
        worker: WorkerName,
        status: Option<u16>,
        count: u32,
    },
    /// A worker attempt ended and its leftover descendants were killed and reaped.
    Reaped {
        worker: WorkerName,
        attempt: u32,
        count: usize,
    },
    /// A worker is started again after a retryable failure.
    Redispatch {
        worker: WorkerName,
        attempt: u32,
        reason: String,
    },
    /// A worker's valid result from before okstra was killed is used, not requested again.
    Reused { worker: WorkerName },
    /// The budget is reached: no new round or worker starts.
    Budget { reached: BudgetReached },
    /// `phase-5.5-convergence round=<N> queue=<count>`
    Convergence { round: u32, queue: usize },
    /// `phase-5.6-critic provider=<provider> gaps=<n>`
    Critic { provider: String, gaps: usize },
    /// The report writer drafted the plan: its `P-` items and how many rules it breaks.
    PlanDrafted { items: usize, violations: usize },
    /// A planning run has no plan, and why.
    NoPlan { reason: String },
    /// The plan-body verification round starts: `items` `P-` items to `analysers` analysers.
    PlanBodyRound { items: usize, analysers: usize },
    /// The plan-body verification gate's result.
    PlanGate(GateSummary),
    /// The report is written (its path relative to the project root).
    Report { path: String },
    /// The run validator checked the run's files (step 9); `failures` of its checks failed.
    Validated { failures: usize },
    /// The run ended.
    Finished { status: RunStatus },
}

impl RunEvent {
    /// Returns the event's spec name.
    pub fn name(&self) -> &'static str {
        match self {
            RunEvent::Prepared { .. } => "prepare",
            RunEvent::Prompts { .. } => "phase-2-prompts",
            RunEvent::Dispatch { .. } => "phase-4-dispatch",
            RunEvent::Poll { .. } => "phase-5-poll",
            RunEvent::Collect { .. } => "phase-5-collect",
            RunEvent::Spawned { .. } => "spawned",
            RunEvent::Progress { .. } => "progress",
            RunEvent::Stalled { .. } => "stalled",
            RunEvent::Deadline { .. } => "deadline",
            RunEvent::Signal { .. } => "signal",
            RunEvent::Retry { .. } => "retry",
            RunEvent::Reaped { .. } => "reaped",
            RunEvent::Redispatch { .. } => "redispatch",
            RunEvent::Reused { .. } => "reused",
            RunEvent::Budget { .. } => "budget",
            RunEvent::Convergence { .. } => "phase-5.5-convergence",
            RunEvent::Critic { .. } => "phase-5.6-critic",
            RunEvent::PlanDrafted { .. } | RunEvent::NoPlan { .. } => "plan-draft",
            RunEvent::PlanBodyRound { .. } | RunEvent::PlanGate(_) => "plan-body-verification",
            RunEvent::Executed { .. } => "execute",
            RunEvent::Evidence { .. } => "evidence",
            RunEvent::Verified { .. } => "verify",
            RunEvent::Decided { .. } => "carry",
            RunEvent::FvMerged { .. } => "fv-merge",
            RunEvent::FvCommands { .. } => "fv-commands",
            RunEvent::FvVerdict { .. } => "fv-verdict",
            RunEvent::Report { .. } => "report",
            RunEvent::Validated { .. } => "validate",
            RunEvent::Finished { .. } => "finished",
        }
    }

    /// Returns whether the manifest keeps this event (live-only progress is not kept).
    pub fn is_recorded(&self) -> bool {
        !matches!(self, RunEvent::Progress { .. })
    }

    /// Returns the manifest form of this event at `at`.
    pub fn to_manifest(&self, at: Timestamp) -> ManifestEvent {
        ManifestEvent {
            at,
            checkpoint: self.name().to_owned(),
            message: self.to_string(),
        }
    }
}

impl fmt::Display for RunEvent {
    /// Writes the spec line the manifest keeps.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunEvent::Prepared { run_dir, seq } => write!(f, "prepare seq={seq} dir={run_dir}"),
            RunEvent::Prompts { count } => {
                write!(f, "phase-2-prompts preparing {count} worker prompts")
            }
            RunEvent::Dispatch { worker, model } => write!(
                f,
                "phase-4-dispatch worker={worker} model={}",
                model.as_deref().unwrap_or("-")
            ),
            RunEvent::Poll { pending, done } => {
                write!(f, "phase-5-poll pending={pending} done={done}")
            }
            RunEvent::Collect { worker, status } => {
                write!(f, "phase-5-collect worker={worker} status={status}")
            }
            RunEvent::Spawned {
                worker,
                attempt,
                pid,
            } => write!(f, "spawned worker={worker} attempt={attempt} pid={pid}"),
            RunEvent::Progress { worker, tokens } => {
                write!(
                    f,
                    "progress worker={worker} tokens={}",
                    tokens.display_short()
                )
            }
            RunEvent::Stalled { worker, silent_for } => write!(
                f,
                "stalled worker={worker} silent={}",
                display_elapsed(*silent_for)
            ),
            RunEvent::Deadline { worker, attempt } => {
                write!(f, "deadline worker={worker} attempt={attempt}")
            }
            RunEvent::Signal {
                worker,
                attempt,
                signal,
            } => write!(
                f,
                "signal worker={worker} attempt={attempt} signal={}",
                signal.as_str()
            ),
            RunEvent::Retry {
                worker,
                status,
                count,
            } => match status {
                Some(status) => write!(f, "retry worker={worker} status={status} count={count}"),
                None => write!(f, "retry worker={worker} status=none count={count}"),
            },
            RunEvent::Reaped {
                worker,
                attempt,
                count,
            } => write!(
                f,
                "reaped worker={worker} attempt={attempt} descendants={count}"
            ),
            RunEvent::Redispatch {
                worker,
                attempt,
                reason,
            } => write!(
                f,
                "redispatch worker={worker} attempt={attempt} reason={reason}"
            ),
            RunEvent::Reused { worker } => write!(f, "reused worker={worker}"),
            RunEvent::Budget { reached } => write!(f, "budget reached: {reached}"),
            RunEvent::Convergence { round, queue } => {
                write!(f, "phase-5.5-convergence round={round} queue={queue}")
            }
            RunEvent::Critic { provider, gaps } => {
                write!(f, "phase-5.6-critic provider={provider} gaps={gaps}")
            }
            RunEvent::PlanDrafted { items, violations } => {
                write!(f, "plan-draft items={items} violations={violations}")
            }
            RunEvent::NoPlan { reason } => write!(f, "plan-draft no-plan reason={reason}"),
            RunEvent::PlanBodyRound { items, analysers } => {
                write!(
                    f,
                    "plan-body-verification items={items} analysers={analysers}"
                )
            }
            RunEvent::PlanGate(g) => write!(
                f,
                "plan-body-verification result={} answered={}/{} rejected={} disputed={}",
                g.result,
                g.answered,
                g.asked,
                ids_or_dash(&g.rejected),
                ids_or_dash(&g.disputed)
            ),
            RunEvent::Executed {
                stage,
                mode,
                invocations,
                commits,
                okstra_commits,
            } => write!(
                f,
                "execute stage={stage} mode={mode} invocations={invocations} commits={commits} \
                 okstra-commits={okstra_commits}"
            ),
            RunEvent::Evidence {
                error: Some(error), ..
            } => write!(f, "evidence error={error}"),
            RunEvent::Evidence {
                commits, failures, ..
            } => write!(f, "evidence commits={commits} failures={}", failures.len()),
            RunEvent::Verified {
                verdict: Some(verdict),
                findings,
                ..
            } => write!(f, "verify verdict={verdict} findings={findings}"),
            RunEvent::Verified { reason, .. } => write!(
                f,
                "verify verdict=none reason={}",
                reason.as_deref().unwrap_or("-")
            ),
            RunEvent::Decided {
                stage,
                verdict,
                carry,
                reasons,
            } => write!(
                f,
                "carry stage={stage} verdict={verdict} carry={} failures={reasons}",
                carry.as_deref().unwrap_or("-")
            ),
            RunEvent::FvMerged {
                conflict: Some(conflict),
                ..
            } => write!(f, "fv-merge conflict={conflict}"),
            RunEvent::FvMerged {
                merged, already, ..
            } => write!(f, "fv-merge merged={merged} already={already}"),
            RunEvent::FvCommands { ran, failed } => {
                write!(f, "fv-commands ran={ran} failed={failed}")
            }
            RunEvent::FvVerdict { verdict, reasons } => {
                write!(f, "fv-verdict verdict={verdict} reasons={reasons}")
            }
            RunEvent::Report { path } => write!(f, "report path={path}"),
            RunEvent::Validated { failures } => write!(f, "validate failures={failures}"),
            RunEvent::Finished { status } => write!(f, "finished status={status}"),
        }
    }
}

/// What a run's events say of the plan-body verification gate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateSummary {
    pub result: GateResult,
    /// Analysers that gave a valid answer, of those asked.
    pub answered: usize,
    pub asked: usize,
    /// Items most of those who judged them rejected.
    pub rejected: Vec<String>,
    /// Items some analyser disagreed with that are not rejected.
    pub disputed: Vec<String>,
}

impl GateSummary {
    /// Returns the summary of a gate.
    pub fn of(gate: &PlanGate) -> Self {
        let ids = |pick: &dyn Fn(&GateItem) -> bool| -> Vec<String> {
            gate.items
                .iter()
                .filter(|i| pick(i))
                .map(|i| i.id.clone())
                .collect()
        };
        Self {
            result: gate.result,
            answered: gate.answered.len(),
            asked: gate.asked.len(),
            rejected: ids(&GateItem::rejected),
            disputed: ids(&|i| !i.rejected() && !i.disagreed_by.is_empty()),
        }
    }
}

/// Returns ids joined by `,`, or `-` when there are none.
fn ids_or_dash(ids: &[String]) -> String {
    if ids.is_empty() {
        "-".to_owned()
    } else {
        ids.join(",")
    }
}

#[cfg(test)]
mod tests;
