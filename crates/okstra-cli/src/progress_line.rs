//! Owns the words a run's progress speaks on the terminal — the README's steps: `prepare`,
//! `prompts`, `dispatch claude-worker`, `collect claude-worker completed in 1.2s`,
//! `convergence round 1: 3 findings queued`, `report`, `validate`. It decides the text only;
//! `live.rs` writes it.
//!
//! The checkpoint ids (`phase-4-dispatch …`) are the manifest's, kept there by the engine; the
//! terminal does not repeat them. Internal events — a worker's pid, a signal sent, descendants
//! reaped, poll counts — are [`Line::Detail`]: shown with `-v` only, as the manifest's own line.

use std::collections::HashMap;
use std::time::Instant;

use okstra_core::duration::display_elapsed;
use okstra_core::events::{GateSummary, RunEvent};
use okstra_core::plan::GateResult;

/// What one event shows on the terminal.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// A step of the run, shown unless quiet.
    Step(String),
    /// An internal event, shown with `-v` only.
    Detail(String),
    /// Nothing (live-only figures the bars show).
    Hidden,
}

/// Turns a run's events into lines; it remembers when each worker was first dispatched, for
/// `collect … in 1.2s` (the time from its first attempt to its status, as the summary counts
/// it).
#[derive(Debug, Default)]
pub(crate) struct Narrator {
    dispatched: HashMap<String, Instant>,
}

impl Narrator {
    /// Returns the line for `event`, which happened at `now`.
    pub(crate) fn describe(&mut self, event: &RunEvent, now: Instant) -> Line {
        let text = match event {
            RunEvent::Prepared { run_dir, seq } => format!("prepare run #{seq} in {run_dir}"),
            RunEvent::Prompts { count } => {
                format!(
                    "prompts {}",
                    plural(*count, "worker prompt", "worker prompts")
                )
            }
            RunEvent::Dispatch { worker, model } => {
                if self.dispatched.contains_key(worker.as_str()) {
                    // A re-dispatch: its own line said so and why.
                    return Line::Detail(event.to_string());
                }
                self.dispatched.insert(worker.to_string(), now);
                match model {
                    Some(model) => format!("dispatch {worker} (model {model})"),
                    None => format!("dispatch {worker}"),
                }
            }
            RunEvent::Collect { worker, status } => match self.dispatched.remove(worker.as_str()) {
                Some(at) => format!(
                    "collect {worker} {status} in {}",
                    display_elapsed(now.saturating_duration_since(at))
                ),
                None => format!("collect {worker} {status}"),
            },
            RunEvent::Stalled { worker, silent_for } => format!(
                "stalled {worker}: silent for {}",
                display_elapsed(*silent_for)
            ),
            RunEvent::Deadline { worker, attempt } => {
                format!("deadline {worker}: attempt {attempt} ran out of time")
            }
            RunEvent::Retry {
                worker,
                status,
                count,
            } => match status {
                Some(status) => format!("retry {worker}: HTTP {status}, notice {count}"),
                None => format!("retry {worker}: notice {count}"),
            },
            RunEvent::Redispatch {
                worker,
                attempt,
                reason,
            } => format!("redispatch {worker} (attempt {attempt}): {reason}"),
            RunEvent::Reused { worker } => {
                format!("reuse {worker}: its result from before the interruption")
            }
            RunEvent::Budget { reached } => format!("budget reached: {reached}"),
            RunEvent::Convergence { round, queue } => format!(
                "convergence round {round}: {} queued",
                plural(*queue, "finding", "findings")
            ),
            RunEvent::Critic { provider, gaps } => {
                format!("critic {provider}: {}", plural(*gaps, "gap", "gaps"))
            }
            RunEvent::PlanDrafted {
                items,
                violations: 0,
            } => format!("plan draft: {}", plural(*items, "item", "items")),
            RunEvent::PlanDrafted { items, violations } => format!(
                "plan draft: {}, breaks {} (it cannot be approved; the gate is not run)",
                plural(*items, "item", "items"),
                plural(*violations, "rule", "rules")
            ),
            RunEvent::NoPlan { reason } => format!("plan draft: no plan ({reason})"),
            RunEvent::PlanBodyRound { items, analysers } => format!(
                "plan-body verification: {} to {}",
                plural(*items, "item", "items"),
                plural(*analysers, "analyser", "analysers")
            ),
            RunEvent::PlanGate(gate) => format!("plan-body verification: {}", gate_words(gate)),
            RunEvent::Executed {
                stage,
                mode,
                invocations,
                commits,
                okstra_commits,
            } => format!(
                "stage {stage}: executor done ({mode}, {}, {}; okstra committed {okstra_commits})",
                plural(*invocations, "invocation", "invocations"),
                plural(*commits, "commit", "commits"),
            ),
            RunEvent::Evidence {
                error: Some(error), ..
            } => format!("evidence: could not be taken: {error}"),
            RunEvent::Evidence { failures, .. } if failures.is_empty() => {
                "evidence: okstra's checks hold".to_owned()
            }
            RunEvent::Evidence { failures, .. } => {
                format!("evidence: {}", failures.join("; "))
            }
            RunEvent::Verified {
                verdict: Some(verdict),
                findings,
                ..
            } => format!(
                "verifier: {verdict} ({})",
                plural(*findings, "finding", "findings")
            ),
            RunEvent::Verified { reason, .. } => format!(
                "verifier: no verdict ({})",
                reason.as_deref().unwrap_or("not asked")
            ),
            RunEvent::Decided {
                stage,
                verdict,
                carry,
                ..
            } => match carry {
                Some(carry) => format!("stage {stage}: {verdict}, carry {carry}"),
                None => format!("stage {stage}: {verdict}"),
            },
            RunEvent::FvMerged {
                conflict: Some(conflict),
                ..
            } => format!("merge: {conflict}"),
            RunEvent::FvMerged {
                merged, already, ..
            } => format!(
                "merge: {} into the task branch, {} already in it",
                plural(*merged, "stage", "stages"),
                already
            ),
            RunEvent::FvCommands { ran, failed: 0 } => {
                format!("commands: {} passed", plural(*ran, "command", "commands"))
            }
            RunEvent::FvCommands { ran, failed } => format!(
                "commands: {failed} of {} failed",
                plural(*ran, "command", "commands")
            ),
            RunEvent::FvVerdict { verdict, reasons } => match reasons {
                0 => format!("verdict: {verdict}"),
                n => format!("verdict: {verdict} ({})", plural(*n, "reason", "reasons")),
            },
            RunEvent::Report { path } => format!("report {path}"),
            RunEvent::Validated { failures: 0 } => "validate: every check passed".to_owned(),
            RunEvent::Validated { failures } => {
                format!("validate: {} failed", plural(*failures, "check", "checks"))
            }
            // The summary that follows says how the run ended.
            RunEvent::Finished { .. }
            | RunEvent::Spawned { .. }
            | RunEvent::Signal { .. }
            | RunEvent::Reaped { .. }
            | RunEvent::Poll { .. } => return Line::Detail(event.to_string()),
            RunEvent::Progress { .. } => return Line::Hidden,
        };
        Line::Step(text)
    }
}

/// Returns a gate's result with what decided it: `passed`, `passed-with-dissent (P-3
/// disputed)`, `blocked-by-disagreement (P-2 rejected)`, `aborted-non-result (1 of 3 analysers
/// answered)`.
fn gate_words(gate: &GateSummary) -> String {
    let mut why = Vec::new();
    if gate.result == GateResult::AbortedNonResult {
        why.push(format!(
            "{} of {} answered",
            gate.answered,
            plural(gate.asked, "analyser", "analysers")
        ));
    }
    if !gate.rejected.is_empty() {
        why.push(format!("{} rejected", gate.rejected.join(", ")));
    }
    if !gate.disputed.is_empty() {
        why.push(format!("{} disputed", gate.disputed.join(", ")));
    }
    if why.is_empty() {
        gate.result.to_string()
    } else {
        format!("{} ({})", gate.result, why.join("; "))
    }
}

/// Returns `n` and the noun in the number it takes (`1 finding`, `3 findings`).
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use okstra_core::events::KillSignal;
    use okstra_core::status::WorkerStatus;

    use super::*;

    fn w(name: &str) -> okstra_core::worker_name::WorkerName {
        name.parse().unwrap()
    }

    fn step(text: &str) -> Line {
        Line::Step(text.to_owned())
    }

    #[test]
    fn a_final_verification_says_what_it_merged_ran_and_decided() {
        use okstra_core::final_verification::FinalVerdict;
        let mut n = Narrator::default();
        let t0 = Instant::now();
        let cases = [
            (
                RunEvent::FvMerged {
                    merged: 3,
                    already: 1,
                    conflict: None,
                },
                "merge: 3 stages into the task branch, 1 already in it",
            ),
            (
                RunEvent::FvMerged {
                    merged: 0,
                    already: 0,
                    conflict: Some("stage 3 does not merge into b: conflicting files x".into()),
                },
                "merge: stage 3 does not merge into b: conflicting files x",
            ),
            (
                RunEvent::FvCommands { ran: 1, failed: 0 },
                "commands: 1 command passed",
            ),
            (
                RunEvent::FvCommands { ran: 3, failed: 1 },
                "commands: 1 of 3 commands failed",
            ),
            (
                RunEvent::FvVerdict {
                    verdict: FinalVerdict::Accepted,
                    reasons: 0,
                },
                "verdict: accepted",
            ),
            (
                RunEvent::FvVerdict {
                    verdict: FinalVerdict::Rejected,
                    reasons: 2,
                },
                "verdict: rejected (2 reasons)",
            ),
        ];
        for (event, line) in cases {
            assert_eq!(n.describe(&event, t0), step(line), "{event}");
        }
    }

    #[test]
    fn steps_speak_the_readme_words() {
        let mut n = Narrator::default();
        let t0 = Instant::now();
        let later = t0 + Duration::from_millis(1200);
        let seq = "1".parse().unwrap();
        assert_eq!(
            n.describe(
                &RunEvent::Prepared {
                    run_dir: ".okstra/tasks/a/b/runs/error-analysis".into(),
                    seq
                },
                t0
            ),
            step("prepare run #1 in .okstra/tasks/a/b/runs/error-analysis")
        );
        assert_eq!(
            n.describe(&RunEvent::Prompts { count: 3 }, t0),
            step("prompts 3 worker prompts")
        );
        let dispatch = RunEvent::Dispatch {
            worker: w("claude-worker"),
            model: Some("opus".into()),
        };
        assert_eq!(
            n.describe(&dispatch, t0),
            step("dispatch claude-worker (model opus)")
        );
        let collect = RunEvent::Collect {
            worker: w("claude-worker"),
            status: WorkerStatus::Completed,
        };
        assert_eq!(
            n.describe(&collect, later),
            step("collect claude-worker completed in 1.2s")
        );
        // A collect with no dispatch seen (a reused result) has no time.
        assert_eq!(
            n.describe(&collect, later),
            step("collect claude-worker completed")
        );
        assert_eq!(
            n.describe(&RunEvent::Convergence { round: 1, queue: 3 }, t0),
            step("convergence round 1: 3 findings queued")
        );
        assert_eq!(
            n.describe(&RunEvent::Convergence { round: 2, queue: 1 }, t0),
            step("convergence round 2: 1 finding queued")
        );
        assert_eq!(
            n.describe(
                &RunEvent::Report {
                    path: "r.md".into()
                },
                t0
            ),
            step("report r.md")
        );
        assert_eq!(
            n.describe(&RunEvent::Validated { failures: 0 }, t0),
            step("validate: every check passed")
        );
        assert_eq!(
            n.describe(&RunEvent::Validated { failures: 2 }, t0),
            step("validate: 2 checks failed")
        );
    }

    #[test]
    fn the_plan_steps_say_the_gate_result_and_why() {
        let mut n = Narrator::default();
        let now = Instant::now();
        let say = |n: &mut Narrator, e: RunEvent| n.describe(&e, now);
        assert_eq!(
            say(
                &mut n,
                RunEvent::PlanDrafted {
                    items: 7,
                    violations: 0
                }
            ),
            step("plan draft: 7 items")
        );
        assert_eq!(
            say(
                &mut n,
                RunEvent::PlanDrafted {
                    items: 7,
                    violations: 1
                }
            ),
            step("plan draft: 7 items, breaks 1 rule (it cannot be approved; the gate is not run)")
        );
        assert_eq!(
            say(
                &mut n,
                RunEvent::PlanBodyRound {
                    items: 7,
                    analysers: 3
                }
            ),
            step("plan-body verification: 7 items to 3 analysers")
        );
        let gate = |result, answered, rejected: &[&str], disputed: &[&str]| {
            RunEvent::PlanGate(GateSummary {
                result,
                answered,
                asked: 3,
                rejected: rejected.iter().map(|s| (*s).to_owned()).collect(),
                disputed: disputed.iter().map(|s| (*s).to_owned()).collect(),
            })
        };
        assert_eq!(
            say(&mut n, gate(GateResult::Passed, 3, &[], &[])),
            step("plan-body verification: passed")
        );
        assert_eq!(
            say(
                &mut n,
                gate(GateResult::PassedWithDissent, 3, &[], &["P-3"])
            ),
            step("plan-body verification: passed-with-dissent (P-3 disputed)")
        );
        assert_eq!(
            say(
                &mut n,
                gate(GateResult::BlockedByDisagreement, 3, &["P-2"], &["P-5"])
            ),
            step("plan-body verification: blocked-by-disagreement (P-2 rejected; P-5 disputed)")
        );
        assert_eq!(
            say(&mut n, gate(GateResult::AbortedNonResult, 1, &[], &[])),
            step("plan-body verification: aborted-non-result (1 of 3 analysers answered)")
        );
    }

    #[test]
    fn a_redispatched_worker_is_timed_from_its_first_attempt() {
        let mut n = Narrator::default();
        let t0 = Instant::now();
        let dispatch = RunEvent::Dispatch {
            worker: w("x-worker"),
            model: None,
        };
        assert_eq!(n.describe(&dispatch, t0), step("dispatch x-worker"));
        let again = n.describe(&dispatch, t0 + Duration::from_secs(1));
        assert_eq!(
            again,
            Line::Detail("phase-4-dispatch worker=x-worker model=-".into())
        );
        let collect = RunEvent::Collect {
            worker: w("x-worker"),
            status: WorkerStatus::Error,
        };
        assert_eq!(
            n.describe(&collect, t0 + Duration::from_millis(2500)),
            step("collect x-worker error in 2.5s")
        );
        // The next round dispatches it afresh.
        assert_eq!(n.describe(&dispatch, t0), step("dispatch x-worker"));
    }

    #[test]
    fn internals_are_details_in_the_manifest_words() {
        let mut n = Narrator::default();
        let now = Instant::now();
        let reaped = RunEvent::Reaped {
            worker: w("x-worker"),
            attempt: 1,
            count: 0,
        };
        assert_eq!(
            n.describe(&reaped, now),
            Line::Detail("reaped worker=x-worker attempt=1 descendants=0".into())
        );
        let signal = RunEvent::Signal {
            worker: w("x-worker"),
            attempt: 1,
            signal: KillSignal::Term,
        };
        assert!(matches!(n.describe(&signal, now), Line::Detail(_)));
        let spawned = RunEvent::Spawned {
            worker: w("x-worker"),
            attempt: 1,
            pid: 42,
        };
        assert!(matches!(n.describe(&spawned, now), Line::Detail(_)));
        let poll = RunEvent::Poll {
            pending: 1,
            done: 2,
        };
        assert!(matches!(n.describe(&poll, now), Line::Detail(_)));
        let finished = RunEvent::Finished {
            status: okstra_core::status::RunStatus::Completed,
        };
        assert_eq!(
            n.describe(&finished, now),
            Line::Detail("finished status=completed".into())
        );
        let progress = RunEvent::Progress {
            worker: w("x-worker"),
            tokens: okstra_core::tokens::TokenUsage::default(),
        };
        assert_eq!(n.describe(&progress, now), Line::Hidden);
    }
}
