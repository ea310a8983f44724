//! Owns appending to JSONL files on disk: rows in one write, append-only, fsynced. Readers
//! decode with core's rule (a torn last line is reported, never fatal).

use std::io::Write;
use std::path::Path;

use okstra_core::jsonl::encode_line;
use serde::Serialize;

use crate::errors::{PathError, StoreError};

/// Appends one row to `path` (created with its folder if needed) in a single write, then
/// fsyncs. Callers that share a file between processes hold its lock.
pub(crate) fn append_row<T: Serialize>(path: &Path, row: &T) -> Result<(), StoreError> {
    append_rows(path, std::slice::from_ref(row))
}

/// Appends rows to `path` (created with its folder if needed) in a single write, then fsyncs;
/// nothing is written for no rows. Callers that share a file between processes hold its lock.
pub(crate) fn append_rows<T: Serialize>(path: &Path, rows: &[T]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut line = String::new();
    for row in rows {
        line.push_str(&encode_line(row).map_err(|source| StoreError::Encode {
            path: path.to_path_buf(),
            source,
        })?);
    }
    let mut file = crate::private::open_append(path)?;
    // A torn previous write leaves no newline; start on a fresh line so this row is whole.
    let len = file.metadata().map_err(PathError::at(path))?.len();
    let mut bytes = Vec::with_capacity(line.len() + 1);
    if len > 0 && !ends_with_newline(path)? {
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(line.as_bytes());
    file.write_all(&bytes).map_err(PathError::at(path))?;
    file.sync_data().map_err(PathError::at(path))?;
    Ok(())
}

fn ends_with_newline(path: &Path) -> Result<bool, PathError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = fs_err::File::open(path).map_err(PathError::at(path))?;
    f.seek(SeekFrom::End(-1)).map_err(PathError::at(path))?;
    let mut last = [0u8; 1];
    f.read_exact(&mut last).map_err(PathError::at(path))?;
    Ok(last[0] == b'\n')
}
