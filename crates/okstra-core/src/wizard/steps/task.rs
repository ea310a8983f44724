//! Owns the first steps: the task type, the task (an existing one, in a grouped pick, or a new
//! `group/id`), its brief (the stored one, a file, or text) and, for a task with no worktree
//! yet, the base ref its worktree starts from (the current branch, the default branch, or
//! another ref typed in).

use crate::TaskType;
use crate::segment::TaskKey;

use super::super::state::BriefAnswer;
use super::super::types::{Prompt, PromptKind, PromptOption, StepId, WizardError};
use super::kit::{Answer, Ctx, chosen, fact, option, required};

const NEW: &str = "new";

pub(super) fn applies(step: StepId, cx: &Ctx<'_>) -> Result<bool, WizardError> {
    let s = cx.state;
    Ok(match step {
        StepId::TaskType => true,
        StepId::TaskPick => !fact(step, cx.facts.tasks())?.is_empty(),
        StepId::TaskNew => s.task.is_none(),
        StepId::BriefPick => s
            .task_type
            .is_some_and(|t| t.brief_source() == crate::task_type::BriefSource::TaskBrief),
        StepId::BriefFile => s.brief_mode.as_deref() == Some("file"),
        StepId::BriefText => s.brief_mode.as_deref() == Some("text"),
        _ => false,
    })
}

pub(super) fn build(step: StepId, cx: &Ctx<'_>) -> Result<Prompt, WizardError> {
    Ok(match step {
        StepId::TaskType => {
            let options = TaskType::ALL
                .iter()
                .map(|t| option(t.as_str(), cx.text(step, &format!("options.{t}"), &[])))
                .collect();
            cx.prompt(step, PromptKind::Pick, &[], options, None)
        }
        StepId::TaskPick => {
            let tasks = fact(step, cx.facts.tasks())?;
            let count = tasks.len().to_string();
            let mut options = vec![PromptOption {
                value: NEW.into(),
                label: cx.text(step, "options.new", &[]),
                group: Some(cx.text(step, "new_group", &[])),
            }];
            options.extend(tasks.into_iter().map(|t| PromptOption {
                value: t.arg(),
                label: t.id,
                group: Some(t.group),
            }));
            cx.prompt(
                step,
                PromptKind::PickGroup,
                &[("count", &count)],
                options,
                None,
            )
        }
        StepId::TaskNew | StepId::BriefFile | StepId::BriefText => {
            cx.prompt(step, PromptKind::Text, &[], Vec::new(), None)
        }
        _ => brief_pick(cx)?,
    })
}

fn brief_pick(cx: &Ctx<'_>) -> Result<Prompt, WizardError> {
    let step = StepId::BriefPick;
    let task = cx.task(step)?;
    let has_brief = cx.facts.brief_exists(&task);
    let values: &[&str] = if has_brief {
        &["keep", "file", "text"]
    } else {
        &["file", "text"]
    };
    let options = values
        .iter()
        .map(|v| option(*v, cx.text(step, &format!("options.{v}"), &[])))
        .collect();
    let label = if has_brief {
        cx.text(step, "label", &[])
    } else {
        cx.text(step, "label_no_brief", &[])
    };
    let default = has_brief.then(|| "keep".to_owned());
    Ok(cx.prompt_labelled(step, PromptKind::Pick, label, options, default))
}

pub(super) fn accept(step: StepId, a: &mut Answer<'_>, value: &str) -> Result<String, WizardError> {
    let cx = a.cx();
    match step {
        StepId::TaskType | StepId::TaskPick | StepId::BriefPick => {
            let prompt = build(step, &cx)?;
            let v = chosen(&prompt, value, cx.cat)?.to_owned();
            let echo = cx.echo(step, &v);
            match step {
                StepId::TaskType => a.state.task_type = v.parse().ok(),
                StepId::TaskPick if v == NEW => a.state.new_task = true,
                StepId::TaskPick => a.state.task = Some(v),
                _ => {
                    if v == "keep" {
                        a.state.brief = Some(BriefAnswer::Keep);
                    }
                    a.state.brief_mode = Some(v);
                }
            }
            Ok(echo)
        }
        StepId::TaskNew => {
            let v = required(step, value, cx.cat)?;
            let (group, id) =
                TaskKey::parse_task_arg(&v).map_err(|e| WizardError::at(step, e.to_string()))?;
            let mut echo = cx.echo(step, &v);
            if let Some(stored) = TaskKey::slugged_task_arg(&group, &id) {
                echo = format!(
                    "{echo} {}",
                    cx.text(step, "stored_as", &[("task", &stored)])
                );
            }
            a.state.task = Some(v);
            Ok(echo)
        }
        StepId::BriefFile => {
            let v = required(step, value, cx.cat)?;
            let path = fact(step, cx.facts.check_brief_file(&v))?;
            let echo = cx.echo(step, &path);
            a.state.brief = Some(BriefAnswer::File { path });
            Ok(echo)
        }
        _ => {
            let text = value.trim();
            if text.is_empty() {
                return Err(WizardError::at(step, cx.common("blank")));
            }
            let echo = cx.echo(step, &first_line(text));
            a.state.brief = Some(BriefAnswer::Text {
                text: value.to_owned(),
            });
            Ok(echo)
        }
    }
}

/// Returns the first line of a text, shortened for an echo.
pub(super) fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() > 60 || text.lines().nth(1).is_some() {
        format!("{}…", line.chars().take(60).collect::<String>())
    } else {
        line.to_owned()
    }
}

pub(super) fn base_ref_applies(step: StepId, cx: &Ctx<'_>) -> Result<bool, WizardError> {
    Ok(match step {
        StepId::BaseRefPick => cx.facts.in_git() && !cx.facts.task_worktree_exists(&cx.task(step)?),
        _ => cx.state.base_ref_mode.as_deref() == Some("other"),
    })
}

pub(super) fn build_base_ref(step: StepId, cx: &Ctx<'_>) -> Prompt {
    if step == StepId::BaseRefText {
        return cx.prompt(step, PromptKind::Text, &[], Vec::new(), None);
    }
    let (options, default) = base_ref_options(cx);
    cx.prompt(step, PromptKind::Pick, &[], options, default)
}

/// Returns the base ref options with the ref each stands for.
fn base_refs(cx: &Ctx<'_>) -> Vec<(&'static str, Option<String>)> {
    let current = cx.facts.current_branch();
    let default = cx.facts.default_branch();
    let mut refs = vec![(
        "current",
        Some(current.clone().unwrap_or_else(|| "HEAD".into())),
    )];
    if default.is_some() && default != current {
        refs.push(("default", default));
    }
    refs.push(("other", None));
    refs
}

fn base_ref_options(cx: &Ctx<'_>) -> (Vec<PromptOption>, Option<String>) {
    let step = StepId::BaseRefPick;
    let options = base_refs(cx)
        .into_iter()
        .map(|(v, r)| {
            let name = r.unwrap_or_default();
            option(v, cx.text(step, &format!("options.{v}"), &[("ref", &name)]))
        })
        .collect();
    (options, Some("current".to_owned()))
}

pub(super) fn accept_base_ref(
    step: StepId,
    a: &mut Answer<'_>,
    value: &str,
) -> Result<String, WizardError> {
    let cx = a.cx();
    if step == StepId::BaseRefText {
        let v = required(step, value, cx.cat)?;
        fact(step, cx.facts.check_ref(&v))?;
        let echo = cx.echo(step, &v);
        a.state.base_ref = Some(v);
        return Ok(echo);
    }
    let prompt = build_base_ref(step, &cx);
    let v = chosen(&prompt, value, cx.cat)?.to_owned();
    let reference = base_refs(&cx)
        .into_iter()
        .find(|(name, _)| *name == v)
        .and_then(|(_, r)| r);
    let echo = cx.echo(step, reference.as_deref().unwrap_or(&v));
    a.state.base_ref = reference;
    a.state.base_ref_mode = Some(v);
    Ok(echo)
}
