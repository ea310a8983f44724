//! Owns finding a folder's seq-numbered files — `<prefix><seq><suffix>`, as the manifests
//! (`run-manifest-<task-type>-<seq>.json`) and state records (`final-verification-<seq>.json`)
//! of a task type are named — with their seqs, for the readers that look for the latest or
//! the next one.

use std::path::{Path, PathBuf};

use crate::errors::PathError;

/// Returns the files of `dir` named `<prefix><seq><suffix>` (`seq` a whole number) with their
/// seqs, in seq order; a missing folder has none.
pub(crate) fn numbered_files(
    dir: &Path,
    prefix: &str,
    suffix: &str,
) -> Result<Vec<(u32, PathBuf)>, PathError> {
    let entries = match fs_err::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(PathError::at(dir)(e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(PathError::at(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(seq) = name
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .and_then(|n| n.parse::<u32>().ok())
        {
            found.push((seq, entry.path()));
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_with_a_whole_seq_count_in_seq_order() {
        let tmp = tempfile::tempdir().unwrap();
        for name in [
            "m-10.json",
            "m-2.json",
            "m-x.json",
            "m-3.md",
            "n-4.json",
            "m-.json",
        ] {
            fs_err::write(tmp.path().join(name), "{}").unwrap();
        }
        let found = numbered_files(tmp.path(), "m-", ".json").unwrap();
        let seqs: Vec<u32> = found.iter().map(|(n, _)| *n).collect();
        assert_eq!(seqs, [2, 10]);
        assert_eq!(found[1].1, tmp.path().join("m-10.json"));
        assert!(
            numbered_files(&tmp.path().join("none"), "m-", ".json")
                .unwrap()
                .is_empty()
        );
    }
}
