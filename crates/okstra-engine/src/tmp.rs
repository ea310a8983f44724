//! Owns worker temp folders (SPEC §5.1 "a private folder removed afterwards"): a run's folder is
//! made exclusively — it never exists before, no symlink is followed, mode 0700, with an
//! unpredictable suffix — and each worker attempt gets its own folder inside it. Only the code
//! that made a folder removes it, by the path it recorded, never by recomputing one.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use crate::errors::PathError;

/// Makes a new private folder in `base` named `<prefix><random>`: exclusively, mode 0700.
pub(crate) fn make_private_dir(base: &Path, prefix: &str) -> Result<PathBuf, PathError> {
    use std::os::unix::fs::PermissionsExt;
    tempfile::Builder::new()
        .prefix(prefix)
        .rand_bytes(10)
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir_in(base)
        .map(tempfile::TempDir::keep)
        .map_err(PathError::at(base))
}

/// Makes one folder, exclusively (it must not exist), mode 0700.
pub(crate) fn make_dir(path: &Path) -> Result<(), PathError> {
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(path)
        .map_err(PathError::at(path))
}

/// Removes a folder okstra made, with everything in it; a symlink in its place is only
/// unlinked, never followed. A folder already gone is not an error.
pub(crate) fn remove_private_dir(path: &Path) {
    match fs_err::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_dir() => {
            let _ = fs_err::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = fs_err::remove_file(path);
        }
        Err(_) => {}
    }
}

/// Returns whether `path` is a run's temp folder as okstra makes it: a real folder (not a
/// symlink) named `okstra-<run id>-…`, owned by this user, mode 0700. A path a team state
/// records is only trusted when it is — a state file edited by hand, or carried in by a
/// clone, can name any folder.
pub(crate) fn is_run_temp_root(path: &Path, run_id: &str) -> bool {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let named = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(&format!("okstra-{run_id}-")));
    named
        && fs_err::symlink_metadata(path).is_ok_and(|m| {
            m.file_type().is_dir()
                && m.uid() == nix::unistd::geteuid().as_raw()
                && m.permissions().mode() & 0o777 == 0o700
        })
}

/// Removes a run's recorded temp folder when it is one okstra made for that run
/// ([`is_run_temp_root`]); returns whether it was (a folder already gone counts as removed).
pub(crate) fn remove_run_temp_root(path: &Path, run_id: &str) -> bool {
    if !path.exists() {
        return true;
    }
    if !is_run_temp_root(path, run_id) {
        return false;
    }
    remove_private_dir(path);
    true
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_runs_own_temp_folder_is_removed() {
        let base = tempfile::tempdir().unwrap();
        let own = make_private_dir(base.path(), "okstra-01RUN-").unwrap();
        let other = base.path().join("home");
        fs_err::create_dir_all(&other).unwrap();
        assert!(
            !remove_run_temp_root(&other, "01RUN"),
            "not named for the run"
        );
        assert!(other.exists());
        assert!(!remove_run_temp_root(&own, "01OTHER"), "another run's");
        assert!(own.exists());
        assert!(remove_run_temp_root(&own, "01RUN"));
        assert!(!own.exists());
        assert!(remove_run_temp_root(&own, "01RUN"), "already gone");
    }

    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn private_folders_are_exclusive_and_closed() {
        let base = tempfile::tempdir().unwrap();
        let a = make_private_dir(base.path(), "okstra-r-").unwrap();
        let b = make_private_dir(base.path(), "okstra-r-").unwrap();
        assert_ne!(a, b, "an unpredictable suffix");
        let mode = fs_err::metadata(&a).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        let inner = a.join("w-r0");
        make_dir(&inner).unwrap();
        assert!(
            make_dir(&inner).is_err(),
            "never reuses a folder that exists"
        );
        assert_eq!(
            fs_err::metadata(&inner).unwrap().permissions().mode() & 0o777,
            0o700
        );
        remove_private_dir(&a);
        assert!(!a.exists());
    }

    #[test]
    fn a_planted_symlink_is_unlinked_not_followed() {
        let base = tempfile::tempdir().unwrap();
        let target = base.path().join("victim");
        fs_err::create_dir(&target).unwrap();
        fs_err::write(target.join("keep.txt"), "x").unwrap();
        let link = base.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(make_dir(&link).is_err(), "a symlink in the way is refused");
        remove_private_dir(&link);
        assert!(!link.exists());
        assert!(target.join("keep.txt").exists(), "the target is untouched");
    }
}
