//! Owns every JSON write: temp file in the same folder, fsync, rename over the target, then
//! fsync of the folder (SPEC §2 "Every JSON file is written atomically"), so a reader never sees
//! half a file and a crash leaves either the old or the new content.
//!
//! It also writes other whole files (markdown, prompts) the same way. Two lighter variants:
//! prompts (regenerable) skip the fsyncs, and the state files a run rewrites many times
//! (manifest, team state) skip only the folder's fsync and unchanged rewrites. Appending lines
//! is `jsonl`'s job.

use std::io::Write;
use std::path::Path;

use atomic_write_file::AtomicWriteFile;
use serde::Serialize;

use crate::errors::{PathError, StoreError};

/// Writes `bytes` to `path` atomically, creating its folder.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), PathError> {
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent).map_err(PathError::at(parent))?;
    }
    let mut file = AtomicWriteFile::options()
        .open(path)
        .map_err(PathError::at(path))?;
    file.write_all(bytes).map_err(PathError::at(path))?;
    file.commit().map_err(PathError::at(path))
}

/// Writes a text file atomically.
pub fn write_text(path: &Path, text: &str) -> Result<(), PathError> {
    write_bytes(path, text.as_bytes())
}

/// Replaces `path` with `text` atomically (temp file + rename: a reader never sees half of
/// it) but without fsync: for artifacts okstra can regenerate, such as prompts, where a crash
/// may lose the newest version but never leaves a torn one.
pub fn replace_text(path: &Path, text: &str) -> Result<(), PathError> {
    rename_into_place(path, text.as_bytes(), false)
}

/// Writes `bytes` to a temp file beside `path` (fsynced when `sync`), then renames it over
/// `path`; the folder is not fsynced.
fn rename_into_place(path: &Path, bytes: &[u8], sync: bool) -> Result<(), PathError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    fs_err::create_dir_all(dir).map_err(PathError::at(dir))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".okstra-tmp-")
        .tempfile_in(dir)
        .map_err(PathError::at(dir))?;
    tmp.write_all(bytes).map_err(PathError::at(path))?;
    if sync {
        tmp.as_file().sync_all().map_err(PathError::at(path))?;
    }
    tmp.persist(path).map_err(|e| PathError {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
}

/// Writes `value` as pretty JSON (with a final newline) atomically. The only JSON writer.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), StoreError> {
    write_text(path, &json_text(path, value)?)?;
    Ok(())
}

/// Returns `value` as the pretty JSON (with a final newline) `write_json` writes to `path`.
pub fn json_text<T: Serialize>(path: &Path, value: &T) -> Result<String, StoreError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|source| StoreError::Encode {
        path: path.to_path_buf(),
        source,
    })?;
    text.push('\n');
    Ok(text)
}

/// Writes `value` like `write_json` unless it is what `digest` says was last written there;
/// keeps `digest` current. For the state files a run rewrites many times (manifest, team
/// state): an unchanged one is not rewritten, and the folder is not fsynced after the rename —
/// the file itself is (never torn or empty), but after a power loss its previous complete
/// version may come back, which `resume` handles (every result file is written durably).
pub fn write_json_if_changed<T: Serialize>(
    path: &Path,
    value: &T,
    digest: &mut Option<u64>,
) -> Result<(), StoreError> {
    use std::hash::{Hash, Hasher};
    let text = json_text(path, value)?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    let new = hasher.finish();
    if *digest == Some(new) {
        return Ok(());
    }
    rename_into_place(path, text.as_bytes(), true)?;
    *digest = Some(new);
    Ok(())
}

/// Reads a text file, or `None` when it does not exist.
pub fn read_optional(path: &Path) -> Result<Option<String>, PathError> {
    match fs_err::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PathError {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}
