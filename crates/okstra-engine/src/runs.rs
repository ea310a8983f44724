//! Owns finding runs: folding the central index into one entry per run (all, or those a
//! `RunFilter` keeps; in parallel parts straight from the text), resolving a `<run>`
//! argument (a run id, a unique prefix of one, or a manifest path — SPEC §11) and loading a
//! run's manifest and team state.

use std::path::{Path, PathBuf};

use okstra_core::RunId;
use okstra_core::errors::RunRefError;
use okstra_core::ids::resolve_run_prefix;
use okstra_core::index::IndexedRun;
use okstra_core::index_fold::IndexFold;
use okstra_core::jsonl::JsonlWarning;
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

/// The runs of the index, folded, in start order, with the read warnings (`IndexRead::rows`
/// is left empty).
pub fn list_runs(home: &Home) -> Result<(Vec<IndexedRun>, IndexRead), StoreError> {
    list_runs_filtered(home, &RunFilter::default())
}

/// The runs of the index that `filter` keeps, folded, in start order, with the read warnings
/// (`IndexRead::rows` is left empty). Each file is folded in parts, one per core, straight
/// from its text; lines that cannot belong to a kept run are skipped undecoded.
pub fn list_runs_filtered(
    home: &Home,
    filter: &RunFilter,
) -> Result<(Vec<IndexedRun>, IndexRead), StoreError> {
    let mut fold = IndexFold::new();
    let mut read = IndexRead::default();
    let files = home.index_files()?;
    // The files are read at once, each by a thread of its own.
    let texts: Vec<Result<Option<String>, PathError>> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .iter()
            .map(|file| s.spawn(move || read_optional(file)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    for (file, text) in files.into_iter().zip(texts) {
        let text = text?.unwrap_or_default();
        let parts = split_lines(&text, PARALLEL_BYTES);
        // Each part is folded with lines numbered from 1 and counts its lines; the numbers
        // are shifted afterwards, so no pass over the whole text runs alone.
        let folded: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = parts
                .iter()
                .map(|&(part, last)| {
                    s.spawn(move || {
                        let mut f = IndexFold::with_capacity(part.len() / RUN_BYTES);
                        let lines = part.matches('\n').count();
                        f.add_text(part, 1, last, filter).map(|w| (f, w, lines))
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        let mut before = 0;
        for part in folded {
            let (f, warnings, lines) = part.map_err(|mut source| {
                source.line += before;
                StoreError::Row {
                    path: file.clone(),
                    source,
                }
            })?;
            fold.merge(f);
            read.warnings.extend(
                warnings
                    .into_iter()
                    .map(|w| (file.clone(), shift_line(w, before))),
            );
            before += lines;
        }
    }
    Ok((fold.into_runs(filter), read))
}

/// The size of index text worth a thread of its own.
const PARALLEL_BYTES: usize = 4 << 20;

/// About how many bytes of index text a run takes (two rows), to size a fold's map.
const RUN_BYTES: usize = 700;

/// Returns a warning about line `n` of a part as one about line `n + before` of its file.
fn shift_line(w: JsonlWarning, before: usize) -> JsonlWarning {
    match w {
        JsonlWarning::TornLastLine { line } => JsonlWarning::TornLastLine {
            line: line + before,
        },
        JsonlWarning::Corrupt { line, message } => JsonlWarning::Corrupt {
            line: line + before,
            message,
        },
    }
}

/// Splits a text at line ends into one part per core (a part per `min_bytes` at most), each
/// with whether it ends the text.
fn split_lines(text: &str, min_bytes: usize) -> Vec<(&str, bool)> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let count = (text.len() / min_bytes.max(1)).clamp(1, cores.min(8));
    let mut parts = Vec::with_capacity(count);
    let mut start = 0;
    for k in 1..=count {
        let end = if k == count {
            text.len()
        } else {
            let target = (text.len() * k / count).max(start);
            text[target..]
                .find('\n')
                .map_or(text.len(), |i| target + i + 1)
        };
        if end > start || k == count {
            parts.push((&text[start..end], end == text.len()));
            start = end;
        }
        if start == text.len() {
            break;
        }
    }
    parts
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

#[cfg(test)]
mod tests {
    use super::split_lines;

    #[test]
    fn parts_end_at_line_ends() {
        let text = "a\nbb\nccc\ndddd\ne";
        for min in [1, 3, 100] {
            let parts = split_lines(text, min);
            let joined: String = parts.iter().map(|p| p.0).collect();
            assert_eq!(joined, text, "min {min}");
            for (i, (part, last)) in parts.iter().enumerate() {
                assert!(*last == (i + 1 == parts.len()));
                if !last {
                    assert!(part.ends_with('\n'));
                }
            }
        }
        assert_eq!(split_lines("", 1), vec![("", true)]);
    }
}
