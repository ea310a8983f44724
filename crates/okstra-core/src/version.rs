//! Owns the version marks of every persisted shape: `"schemaVersion": "<kind>/v<major>"` on
//! JSON files and `"v": <major>` on JSONL rows (SPEC §2), and the rule for reading them.
//!
//! A missing version is the original okstra's format and is read; a higher major than okstra
//! knows is refused.

use crate::errors::VersionError;

/// The one major version okstra writes and reads today.
pub const CURRENT_MAJOR: u32 = 1;

/// Returns `"<kind>/v1"`.
pub fn schema_version(kind: &str) -> String {
    format!("{kind}/v{CURRENT_MAJOR}")
}

/// Checks a `schemaVersion` value for `kind`: absent (original format) or `<kind>/v<n>` with
/// `n` not above what okstra knows.
pub fn check_schema_version(kind: &str, found: Option<&str>) -> Result<(), VersionError> {
    let Some(found) = found else {
        return Ok(());
    };
    let major = found
        .strip_prefix(kind)
        .and_then(|rest| rest.strip_prefix("/v"))
        .and_then(|n| n.parse::<u32>().ok())
        .ok_or_else(|| VersionError::Malformed {
            kind: kind.to_owned(),
            found: found.to_owned(),
        })?;
    check_major(kind, major)
}

/// Checks a JSONL row's `v`.
pub fn check_row_version(kind: &str, found: Option<u32>) -> Result<(), VersionError> {
    found.map_or(Ok(()), |v| check_major(kind, v))
}

fn check_major(kind: &str, major: u32) -> Result<(), VersionError> {
    if major > CURRENT_MAJOR {
        Err(VersionError::TooNew {
            kind: kind.to_owned(),
            major,
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(schema_version("run-manifest"), "run-manifest/v1");
        assert!(check_schema_version("project", None).is_ok());
        assert!(check_schema_version("project", Some("project/v1")).is_ok());
        assert!(matches!(
            check_schema_version("project", Some("project/v2")),
            Err(VersionError::TooNew { major: 2, .. })
        ));
        assert!(matches!(
            check_schema_version("project", Some("manifest/v1")),
            Err(VersionError::Malformed { .. })
        ));
        assert!(check_row_version("index", Some(1)).is_ok());
        assert!(check_row_version("index", Some(3)).is_err());
    }
}
