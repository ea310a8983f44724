//! Owns which commands okstra itself runs on the merged task worktree (SPEC §3, issue 12):
//! the project's `qaCommands` `test`, `lint` and `db-test` (each when set), then the plan's
//! Validation Checklist in plan order; a command line already listed is run once.

use std::collections::BTreeMap;

use crate::plan::model::ValidationItem;

/// The `qaCommands` keys final verification runs, in order.
pub const QA_KEYS: [&str; 3] = ["test", "lint", "db-test"];

/// Returns the command lines to run, in order, each once.
pub fn verification_commands(
    qa_commands: &BTreeMap<String, Option<String>>,
    checklist: &[ValidationItem],
) -> Vec<String> {
    let qa = QA_KEYS
        .iter()
        .filter_map(|key| qa_commands.get(*key).cloned().flatten());
    let plan = checklist.iter().map(|item| item.command.clone());
    let mut out: Vec<String> = Vec::new();
    for command in qa.chain(plan) {
        let command = command.trim().to_owned();
        if !command.is_empty() && !out.contains(&command) {
            out.push(command);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qa_commands_first_then_the_checklist_each_once() {
        let qa = BTreeMap::from([
            ("lint".to_owned(), Some("sh lint.sh".to_owned())),
            ("db-test".to_owned(), None),
            ("test".to_owned(), Some("sh tests/all.sh".to_owned())),
            ("format".to_owned(), Some("not run".to_owned())),
        ]);
        let checklist = [
            ValidationItem {
                command: "sh tests/t1.sh".to_owned(),
                purpose: String::new(),
            },
            ValidationItem {
                command: " sh tests/all.sh ".to_owned(),
                purpose: String::new(),
            },
        ];
        assert_eq!(
            verification_commands(&qa, &checklist),
            ["sh tests/all.sh", "sh lint.sh", "sh tests/t1.sh"]
        );
        assert!(verification_commands(&BTreeMap::new(), &[]).is_empty());
    }
}
