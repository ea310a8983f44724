//! The summary a finished run prints: one row per worker (worker, model, status, duration,
//! tokens, result path), then counts, tokens and wall time — or the same as JSON, with absolute
//! paths (`resume --json` prints it too) — and, after a run that did not complete, the last
//! line: what to do next.

use std::collections::BTreeMap;
use std::path::Path;

use okstra_core::duration::display_elapsed;
use okstra_core::events::GateSummary;
use okstra_core::findings::ConsensusClass;
use okstra_core::plan::GateResult;
use okstra_core::status::{RunStatus, WorkerStatus};
use okstra_core::tokens::TokenUsage;
use okstra_engine::{PlanOutcome, RunSummary};
use serde_json::{Value, json};

use crate::command_error::CommandError;
use crate::context::CommandContext;
use crate::invocation::Invocation;
use crate::json_out::{absolute, print_json};
use crate::ui::render_table;

/// Returns `in N (cached C), out N, reasoning N, cost $X` with unknown figures left out.
pub(crate) fn tokens_line(t: &TokenUsage) -> String {
    let mut parts = Vec::new();
    if let Some(i) = t.input_total {
        match t.cache_read {
            Some(c) => parts.push(format!("in {i} (cached {c})")),
            None => parts.push(format!("in {i}")),
        }
    }
    if let Some(o) = t.output {
        parts.push(format!("out {o}"));
    }
    if let Some(r) = t.reasoning {
        parts.push(format!("reasoning {r}"));
    }
    if let Some(c) = t.cost_usd {
        parts.push(format!("cost ${c:.4}"));
    }
    if parts.is_empty() {
        "not reported".to_owned()
    } else {
        parts.join(", ")
    }
}

/// Returns the JSON of a run's summary (README, "Machine-readable output"); paths are absolute.
pub(crate) fn json_of(summary: &RunSummary) -> Value {
    let m = &summary.manifest;
    let root = Path::new(&m.project_root);
    let workers: Vec<_> = summary
        .workers
        .iter()
        .map(|w| {
            json!({
                "worker": w.worker.to_string(),
                "kind": w.kind.as_str(),
                "role": w.role.as_str(),
                "model": w.model,
                "status": w.status,
                "reason": w.reason,
                "attempts": w.attempts,
                "durationMs": u64::try_from(w.duration.as_millis()).unwrap_or(u64::MAX),
                "tokens": w.usage,
                "resultPath": absolute(&w.result_path, root),
                "replay": w.replay,
            })
        })
        .collect();
    json!({
        "runId": summary.run_id.to_string(),
        "taskKey": m.task_key().to_string(),
        "taskType": m.task_type,
        "runSeq": m.run_seq.get(),
        "status": summary.status,
        "runDir": absolute(summary.paths.run_dir(), root),
        "manifest": absolute(&summary.paths.manifest(), root),
        "teamState": absolute(&summary.paths.team_state(), root),
        "wallMs": u64::try_from(summary.wall.as_millis()).unwrap_or(u64::MAX),
        "tokens": summary.tokens,
        "replay": summary.workers.iter().any(|w| w.replay),
        "workers": workers,
        "findings": ConsensusClass::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), json!(summary.classes.of(*c))))
            .collect::<serde_json::Map<_, _>>(),
        "report": summary.report.as_ref().map(|p| absolute(p, root)),
        "stopped": summary.stopped,
        "validation": summary.validation.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "plan": summary.plan.as_ref().map(plan_json),
        "handoff": summary.handoff,
        "stage": summary.stage.as_ref().map(|s| json!({
            "stage": s.stage,
            "mode": s.mode,
            "verdict": s.verdict,
            "reasons": s.reasons,
            "carry": s.carry.as_ref().map(|p| absolute(p, root)),
            "notes": s.notes,
        })),
        "finalVerification": summary.final_verification,
    })
}

/// Returns the JSON of what became of a planning run's plan: its items, the rules it breaks,
/// its gate (result, reason, rejected and disputed items), and why it blocks, if it does.
fn plan_json(plan: &PlanOutcome) -> Value {
    let (items, violations, gate) = match plan {
        PlanOutcome::Missing { .. } => (None, &[][..], None),
        PlanOutcome::BreaksRules { items, violations } => (Some(*items), &violations[..], None),
        PlanOutcome::Drafted { items } => (Some(*items), &[][..], None),
        PlanOutcome::Gated { items, gate } => (Some(*items), &[][..], Some(gate)),
    };
    let gate = gate.map(|g| {
        let s = GateSummary::of(g);
        json!({
            "result": g.result,
            "reason": g.reason,
            "asked": g.asked,
            "answered": g.answered,
            "rejected": s.rejected,
            "disputed": s.disputed,
        })
    });
    json!({
        "items": items,
        "violations": violations
            .iter()
            .map(|v| format!("{}: {} {}", v.at, v.rule, v.message))
            .collect::<Vec<_>>(),
        "gate": gate,
        "blocked": plan.blocker().is_some(),
        "reason": plan.blocker(),
    })
}

/// Returns the summary's `plan:` line.
fn plan_line(plan: &PlanOutcome) -> String {
    match plan {
        PlanOutcome::Missing { reason } => format!("no plan: {reason}"),
        PlanOutcome::BreaksRules { items, violations } => format!(
            "{items} items; breaks {} rule(s), listed in the report's notes — the plan cannot be \
             approved, and its gate was not run",
            violations.len()
        ),
        PlanOutcome::Drafted { items } => {
            format!("{items} items; plan-body verification has not run yet")
        }
        PlanOutcome::Gated { items, gate } => {
            let mut line = format!("{items} items; plan-body verification {}", gate.result);
            let s = GateSummary::of(gate);
            if !s.rejected.is_empty() {
                line.push_str(&format!(", rejected: {}", s.rejected.join(", ")));
            }
            if !s.disputed.is_empty() {
                line.push_str(&format!(", disputed: {}", s.disputed.join(", ")));
            }
            if gate.result == GateResult::AbortedNonResult {
                line.push_str(&format!(" ({})", gate.reason));
            }
            if gate.result.blocks_approval() {
                line.push_str(" — the plan cannot be approved");
            }
            line
        }
    }
}

/// Prints the summary of a run.
pub(super) fn print(
    ctx: &CommandContext,
    root: &Path,
    summary: &RunSummary,
    as_json: bool,
) -> Result<(), CommandError> {
    let m = &summary.manifest;
    let replay = summary.workers.iter().any(|w| w.replay);
    if as_json {
        return print_json(&ctx.ui, &json_of(summary));
    }
    let rows: Vec<Vec<String>> = summary
        .workers
        .iter()
        .map(|w| {
            vec![
                w.worker.to_string(),
                w.model.clone().unwrap_or_else(|| "-".to_owned()),
                w.status.to_string(),
                display_elapsed(w.duration),
                w.usage.display_short(),
                shown(ctx, root, &w.result_path),
            ]
        })
        .collect();
    let mut text = format!(
        "run {} — {} #{} {} in {}\n",
        summary.run_id,
        m.task_type,
        m.run_seq,
        summary.status,
        display_elapsed(summary.wall)
    );
    text.push_str(&render_table(
        &["WORKER", "MODEL", "STATUS", "DURATION", "TOKENS", "RESULT"],
        &rows,
    ));
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for w in &summary.workers {
        *counts.entry(w.status.as_str()).or_default() += 1;
    }
    let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    text.push_str(&format!("workers: {}\n", counts.join(", ")));
    for w in summary
        .workers
        .iter()
        .filter(|w| w.status != WorkerStatus::Completed)
    {
        text.push_str(&format!(
            "  {} {}: {}\n",
            w.worker,
            w.status,
            w.reason.as_deref().unwrap_or("no reason recorded")
        ));
    }
    let findings: Vec<String> = ConsensusClass::ALL
        .iter()
        .map(|class| format!("{} {class}", summary.classes.of(*class)))
        .collect();
    if !m.task_type.is_stage_scoped() && m.task_type != okstra_core::TaskType::ReleaseHandoff {
        // A stage run has no analysers' findings: its verdict is the `stage:` line (a
        // hand-off's outcome is its `push:`/`pr:` lines).
        text.push_str(&format!("findings: {}\n", findings.join(", ")));
    }
    text.push_str(&format!("tokens:  {}\n", tokens_line(&summary.tokens)));
    if let Some(stopped) = &summary.stopped {
        text.push_str(&format!("stopped: {stopped}\n"));
    }
    if let Some(plan) = &summary.plan {
        text.push_str(&format!("plan:    {}\n", plan_line(plan)));
    }
    if let Some(stage) = &summary.stage {
        text.push_str(&format!("stage:   {} {}", stage.stage, stage.verdict));
        if let Some(carry) = &stage.carry {
            text.push_str(&format!(" (carry {})", shown(ctx, root, carry)));
        }
        text.push('\n');
        for reason in &stage.reasons {
            text.push_str(&format!("  failure: {reason}\n"));
        }
        for note in &stage.notes {
            text.push_str(&format!("  note: {note}\n"));
        }
    }
    if let Some(h) = &summary.handoff {
        text.push_str(&super::handoff::lines(h, |p| {
            shown(ctx, root, &root.join(p))
        }));
    }
    if let Some(fv) = &summary.final_verification {
        text.push_str(&format!(
            "verdict: {} (head {})\n",
            fv.verdict,
            fv.verified_head.get(..12).unwrap_or(&fv.verified_head)
        ));
        for reason in &fv.reasons {
            text.push_str(&format!("  reason: {reason}\n"));
        }
        for warning in &fv.warnings {
            text.push_str(&format!("  warning: {warning}\n"));
        }
    }
    if replay {
        text.push_str("replay:  answers came from scripted replay fixtures, not from models\n");
    }
    text.push_str(&format!(
        "team state: {}\n",
        shown(ctx, root, &summary.paths.team_state())
    ));
    if let Some(report) = &summary.report {
        text.push_str(&format!("report:  {}\n", shown(ctx, root, report)));
    }
    ctx.ui.data(&text);
    Ok(())
}

/// Returns `path` as the human summary shows it: relative to the project root when the user
/// stands in the project (STYLE.md §7), else absolute, so that it works from where they are
/// (`okstra demo`, `-C`).
fn shown(ctx: &CommandContext, root: &Path, path: &Path) -> String {
    if ctx.env.start_dir().starts_with(root) {
        CommandContext::display_path(path, root)
    } else {
        path.display().to_string()
    }
}

/// Writes, after a run that did not complete, the last line: what to do next.
pub(super) fn print_next_step(ctx: &CommandContext, root: &Path, summary: &RunSummary) {
    let okstra = Invocation::detect(&ctx.env);
    if let Some(line) = next_step(&okstra, summary, |p| shown(ctx, root, p)) {
        ctx.ui.status(&line);
    }
}

/// Returns what to do after `summary`'s run: resume an interrupted run; check the worker CLIs
/// when no analyser answered; read the report when it failed validation. None when it
/// completed.
fn next_step(
    okstra: &Invocation,
    summary: &RunSummary,
    shown: impl Fn(&Path) -> String,
) -> Option<String> {
    let id = summary.run_id.to_string();
    let report = summary.report.as_deref().map(shown);
    let blocker = summary.plan.as_ref().and_then(PlanOutcome::blocker);
    let answered = summary
        .workers
        .iter()
        .any(|w| w.status == WorkerStatus::Completed);
    match summary.status {
        RunStatus::Interrupted => Some(format!(
            "next: `{}` continues the run (finished workers are not asked again)",
            okstra.command(&["resume", &id])
        )),
        RunStatus::Failed
            if summary
                .stage
                .as_ref()
                .is_some_and(|s| !s.reasons.is_empty()) =>
        {
            let stage = summary.stage.as_ref().map_or(0, |s| s.stage).to_string();
            let task = format!(
                "{}/{}",
                summary.manifest.task_group.raw(),
                summary.manifest.task_id.raw()
            );
            let mut line = format!(
                "next: the stage stays started; fix what failed, then `{}` runs it again from \
                 its base (this attempt is kept under refs/okstra/attempts/)",
                okstra.command(&[
                    "run",
                    "implementation",
                    "--task",
                    &task,
                    "--stage",
                    &stage,
                    "--retry"
                ])
            );
            if let Some(report) = report {
                line.push_str(&format!("; the report is {report}"));
            }
            Some(line)
        }
        RunStatus::Failed if summary.final_verification.is_some() => {
            let task = format!(
                "{}/{}",
                summary.manifest.task_group.raw(),
                summary.manifest.task_id.raw()
            );
            let again = okstra.command(&["run", "final-verification", "--task", &task]);
            let aborted = summary.final_verification.as_ref().is_some_and(|r| {
                r.verdict == okstra_core::final_verification::FinalVerdict::AbortedNonResult
            });
            let mut line = if aborted {
                format!(
                    "next: fewer than two verifiers answered, so there is no verdict; `{}` \
                     checks the worker CLIs, then `{again}` verifies the task again",
                    okstra.command(&["doctor"])
                )
            } else {
                format!(
                    "next: fix what the reasons name — `{}` redoes a stage (or revise the plan) — \
                 then `{again}` verifies the task again",
                    okstra.command(&[
                        "run",
                        "implementation",
                        "--task",
                        &task,
                        "--stage",
                        "<N>",
                        "--redo"
                    ])
                )
            };
            if let Some(report) = report {
                line.push_str(&format!("; the report is {report}"));
            }
            Some(line)
        }
        RunStatus::Failed if answered && blocker.is_some() => {
            let mut line = format!(
                "next: the plan cannot be approved: {}; read the report, then revise the brief \
                 and run implementation-planning again",
                blocker.unwrap_or_default()
            );
            if let Some(report) = report {
                line.push_str(&format!(" (the report is {report})"));
            }
            Some(line)
        }
        RunStatus::Failed => {
            let mut line = if answered {
                format!(
                    "next: see the validation warnings above; `{}` checks the run again",
                    okstra.command(&["validate", &id])
                )
            } else {
                format!(
                    "next: `{}` checks the worker CLIs (the summary gives each worker's reason)",
                    okstra.command(&["doctor"])
                )
            };
            if let Some(report) = report {
                line.push_str(&format!("; the report is {report}"));
            }
            Some(line)
        }
        _ => None,
    }
}
