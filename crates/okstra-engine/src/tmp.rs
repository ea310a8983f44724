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

#[cfg(test)]
mod tests {
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
