//! Owns `okstra wizard` in a terminal (and `okstra` with no arguments in one): the core step
//! machine's prompts asked with `inquire` — a pick as a list with type-ahead filtering, a
//! `multi` pick as a multi-select, a `text` step as a line of text — with the wizard's state in
//! memory only (never `.okstra/wizard/state.json`). Esc goes back one step; Ctrl-C leaves
//! (exit 130) with nothing written; after the confirm step the `okstra run …` command is printed
//! and run in the foreground, parsed with the same command line a person would type, as
//! `okstra wizard --json run` does. What is asked, in which order, and which answers are valid
//! is the machine's (`okstra_core::wizard`), never decided here.

use std::fmt;

use inquire::error::InquireError;
use inquire::list_option::ListOption;
use inquire::{MultiSelect, Select, Text};
use okstra_core::config::Language;
use okstra_core::wizard::{
    self, Catalog, Invocation, Next, Prompt, PromptKind, PromptOption, WizardError, WizardFacts,
    WizardState,
};
use okstra_engine::{ProjectFacts, load_or_default_project};

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;
use crate::ui::escape_controls;

/// Runs the terminal wizard: refuses without a terminal, else asks every step, then runs the
/// command the answers make.
pub(super) fn run(ctx: &CommandContext, flag: Option<&str>) -> Result<ExitStatus, CommandError> {
    if !crate::ui::is_interactive() {
        return Err(CommandError::user_message(
            "the terminal wizard needs a terminal (stdin and stderr); from a program, use --json",
        )
        .hint("`okstra wizard --json next` prints the first step of the same wizard"));
    }
    let home = ctx.home()?;
    let root = ctx.run_project_root();
    let project = load_or_default_project(&home, &root)?;
    let language = super::language_of(flag, &project);
    let catalog = Catalog::get(language);
    let mut facts = ProjectFacts::new(home, project, ctx.cwd.clone(), ctx.env.vars().clone());
    // A `--language` given to the wizard is the run's too.
    let flag_language = flag.and_then(|l| l.parse().ok());
    match walk(ctx, &mut facts, catalog, flag_language)? {
        Walked::Left => Ok(ExitStatus::Interrupted),
        Walked::Ready(invocation) => start(ctx, &invocation, words(language)),
    }
}

/// How a walk through the wizard ended.
#[derive(Debug)]
enum Walked {
    /// Confirmed: the run to start.
    Ready(Invocation),
    /// The person pressed Ctrl-C.
    Left,
}

/// Asks step after step until the person confirms or leaves.
fn walk(
    ctx: &CommandContext,
    facts: &mut dyn WizardFacts,
    catalog: &Catalog,
    language: Option<Language>,
) -> Result<Walked, CommandError> {
    let words = words(catalog.language());
    let mut state = WizardState::default();
    loop {
        let prompt = match wizard::next(&state, facts, catalog) {
            Ok(Next::Prompt(prompt)) => prompt,
            Ok(Next::Ready(invocation)) => return Ok(Walked::Ready(invocation)),
            // A step that cannot be built from the last answer (e.g. the stages of a plan
            // that cannot be read): say why and take that answer back, as the JSON front's
            // `back` would, so no other answer is lost.
            Err(err) if !state.answered.is_empty() => {
                ctx.ui.warn(&refusal(&err));
                wizard::back(&mut state);
                continue;
            }
            Err(err) => return Err(CommandError::user(err)),
        };
        // inquire shows a one-line question; the label's other lines (the plan and its
        // standing, the stages not ready, the command to confirm) are printed above it.
        // Labels can hold a worker's words (a plan's stage titles): escaped, like all of them.
        let label = escape_controls(&prompt.label);
        let (question, details) = split_label(&label);
        for line in details.lines() {
            ctx.ui.stderr_line(line);
        }
        match ask(&prompt, question, words)? {
            Answer::Value(value) => {
                match wizard::submit(&mut state, facts, catalog, prompt.step.as_str(), &value) {
                    Ok(submitted) => {
                        state.language = state.language.or(language);
                        ctx.ui.status(&submitted.echo);
                    }
                    Err(err) => ctx.ui.warn(&refusal(&err)),
                }
            }
            Answer::Back => {
                if wizard::back(&mut state).is_none() {
                    ctx.ui.status(words.first_step);
                }
            }
            Answer::Leave => {
                ctx.ui.status(words.left);
                return Ok(Walked::Left);
            }
        }
    }
}

/// Prints the command and runs it here, in the foreground.
fn start(
    ctx: &CommandContext,
    invocation: &Invocation,
    words: &Words,
) -> Result<ExitStatus, CommandError> {
    ctx.ui
        .status(&format!("{}: {}", words.running, invocation.command_line()));
    let args = crate::cli::parse_run(&invocation.argv).map_err(CommandError::user_message)?;
    crate::commands::run::cmd_run(ctx, &args)
}

/// What a person did at a prompt.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    /// Chose or typed this value.
    Value(String),
    /// Pressed Esc: back one step.
    Back,
    /// Pressed Ctrl-C: leave.
    Leave,
}

/// The terminal's own words (the steps' words are the catalog's).
struct Words {
    pick_help: &'static str,
    multi_help: &'static str,
    text_help: &'static str,
    first_step: &'static str,
    left: &'static str,
    running: &'static str,
}

fn words(language: Language) -> &'static Words {
    match language {
        Language::Ko => &Words {
            pick_help: "↑↓ 이동, 입력해서 거르기, Enter 선택, Esc 이전 단계, Ctrl-C 종료",
            multi_help: "↑↓ 이동, Space 선택, 입력해서 거르기, Enter 확인, Esc 이전 단계, Ctrl-C 종료",
            text_help: "Enter 확인, Esc 이전 단계, Ctrl-C 종료",
            first_step: "첫 단계입니다: 돌아갈 단계가 없습니다 (Ctrl-C로 종료)",
            left: "마법사를 종료했습니다: 실행하지 않았고 답도 남기지 않았습니다",
            running: "실행",
        },
        Language::En => &Words {
            pick_help: "↑↓ to move, type to filter, Enter to choose, Esc to go back, Ctrl-C to quit",
            multi_help: "↑↓ to move, Space to select, type to filter, Enter to confirm, Esc to go back, Ctrl-C to quit",
            text_help: "Enter to confirm, Esc to go back, Ctrl-C to quit",
            first_step: "this is the first step: there is nothing to go back to (Ctrl-C quits)",
            left: "left the wizard: no run was started and no answer was kept",
            running: "running",
        },
    }
}

/// Splits a label into the question inquire asks and the lines shown above it: the first line,
/// unless it only introduces what follows (it ends with `:`), then the last.
fn split_label(label: &str) -> (&str, &str) {
    let Some((first, rest)) = label.split_once('\n') else {
        return (label, "");
    };
    if first.trim_end().ends_with(':') {
        match label.rsplit_once('\n') {
            Some((above, last)) => (last, above),
            None => (label, ""),
        }
    } else {
        (first, rest)
    }
}

/// Returns what to show for a refused answer: the message, and the values the step takes.
fn refusal(err: &WizardError) -> String {
    if err.valid.is_empty() {
        err.message.clone()
    } else {
        format!("{} ({})", err.message, err.valid.join(", "))
    }
}

/// One option as the terminal shows it.
struct Shown<'a> {
    option: &'a PromptOption,
    grouped: bool,
}

impl fmt::Display for Shown<'_> {
    /// Writes the option on one line (a list row), control characters escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let one_line = |text: &str| escape_controls(&text.replace('\n', " ")).into_owned();
        match (&self.option.group, self.grouped) {
            (Some(group), true) => {
                write!(f, "{} · {}", one_line(group), one_line(&self.option.label))
            }
            _ => f.write_str(&one_line(&self.option.label)),
        }
    }
}

/// Asks one prompt; maps Esc and Ctrl-C to `Back` and `Leave`.
fn ask(prompt: &Prompt, question: &str, words: &Words) -> Result<Answer, CommandError> {
    let answer = match prompt.kind {
        PromptKind::Text => {
            let mut text = Text::new(question).with_help_message(words.text_help);
            if let Some(default) = &prompt.default {
                text = text.with_default(default);
            }
            text.prompt()
        }
        PromptKind::Pick | PromptKind::PickGroup => {
            let grouped = prompt.kind == PromptKind::PickGroup;
            let shown: Vec<Shown<'_>> = prompt
                .options
                .iter()
                .map(|option| Shown { option, grouped })
                .collect();
            if prompt.multi {
                ask_multi(prompt, question, shown, words)
            } else {
                ask_one(prompt, question, shown, words)
            }
        }
    };
    match answer {
        Ok(value) => Ok(Answer::Value(value)),
        Err(InquireError::OperationCanceled) => Ok(Answer::Back),
        Err(InquireError::OperationInterrupted) => Ok(Answer::Leave),
        Err(err) => Err(CommandError::internal(err)
            .hint("the terminal wizard needs a terminal; use `okstra wizard --json`")),
    }
}

/// Keeps the wizard's order while filtering: every match scores the same, and the sort keeps
/// them as they came.
fn keep_order(options: &mut [(usize, i64)]) {
    options.sort_by_key(|(index, _)| *index);
}

/// Matches an option when what was typed is in what it shows or in its value (so
/// `checkout/cent` finds the task shown as `checkout · cent-short`), ignoring case.
fn contains(typed: &str, option: &Shown<'_>, shown: &str, _: usize) -> Option<i64> {
    let typed = typed.to_lowercase();
    (shown.to_lowercase().contains(&typed) || option.option.value.to_lowercase().contains(&typed))
        .then_some(0)
}

fn ask_one(
    prompt: &Prompt,
    question: &str,
    shown: Vec<Shown<'_>>,
    words: &Words,
) -> Result<String, InquireError> {
    let start = default_index(prompt).unwrap_or(0);
    let chosen: ListOption<Shown<'_>> = Select::new(question, shown)
        .with_help_message(words.pick_help)
        .with_starting_cursor(start)
        .with_scorer(&contains)
        .with_sorter(&keep_order)
        .raw_prompt()?;
    Ok(prompt.options[chosen.index].value.clone())
}

fn ask_multi(
    prompt: &Prompt,
    question: &str,
    shown: Vec<Shown<'_>>,
    words: &Words,
) -> Result<String, InquireError> {
    let defaults: Vec<usize> = prompt
        .default
        .as_deref()
        .map(|d| {
            d.split(',')
                .filter_map(|v| prompt.options.iter().position(|o| o.value == v.trim()))
                .collect()
        })
        .unwrap_or_default();
    let chosen = MultiSelect::new(question, shown)
        .with_help_message(words.multi_help)
        .with_default(&defaults)
        .with_scorer(&contains)
        .raw_prompt()?;
    let values: Vec<&str> = chosen
        .iter()
        .map(|c| prompt.options[c.index].value.as_str())
        .collect();
    Ok(values.join(","))
}

/// Returns the position of the prompt's default among its options.
fn default_index(prompt: &Prompt) -> Option<usize> {
    let default = prompt.default.as_deref()?;
    prompt.options.iter().position(|o| o.value == default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_splits_into_its_question_and_the_lines_above_it() {
        assert_eq!(split_label("Go on?"), ("Go on?", ""));
        assert_eq!(
            split_label("Which stage?\nStages not ready:\n- 2: blocked"),
            ("Which stage?", "Stages not ready:\n- 2: blocked")
        );
        assert_eq!(
            split_label("The wizard will run:\n  okstra run x\nStart it?"),
            ("Start it?", "The wizard will run:\n  okstra run x")
        );
    }
}
