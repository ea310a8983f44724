//! Owns the blame of runs that would not start: a dry run's refusals, each blamed and hinted
//! as the real run's own error would be (by the `From` impls of `command_error`), and
//! `okstra doctor`'s verdict that no worker can run.

use okstra_engine::RunError;

use super::{CommandError, ErrorKind};

/// Returns the error of a dry run whose real run would be refused (`None`: it would start):
/// each refusal blamed and hinted as the real run's own error would be, in one message. A
/// check that failed for okstra's own reasons is that failure (exit 1).
pub fn dry_run_refused(refusals: Vec<RunError>) -> Option<CommandError> {
    let mut errors: Vec<CommandError> = refusals.into_iter().map(CommandError::from).collect();
    if let Some(i) = errors.iter().position(|e| e.kind == ErrorKind::Internal) {
        return Some(errors.swap_remove(i));
    }
    let message = match errors.as_slice() {
        [] => return None,
        [one] => format!("the real run would be refused: {}", one.error),
        many => format!(
            "the real run would be refused, for {} reasons: {}",
            many.len(),
            many.iter()
                .map(|e| e.error.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    };
    let mut refused = CommandError::user_message(message);
    refused.hints = errors.into_iter().flat_map(|e| e.hints).collect();
    Some(refused)
}

/// Returns `okstra doctor`'s error when no worker can run: each CLI and configured agent with
/// its verdict.
pub fn no_worker_can_run<'a>(
    verdicts: impl Iterator<Item = (&'a str, okstra_core::readiness::Verdict)>,
) -> CommandError {
    let each: Vec<String> = verdicts
        .map(|(name, verdict)| format!("{name} is {}", verdict.as_str()))
        .collect();
    CommandError::user_message(format!("no worker can run: {}", each.join(", ")))
        .hint(
            "install a worker CLI and log in to it (each line above says how), or configure an \
             agent in .okstra/project.json",
        )
        .hint("`okstra demo` shows a whole run with scripted workers, with no CLI at all")
}

#[cfg(test)]
mod tests {
    use okstra_engine::{PathError, PrepareError, WorktreeError};

    use super::*;

    fn base_ref_required() -> RunError {
        PrepareError::from(WorktreeError::BaseRefRequired {
            task_key: "shop:t:v".into(),
        })
        .into()
    }

    #[test]
    fn refusals_are_one_user_error_with_every_hint() {
        assert!(dry_run_refused(Vec::new()).is_none(), "nothing refuses it");
        let one = dry_run_refused(vec![base_ref_required()]).unwrap();
        assert_eq!(one.code(), 2);
        assert_eq!(
            one.render(),
            [
                "error: the real run would be refused: task shop:t:v has no worktree yet, and \
                 creating one needs a base ref",
                "hint: pass --base-ref <REF> (e.g. --base-ref main) the first time a task runs",
            ]
        );
        let brief = RunError::NoBrief {
            task_key: "shop:t:v".into(),
            path: "/p/brief.md".into(),
            exists: false,
        };
        let two = dry_run_refused(vec![base_ref_required(), brief]).unwrap();
        assert!(
            two.error
                .to_string()
                .starts_with("the real run would be refused, for 2 reasons: task shop:t:v has no"),
            "{}",
            two.error
        );
        assert_eq!(two.hints.len(), 2);
    }

    #[test]
    fn a_check_okstra_could_not_make_is_its_own_failure() {
        let io = RunError::Io(PathError {
            path: "/p/x".into(),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        });
        let err = dry_run_refused(vec![base_ref_required(), io]).unwrap();
        assert_eq!(err.code(), 1);
    }
}
