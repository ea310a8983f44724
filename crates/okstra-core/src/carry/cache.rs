//! Owns the carry folder's probe cache, `runs/implementation/carry/.carry-probes.json`
//! (`carry-probes/v1`): what each carry file gave when it was last read, keyed by the file's
//! stamp (inode, size, modification and change times, as git's index keys its entries), so a
//! reader of a large carry folder stats each file instead of reading and parsing it.
//!
//! It is derived data and never trusted beyond its stamps: a file whose stamp differs, a cache
//! that is unreadable or of another version, are read again; a file changed less than a second
//! before the cache was written is left out of it (its stamp may not yet tell a later change
//! apart). The cache's name does not match `stage-*.json`, so no carry reader sees it.

use serde::{Deserialize, Serialize};

use crate::carry::probe::CarryProbe;
use crate::carry::scan::CarryUnreadable;
use crate::version::{check_schema_version, schema_version};

/// The cache's file name, in the carry folder.
pub const CARRY_CACHE_FILE: &str = ".carry-probes.json";

/// The `schemaVersion` kind of the cache.
pub const CARRY_CACHE_KIND: &str = "carry-probes";

/// A file's identity and version: inode, size, and modification and change times (seconds,
/// nanoseconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    pub ino: u64,
    pub len: u64,
    pub mtime: (i64, i64),
    pub ctime: (i64, i64),
}

impl FileStamp {
    /// Returns whether the file changed at or after `(seconds, nanoseconds)`.
    pub fn changed_since(&self, since: (i64, i64)) -> bool {
        self.mtime >= since || self.ctime >= since
    }
}

/// One cached carry file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedCarry {
    pub name: String,
    pub stamp: FileStamp,
    pub probe: Result<CarryProbe, CarryUnreadable>,
}

/// The cache.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CarryCache {
    pub schema_version: Option<String>,
    pub files: Vec<CachedCarry>,
}

impl CarryCache {
    /// Returns a cache of `files`.
    pub fn new(files: Vec<CachedCarry>) -> Self {
        Self {
            schema_version: Some(schema_version(CARRY_CACHE_KIND)),
            files,
        }
    }

    /// Parses a cache; `None` when it cannot be used (it is then rebuilt).
    pub fn parse(text: &str) -> Option<Self> {
        let cache: Self = serde_json::from_str(text).ok()?;
        let version = cache.schema_version.as_deref()?;
        check_schema_version(CARRY_CACHE_KIND, Some(version)).ok()?;
        Some(cache)
    }

    /// Returns the cache as compact JSON.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carry::probe::{ProbeError, probe_carry};

    #[test]
    fn a_cache_round_trips_and_another_version_is_not_used() {
        let stamp = FileStamp {
            ino: 7,
            len: 120,
            mtime: (1_700_000_000, 5),
            ctime: (1_700_000_000, 9),
        };
        let probe = probe_carry(
            r#"{"stage": true, "status": "done", "stageCommitRange": {"head": 5},
                "commits": [{"sha": "c"}], "impl_task_key": "k", "headTree": "t"}"#,
        )
        .unwrap();
        let cache = CarryCache::new(vec![
            CachedCarry {
                name: "stage-1.json".into(),
                stamp,
                probe: Ok(probe),
            },
            CachedCarry {
                name: "stage-2.json".into(),
                stamp,
                probe: Err(CarryUnreadable::Json(ProbeError::NotAnObject)),
            },
        ]);
        let text = cache.to_json().unwrap();
        assert_eq!(CarryCache::parse(&text), Some(cache));
        assert_eq!(CarryCache::parse(&text.replace("/v1", "/v2")), None);
        assert_eq!(CarryCache::parse("{"), None);
        assert!(stamp.changed_since((1_700_000_000, 9)));
        assert!(!stamp.changed_since((1_700_000_000, 10)));
    }
}
