//! Owns the last steps: the directive and the related tasks (asked when the user customises;
//! an empty answer means none), a release-handoff's push and open-PR confirms, the branch
//! confirm (which branch the run works on), and the confirm step that shows the exact
//! `okstra run …` command the wizard will run.

use crate::TaskType;

use super::super::invocation::Invocation;
use super::super::types::{Prompt, PromptKind, StepId, WizardError};
use super::kit::{Answer, Ctx, fact, task_ref, yes};
use super::task::first_line;

pub(super) fn applies(step: StepId, cx: &Ctx<'_>) -> Result<bool, WizardError> {
    let s = cx.state;
    Ok(match step {
        StepId::Directive | StepId::RelatedTasks => s.custom == Some(true),
        StepId::PushConfirm | StepId::OpenPrConfirm => {
            s.task_type == Some(TaskType::ReleaseHandoff)
        }
        StepId::BranchConfirm => cx.facts.task_branch(&cx.task(step)?).is_some(),
        _ => true,
    })
}

pub(super) fn build(step: StepId, cx: &Ctx<'_>) -> Result<Prompt, WizardError> {
    Ok(match step {
        StepId::Directive | StepId::RelatedTasks => {
            cx.prompt(step, PromptKind::Text, &[], Vec::new(), None)
        }
        StepId::PushConfirm | StepId::OpenPrConfirm => cx.yes_no(step, &[], Some("no")),
        StepId::BranchConfirm => {
            let task = cx.task(step)?;
            let branch = cx.facts.task_branch(&task).unwrap_or_default();
            let key = if cx.facts.task_worktree_exists(&task) {
                "existing"
            } else {
                "new"
            };
            let how = cx.text(step, key, &[]);
            cx.yes_no(step, &[("branch", &branch), ("how", &how)], Some("yes"))
        }
        _ => {
            let command = Invocation::of(cx.state).command_line();
            cx.yes_no(step, &[("command", &command)], Some("yes"))
        }
    })
}

pub(super) fn accept(step: StepId, a: &mut Answer<'_>, value: &str) -> Result<String, WizardError> {
    let cx = a.cx();
    match step {
        StepId::Directive => {
            let text = value.trim();
            let echo = if text.is_empty() {
                cx.common("none")
            } else {
                first_line(text)
            };
            let echo = cx.echo(step, &echo);
            a.state.directive = (!text.is_empty()).then(|| text.to_owned());
            Ok(echo)
        }
        StepId::RelatedTasks => {
            let related = related(&cx, value)?;
            let shown = if related.is_empty() {
                cx.common("none")
            } else {
                related.join(", ")
            };
            let echo = cx.echo(step, &shown);
            a.state.related = related;
            Ok(echo)
        }
        _ => {
            let prompt = build(step, &cx)?;
            let answer = yes(&prompt, value, cx.cat)?;
            let echo = cx.echo(step, value.trim());
            match step {
                StepId::PushConfirm => a.state.push = Some(answer),
                StepId::OpenPrConfirm => a.state.open_pr = Some(answer),
                StepId::BranchConfirm if answer => {
                    let task = cx.task(step)?;
                    a.state.branch = cx.facts.task_branch(&task);
                }
                StepId::Confirm if answer => a.state.confirmed = true,
                _ => {
                    return Err(WizardError::at(step, cx.text(step, "errors.declined", &[]))
                        .valid(vec!["yes".into(), "no".into()]));
                }
            }
            Ok(echo)
        }
    }
}

/// Returns the related tasks named in `value` (comma- or space-separated `group/id`), each an
/// existing task other than this one.
fn related(cx: &Ctx<'_>, value: &str) -> Result<Vec<String>, WizardError> {
    let step = StepId::RelatedTasks;
    let names: Vec<&str> = value
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let this = cx.task(step)?;
    let tasks = fact(step, cx.facts.tasks())?;
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let task = task_ref(name).map_err(|m| WizardError::at(step, m))?;
        if task == this {
            return Err(WizardError::at(
                step,
                cx.text(step, "errors.itself", &[("task", name)]),
            ));
        }
        if !tasks.contains(&task) {
            return Err(WizardError::at(
                step,
                cx.text(step, "errors.unknown", &[("task", name)]),
            ));
        }
        if !out.contains(&task.arg()) {
            out.push(task.arg());
        }
    }
    Ok(out)
}
