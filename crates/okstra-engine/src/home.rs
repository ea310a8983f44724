//! Owns the central home (`$OKSTRA_HOME`, SPEC §2): project meta, the cross-project run index
//! (append, rotation at 16 MiB, reading every `runs*.jsonl`), and access to the registry file.
//!
//! Where the home is (env or default) is decided by the CLI; the engine takes the path.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use okstra_core::ProjectId;
use okstra_core::index::{IndexRow, decode_index};
use okstra_core::jsonl::JsonlWarning;
use okstra_core::project_meta::ProjectMeta;
use okstra_core::repository::GitCommonDir;
use okstra_core::run_paths::HomePaths;

use crate::errors::{PathError, StoreError};
use crate::fs_atomic::{read_optional, write_json};
use crate::jsonl::{append_row, append_rows};
use crate::lock::lock_exclusive;

/// The size past which `index/runs.jsonl` is rotated (SPEC §2).
pub(crate) const INDEX_ROTATE_BYTES: u64 = 16 * 1024 * 1024;

/// The central home.
#[derive(Clone, Debug)]
pub struct Home {
    paths: HomePaths,
    rotate_bytes: u64,
}

/// Every index row, with what was skipped and where.
#[derive(Clone, Debug, Default)]
pub struct IndexRead {
    pub rows: Vec<IndexRow>,
    pub warnings: Vec<(PathBuf, JsonlWarning)>,
}

impl Home {
    /// Returns the home at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            paths: HomePaths::new(path),
            rotate_bytes: INDEX_ROTATE_BYTES,
        }
    }

    /// Returns this home with another index rotation size (a test hook).
    pub fn with_rotate_bytes(mut self, bytes: u64) -> Self {
        self.rotate_bytes = bytes.max(1);
        self
    }

    /// Returns the home's paths.
    pub fn paths(&self) -> &HomePaths {
        &self.paths
    }

    /// Records `root` (a checkout of `repo`, if any) as a root of `project` in
    /// `projects/<projectId>/meta.json` (under its lock; idempotent).
    pub fn register_project(
        &self,
        project: &ProjectId,
        root: &Path,
        repo: Option<&GitCommonDir>,
    ) -> Result<(), StoreError> {
        self.with_project_meta(project, |meta| {
            Ok::<_, StoreError>(((), register_root(meta, root, repo)))
        })
    }

    /// Runs `update` on a project's meta (a new, empty one when the project is not known yet)
    /// while holding its lock, and writes it when `update` says it changed it. Returns
    /// `update`'s value.
    pub(crate) fn with_project_meta<T, E>(
        &self,
        project: &ProjectId,
        update: impl FnOnce(&mut ProjectMeta) -> Result<(T, bool), E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let meta_path = self.paths.project_meta(project);
        let _lock =
            lock_exclusive(&self.paths.project_meta_lock(project)).map_err(StoreError::from)?;
        let read = read_optional(&meta_path)
            .map_err(StoreError::from)?
            .map(|text| {
                ProjectMeta::parse(&text).map_err(|source| StoreError::Invalid {
                    path: meta_path.clone(),
                    source,
                })
            })
            .transpose()?;
        let mut meta =
            read.unwrap_or_else(|| ProjectMeta::new(project.to_string(), Timestamp::now()));
        let (value, changed) = update(&mut meta)?;
        if changed {
            write_json(&meta_path, &meta)?;
        }
        Ok(value)
    }

    /// Reads a project's meta, if the project is known.
    pub fn project_meta(&self, project: &ProjectId) -> Result<Option<ProjectMeta>, StoreError> {
        let path = self.paths.project_meta(project);
        read_optional(&path)?
            .map(|text| {
                ProjectMeta::parse(&text).map_err(|source| StoreError::Invalid { path, source })
            })
            .transpose()
    }

    /// Appends a row to the index, rotating the live file first if it has grown past the limit.
    pub fn append_index(&self, row: &IndexRow) -> Result<(), StoreError> {
        let _lock = lock_exclusive(&self.paths.index_lock())?;
        let live = self.paths.index();
        if let Ok(meta) = fs_err::metadata(&live)
            && meta.len() >= self.rotate_bytes
        {
            let rotated = self.free_rotated_name();
            fs_err::rename(&live, &rotated).map_err(PathError::at(&live))?;
        }
        append_row(&live, row)
    }

    /// Holds the index lock while it reads every row, asks `missing` which rows to add, and
    /// appends those in one write (rotating the live file first if it is past the limit).
    /// Returns the rows added and what the read skipped. `missing` must be quick: every run
    /// that records a row waits for it.
    pub fn append_missing_index_rows(
        &self,
        missing: impl FnOnce(&[IndexRow]) -> Vec<IndexRow>,
    ) -> Result<(Vec<IndexRow>, IndexRead), StoreError> {
        let _lock = lock_exclusive(&self.paths.index_lock())?;
        let read = self.read_index()?;
        let rows = missing(&read.rows);
        if !rows.is_empty() {
            let live = self.paths.index();
            if let Ok(meta) = fs_err::metadata(&live)
                && meta.len() >= self.rotate_bytes
            {
                let rotated = self.free_rotated_name();
                fs_err::rename(&live, &rotated).map_err(PathError::at(&live))?;
            }
            append_rows(&live, &rows)?;
        }
        Ok((rows, read))
    }

    fn free_rotated_name(&self) -> PathBuf {
        let stamp = Timestamp::now().strftime("%Y%m%dT%H%M%SZ").to_string();
        let mut candidate = self.paths.rotated_index(&stamp);
        let mut n = 2;
        while candidate.exists() {
            candidate = self.paths.rotated_index(&format!("{stamp}-{n}"));
            n += 1;
        }
        candidate
    }

    /// Returns the index files, oldest first: every rotated `runs-*.jsonl`, then `runs.jsonl`.
    pub fn index_files(&self) -> Result<Vec<PathBuf>, PathError> {
        let dir = self.paths.index_dir();
        let mut rotated = Vec::new();
        match fs_err::read_dir(&dir) {
            Ok(entries) => {
                for entry in entries {
                    let entry = entry.map_err(PathError::at(&dir))?;
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if name.starts_with("runs-") && name.ends_with(".jsonl") {
                        rotated.push(entry.path());
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(PathError {
                    path: dir,
                    source: e,
                });
            }
        }
        rotated.sort_by_key(|p| rotation_order(p));
        let live = self.paths.index();
        if live.exists() {
            rotated.push(live);
        }
        Ok(rotated)
    }

    /// Reads every index row from every index file, oldest file first.
    pub fn read_index(&self) -> Result<IndexRead, StoreError> {
        self.read_index_lines(|_| true)
    }

    /// Reads the index rows of the lines `keep_line` accepts (a quick test on the raw line),
    /// from every index file, oldest file first.
    pub fn read_index_lines(
        &self,
        keep_line: impl Fn(&str) -> bool + Sync,
    ) -> Result<IndexRead, StoreError> {
        let mut out = IndexRead::default();
        for file in self.index_files()? {
            let text = read_optional(&file)?.unwrap_or_default();
            let decoded = decode_index(&text, &keep_line).map_err(|source| StoreError::Row {
                path: file.clone(),
                source,
            })?;
            out.rows.extend(decoded.rows.into_iter().map(|(_, r)| r));
            out.warnings
                .extend(decoded.warnings.into_iter().map(|w| (file.clone(), w)));
        }
        Ok(out)
    }
}

/// Registers `root` (a checkout of `repo`, if any) in `meta`; returns whether it changed it.
pub(crate) fn register_root(
    meta: &mut ProjectMeta,
    root: &Path,
    repo: Option<&GitCommonDir>,
) -> bool {
    let now = Timestamp::now();
    let path = root.display().to_string();
    let added = meta.register_root(&path, now);
    let recorded = repo.is_some_and(|repo| meta.record_repository(&path, repo, now));
    added || recorded
}

/// Returns the order of a rotated file: its stamp, then its collision counter (`runs-<stamp>`
/// is 1, `runs-<stamp>-<n>` is n).
fn rotation_order(path: &Path) -> (String, u32) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rest = name
        .strip_prefix("runs-")
        .and_then(|r| r.strip_suffix(".jsonl"))
        .unwrap_or(&name);
    match rest.split_once('-') {
        Some((stamp, n)) => (stamp.to_owned(), n.parse().unwrap_or(u32::MAX)),
        None => (rest.to_owned(), 1),
    }
}
