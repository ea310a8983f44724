//! Owns the wizard's state file, `.okstra/wizard/state.json`: read, changed and written back
//! (atomically) while one exclusive lock (`.okstra/wizard/.lock`) is held for the whole
//! load → change → save, so two agents driving the wizard at once cannot interleave. A file
//! with no state yet is a fresh wizard; a state of a newer major version is refused.

use std::path::{Path, PathBuf};

use okstra_core::document::parse_versioned;
use okstra_core::run_paths::ProjectPaths;
use okstra_core::wizard::{WIZARD_STATE_KIND, WizardState};

use crate::errors::{PathError, StoreError};
use crate::fs_atomic::{read_optional, write_json, write_text};
use crate::lock::lock_exclusive;
use crate::private::create_dir_all;

/// A state file that cannot be read, parsed or written.
pub type WizardStoreError = StoreError;

fn wizard_dir(root: &Path) -> PathBuf {
    ProjectPaths::new(root).okstra_dir().join("wizard")
}

/// Returns the state file of the project at `root`.
pub fn state_path(root: &Path) -> PathBuf {
    wizard_dir(root).join("state.json")
}

fn load(path: &Path) -> Result<WizardState, StoreError> {
    match read_optional(path)? {
        None => Ok(WizardState::default()),
        Some(text) => {
            parse_versioned(&text, WIZARD_STATE_KIND).map_err(|source| StoreError::Invalid {
                path: path.to_path_buf(),
                source,
            })
        }
    }
}

/// Runs `f` on the wizard's state under the lock, and saves the state when `f` changed it.
pub fn with_state<T>(
    root: &Path,
    f: impl FnOnce(&mut WizardState) -> T,
) -> Result<T, WizardStoreError> {
    let dir = wizard_dir(root);
    create_dir_all(&dir)?;
    // Answers are one person's, never shared through the repository (a state carried in by a
    // clone would start a run nobody saw): the folder ignores itself even in a tracked .okstra/.
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        write_text(&ignore, "*\n")?;
    }
    let _lock = lock_exclusive(&dir.join(".lock"))?;
    let path = state_path(root);
    let mut state = load(&path)?;
    let before = state.clone();
    let out = f(&mut state);
    if state != before {
        write_json(&path, &state)?;
    }
    Ok(out)
}

/// Returns the wizard's state (a fresh one when there is no file), reading nothing else.
pub fn read_state(root: &Path) -> Result<WizardState, WizardStoreError> {
    load(&state_path(root))
}

/// Removes the state file under the lock; returns whether there was one.
pub fn clear_state(root: &Path) -> Result<bool, WizardStoreError> {
    clear_when(root, |_| true)
}

/// Removes the state file under the lock only when it holds no answer (a wizard whose run
/// was taken out and started); a wizard someone began since is kept. Returns whether a file
/// was removed.
pub fn clear_fresh_state(root: &Path) -> Result<bool, WizardStoreError> {
    clear_when(root, |state| *state == WizardState::default())
}

fn clear_when(
    root: &Path,
    remove: impl FnOnce(&WizardState) -> bool,
) -> Result<bool, WizardStoreError> {
    let dir = wizard_dir(root);
    if !dir.is_dir() {
        return Ok(false);
    }
    let _lock = lock_exclusive(&dir.join(".lock"))?;
    let path = state_path(root);
    if !remove(&load(&path)?) {
        return Ok(false);
    }
    match fs_err::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(PathError::at(&path)(e).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_state_is_saved_and_an_unchanged_one_is_not_written() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        with_state(root, |s| assert_eq!(*s, WizardState::default())).unwrap();
        assert!(!state_path(root).exists(), "reading writes nothing");
        assert_eq!(
            fs_err::read_to_string(wizard_dir(root).join(".gitignore")).unwrap(),
            "*\n",
            "the answers never go into the repository"
        );
        with_state(root, |s| s.directive = Some("x".into())).unwrap();
        let text = fs_err::read_to_string(state_path(root)).unwrap();
        assert!(
            text.contains("\"schemaVersion\": \"wizard-state/v1\""),
            "{text}"
        );
        assert_eq!(read_state(root).unwrap().directive.as_deref(), Some("x"));
        assert!(!clear_fresh_state(root).unwrap(), "an answer is kept");
        assert!(clear_state(root).unwrap());
        assert!(!clear_state(root).unwrap());
        with_state(root, |s| s.directive = Some("x".into())).unwrap();
        with_state(root, |s| *s = WizardState::default()).unwrap();
        assert!(clear_fresh_state(root).unwrap());
        assert_eq!(read_state(root).unwrap(), WizardState::default());
    }

    #[test]
    fn a_newer_state_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fs_err::create_dir_all(wizard_dir(root)).unwrap();
        fs_err::write(state_path(root), r#"{"schemaVersion": "wizard-state/v9"}"#).unwrap();
        let err = read_state(root).unwrap_err();
        assert!(err.to_string().contains("state.json"), "{err}");
    }
}
