//! Owns `batches/<batch-id>.json` in the central home (SPEC §10): writing a `ctl rerun`
//! batch atomically, reading every batch back (newest first), and the highest seq on disk of
//! a run's task type, from which a batch hands out its seqs. What a batch selects and counts
//! is core's (`okstra_core::batch`).

use std::path::PathBuf;

use okstra_core::Segment;
use okstra_core::batch::BatchFile;
use okstra_core::manifest::RunManifest;

use crate::errors::{PathError, StoreError};
use crate::fs_atomic::write_json;
use crate::home::Home;

/// Returns `batches/<batch-id>.json`; an id that is not a slug names no file.
fn batch_path(home: &Home, batch_id: &str) -> Result<PathBuf, PathError> {
    let dir = home.paths().home().join("batches");
    let segment = Segment::from_slug(batch_id).map_err(|e| PathError {
        path: dir.join(batch_id),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()),
    })?;
    Ok(home.paths().batch(&segment))
}

/// Writes a batch file (temp file + fsync + rename), its folder 0700.
pub fn write_batch(home: &Home, batch: &BatchFile) -> Result<PathBuf, StoreError> {
    let path = batch_path(home, &batch.batch_id)?;
    if let Some(dir) = path.parent() {
        crate::private::create_dir_all(dir)?;
    }
    write_json(&path, batch)?;
    Ok(path)
}

/// Every batch of the home, newest first, and the files that could not be read (each with why).
pub fn read_batches(home: &Home) -> Result<(Vec<BatchFile>, Vec<StoreError>), PathError> {
    let dir = home.paths().home().join("batches");
    let entries = match fs_err::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(PathError::at(&dir)(e)),
    };
    let mut batches = Vec::new();
    let mut bad = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = match fs_err::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                bad.push(StoreError::Io(PathError::at(&path)(e)));
                continue;
            }
        };
        match BatchFile::parse(&text) {
            Ok(batch) => batches.push(batch),
            Err(source) => bad.push(StoreError::Invalid { path, source }),
        }
    }
    batches.sort_by(|a, b| (b.created_at, &b.batch_id).cmp(&(a.created_at, &a.batch_id)));
    Ok((batches, bad))
}

/// Returns the highest seq on disk of `manifest`'s task type (and stage), 0 when none.
pub fn highest_seq(manifest: &RunManifest) -> Result<u32, PathError> {
    let task_type = manifest.task_type;
    let dir = manifest.paths().manifests_dir();
    Ok(
        crate::seq_files::numbered_files(&dir, &format!("run-manifest-{task_type}-"), ".json")?
            .last()
            .map_or(0, |(n, _)| *n),
    )
}
