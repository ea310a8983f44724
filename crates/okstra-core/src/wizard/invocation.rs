//! Owns what the wizard's answers come to: the argv of the `okstra run …` a person could type
//! (without the program name), and its shell-quoted one-line rendering that the confirm step
//! shows — so a wizard run is reproducible by hand.

use serde::Serialize;

use super::state::{BriefAnswer, WizardState};
use crate::stage_record::StageMode;

/// The run the wizard starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Invocation {
    /// `["run", "<task-type>", "--task", …]`.
    pub argv: Vec<String>,
}

impl Invocation {
    /// Returns the invocation the answers in `state` make (as far as they go).
    pub fn of(state: &WizardState) -> Invocation {
        let mut argv = vec!["run".to_owned()];
        // A value that starts with `-` (a brief written as a list, `- login fails`) is joined
        // to its flag, `--brief-text=- login fails`, so no parser takes it for a flag.
        let mut flag = |name: &str, value: Option<&str>| match value {
            Some(v) if v.starts_with('-') => argv.push(format!("{name}={v}")),
            Some(v) => {
                argv.push(name.to_owned());
                argv.push(v.to_owned());
            }
            None => argv.push(name.to_owned()),
        };
        if let Some(t) = state.task_type {
            flag(t.as_str(), None);
        }
        if let Some(task) = &state.task {
            flag("--task", Some(task));
        }
        match &state.brief {
            Some(BriefAnswer::File { path }) => flag("--brief", Some(path)),
            Some(BriefAnswer::Text { text }) => flag("--brief-text", Some(text)),
            Some(BriefAnswer::Keep) | None => {}
        }
        if let Some(r) = &state.base_ref {
            flag("--base-ref", Some(r));
        }
        if let Some(plan) = &state.plan {
            flag("--plan", Some(plan));
        }
        if let Some(stage) = &state.stage {
            flag("--stage", Some(stage));
        }
        if let Some(mode) = state.stage_mode.filter(|m| *m != StageMode::New) {
            flag(&format!("--{}", mode.as_str()), None);
        }
        if let Some(e) = &state.executor {
            flag("--executor", Some(e));
        }
        if let Some(c) = &state.critic {
            flag("--critic", Some(c));
        }
        if let Some(w) = &state.workers {
            flag("--workers", Some(&w.join(",")));
        }
        for m in &state.models {
            flag("--model", Some(&format!("{}={}", m.key, m.model)));
        }
        if let Some(n) = state.max_rounds {
            flag("--max-rounds", Some(&n.to_string()));
        }
        if let Some(d) = &state.deadline {
            flag("--deadline", Some(d));
        }
        if let Some(usd) = state.max_cost_usd {
            flag("--max-cost-usd", Some(&usd.to_string()));
        }
        if let Some(d) = &state.directive {
            flag("--directive", Some(d));
        }
        for r in &state.related {
            flag("--related", Some(r));
        }
        if let Some(language) = state.language {
            flag("--language", Some(language.as_str()));
        }
        if state.push == Some(true) {
            flag("--push", None);
        }
        if state.open_pr == Some(true) {
            flag("--open-pr", None);
        }
        Invocation { argv }
    }

    /// Returns `okstra run …` as a POSIX shell reads it back.
    pub fn command_line(&self) -> String {
        std::iter::once("okstra".to_owned())
            .chain(self.argv.iter().map(|a| shell_quote(a)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Returns `word` as a POSIX shell reads it back: unchanged when it has only safe characters,
/// else in single quotes.
pub fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Returns a deadline in milliseconds as `--deadline` takes it (`30m`, `90s`, `500ms`).
pub(crate) fn deadline_arg(ms: u64) -> String {
    if ms > 0 && ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms > 0 && ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TaskType;

    #[test]
    fn the_command_line_quotes_what_a_shell_would_split() {
        let mut state = WizardState {
            task_type: Some(TaskType::ErrorAnalysis),
            task: Some("g/t".into()),
            brief: Some(BriefAnswer::Text {
                text: "it's broken".into(),
            }),
            ..WizardState::default()
        };
        state.related = vec!["g/a".into(), "g/b".into()];
        let inv = Invocation::of(&state);
        assert_eq!(
            inv.command_line(),
            r"okstra run error-analysis --task g/t --brief-text 'it'\''s broken' --related g/a --related g/b"
        );
    }

    #[test]
    fn a_value_that_starts_with_a_dash_is_joined_to_its_flag() {
        let state = WizardState {
            task_type: Some(TaskType::ErrorAnalysis),
            task: Some("g/t".into()),
            brief: Some(BriefAnswer::Text {
                text: "- login fails on Safari".into(),
            }),
            directive: Some("-v is broken".into()),
            stage_mode: Some(StageMode::Retry),
            ..WizardState::default()
        };
        let inv = Invocation::of(&state);
        assert!(
            inv.argv
                .contains(&"--brief-text=- login fails on Safari".to_owned())
        );
        assert!(inv.argv.contains(&"--directive=-v is broken".to_owned()));
        assert_eq!(
            inv.command_line(),
            "okstra run error-analysis --task g/t '--brief-text=- login fails on Safari' --retry \
             '--directive=-v is broken'"
        );
    }

    #[test]
    fn deadlines_use_the_largest_whole_unit() {
        assert_eq!(deadline_arg(1_800_000), "30m");
        assert_eq!(deadline_arg(90_000), "90s");
        assert_eq!(deadline_arg(500), "500ms");
    }
}
