//! Owns every JSON write: temp file in the same folder, fsync, rename over the target, then
//! fsync of the folder (SPEC §2 "Every JSON file is written atomically"), so a reader never sees
//! half a file and a crash leaves either the old or the new content.
//!
//! It also writes other whole files (markdown, prompts) the same way. Two lighter variants:
//! prompts (regenerable) skip the fsyncs, and the state files a run rewrites many times
//! (manifest, team state) skip only the folder's fsync and unchanged rewrites. The writes a
//! group of worker completions waits for fill temp files made beforehand ([`Reserved`],
//! [`Spares`]), since making a file is the slow part on a busy file system. Appending lines
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

/// A temp file made beside a file okstra will write later — a worker's result file, made before
/// its first attempt starts; the next version of team state or the manifest — so that the
/// write, when it is due, only fills, syncs and renames it: making a file is the slow part of
/// an atomic write on a busy file system. It is named after its target (`.<name>.okstra-tmp`),
/// so a crash leaves at most one empty file per target, which the next reservation of that
/// target replaces (and the run's end removes, see `stale_temp_files`); dropped unused, it is
/// removed.
#[derive(Debug)]
pub(crate) struct Reserved {
    path: PathBuf,
    file: fs_err::File,
    /// Set once it has become its target; until then dropping it removes it.
    used: bool,
}

impl Reserved {
    /// Makes the temp file of `target` — a new file (0600, never through a symlink), in place
    /// of one a crash left — creating its folder.
    pub(crate) fn beside(target: &Path) -> Result<Self, PathError> {
        use fs_err::os::unix::fs::OpenOptionsExt;
        let dir = target.parent().unwrap_or_else(|| Path::new("."));
        crate::private::create_dir_all(dir)?;
        let name = target
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let path = dir.join(format!(".{name}{TEMP_SUFFIX}"));
        let _ = fs_err::remove_file(&path);
        let file = fs_err::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(crate::private::FILE_MODE)
            .custom_flags(nix::libc::O_NOFOLLOW)
            .open(&path)
            .map_err(PathError::at(&path))?;
        Ok(Self {
            path,
            file,
            used: false,
        })
    }

    /// Writes `bytes` into it, syncs it and renames it over `target`.
    fn fill(mut self, target: &Path, bytes: &[u8]) -> Result<(), PathError> {
        self.file
            .write_all(bytes)
            .and_then(|()| self.file.sync_all())
            .map_err(PathError::at(target))?;
        fs_err::rename(&self.path, target).map_err(PathError::at(target))?;
        self.used = true;
        Ok(())
    }
}

impl Drop for Reserved {
    fn drop(&mut self) {
        if !self.used {
            let _ = fs_err::remove_file(&self.path);
        }
    }
}

/// How the name of a reserved temp file ends.
const TEMP_SUFFIX: &str = ".okstra-tmp";

/// Returns the reserved temp files in `dir` whose target's name `belongs` says is a run's: what
/// a crash of that run left behind.
pub(crate) fn stale_temp_files(dir: &Path, belongs: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = fs_err::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.strip_prefix('.')
                .and_then(|n| n.strip_suffix(TEMP_SUFFIX))
                .is_some_and(&belongs)
        })
        .map(|e| e.path())
        .collect()
}

/// Runs blocking jobs concurrently (making files, say) and returns what those that succeeded
/// gave, in the order they finished.
pub(crate) async fn all_blocking<T, F>(jobs: Vec<F>) -> Vec<T>
where
    T: Send + 'static,
    F: FnOnce() -> Option<T> + Send + 'static,
{
    let mut running = tokio::task::JoinSet::new();
    for job in jobs {
        running.spawn_blocking(job);
    }
    let mut done = Vec::new();
    while let Some(finished) = running.join_next().await {
        if let Ok(Some(value)) = finished {
            done.push(value);
        }
    }
    done
}

/// The next temp files of state files a run rewrites with each group of completions (team state
/// and the manifest), each made in the background as soon as the last one was used.
#[derive(Debug, Default)]
pub(crate) struct Spares(
    std::collections::HashMap<PathBuf, tokio::task::JoinHandle<Option<Reserved>>>,
);

impl Spares {
    /// Returns the spare temp file of `path`, if one was made (waiting for it while it is).
    pub(crate) async fn take(&mut self, path: &Path) -> Option<Reserved> {
        self.0.remove(path)?.await.ok().flatten()
    }

    /// Starts making the next spare temp file of `path`, unless it has one (the same name: a
    /// second one would remove the first as it is dropped).
    pub(crate) fn refill(&mut self, path: &Path) {
        if self.0.contains_key(path) {
            return;
        }
        let target = path.to_path_buf();
        let making = tokio::task::spawn_blocking(move || Reserved::beside(&target).ok());
        self.0.insert(path.to_path_buf(), making);
    }
}

/// A whole-file write, prepared in memory.
#[derive(Debug)]
pub(crate) struct PendingWrite {
    path: PathBuf,
    bytes: Vec<u8>,
    digest: u64,
    /// The temp file made for it beforehand, if any.
    reserved: Option<Reserved>,
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
            reserved: None,
        }
    }

    /// Returns this write, filling `reserved` (made beforehand beside its path) when there is one.
    pub(crate) fn with_temp(mut self, reserved: Option<Reserved>) -> Self {
        self.reserved = reserved;
        self
    }

    /// Returns the digest this write leaves.
    pub(crate) fn digest(&self) -> StateDigest {
        StateDigest(Some(self.digest))
    }

    /// Returns whether the file already holds this content, as last written.
    pub(crate) fn is_unchanged(&self, saved: StateDigest) -> bool {
        saved == self.digest()
    }

    /// Writes it: temp file (the reserved one, if any), fsync, rename; the folder is not
    /// fsynced.
    fn commit(self) -> Result<(), PathError> {
        match self.reserved {
            Some(reserved) => reserved.fill(&self.path, &self.bytes),
            None => rename_into_place(&self.path, &self.bytes, true),
        }
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
    let written = write.digest();
    write.commit()?;
    *digest = written;
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

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs_err::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_reserved_temp_file_becomes_its_target_when_filled() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("result.md");
        let reserved = Reserved::beside(&target).unwrap();
        assert_eq!(names(dir.path()), [".result.md.okstra-tmp"]);
        let write = PendingWrite::bytes(&target, b"answer\n".to_vec()).with_temp(Some(reserved));
        write.commit().unwrap();
        assert_eq!(names(dir.path()), ["result.md"]);
        assert_eq!(fs_err::read_to_string(&target).unwrap(), "answer\n");
        let mode = fs_err::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_reserved_temp_file_dropped_unused_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let reserved = Reserved::beside(&dir.path().join("team.json")).unwrap();
        drop(reserved);
        assert!(names(dir.path()).is_empty());
    }

    #[test]
    fn a_file_or_symlink_left_at_a_temp_path_is_replaced_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r.md");
        // What a crash leaves: the temp file of a target.
        fs_err::write(dir.path().join(".r.md.okstra-tmp"), "stale").unwrap();
        let reserved = Reserved::beside(&target).unwrap();
        reserved.fill(&target, b"new").unwrap();
        assert_eq!(fs_err::read_to_string(&target).unwrap(), "new");
        assert_eq!(names(dir.path()), ["r.md"]);

        let elsewhere = dir.path().join("elsewhere");
        std::os::unix::fs::symlink(&elsewhere, dir.path().join(".s.md.okstra-tmp")).unwrap();
        let reserved = Reserved::beside(&dir.path().join("s.md")).unwrap();
        reserved.fill(&dir.path().join("s.md"), b"mine").unwrap();
        assert!(!elsewhere.exists(), "the symlink was followed");
        assert!(
            !fs_err::symlink_metadata(dir.path().join("s.md"))
                .unwrap()
                .is_symlink()
        );
        assert_eq!(
            fs_err::read_to_string(dir.path().join("s.md")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn spares_make_the_next_temp_file_once_the_last_was_taken() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let target = dir.path().join("state.json");
            let mut spares = Spares::default();
            assert!(spares.take(&target).await.is_none());
            spares.refill(&target);
            // A second refill while one is there keeps the first (same name).
            spares.refill(&target);
            let spare = spares.take(&target).await.expect("a spare");
            let write = PendingWrite::bytes(&target, b"{}\n".to_vec()).with_temp(Some(spare));
            write.commit().unwrap();
            assert_eq!(names(dir.path()), ["state.json"]);
            spares.refill(&target);
            let next = spares.take(&target).await.expect("the next spare");
            assert_eq!(names(dir.path()), [".state.json.okstra-tmp", "state.json"]);
            drop(next);
            assert_eq!(names(dir.path()), ["state.json"]);
        });
    }
}
