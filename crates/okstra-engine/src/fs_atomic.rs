//! Owns every JSON write: temp file in the same folder, fsync, rename over the target, then
//! fsync of the folder (SPEC §2 "Every JSON file is written atomically"), so a reader never sees
//! half a file and a crash leaves either the old or the new content.
//!
//! It also writes other whole files (markdown, prompts) the same way. Two lighter variants:
//! prompts (regenerable) skip the fsyncs, and the state files a run rewrites many times
//! (manifest, team state) skip only the folder's fsync and unchanged rewrites. Appending lines
//! is `jsonl`'s job. Every file written here is 0600, its new folders 0700 (`private`).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::errors::{PathError, StoreError};

/// Writes `bytes` to `path` atomically and durably — temp file, fsync, rename, fsync of the
/// folder — creating its folder.
pub(crate) fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), PathError> {
    rename_into_place(path, bytes, true)?;
    sync_folder(path.parent().unwrap_or_else(|| Path::new(".")))
}

/// Writes a text file atomically.
pub fn write_text(path: &Path, text: &str) -> Result<(), PathError> {
    write_bytes(path, text.as_bytes())
}

/// Replaces `path` with `text` atomically (temp file + rename: a reader never sees half of
/// it) but without fsync: for artifacts okstra can regenerate, such as prompts, where a crash
/// may lose the newest version but never leaves a torn one.
pub(crate) fn replace_text(path: &Path, text: &str) -> Result<(), PathError> {
    rename_into_place(path, text.as_bytes(), false)
}

/// Writes `bytes` to a temp file beside `path` (fsynced when `sync`), then renames it over
/// `path`; the folder is not fsynced.
fn rename_into_place(path: &Path, bytes: &[u8], sync: bool) -> Result<(), PathError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    crate::private::create_dir_all(dir)?;
    // A temp file is made 0600, and the rename keeps its mode.
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
pub(crate) fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), StoreError> {
    write_text(path, &json_text(path, value)?)?;
    Ok(())
}

/// Returns `value` as the pretty JSON (with a final newline) `write_json` writes to `path`.
pub(crate) fn json_text<T: Serialize>(path: &Path, value: &T) -> Result<String, StoreError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|source| StoreError::Encode {
        path: path.to_path_buf(),
        source,
    })?;
    text.push('\n');
    Ok(text)
}

/// The digest of a state file's content as okstra last wrote it (none before the first write).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct StateDigest(Option<u64>);

/// A whole-file write, prepared in memory.
#[derive(Clone, Debug)]
pub(crate) struct PendingWrite {
    path: PathBuf,
    bytes: Vec<u8>,
    digest: u64,
}

impl PendingWrite {
    /// Returns the write of `value` as pretty JSON (with a final newline).
    pub(crate) fn json<T: Serialize>(path: &Path, value: &T) -> Result<Self, StoreError> {
        Ok(Self::bytes(path, json_text(path, value)?.into_bytes()))
    }

    /// Returns the write of `bytes`.
    pub(crate) fn bytes(path: &Path, bytes: Vec<u8>) -> Self {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        bytes.hash(&mut hasher);
        Self {
            path: path.to_path_buf(),
            digest: hasher.finish(),
            bytes,
        }
    }

    /// Returns the digest this write leaves.
    pub(crate) fn digest(&self) -> StateDigest {
        StateDigest(Some(self.digest))
    }

    /// Returns whether the file already holds this content, as last written.
    pub(crate) fn is_unchanged(&self, saved: StateDigest) -> bool {
        saved == self.digest()
    }

    /// Writes it: temp file, fsync, rename; the folder is not fsynced.
    fn commit(&self) -> Result<(), PathError> {
        rename_into_place(&self.path, &self.bytes, true)
    }
}

/// Writes every file at once — each to a temp file beside it, fsynced, then renamed over it —
/// concurrently, so their syncs share the file system's journal commits; then, when
/// `sync_folders`, fsyncs each of their folders once, which makes the renames durable too.
/// Returns once all of it is on disk.
pub(crate) async fn commit_all(
    writes: Vec<PendingWrite>,
    sync_folders: bool,
) -> Result<(), PathError> {
    let mut folders: Vec<PathBuf> = Vec::new();
    if sync_folders {
        for w in &writes {
            if let Some(dir) = w.path.parent()
                && !folders.iter().any(|f| f == dir)
            {
                folders.push(dir.to_path_buf());
            }
        }
    }
    let mut tasks = tokio::task::JoinSet::new();
    for w in writes {
        tasks.spawn_blocking(move || w.commit());
    }
    let mut first_error = None;
    while let Some(done) = tasks.join_next().await {
        let result = done.unwrap_or_else(|e| {
            Err(PathError {
                path: PathBuf::from("(write task)"),
                source: std::io::Error::other(e.to_string()),
            })
        });
        if let (Err(e), None) = (result, &first_error) {
            first_error = Some(e);
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    for dir in folders {
        tokio::task::spawn_blocking(move || sync_folder(&dir))
            .await
            .unwrap_or_else(|e| {
                Err(PathError {
                    path: PathBuf::from("(folder sync task)"),
                    source: std::io::Error::other(e.to_string()),
                })
            })?;
    }
    Ok(())
}

/// Fsyncs a folder, so the renames in it are durable.
fn sync_folder(dir: &Path) -> Result<(), PathError> {
    fs_err::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(PathError::at(dir))
}

/// Writes `value` like `write_json` unless it is what `digest` says was last written there;
/// keeps `digest` current. For the state files a run rewrites many times (manifest, team
/// state, convergence): an unchanged one is not rewritten, and the folder is not fsynced after
/// the rename — the file itself is (never torn or empty), but after a power loss its previous
/// complete version may come back, which `resume` handles (every result file is written
/// durably).
pub(crate) fn write_json_if_changed<T: Serialize>(
    path: &Path,
    value: &T,
    digest: &mut StateDigest,
) -> Result<(), StoreError> {
    let write = PendingWrite::json(path, value)?;
    if write.is_unchanged(*digest) {
        return Ok(());
    }
    write.commit()?;
    *digest = write.digest();
    Ok(())
}

/// Reads a text file, or `None` when it does not exist.
pub(crate) fn read_optional(path: &Path) -> Result<Option<String>, PathError> {
    match fs_err::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PathError {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}
