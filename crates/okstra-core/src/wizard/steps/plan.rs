//! Owns the plan steps of an implementation run: the plan pick (the task's latest plan,
//! another of its plan reports, or a path — a plan approving cannot fix is refused here, with
//! every reason), the path when typed, the approve-plan confirm (always shown once a plan is
//! picked: `yes` imports a plan from outside the task and approves one not yet approved, `no`
//! keeps the step open — a run cannot start without proceeding), and the stage (`auto`, a
//! ready stage, or reopening one: `retry:N`, `redo:N`, `reverify:N`), with why the other
//! stages are not ready.

use crate::TaskType;
use crate::stage_record::StageMode;

use super::super::facts::{PlanStanding, StageInfo};
use super::super::state::PlanCandidate;
use super::super::types::{Prompt, PromptKind, StepId, WizardError};
use super::kit::{Answer, Ctx, chosen, fact, option, required, yes};

const REPORT: &str = "report:";

pub(super) fn applies(step: StepId, cx: &Ctx<'_>) -> Result<bool, WizardError> {
    let s = cx.state;
    if s.task_type != Some(TaskType::Implementation) {
        return Ok(false);
    }
    Ok(match step {
        StepId::ApprovedPlanPick => {
            let task = cx.task(step)?;
            fact(step, cx.facts.latest_plan(&task))?.is_some()
        }
        StepId::ApprovedPlan => {
            s.plan_candidate.is_none()
                && (s.plan_path_pending || !s.is_answered(StepId::ApprovedPlanPick))
        }
        StepId::ApprovePlanConfirm => s.plan_candidate.is_some(),
        _ => s.plan.is_some(),
    })
}

pub(super) fn build(step: StepId, cx: &Ctx<'_>) -> Result<Prompt, WizardError> {
    match step {
        StepId::ApprovedPlanPick => plan_pick(cx),
        StepId::ApprovedPlan => Ok(cx.prompt(step, PromptKind::Text, &[], Vec::new(), None)),
        StepId::ApprovePlanConfirm => {
            let c = candidate(cx, step)?;
            let key = match (c.import, c.approved) {
                (true, _) => "status_import",
                (false, true) => "status_approved",
                (false, false) => "status_unapproved",
            };
            let status = cx.text(step, key, &[]);
            Ok(cx.yes_no(step, &[("path", &c.path), ("status", &status)], None))
        }
        _ => stage_pick(cx),
    }
}

fn candidate<'a>(cx: &Ctx<'a>, step: StepId) -> Result<&'a PlanCandidate, WizardError> {
    cx.state
        .plan_candidate
        .as_ref()
        .ok_or_else(|| WizardError::at(step, cx.text(step, "errors.no_candidate", &[])))
}

fn approved_word(cx: &Ctx<'_>, approved: bool) -> String {
    cx.common(if approved { "approved" } else { "not_approved" })
}

fn plan_pick(cx: &Ctx<'_>) -> Result<Prompt, WizardError> {
    let step = StepId::ApprovedPlanPick;
    let task = cx.task(step)?;
    let mut options = Vec::new();
    if let Some(latest) = fact(step, cx.facts.latest_plan(&task))? {
        let args = [
            ("path", latest.path.as_str()),
            ("seq", &latest.seq.to_string()),
            ("approved", &approved_word(cx, latest.approved)),
        ];
        options.push(option("latest", cx.text(step, "options.latest", &args)));
    }
    for other in fact(step, cx.facts.other_plans(&task))? {
        let args = [
            ("path", other.path.as_str()),
            ("seq", &other.seq.to_string()),
            ("approved", &approved_word(cx, other.approved)),
        ];
        options.push(option(
            format!("{REPORT}{}", other.path),
            cx.text(step, "options.report", &args),
        ));
    }
    options.push(option("other", cx.text(step, "options.other", &[])));
    Ok(cx.prompt(step, PromptKind::Pick, &[], options, Some("latest".into())))
}

/// Returns the plan's standing, refusing a plan that approving cannot fix.
fn usable(cx: &Ctx<'_>, step: StepId, path: &str) -> Result<PlanStanding, WizardError> {
    let task = cx.task(step)?;
    let standing = fact(step, cx.facts.plan_standing(&task, path))?;
    if !standing.refusals.is_empty() {
        let reasons: Vec<String> = standing.refusals.iter().map(|r| format!("- {r}")).collect();
        return Err(WizardError::at(
            step,
            cx.text(
                step,
                "errors.unapprovable",
                &[("path", &standing.path), ("reasons", &reasons.join("\n"))],
            ),
        ));
    }
    Ok(standing)
}

pub(super) fn accept(step: StepId, a: &mut Answer<'_>, value: &str) -> Result<String, WizardError> {
    let cx = a.cx();
    match step {
        StepId::ApprovedPlanPick => {
            let prompt = build(step, &cx)?;
            let v = chosen(&prompt, value, cx.cat)?.to_owned();
            if v == "other" {
                let echo = cx.echo(step, &v);
                a.state.plan_path_pending = true;
                return Ok(echo);
            }
            let path = if let Some(path) = v.strip_prefix(REPORT) {
                path.to_owned()
            } else {
                let task = cx.task(step)?;
                let latest = fact(step, cx.facts.latest_plan(&task))?;
                latest.map(|p| p.path).unwrap_or_default()
            };
            let standing = usable(&cx, step, &path)?;
            let echo = selected(&cx, &standing);
            a.state.plan_candidate = Some(PlanCandidate::from_standing(&standing));
            Ok(echo)
        }
        StepId::ApprovedPlan => {
            let v = required(step, value, cx.cat)?;
            let standing = usable(&cx, step, &v)?;
            let echo = selected(&cx, &standing);
            a.state.plan_candidate = Some(PlanCandidate::from_standing(&standing));
            Ok(echo)
        }
        StepId::ApprovePlanConfirm => {
            let prompt = build(step, &cx)?;
            if !yes(&prompt, value, cx.cat)? {
                return Err(WizardError::at(step, cx.text(step, "errors.declined", &[]))
                    .valid(vec!["yes".into(), "no".into()]));
            }
            let c = candidate(&cx, step)?.clone();
            let task = cx.task(step)?;
            let path = if c.approved && !c.import {
                c.path.clone()
            } else {
                a.facts.approve(&task, &c.standing()).map_err(|reasons| {
                    WizardError::at(
                        step,
                        a.cat.fill(
                            "approve_plan_confirm.errors.refused",
                            &[("path", &c.path), ("reasons", &reasons)],
                        ),
                    )
                })?
            };
            let echo = a
                .cat
                .fill("approve_plan_confirm.echo_approved", &[("path", &path)]);
            // The plan is now the task's and approved: going back over this step and saying
            // yes again imports and approves nothing more.
            a.state.plan_candidate = Some(PlanCandidate {
                path: path.clone(),
                approved: true,
                import: false,
            });
            a.state.plan = Some(path);
            Ok(echo)
        }
        _ => accept_stage(a, value),
    }
}

fn selected(cx: &Ctx<'_>, standing: &PlanStanding) -> String {
    cx.text(
        StepId::ApprovedPlan,
        "echo_selected",
        &[("path", &standing.path)],
    )
}

fn stages(cx: &Ctx<'_>) -> Result<Vec<StageInfo>, WizardError> {
    let step = StepId::StagePick;
    let task = cx.task(step)?;
    let plan = cx.state.plan.clone().unwrap_or_default();
    fact(step, cx.facts.stages(&task, &plan))
}

fn stage_pick(cx: &Ctx<'_>) -> Result<Prompt, WizardError> {
    let step = StepId::StagePick;
    let stages = stages(cx)?;
    let lowest = stages.iter().find(|s| s.ready).map(|s| s.stage);
    let auto = match lowest {
        Some(n) => cx.text(step, "options.auto", &[("stage", &n.to_string())]),
        None => cx.text(step, "options.auto_none", &[]),
    };
    let mut options = vec![option("auto", auto)];
    let mut reopen = Vec::new();
    for s in &stages {
        let args = [("stage", s.stage.to_string()), ("title", s.title.clone())];
        let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if s.ready {
            options.push(option(
                s.stage.to_string(),
                cx.text(step, "options.stage", &args),
            ));
        }
        if s.retryable {
            reopen.push(option(
                format!("retry:{}", s.stage),
                cx.text(step, "options.retry", &args),
            ));
        }
        if s.reopenable {
            reopen.push(option(
                format!("redo:{}", s.stage),
                cx.text(step, "options.redo", &args),
            ));
            reopen.push(option(
                format!("reverify:{}", s.stage),
                cx.text(step, "options.reverify", &args),
            ));
        }
    }
    options.extend(reopen);
    let others: Vec<String> = stages
        .iter()
        .filter(|s| !s.ready)
        .map(|s| format!("- stage {}: {} — {}", s.stage, s.title, s.state))
        .collect();
    let not_ready = if others.is_empty() {
        cx.text(step, "all_ready", &[])
    } else {
        others.join("\n")
    };
    Ok(cx.prompt(
        step,
        PromptKind::Pick,
        &[("not_ready", &not_ready)],
        options,
        Some("auto".into()),
    ))
}

fn accept_stage(a: &mut Answer<'_>, value: &str) -> Result<String, WizardError> {
    let step = StepId::StagePick;
    let cx = a.cx();
    let prompt = stage_pick(&cx)?;
    let v = chosen(&prompt, value, cx.cat)?.to_owned();
    if v == "auto" && !stages(&cx)?.iter().any(|s| s.ready) {
        return Err(
            WizardError::at(step, cx.text(step, "errors.none_ready", &[])).valid(
                prompt
                    .options
                    .iter()
                    .skip(1)
                    .map(|o| o.value.clone())
                    .collect(),
            ),
        );
    }
    let echo = cx.echo(step, &v);
    let (mode, stage) = match v.split_once(':') {
        Some(("retry", n)) => (Some(StageMode::Retry), n.to_owned()),
        Some(("redo", n)) => (Some(StageMode::Redo), n.to_owned()),
        Some(("reverify", n)) => (Some(StageMode::Reverify), n.to_owned()),
        _ => (None, v),
    };
    a.state.stage = Some(stage);
    a.state.stage_mode = mode;
    Ok(echo)
}
