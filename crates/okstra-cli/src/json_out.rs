//! Owns what the `--json` outputs share: one pretty-printed JSON document on stdout (through
//! `Ui`, so a closed pipe or a full disk is handled once), and paths made absolute. The shapes
//! themselves belong to each command; README's "Machine-readable output" lists them.
//!
//! Errors are not JSON: a command that fails prints nothing on stdout, its `error: …` lines on
//! stderr, and exits with the code of SPEC §12, with `--json` as without it.

use std::path::Path;

use serde_json::Value;

use crate::command_error::CommandError;
use crate::ui::Ui;

/// Prints `value` on stdout as one pretty-printed JSON document.
pub(crate) fn print_json(ui: &Ui, value: &Value) -> Result<(), CommandError> {
    ui.data_line(&serde_json::to_string_pretty(value).map_err(CommandError::internal)?);
    Ok(())
}

/// Returns `path` as an absolute path: as it is when absolute, else joined to `base` (the
/// project root for paths okstra records relative to it).
pub(crate) fn absolute(path: &Path, base: &Path) -> String {
    base.join(path).display().to_string()
}
