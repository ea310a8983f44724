//! Owns reading and writing the worktree registry (`registry/worktrees.json`) under the
//! registry lock: one function runs a read-modify-write closure while the lock is held.

use okstra_core::registry::Registry;

use crate::errors::StoreError;
use crate::fs_atomic::{read_optional, write_json};
use crate::home::Home;
use crate::lock::lock_exclusive;

/// Reads the registry without the lock (a snapshot for display).
pub(crate) fn read_registry(home: &Home) -> Result<Registry, StoreError> {
    let path = home.paths().registry();
    match read_optional(&path)? {
        Some(text) => Registry::parse(&text).map_err(|source| StoreError::Invalid { path, source }),
        None => Ok(Registry::new()),
    }
}

/// Runs `update` on the registry while holding the registry lock, and writes the registry back
/// when `update` says it changed it. Returns `update`'s value.
pub(crate) fn with_registry<T, E>(
    home: &Home,
    update: impl FnOnce(&mut Registry) -> Result<(T, bool), E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    let _lock = lock_exclusive(&home.paths().registry_lock()).map_err(StoreError::from)?;
    let mut registry = read_registry(home)?;
    let (value, changed) = update(&mut registry)?;
    if changed {
        write_json(&home.paths().registry(), &registry)?;
    }
    Ok(value)
}
