//! Owns the leftover worker temp folders `ctl gc` removes: the `tmpRoot` a finished run's team
//! state still records (its okstra died before removing it). A run whose lock is held is still
//! being driven and is left alone; the folder is removed by the path recorded, never a
//! recomputed one, and the record is cleared.

use std::path::{Path, PathBuf};

use okstra_core::index::IndexedRun;
use okstra_core::status::RunStatus;

use super::check::disk_usage;
use crate::errors::StoreError;
use crate::fs_atomic::write_json;
use crate::lock::try_lock_exclusive;
use crate::runs::{load_manifest, load_team_state};

/// A worker temp folder a finished run left.
#[derive(Clone, Debug)]
pub struct GcTempFolder {
    pub run_id: String,
    pub path: PathBuf,
    pub bytes: u64,
}

/// Finds (and unless `dry_run` removes) the temp folders finished runs left.
pub(crate) fn sweep_temp(
    runs: &[IndexedRun],
    dry_run: bool,
) -> Result<Vec<GcTempFolder>, StoreError> {
    let mut out = Vec::new();
    for run in runs {
        if !matches!(
            run.status,
            RunStatus::Completed | RunStatus::Failed | RunStatus::Interrupted
        ) {
            continue;
        }
        // A manifest that is gone or unreadable has no folder okstra can trust.
        let Ok(manifest) = load_manifest(Path::new(&run.manifest)) else {
            continue;
        };
        let Ok(Some(mut team)) = load_team_state(&manifest) else {
            continue;
        };
        let Some(root) = team.tmp_root.clone() else {
            continue;
        };
        let paths = manifest.paths();
        let Some(_lock) = try_lock_exclusive(&paths.run_lock())? else {
            continue;
        };
        let path = PathBuf::from(&root);
        // Only a folder okstra made for this run (a team state can name any path).
        let run_id = manifest.run_id.to_string();
        if path.exists() && !crate::tmp::is_run_temp_root(&path, &run_id) {
            continue;
        }
        let bytes = disk_usage(&path);
        if !dry_run {
            crate::tmp::remove_run_temp_root(&path, &run_id);
            team.tmp_root = None;
            write_json(&paths.team_state(), &team)?;
        }
        out.push(GcTempFolder {
            run_id: run.run_id.to_string(),
            path,
            bytes,
        });
    }
    Ok(out)
}
