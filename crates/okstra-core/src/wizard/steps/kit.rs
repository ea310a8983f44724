//! Owns what every step uses: the view a step reads (answers, facts, catalog), the view a
//! step's answer changes, and the small builders — a pick with its `(default)` mark, a yes/no
//! pick, a text prompt — and the one check that a pick's answer is one of its options.

use crate::segment::TaskKey;

use super::super::catalog::Catalog;
use super::super::facts::{TaskRef, WizardFacts};
use super::super::state::WizardState;
use super::super::types::{Prompt, PromptKind, PromptOption, StepId, WizardError};

/// What a step reads.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) state: &'a WizardState,
    pub(crate) facts: &'a dyn WizardFacts,
    pub(crate) cat: &'a Catalog,
}

/// What a step's answer changes.
pub(crate) struct Answer<'a> {
    pub(crate) state: &'a mut WizardState,
    pub(crate) facts: &'a mut dyn WizardFacts,
    pub(crate) cat: &'a Catalog,
}

impl Answer<'_> {
    /// Returns the read view.
    pub(crate) fn cx(&self) -> Ctx<'_> {
        Ctx {
            state: self.state,
            facts: self.facts,
            cat: self.cat,
        }
    }
}

impl Ctx<'_> {
    /// Returns the task the answers name, by its path-form names.
    pub(crate) fn task(&self, step: StepId) -> Result<TaskRef, WizardError> {
        let Some(task) = self.state.task.as_deref() else {
            return Err(WizardError::at(step, self.cat.text("common.no_task")));
        };
        task_ref(task).map_err(|message| WizardError::at(step, message))
    }

    /// Returns the text of `<step>.<key>` with `args` filled.
    pub(crate) fn text(&self, step: StepId, key: &str, args: &[(&str, &str)]) -> String {
        self.cat.fill(&format!("{step}.{key}"), args)
    }

    /// Returns the text of `common.<key>`.
    pub(crate) fn common(&self, key: &str) -> String {
        self.cat.text(&format!("common.{key}"))
    }

    /// Returns a prompt of `step` whose label is `<step>.label` filled with `args`.
    pub(crate) fn prompt(
        &self,
        step: StepId,
        kind: PromptKind,
        args: &[(&str, &str)],
        options: Vec<PromptOption>,
        default: Option<String>,
    ) -> Prompt {
        self.prompt_labelled(step, kind, self.text(step, "label", args), options, default)
    }

    /// Returns a prompt of `step` with `label`; the default option's label gets its mark.
    pub(crate) fn prompt_labelled(
        &self,
        step: StepId,
        kind: PromptKind,
        label: String,
        mut options: Vec<PromptOption>,
        default: Option<String>,
    ) -> Prompt {
        if let Some(d) = &default {
            let mark = self.cat.text("marks.default");
            for o in options.iter_mut().filter(|o| &o.value == d) {
                o.label = format!("{} {mark}", o.label);
            }
        }
        Prompt {
            step,
            kind,
            multi: false,
            label,
            options,
            echo_template: self.text(step, "echo_template", &[]),
            default,
        }
    }

    /// Returns a yes/no pick of `step` (option labels `<step>.options.yes|no`).
    pub(crate) fn yes_no(
        &self,
        step: StepId,
        args: &[(&str, &str)],
        default: Option<&str>,
    ) -> Prompt {
        let options = ["yes", "no"]
            .into_iter()
            .map(|v| option(v, self.text(step, &format!("options.{v}"), args)))
            .collect();
        self.prompt(
            step,
            PromptKind::Pick,
            args,
            options,
            default.map(str::to_owned),
        )
    }

    /// Returns the echo of `step` for `value`.
    pub(crate) fn echo(&self, step: StepId, value: &str) -> String {
        self.text(step, "echo_template", &[("value", value)])
    }
}

/// Returns an option with no group.
pub(crate) fn option(value: impl Into<String>, label: impl Into<String>) -> PromptOption {
    PromptOption {
        value: value.into(),
        label: label.into(),
        group: None,
    }
}

/// Returns `value` when it is one of the prompt's options, else the error listing them.
pub(crate) fn chosen<'p>(
    prompt: &'p Prompt,
    value: &str,
    cat: &Catalog,
) -> Result<&'p str, WizardError> {
    let value = value.trim();
    prompt
        .options
        .iter()
        .find(|o| o.value == value)
        .map(|o| o.value.as_str())
        .ok_or_else(|| not_an_option(prompt, value, cat))
}

/// Returns the error of an answer that is none of the prompt's options.
pub(crate) fn not_an_option(prompt: &Prompt, value: &str, cat: &Catalog) -> WizardError {
    WizardError::at(
        prompt.step,
        cat.fill("common.not_an_option", &[("value", value)]),
    )
    .valid(prompt.options.iter().map(|o| o.value.clone()).collect())
}

/// Returns a yes/no answer; anything else is refused with both values.
pub(crate) fn yes(prompt: &Prompt, value: &str, cat: &Catalog) -> Result<bool, WizardError> {
    match value.trim() {
        "yes" => Ok(true),
        "no" => Ok(false),
        other => Err(WizardError::at(
            prompt.step,
            cat.fill("common.expected_yes_no", &[("value", other)]),
        )
        .valid(vec!["yes".into(), "no".into()])),
    }
}

/// Returns a `text` answer, refusing a blank one.
pub(crate) fn required(step: StepId, value: &str, cat: &Catalog) -> Result<String, WizardError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(WizardError::at(step, cat.text("common.blank")));
    }
    Ok(v.to_owned())
}

/// Returns the task a `group/id` names, by its path-form names.
pub(crate) fn task_ref(task: &str) -> Result<TaskRef, String> {
    let (group, id) = TaskKey::parse_task_arg(task).map_err(|e| e.to_string())?;
    Ok(TaskRef {
        group: group.segment().to_string(),
        id: id.segment().to_string(),
    })
}

/// Returns a fact, or the error of `step` that it could not be found out.
pub(crate) fn fact<T>(step: StepId, fact: Result<T, String>) -> Result<T, WizardError> {
    fact.map_err(|message| WizardError::at(step, message))
}
