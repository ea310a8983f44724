//! Owns finding runs: folding the central index into one entry per run, resolving a `<run>`
//! argument (a run id, a unique prefix of one, or a manifest path — SPEC §11) and loading a
//! run's manifest and team state.

use std::path::{Path, PathBuf};

use okstra_core::RunId;
use okstra_core::errors::RunRefError;
use okstra_core::ids::resolve_run_prefix;
use okstra_core::index::{IndexedRun, fold_index};
use okstra_core::manifest::RunManifest;
use okstra_core::run_filter::RunFilter;
use okstra_core::team_state::TeamState;
use thiserror::Error;

use crate::errors::{PathError, StoreError};
use crate::fs_atomic::read_optional;
use crate::home::{Home, IndexRead};

/// A `<run>` argument that cannot be resolved.
#[derive(Debug, Error)]
pub enum FindRunError {
    #[error(transparent)]
    Ref(#[from] RunRefError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The runs of the index, folded, with the read warnings.
pub fn list_runs(home: &Home) -> Result<(Vec<IndexedRun>, IndexRead), StoreError> {
    let read = home.read_index()?;
    let runs = fold_index(read.rows.iter().cloned());
    Ok((runs, read))
}

/// The runs of the index that `filter` keeps, folded, in start order, with the read warnings
/// (`IndexRead::rows` is left empty: the rows went into the fold). Lines that cannot belong to
/// a kept run are skipped before they are decoded.
pub fn list_runs_filtered(
    home: &Home,
    filter: &RunFilter,
) -> Result<(Vec<IndexedRun>, IndexRead), StoreError> {
    let mut read = home.read_index_lines(|line| filter.may_keep_line(line))?;
    let rows = std::mem::take(&mut read.rows);
    let mut runs = fold_index(rows.into_iter().filter(|r| filter.keeps_row(r)));
    runs.retain(|r| filter.keeps_run(r));
    Ok((runs, read))
}

/// A resolved run: its manifest path and parsed manifest.
#[derive(Clone, Debug)]
pub struct FoundRun {
    pub manifest_path: PathBuf,
    pub manifest: RunManifest,
}

/// Resolves a `<run>` argument: an existing manifest path, or a run id / unique prefix looked
/// up in the index.
pub fn find_run(home: &Home, arg: &str) -> Result<FoundRun, FindRunError> {
    let as_path = Path::new(arg);
    if arg.ends_with(".json") && as_path.is_file() {
        let manifest_path = fs_err::canonicalize(as_path).map_err(|e| {
            StoreError::from(PathError {
                path: as_path.to_path_buf(),
                source: e,
            })
        })?;
        return Ok(FoundRun {
            manifest: load_manifest(&manifest_path)?,
            manifest_path,
        });
    }
    let (runs, _) = list_runs(home)?;
    let ids: Vec<RunId> = runs.iter().map(|r| r.run_id).collect();
    let id = resolve_run_prefix(arg, &ids)?;
    let run = runs
        .into_iter()
        .find(|r| r.run_id == id)
        .ok_or_else(|| RunRefError::NotFound {
            value: arg.to_owned(),
        })?;
    let manifest_path = PathBuf::from(&run.manifest);
    Ok(FoundRun {
        manifest: load_manifest(&manifest_path)?,
        manifest_path,
    })
}

/// Reads and parses a manifest.
pub fn load_manifest(path: &Path) -> Result<RunManifest, StoreError> {
    let text = fs_err::read_to_string(path).map_err(PathError::at(path))?;
    RunManifest::parse(&text).map_err(|source| StoreError::Invalid {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads and parses a run's team state; `None` before its first worker was recorded.
pub fn load_team_state(manifest: &RunManifest) -> Result<Option<TeamState>, StoreError> {
    let path = manifest.paths().team_state();
    read_optional(&path)?
        .map(|text| TeamState::parse(&text).map_err(|source| StoreError::Invalid { path, source }))
        .transpose()
}
