//! Owns `ctl reindex` (SPEC §10): rebuilding the central index from the run manifests of every
//! registered project — every root in `projects/<projectId>/meta.json`, every task, every task
//! type's `manifests/`, and each `implementation/stage-<N>/manifests/` — and appending only the
//! rows the index lacks (core's `reindex::missing_rows`), in one write under the index lock.
//!
//! Manifests are read on every core (the reading, not the fold, is the cost); the index lock is
//! held only for reading the index and appending. A root that no longer exists is reported, as
//! is a manifest that cannot be read; neither stops the others.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use okstra_core::index::IndexRow;
use okstra_core::project_meta::ProjectMeta;
use okstra_core::reindex::{FoundManifest, ManifestFacts, missing_rows};
use thiserror::Error;

use crate::errors::{PathError, StoreError};
use crate::home::{Home, IndexRead};

/// A reindex that cannot be done.
#[derive(Debug, Error)]
pub enum ReindexError {
    #[error("no project {value:?} is registered in {}", home.display())]
    UnknownProject { value: String, home: PathBuf },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One root of a registered project, as the reindex found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScannedRoot {
    pub project_id: String,
    pub root: PathBuf,
    /// `false` when the folder no longer exists (moved or deleted).
    pub exists: bool,
    /// The run manifests read under it.
    pub manifests: usize,
}

/// What a reindex did.
#[derive(Debug, Default)]
pub struct ReindexReport {
    pub roots: Vec<ScannedRoot>,
    /// Manifests that could not be read, with why.
    pub unreadable: Vec<(PathBuf, String)>,
    /// The rows appended (or, for a dry run, that would be).
    pub added: Vec<IndexRow>,
    /// What reading the index skipped (torn lines).
    pub index: IndexRead,
}

/// Rebuilds the index from the manifests of every registered project, or only of `project`;
/// with `dry_run` nothing is written and `added` holds what would be.
pub fn reindex(
    home: &Home,
    project: Option<&str>,
    dry_run: bool,
) -> Result<ReindexReport, ReindexError> {
    let metas = project_metas(home)?;
    if let Some(wanted) = project
        && !metas.iter().any(|m| m.project_id == wanted)
    {
        return Err(ReindexError::UnknownProject {
            value: wanted.to_owned(),
            home: home.paths().home().to_path_buf(),
        });
    }
    let mut report = ReindexReport::default();
    let mut files: Vec<(usize, PathBuf)> = Vec::new();
    for meta in metas
        .iter()
        .filter(|m| project.is_none_or(|p| m.project_id == p))
    {
        for root in &meta.roots {
            let path = PathBuf::from(&root.path);
            let exists = path.join(".okstra").is_dir() || path.is_dir();
            let at = report.roots.len();
            if exists {
                files.extend(
                    manifest_files(&path)
                        .map_err(StoreError::from)?
                        .into_iter()
                        .map(|f| (at, f)),
                );
            }
            report.roots.push(ScannedRoot {
                project_id: meta.project_id.clone(),
                root: path,
                exists,
                manifests: 0,
            });
        }
    }
    let mut found = Vec::with_capacity(files.len());
    let mut seen = HashSet::new();
    for ((at, path), read) in files.iter().zip(read_all(&files)) {
        match read {
            Ok(facts) => {
                report.roots[*at].manifests += 1;
                // The same run reached through two registered roots counts once.
                if seen.insert(facts.run_id) {
                    found.push(FoundManifest {
                        path: path.display().to_string(),
                        facts,
                    });
                }
            }
            Err(why) => report.unreadable.push((path.clone(), why)),
        }
    }
    let (added, index) = if dry_run {
        let read = home.read_index()?;
        (missing_rows(&read.rows, &found), read)
    } else {
        home.append_missing_index_rows(|rows| missing_rows(rows, &found))?
    };
    report.added = added;
    report.index = index;
    Ok(report)
}

/// Returns every project's meta, by project id.
fn project_metas(home: &Home) -> Result<Vec<ProjectMeta>, StoreError> {
    let dir = home.paths().projects_dir();
    let mut metas = Vec::new();
    for entry in read_dir_sorted(&dir)? {
        let path = entry.join("meta.json");
        let Some(text) = crate::fs_atomic::read_optional(&path)? else {
            continue;
        };
        let meta =
            ProjectMeta::parse(&text).map_err(|source| StoreError::Invalid { path, source })?;
        metas.push(meta);
    }
    Ok(metas)
}

/// Returns the entries of a folder, sorted; a missing folder has none.
fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>, PathError> {
    match fs_err::read_dir(dir) {
        Ok(entries) => {
            let mut out = Vec::new();
            for entry in entries {
                out.push(entry.map_err(PathError::at(dir))?.path());
            }
            out.sort();
            Ok(out)
        }
        // A file where a folder is looked for (`.DS_Store`, notes beside the task folders)
        // holds no manifest: it is skipped, not an error that stops the whole reindex.
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            Ok(Vec::new())
        }
        Err(e) => Err(PathError {
            path: dir.to_path_buf(),
            source: e,
        }),
    }
}

/// Returns every run manifest under a project root:
/// `.okstra/tasks/<group>/<id>/runs/<task-type>/manifests/run-manifest-*.json` and
/// `.okstra/tasks/<group>/<id>/runs/implementation/stage-<N>/manifests/run-manifest-*.json`.
fn manifest_files(root: &Path) -> Result<Vec<PathBuf>, PathError> {
    let mut out = Vec::new();
    for group in read_dir_sorted(&root.join(".okstra/tasks"))? {
        for task in read_dir_sorted(&group)? {
            for type_dir in read_dir_sorted(&task.join("runs"))? {
                push_manifests(&type_dir.join("manifests"), &mut out)?;
                if type_dir.file_name().is_some_and(|n| n == "implementation") {
                    for stage in read_dir_sorted(&type_dir)? {
                        let is_stage = stage
                            .file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with("stage-"));
                        if is_stage {
                            push_manifests(&stage.join("manifests"), &mut out)?;
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

fn push_manifests(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), PathError> {
    for path in read_dir_sorted(dir)? {
        let is_manifest = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("run-manifest-") && n.ends_with(".json"));
        if is_manifest {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads and parses every file, on every core, keeping their order.
fn read_all(files: &[(usize, PathBuf)]) -> Vec<Result<ManifestFacts, String>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(8);
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                let handle =
                    s.spawn(move || part.iter().map(|(_, p)| read_one(p)).collect::<Vec<_>>());
                (part.len(), handle)
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|(len, h)| {
                h.join()
                    .unwrap_or_else(|_| vec![Err("reading it panicked".to_owned()); len])
            })
            .collect()
    })
}

fn read_one(path: &Path) -> Result<ManifestFacts, String> {
    let text = fs_err::read_to_string(path).map_err(|e| e.to_string())?;
    ManifestFacts::parse(&text).map_err(|e| e.to_string())
}
