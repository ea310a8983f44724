//! Owns reading `--brief`: a regular file of UTF-8 text that is not blank, at most 1 MiB — so
//! `/dev/zero` or a huge file can never be read into memory — and the typed error when it is
//! not.

use std::path::{Path, PathBuf};

/// The largest brief okstra reads.
pub(crate) const MAX_BRIEF_BYTES: u64 = 1024 * 1024;

/// A `--brief` that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BriefError {
    #[error("--brief {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("--brief {} is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("--brief {} is {size} bytes; a brief may be at most {limit} bytes", path.display())]
    TooBig {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("--brief {} is not UTF-8 text", path.display())]
    NotText { path: PathBuf },
    #[error("--brief {} is empty", path.display())]
    Empty { path: PathBuf },
}

/// Reads a `--brief`: a regular file of at most [`MAX_BRIEF_BYTES`] of UTF-8 text.
pub(crate) fn read_brief(path: &Path) -> Result<String, BriefError> {
    use std::io::Read;
    let io = |source| BriefError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = fs_err::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(BriefError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let too_big = |size| BriefError::TooBig {
        path: path.to_path_buf(),
        size,
        limit: MAX_BRIEF_BYTES,
    };
    if meta.len() > MAX_BRIEF_BYTES {
        return Err(too_big(meta.len()));
    }
    // Read no more than the limit even if the file grew since.
    let mut bytes = Vec::new();
    fs_err::File::open(path)
        .map_err(io)?
        .take(MAX_BRIEF_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_BRIEF_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    let text = String::from_utf8(bytes).map_err(|_| BriefError::NotText {
        path: path.to_path_buf(),
    })?;
    if text.trim().is_empty() {
        return Err(BriefError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(text)
}
