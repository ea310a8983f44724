//! Owns okstra's advisory file locks (`flock(2)` through `std::fs::File::lock`): the per-task
//! lock, the registry lock, the project-meta and index locks, and the per-run lock.
//!
//! A lock is a separate `.lock` file, never the file being replaced (a rename swaps the inode).
//! Locks are held for milliseconds around a read-modify-write, never for a whole run; the
//! per-run lock is the one exception and only marks which process drives a run.

use std::fs::TryLockError;
use std::path::Path;

use crate::errors::PathError;
use crate::timer::hold_lock_for_test;

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub(crate) struct LockGuard {
    _file: fs_err::File,
}

fn open_lock_file(path: &Path) -> Result<fs_err::File, PathError> {
    crate::private::open_lock(path)
}

/// Takes the exclusive lock at `path`, waiting for other holders.
pub(crate) fn lock_exclusive(path: &Path) -> Result<LockGuard, PathError> {
    let file = open_lock_file(path)?;
    file.file().lock().map_err(PathError::at(path))?;
    hold_lock_for_test();
    Ok(LockGuard { _file: file })
}

/// Takes the exclusive lock at `path` if nobody holds it; `None` when it is held.
pub(crate) fn try_lock_exclusive(path: &Path) -> Result<Option<LockGuard>, PathError> {
    let file = open_lock_file(path)?;
    match file.file().try_lock() {
        Ok(()) => Ok(Some(LockGuard { _file: file })),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(PathError {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_blocks_try_lock() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("x/.lock");
        let held = lock_exclusive(&path).unwrap();
        assert!(try_lock_exclusive(&path).unwrap().is_none());
        drop(held);
        assert!(try_lock_exclusive(&path).unwrap().is_some());
    }
}
