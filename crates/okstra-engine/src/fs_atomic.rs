//! Owns every JSON write: temp file in the same folder, fsync, rename over the target, then
//! fsync of the folder (SPEC §2 "Every JSON file is written atomically"), so a reader never sees
//! half a file and a crash leaves either the old or the new content.
//!
//! It also writes other whole files (markdown, prompts) the same way. Appending lines is
//! `jsonl`'s job.

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
    use std::io::Write as _;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    fs_err::create_dir_all(dir).map_err(PathError::at(dir))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".okstra-tmp-")
        .tempfile_in(dir)
        .map_err(PathError::at(dir))?;
    tmp.write_all(text.as_bytes())
        .map_err(PathError::at(path))?;
    tmp.persist(path).map_err(|e| PathError {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
}

/// Writes `value` as pretty JSON (with a final newline) atomically. The only JSON writer.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), StoreError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|source| StoreError::Encode {
        path: path.to_path_buf(),
        source,
    })?;
    text.push('\n');
    write_text(path, &text)?;
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
