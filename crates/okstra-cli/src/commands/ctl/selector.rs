//! The selector of `ctl rerun` as typed — run ids, `failed`, `last`, or `--task g/id` — turned
//! into core's [`Selector`] and its raw text (`selectorRaw`), and the selector's errors as
//! the user sees them.

use okstra_core::TaskKey;
use okstra_core::batch::{SelectError, Selector};

use crate::command_error::CommandError;

/// Returns the selector of `words` or `task`, and the text a batch records for it.
pub(super) fn parse_selector(
    words: &[String],
    task: Option<&str>,
    project: Option<&str>,
) -> Result<(Selector, String), CommandError> {
    if let Some(task) = task {
        let (group, id) = TaskKey::parse_task_arg(task)?;
        let raw = match project {
            Some(p) => format!("--task {task} --project {p}"),
            None => format!("--task {task}"),
        };
        let selector = Selector::Task {
            group: group.raw().to_owned(),
            id: id.raw().to_owned(),
            project: project.map(str::to_owned),
        };
        return Ok((selector, raw));
    }
    let raw = words.join(" ");
    let keyword = |w: &String| matches!(w.as_str(), "failed" | "last");
    let selector = match words {
        [one] if one == "failed" => Selector::Failed,
        [one] if one == "last" => Selector::Last,
        _ if words.iter().any(keyword) => {
            return Err(CommandError::user_message(format!(
                "selector {raw:?} mixes `failed`/`last` with other words"
            ))
            .hint("give `failed`, `last`, or run ids, alone"));
        }
        _ => Selector::Runs(words.to_vec()),
    };
    Ok((selector, raw))
}

/// Returns the user error of a selector that selects nothing, or selects wrongly.
pub(super) fn selector_error(err: SelectError) -> CommandError {
    match err {
        SelectError::Ref(e) => CommandError::from(e),
        SelectError::Empty { .. } => {
            CommandError::user(err).hint("`okstra ctl list` shows the runs of the index")
        }
        SelectError::ManyProjects { .. } => {
            CommandError::user(err).hint("add --project <id> to say which project's task")
        }
    }
}
