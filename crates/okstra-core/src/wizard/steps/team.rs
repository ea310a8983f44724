//! Owns the team steps: the executor of an implementation run (claude, codex and gemini always
//! offered, then the configured agents, each with doctor's verdict), the critic and the
//! analysers of an analysis run, reusing the previous run's settings, and defaults-or-custom
//! (its label shows this run's roster and the model each role gets), with custom models.

use std::collections::BTreeSet;

use crate::TaskType;

use super::super::facts::RunDefaults;
use super::super::invocation::{Invocation, deadline_arg};
use super::super::state::{ModelChoice, WizardState};
use super::super::types::{Prompt, PromptKind, PromptOption, StepId, WizardError};
use super::kit::{Answer, Ctx, chosen, fact, not_an_option, option, yes};

/// The role keys `--model` takes besides agent names.
const ROLES: [&str; 4] = ["report-writer", "critic", "executor", "verifier"];

pub(super) fn applies(step: StepId, cx: &Ctx<'_>) -> Result<bool, WizardError> {
    let s = cx.state;
    let Some(t) = s.task_type else {
        return Ok(false);
    };
    Ok(match step {
        StepId::Executor => t == TaskType::Implementation,
        StepId::CriticPick | StepId::Workers => t.uses_analysers(),
        StepId::ReusePrevious => cx.facts.previous_run(&cx.task(step)?, t).is_some(),
        StepId::DefaultsOrCustom => s.reuse_previous != Some(true),
        _ => s.custom == Some(true),
    })
}

fn defaults(cx: &Ctx<'_>, step: StepId) -> Result<RunDefaults, WizardError> {
    let t = cx.state.task_type.unwrap_or(TaskType::ErrorAnalysis);
    fact(step, cx.facts.defaults(t))
}

/// Returns an option per agent, labelled with doctor's verdict when the prompt is shown.
fn agent_options(cx: &Ctx<'_>, d: &RunDefaults) -> Vec<PromptOption> {
    if !cx.shown {
        return d
            .agents
            .iter()
            .map(|name| option(name.clone(), name.clone()))
            .collect();
    }
    let verdicts = cx.facts.agent_verdicts();
    d.agents
        .iter()
        .map(|name| {
            let verdict = verdicts
                .iter()
                .find(|v| &v.name == name)
                .map_or_else(|| "unknown".to_owned(), |v| v.verdict.clone());
            let shown = cx.cat.text(&format!("verdicts.{verdict}"));
            let shown = if shown.starts_with("verdicts.") {
                verdict
            } else {
                shown
            };
            option(name.clone(), format!("{name} — {shown}"))
        })
        .collect()
}

pub(super) fn build(step: StepId, cx: &Ctx<'_>) -> Result<Prompt, WizardError> {
    match step {
        StepId::Executor => {
            let d = defaults(cx, step)?;
            Ok(cx.prompt(
                step,
                PromptKind::Pick,
                &[],
                agent_options(cx, &d),
                Some(d.executor),
            ))
        }
        StepId::CriticPick => {
            let d = defaults(cx, step)?;
            let mut options = Vec::new();
            if d.critic.is_none() {
                options.push(option("none", cx.text(step, "options.none", &[])));
            }
            options.extend(agent_options(cx, &d));
            let default = Some(d.critic.unwrap_or_else(|| "none".into()));
            Ok(cx.prompt(step, PromptKind::Pick, &[], options, default))
        }
        StepId::Workers => {
            let d = defaults(cx, step)?;
            let mark = cx.cat.text("marks.default");
            let mut options = agent_options(cx, &d);
            for o in options.iter_mut().filter(|o| d.workers.contains(&o.value)) {
                o.label = format!("{} {mark}", o.label);
            }
            let mut p = cx.prompt(step, PromptKind::Pick, &[], options, None);
            p.multi = true;
            p.default = Some(d.workers.join(","));
            Ok(p)
        }
        StepId::ReusePrevious => {
            let t = cx.state.task_type.unwrap_or(TaskType::ErrorAnalysis);
            let prev = cx
                .facts
                .previous_run(&cx.task(step)?, t)
                .ok_or_else(|| WizardError::at(step, cx.text(step, "errors.none", &[])))?;
            let settings = reused_flags(cx, step)?.join(" ");
            let settings = if settings.is_empty() {
                cx.text(step, "same_as_defaults", &[])
            } else {
                settings
            };
            let args = [
                ("run", prev.run_id.as_str()),
                ("seq", &prev.seq.to_string()),
                ("settings", &settings),
            ];
            Ok(cx.yes_no(step, &args, Some("yes")))
        }
        StepId::DefaultsOrCustom => {
            let (workers, models) = roster(cx, step)?;
            let args = [("workers", workers.as_str()), ("models", models.as_str())];
            let options = ["defaults", "custom"]
                .into_iter()
                .map(|v| option(v, cx.text(step, &format!("options.{v}"), &[])))
                .collect();
            Ok(cx.prompt(
                step,
                PromptKind::Pick,
                &args,
                options,
                Some("defaults".into()),
            ))
        }
        _ => {
            let keys = model_keys(cx, step)?
                .into_iter()
                .collect::<Vec<_>>()
                .join(", ");
            Ok(cx.prompt(step, PromptKind::Text, &[("keys", &keys)], Vec::new(), None))
        }
    }
}

/// Returns this run's roster (`claude, codex, report-writer: claude`) and the model of each
/// (`claude=opus, …`), from the answers so far and the defaults.
fn roster(cx: &Ctx<'_>, step: StepId) -> Result<(String, String), WizardError> {
    let d = defaults(cx, step)?;
    let s = cx.state;
    let t = s.task_type.unwrap_or(TaskType::ErrorAnalysis);
    let model = |role: Option<&str>, agent: &str| {
        let chosen = s
            .models
            .iter()
            .rev()
            .find(|m| Some(m.key.as_str()) == role || m.key == agent);
        chosen
            .map(|m| m.model.clone())
            .or_else(|| role.and_then(|r| d.models.get(r)).cloned())
            .or_else(|| d.models.get(agent).cloned())
            .unwrap_or_else(|| "-".into())
    };
    let mut members: Vec<(Option<&str>, String)> = Vec::new();
    match t {
        TaskType::Implementation => {
            members.push((
                Some("executor"),
                s.executor.clone().unwrap_or(d.executor.clone()),
            ));
            members.push((Some("verifier"), d.verifier.clone()));
        }
        TaskType::ReleaseHandoff => members.push((Some("report-writer"), d.report_writer.clone())),
        _ => {
            let workers = s.workers.clone().unwrap_or(d.workers.clone());
            members.extend(workers.into_iter().map(|w| (None, w)));
            members.push((Some("report-writer"), d.report_writer.clone()));
            let critic = s.critic.clone().or(d.critic.clone());
            members.extend(critic.map(|c| (Some("critic"), c)));
        }
    }
    let workers = members
        .iter()
        .map(|(role, agent)| match role {
            Some(r) => format!("{r}: {agent}"),
            None => agent.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let models = members
        .iter()
        .map(|(role, agent)| format!("{}={}", role.unwrap_or(agent), model(*role, agent)))
        .collect::<Vec<_>>()
        .join(", ");
    Ok((workers, models))
}

/// Returns the keys `--model` takes: every agent and role.
fn model_keys(cx: &Ctx<'_>, step: StepId) -> Result<BTreeSet<String>, WizardError> {
    let d = defaults(cx, step)?;
    Ok(d.agents
        .iter()
        .cloned()
        .chain(ROLES.map(String::from))
        .collect())
}

/// Returns the flags that reuse the previous run's settings where they differ from the
/// defaults.
fn reused(cx: &Ctx<'_>, step: StepId) -> Result<Reused, WizardError> {
    let d = defaults(cx, step)?;
    let t = cx.state.task_type.unwrap_or(TaskType::ErrorAnalysis);
    let Some(prev) = cx.facts.previous_run(&cx.task(step)?, t) else {
        return Ok(Reused::default());
    };
    let models = prev
        .models
        .iter()
        .filter(|(k, v)| d.models.get(*k) != Some(*v))
        .map(|(k, v)| ModelChoice {
            key: k.clone(),
            model: v.clone(),
        })
        .collect();
    Ok(Reused {
        models,
        max_rounds: (prev.max_rounds != d.max_rounds && t.uses_analysers())
            .then_some(prev.max_rounds),
        deadline: (prev.deadline_ms != d.deadline_ms).then(|| deadline_arg(prev.deadline_ms)),
        max_cost_usd: prev.max_cost_usd,
        directive: prev.directive,
        related: prev.related,
    })
}

#[derive(Default)]
struct Reused {
    models: Vec<ModelChoice>,
    max_rounds: Option<u32>,
    deadline: Option<String>,
    max_cost_usd: Option<f64>,
    directive: Option<String>,
    related: Vec<String>,
}

fn reused_flags(cx: &Ctx<'_>, step: StepId) -> Result<Vec<String>, WizardError> {
    let r = reused(cx, step)?;
    // The flags as the confirm step will show them: rendered by the one invocation builder.
    let only = WizardState {
        models: r.models,
        max_rounds: r.max_rounds,
        deadline: r.deadline,
        max_cost_usd: r.max_cost_usd,
        directive: r.directive,
        related: r.related,
        ..WizardState::default()
    };
    let line = Invocation::of(&only).command_line();
    let flags = line.strip_prefix("okstra run").unwrap_or(&line).trim();
    Ok(if flags.is_empty() {
        Vec::new()
    } else {
        vec![flags.to_owned()]
    })
}

pub(super) fn accept(step: StepId, a: &mut Answer<'_>, value: &str) -> Result<String, WizardError> {
    let cx = a.cx();
    let prompt = build(step, &cx)?;
    match step {
        StepId::Executor | StepId::CriticPick | StepId::DefaultsOrCustom => {
            let v = chosen(&prompt, value, cx.cat)?.to_owned();
            let echo = cx.echo(step, &v);
            match step {
                StepId::Executor => a.state.executor = Some(v),
                StepId::CriticPick => {
                    let project_critic = defaults(&cx, step)?.critic;
                    a.state.critic =
                        (v != "none" && Some(&v) != project_critic.as_ref()).then_some(v);
                }
                _ => a.state.custom = Some(v == "custom"),
            }
            Ok(echo)
        }
        StepId::Workers => {
            let mut picked: Vec<String> = Vec::new();
            for w in value.split(',').map(str::trim).filter(|w| !w.is_empty()) {
                if !prompt.options.iter().any(|o| o.value == w) {
                    return Err(not_an_option(&prompt, w, cx.cat));
                }
                if !picked.iter().any(|p| p == w) {
                    picked.push(w.to_owned());
                }
            }
            if picked.is_empty() {
                return Err(WizardError::at(step, cx.common("blank"))
                    .valid(prompt.options.iter().map(|o| o.value.clone()).collect()));
            }
            let echo = cx.echo(step, &picked.join(","));
            let d = defaults(&cx, step)?;
            a.state.workers = (picked != d.workers).then_some(picked);
            Ok(echo)
        }
        StepId::ReusePrevious => {
            let reuse = yes(&prompt, value, cx.cat)?;
            let r = if reuse {
                reused(&cx, step)?
            } else {
                Reused::default()
            };
            let echo = cx.echo(step, value.trim());
            a.state.reuse_previous = Some(reuse);
            a.state.models = r.models;
            a.state.max_rounds = r.max_rounds;
            a.state.deadline = r.deadline;
            a.state.max_cost_usd = r.max_cost_usd;
            a.state.directive = r.directive;
            a.state.related = r.related;
            Ok(echo)
        }
        _ => {
            // An empty answer keeps every default model (a custom run may want only a
            // directive or related tasks).
            let v = value.trim();
            let keys = model_keys(&cx, step)?;
            let mut models = Vec::new();
            for pair in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let parsed = pair
                    .split_once('=')
                    .map(|(k, m)| (k.trim(), m.trim()))
                    .filter(|(k, m)| !k.is_empty() && !m.is_empty() && !m.contains(' '));
                let Some((key, model)) = parsed else {
                    return Err(WizardError::at(
                        step,
                        cx.text(step, "errors.pair", &[("value", pair)]),
                    ));
                };
                if !keys.contains(key) {
                    return Err(WizardError::at(
                        step,
                        cx.text(step, "errors.key", &[("key", key)]),
                    )
                    .valid(keys.iter().cloned().collect()));
                }
                models.push(ModelChoice {
                    key: key.to_owned(),
                    model: model.to_owned(),
                });
            }
            let shown: Vec<String> = models
                .iter()
                .map(|m| format!("{}={}", m.key, m.model))
                .collect();
            let echo = if shown.is_empty() {
                cx.echo(step, &cx.text(step, "kept", &[]))
            } else {
                cx.echo(step, &shown.join(", "))
            };
            a.state.models = models;
            Ok(echo)
        }
    }
}
