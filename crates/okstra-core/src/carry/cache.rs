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

use crate::carry::facts::CarryFacts;
use crate::carry::scan::{CarryUnreadable, ProbedCarry};
use crate::version::{check_schema_version, schema_version};

/// The cache's file name, in the carry folder.
pub const CARRY_CACHE_FILE: &str = ".carry-probes.json";

/// The `schemaVersion` kind of the cache.
pub const CARRY_CACHE_KIND: &str = "carry-probes";

/// A file's identity and version: inode, size, and modification and change times (seconds,
/// nanoseconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    #[serde(rename = "i")]
    pub ino: u64,
    #[serde(rename = "l")]
    pub len: u64,
    #[serde(rename = "m")]
    pub mtime: (i64, i64),
    #[serde(rename = "c")]
    pub ctime: (i64, i64),
}

impl FileStamp {
    /// Returns whether the file changed at or after `(seconds, nanoseconds)`.
    pub fn changed_since(&self, since: (i64, i64)) -> bool {
        self.mtime >= since || self.ctime >= since
    }
}

/// One cached carry file: its facts, or why it gives none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedCarry {
    #[serde(rename = "n")]
    pub name: String,
    #[serde(rename = "s")]
    pub stamp: FileStamp,
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    pub facts: Option<CarryFacts>,
    #[serde(rename = "e", default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<CarryUnreadable>,
}

impl CachedCarry {
    /// Returns the cache entry of a probed carry with its file's stamp.
    pub fn of(carry: &ProbedCarry, stamp: FileStamp) -> Self {
        Self {
            name: carry.name.clone(),
            stamp,
            facts: carry.facts.as_ref().ok().cloned(),
            unreadable: carry.facts.as_ref().err().cloned(),
        }
    }

    /// Returns the probed carry the entry holds.
    pub fn into_probed(self) -> ProbedCarry {
        ProbedCarry {
            name: self.name,
            facts: match (self.facts, self.unreadable) {
                (Some(facts), _) => Ok(facts),
                (None, Some(e)) => Err(e),
                (None, None) => Ok(CarryFacts::default()),
            },
        }
    }
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
    use crate::carry::probe::ProbeError;

    #[test]
    fn a_cache_round_trips_and_another_version_is_not_used() {
        let stamp = FileStamp {
            ino: 7,
            len: 120,
            mtime: (1_700_000_000, 5),
            ctime: (1_700_000_000, 9),
        };
        let one = ProbedCarry::from_text(
            "stage-1.json".into(),
            Ok(
                r#"{"stage": true, "status": "done", "stageCommitRange": {"head": 5},
                "commits": [{"sha": "c"}], "impl_task_key": "k", "headTree": "t"}"#,
            ),
        );
        let two = ProbedCarry {
            name: "stage-2.json".into(),
            facts: Err(CarryUnreadable::Json(ProbeError::NotAnObject)),
        };
        let cache = CarryCache::new(vec![
            CachedCarry::of(&one, stamp),
            CachedCarry::of(&two, stamp),
        ]);
        assert_eq!(cache.files[0].clone().into_probed(), one);
        assert_eq!(cache.files[1].clone().into_probed(), two);
        let text = cache.to_json().unwrap();
        assert_eq!(CarryCache::parse(&text), Some(cache));
        assert_eq!(CarryCache::parse(&text.replace("/v1", "/v2")), None);
        assert_eq!(CarryCache::parse("{"), None);
        assert!(stamp.changed_since((1_700_000_000, 9)));
        assert!(!stamp.changed_since((1_700_000_000, 10)));
    }
}
