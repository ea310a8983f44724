//! Owns the modes of what okstra creates under `.okstra/` and the central home: every file is
//! 0600 and every folder 0700, whatever the umask, because they hold code, prompts and worker
//! answers (SPEC §5.1). The contents of git worktrees are git's: okstra makes only the folders
//! they sit in.

use std::os::unix::fs::DirBuilderExt;
use std::path::Path;

use fs_err::os::unix::fs::OpenOptionsExt;

use crate::errors::PathError;

/// The mode of every file okstra creates.
pub(crate) const FILE_MODE: u32 = 0o600;
/// The mode of every folder okstra creates.
pub(crate) const DIR_MODE: u32 = 0o700;

/// Creates a folder and any missing parents, each new one 0700.
pub(crate) fn create_dir_all(path: &Path) -> Result<(), PathError> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(path)
        .map_err(PathError::at(path))
}

/// Opens a file for appending, creating it (0600, its folder 0700) when it does not exist.
pub(crate) fn open_append(path: &Path) -> Result<fs_err::File, PathError> {
    if let Some(parent) = path.parent() {
        create_dir_all(parent)?;
    }
    fs_err::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(FILE_MODE)
        .open(path)
        .map_err(PathError::at(path))
}

/// Opens a lock file for writing, creating it (0600, its folder 0700) when it does not exist.
pub(crate) fn open_lock(path: &Path) -> Result<fs_err::File, PathError> {
    if let Some(parent) = path.parent() {
        create_dir_all(parent)?;
    }
    fs_err::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(FILE_MODE)
        .open(path)
        .map_err(PathError::at(path))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs_err::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_and_folders_are_private_whatever_the_umask() {
        let base = tempfile::tempdir().unwrap();
        let deep = base.path().join("a/b/c");
        create_dir_all(&deep).unwrap();
        for dir in ["a", "a/b", "a/b/c"] {
            assert_eq!(mode(&base.path().join(dir)), DIR_MODE, "{dir}");
        }
        let log = base.path().join("x/y.log");
        drop(open_append(&log).unwrap());
        assert_eq!(mode(&log), FILE_MODE);
        assert_eq!(mode(&base.path().join("x")), DIR_MODE);
        let lock = base.path().join("z/.lock");
        drop(open_lock(&lock).unwrap());
        assert_eq!(mode(&lock), FILE_MODE);
    }
}
