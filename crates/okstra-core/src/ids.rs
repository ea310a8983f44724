//! Owns the small run identifiers: `RunSeq` (per task/type/stage counter), `Stage` (a Stage Map
//! node number) and `RunId` (a ULID, shown and accepted by its shortest unique prefix).
//!
//! Resolving a `<run>` argument against the index is here as a pure function over the known
//! ids; reading the index is the engine's job. The errors these return (`IdError`,
//! `RunRefError`) are defined here and re-exported from `errors`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use ulid::Ulid;

/// A bad run seq, stage or run id.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum IdError {
    #[error("run seq numbers start at 1")]
    ZeroSeq,
    #[error("stage numbers start at 1")]
    ZeroStage,
    #[error("{value:?} is not a run seq (a whole number from 1)")]
    BadSeq { value: String },
    #[error("{value:?} is not a run id (26 characters of Crockford base-32)")]
    BadRunId { value: String },
}

/// A `<run>` argument that names no run, or more than one.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RunRefError {
    #[error("the run argument is empty")]
    Empty,
    #[error("no run id starts with {value:?}")]
    NotFound { value: String },
    #[error("{value:?} names {} runs", candidates.len())]
    Ambiguous {
        value: String,
        candidates: Vec<RunId>,
    },
}

/// The per-(task, task type[, stage]) run number, starting at 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct RunSeq(u32);

impl RunSeq {
    /// The first seq of any sequence.
    pub const FIRST: RunSeq = RunSeq(1);

    /// Returns the seq for a number, refusing 0.
    pub fn new(n: u32) -> Result<Self, IdError> {
        if n == 0 {
            Err(IdError::ZeroSeq)
        } else {
            Ok(Self(n))
        }
    }

    /// Returns the number.
    pub fn get(self) -> u32 {
        self.0
    }

    /// Returns the following seq.
    pub fn next(self) -> Self {
        Self(self.0.saturating_add(1))
    }
}

impl TryFrom<u32> for RunSeq {
    type Error = IdError;
    fn try_from(n: u32) -> Result<Self, Self::Error> {
        Self::new(n)
    }
}

impl From<RunSeq> for u32 {
    fn from(s: RunSeq) -> u32 {
        s.0
    }
}

impl fmt::Display for RunSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for RunSeq {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n: u32 = s.trim().parse().map_err(|_| IdError::BadSeq {
            value: s.to_owned(),
        })?;
        Self::new(n).map_err(|_| IdError::BadSeq {
            value: s.to_owned(),
        })
    }
}

/// A Stage Map node number (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Stage(u32);

impl Stage {
    /// The first stage of a Stage Map.
    pub const FIRST: Stage = Stage(1);

    /// Returns the stage for a number, refusing 0.
    pub fn new(n: u32) -> Result<Self, IdError> {
        if n == 0 {
            Err(IdError::ZeroStage)
        } else {
            Ok(Self(n))
        }
    }

    /// Returns the number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for Stage {
    type Error = IdError;
    fn try_from(n: u32) -> Result<Self, Self::Error> {
        Self::new(n)
    }
}

impl From<Stage> for u32 {
    fn from(s: Stage) -> u32 {
        s.0
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A run's unique id: a ULID (26 Crockford base-32 characters, time-sortable).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(Ulid);

impl RunId {
    /// Returns a fresh id.
    pub fn generate() -> Self {
        Self(Ulid::generate())
    }

    /// Returns the id for a ULID.
    pub fn from_ulid(ulid: Ulid) -> Self {
        Self(ulid)
    }

    /// Returns the id's short form for names: its last 8 characters, lowercase. They are
    /// random bits, so runs made in the same second still differ — the first 10 characters,
    /// the timestamp, would not.
    pub fn short(&self) -> String {
        let text = self.0.to_string();
        text[text.len() - SHORT_LEN..].to_ascii_lowercase()
    }

    /// Returns the name of the tmux session a detached run runs in: `okstra-<short id>`.
    pub fn session_name(&self) -> String {
        format!("okstra-{}", self.short())
    }
}

/// The length of [`RunId::short`].
const SHORT_LEN: usize = 8;

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for RunId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ulid::from_string(s.trim())
            .map(Self)
            .map_err(|_| IdError::BadRunId {
                value: s.to_owned(),
            })
    }
}

/// Returns, for each id, the length of its shortest prefix that no other id shares.
///
/// The result is in the order of `ids`; an id equal to another gets its full length.
pub fn shortest_unique_prefixes(ids: &[RunId]) -> Vec<usize> {
    let mut texts: Vec<(String, usize)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.to_string(), i))
        .collect();
    texts.sort();
    let mut lens = vec![1usize; ids.len()];
    for pair in texts.windows(2) {
        let common = common_prefix_len(&pair[0].0, &pair[1].0);
        let need = (common + 1).min(pair[0].0.len());
        lens[pair[0].1] = lens[pair[0].1].max(need);
        lens[pair[1].1] = lens[pair[1].1].max(need);
    }
    lens
}

fn common_prefix_len(a: &str, b: &str) -> usize {
    a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count()
}

/// Returns the one id among `known` that `input` names (a full id or a unique prefix,
/// case-insensitive).
pub fn resolve_run_prefix(input: &str, known: &[RunId]) -> Result<RunId, RunRefError> {
    let needle = input.trim().to_ascii_uppercase();
    if needle.is_empty() {
        return Err(RunRefError::Empty);
    }
    let mut found: Vec<RunId> = known
        .iter()
        .filter(|id| id.to_string().starts_with(&needle))
        .copied()
        .collect();
    found.sort();
    found.dedup();
    match found.len() {
        0 => Err(RunRefError::NotFound {
            value: input.to_owned(),
        }),
        1 => Ok(found[0]),
        _ => Err(RunRefError::Ambiguous {
            value: input.to_owned(),
            candidates: found,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> RunId {
        s.parse().unwrap()
    }

    #[test]
    fn the_short_id_tells_apart_runs_made_in_the_same_millisecond() {
        let now = std::time::SystemTime::now();
        let ids: Vec<RunId> = (0..64)
            .map(|_| RunId::from_ulid(Ulid::from_datetime(now)))
            .collect();
        let shorts: std::collections::BTreeSet<String> = ids.iter().map(RunId::short).collect();
        assert_eq!(shorts.len(), ids.len());
        let a = id("01JD0000000000000000000009");
        assert_eq!(a.short(), "00000009");
        assert_eq!(a.session_name(), "okstra-00000009");
    }

    #[test]
    fn seq_and_stage_refuse_zero() {
        assert!(RunSeq::new(0).is_err());
        assert!(Stage::new(0).is_err());
        assert_eq!(RunSeq::FIRST.next().get(), 2);
        assert!(serde_json::from_str::<RunSeq>("0").is_err());
        assert_eq!(serde_json::from_str::<RunSeq>("7").unwrap().get(), 7);
        assert!("x".parse::<RunSeq>().is_err());
    }

    #[test]
    fn prefixes_are_shortest_unique() {
        let ids = [
            id("01JABCDEFGHJKMNPQRSTVWXYZ0"),
            id("01JABCDEFGHJKMNPQRSTVWXYZ1"),
            id("01KZZZZZZZZZZZZZZZZZZZZZZZ"),
        ];
        assert_eq!(shortest_unique_prefixes(&ids), vec![26, 26, 3]);
        assert_eq!(shortest_unique_prefixes(&ids[2..]), vec![1]);
    }

    #[test]
    fn resolve_prefix() {
        let ids = [
            id("01JABCDEFGHJKMNPQRSTVWXYZ0"),
            id("01JABCDEFGHJKMNPQRSTVWXYZ1"),
            id("01KZZZZZZZZZZZZZZZZZZZZZZZ"),
        ];
        assert_eq!(resolve_run_prefix("01k", &ids).unwrap(), ids[2]);
        assert!(matches!(
            resolve_run_prefix("01J", &ids),
            Err(RunRefError::Ambiguous { .. })
        ));
        assert!(matches!(
            resolve_run_prefix("9", &ids),
            Err(RunRefError::NotFound { .. })
        ));
        assert!(matches!(
            resolve_run_prefix("", &ids),
            Err(RunRefError::Empty)
        ));
    }
}
