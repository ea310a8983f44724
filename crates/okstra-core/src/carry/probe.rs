//! Owns reading any carry sidecar — okstra's `carry/v1` or one the original okstra wrote — the
//! way the original's `backfill_done_from_carry` reads it: a JSON object, the stage from
//! `stage` / `stageNumber` (integers only, where Python's `isinstance(v, int)` also takes
//! `true`/`false` as 1/0) or else the file name's `stage-<N>`, complete unless its `status` is
//! `fail|failed|blocked|error|aborted` (any case), the head commit from the first truthy of
//! `stageCommitRange.head`, `head_sha`, `head_commit`, `head`, the last `commits[].sha`, and
//! its `impl_task_key`.
//!
//! Only the fields the repair and the stage state use are kept; everything else is skipped
//! without being built (a sidecar holds output tails and findings). Values keep Python's
//! truthiness: `""`, `0`, `false`, `null`, `[]` and `{}` are absent. Where Python would turn a
//! truthy non-string into text (`str(5)`), okstra keeps no value (`Truthy::Other`): a head
//! commit `5` or `true` names no commit, so such a carry is skipped rather than recorded with
//! a bogus head, and a non-string key is treated as absent.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

/// The fields a carry's head commit is read from, in order.
pub const HEAD_FIELDS: [&str; 5] = [
    "stageCommitRange.head",
    "head_sha",
    "head_commit",
    "head",
    "commits[].sha",
];

/// The statuses that mark a carry as not complete (compared lowercased).
pub const FAILED_CARRY_STATUSES: [&str; 5] = ["fail", "failed", "blocked", "error", "aborted"];

/// A JSON value at a place the repair reads, by Python truthiness.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Truthy {
    /// Absent, `null`, `false`, `0`, `""`, `[]` or `{}`.
    #[default]
    Falsy,
    /// A non-empty string.
    Str(String),
    /// A truthy value that is not a string (a number, `true`, a non-empty list or object).
    Other,
}

impl Truthy {
    /// Returns the string, when it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Truthy::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// A `stage` / `stageNumber` field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CarryStage {
    /// Absent, or not an integer (a string, a float, …): the next source is tried.
    #[default]
    NotInt,
    /// An integer (`true`/`false` count as 1/0, as in Python).
    Int(i64),
}

/// Where a carry's head commit came from, or why it has none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CarryHead {
    Found {
        head: String,
        field: &'static str,
    },
    /// The first truthy field is not a string: it names no commit.
    NotAString {
        field: &'static str,
    },
    Missing,
}

/// What the repair and the stage state read from a carry sidecar (`CarryFacts` resolves it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CarryProbe {
    pub stage_field: CarryStage,
    pub stage_number_field: CarryStage,
    /// `status` when it is a string (a status of any other type is never a failure).
    pub status: Option<String>,
    /// `stageCommitRange.head`, when `stageCommitRange` is an object.
    pub range_head: Option<Truthy>,
    pub head_sha: Truthy,
    pub head_commit: Truthy,
    pub head: Truthy,
    /// The last element's `sha` when `commits` is a non-empty list whose last element is an
    /// object.
    pub last_commit_sha: Option<Truthy>,
    pub impl_task_key: Truthy,
    pub plan_run_id: Option<String>,
    /// okstra's `headTree` (the original's carries have none).
    pub head_tree: Option<String>,
    /// okstra's `runId`: the run that verified the stage.
    pub run_id: Option<String>,
}

/// Why a carry's text is not a carry at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ProbeError {
    /// Not JSON.
    NotJson(String),
    /// JSON, but not an object.
    NotAnObject,
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::NotJson(e) => write!(f, "not JSON ({e})"),
            ProbeError::NotAnObject => f.write_str("not a JSON object"),
        }
    }
}

/// Reads a carry sidecar's text.
pub fn probe_carry(text: &str) -> Result<CarryProbe, ProbeError> {
    match serde_json::from_str::<TopLevel>(text) {
        Ok(TopLevel::Object(probe)) => Ok(*probe),
        Ok(TopLevel::NotObject) => Err(ProbeError::NotAnObject),
        Err(e) => Err(ProbeError::NotJson(e.to_string())),
    }
}

impl CarryProbe {
    /// Returns the stage: `stage`, else `stageNumber` (integers only), else the first
    /// `stage-<digits>` of the file name. The number may be no stage at all (0, negative):
    /// the caller refuses it.
    pub fn stage(&self, file_name: &str) -> Option<i64> {
        for field in [self.stage_field, self.stage_number_field] {
            if let CarryStage::Int(n) = field {
                return Some(n);
            }
        }
        stage_in_file_name(file_name)
    }

    /// Returns whether the carry is complete: its status, if any, is not a failure.
    pub fn is_complete(&self) -> bool {
        self.status.as_deref().is_none_or(|s| {
            let lower = s.to_lowercase();
            !FAILED_CARRY_STATUSES.contains(&lower.as_str())
        })
    }

    /// Returns the head commit, from the first truthy of `stageCommitRange.head`, `head_sha`,
    /// `head_commit`, `head` and the last `commits[].sha`.
    pub fn head_lookup(&self) -> CarryHead {
        let empty = Truthy::Falsy;
        let values = [
            self.range_head.as_ref().unwrap_or(&empty),
            &self.head_sha,
            &self.head_commit,
            &self.head,
            self.last_commit_sha.as_ref().unwrap_or(&empty),
        ];
        for (field, value) in HEAD_FIELDS.into_iter().zip(values) {
            match value {
                Truthy::Falsy => {}
                Truthy::Str(head) => {
                    return CarryHead::Found {
                        head: head.clone(),
                        field,
                    };
                }
                Truthy::Other => return CarryHead::NotAString { field },
            }
        }
        CarryHead::Missing
    }

    /// Returns the head commit when there is one.
    pub fn head_commit(&self) -> Option<String> {
        match self.head_lookup() {
            CarryHead::Found { head, .. } => Some(head),
            _ => None,
        }
    }

    /// Returns the carry's own `impl_task_key` when it is a non-empty string.
    pub fn key(&self) -> Option<&str> {
        self.impl_task_key.as_str()
    }
}

/// Returns the number after the first `stage-` of `name` that is followed by a digit
/// (Python's `re.search(r"stage-(\d+)", name)`, ASCII digits).
pub fn stage_in_file_name(name: &str) -> Option<i64> {
    let mut rest = name;
    while let Some(at) = rest.find("stage-") {
        let after = &rest[at + "stage-".len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            // More digits than an i64 holds is no stage; the caller refuses it.
            return Some(after[..digits].parse().unwrap_or(i64::MAX));
        }
        rest = after;
    }
    None
}

/// The top level of a carry: an object, or anything else.
enum TopLevel {
    Object(Box<CarryProbe>),
    NotObject,
}

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TopVisitor)
    }
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = TopLevel;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
        let mut p = CarryProbe::default();
        // Later duplicates win, as in Python's json.
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match key.0.as_ref() {
                "stage" => p.stage_field = map.next_value::<IntValue>()?.0,
                "stageNumber" => p.stage_number_field = map.next_value::<IntValue>()?.0,
                "status" => p.status = map.next_value::<StrValue>()?.0,
                "stageCommitRange" => p.range_head = map.next_value::<RangeValue>()?.0,
                "head_sha" => p.head_sha = map.next_value::<TruthyValue>()?.0,
                "head_commit" => p.head_commit = map.next_value::<TruthyValue>()?.0,
                "head" => p.head = map.next_value::<TruthyValue>()?.0,
                "commits" => p.last_commit_sha = map.next_value::<CommitsValue>()?.0,
                "impl_task_key" => p.impl_task_key = map.next_value::<TruthyValue>()?.0,
                "plan_run_id" => p.plan_run_id = map.next_value::<StrValue>()?.0,
                "headTree" => p.head_tree = map.next_value::<StrValue>()?.0,
                "runId" => p.run_id = map.next_value::<StrValue>()?.0,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(TopLevel::Object(Box::new(p)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TopLevel, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(TopLevel::NotObject)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<TopLevel, E> {
        Ok(TopLevel::NotObject)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<TopLevel, E> {
        Ok(TopLevel::NotObject)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<TopLevel, E> {
        Ok(TopLevel::NotObject)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<TopLevel, E> {
        Ok(TopLevel::NotObject)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<TopLevel, E> {
        Ok(TopLevel::NotObject)
    }
    fn visit_unit<E: de::Error>(self) -> Result<TopLevel, E> {
        Ok(TopLevel::NotObject)
    }
}

/// An object key, borrowed when it has no escapes.
pub(crate) struct Key<'de>(pub(crate) std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// Defines a lenient value: a visitor that accepts every JSON value, consuming what it does
/// not keep, and maps each kind to `$out` with the given arms.
macro_rules! lenient {
    ($name:ident, $out:ty, default: $default:expr,
     bool($b:ident) => $on_bool:expr, int($i:ident) => $on_int:expr, float($f:ident) => $on_float:expr,
     str($s:ident) => $on_str:expr, seq($n:ident) => $on_seq:expr, map($m:ident) => $on_map:expr) => {
        pub(crate) struct $name(pub(crate) $out);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("any JSON value")
                    }
                    fn visit_bool<E: de::Error>(self, $b: bool) -> Result<$name, E> {
                        Ok($name($on_bool))
                    }
                    fn visit_i64<E: de::Error>(self, $i: i64) -> Result<$name, E> {
                        Ok($name($on_int))
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$name, E> {
                        let $i = i64::try_from(v).unwrap_or(i64::MAX);
                        Ok($name($on_int))
                    }
                    fn visit_f64<E: de::Error>(self, $f: f64) -> Result<$name, E> {
                        Ok($name($on_float))
                    }
                    fn visit_str<E: de::Error>(self, $s: &str) -> Result<$name, E> {
                        Ok($name($on_str))
                    }
                    fn visit_unit<E: de::Error>(self) -> Result<$name, E> {
                        Ok($name($default))
                    }
                    fn visit_none<E: de::Error>(self) -> Result<$name, E> {
                        Ok($name($default))
                    }
                    fn visit_seq<A: SeqAccess<'de>>(self, mut $n: A) -> Result<$name, A::Error> {
                        Ok($name($on_seq))
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut $m: A) -> Result<$name, A::Error> {
                        Ok($name($on_map))
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

/// Consumes a list; returns how many elements it had.
fn skip_seq<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<usize, A::Error> {
    let mut n = 0;
    while seq.next_element::<IgnoredAny>()?.is_some() {
        n += 1;
    }
    Ok(n)
}

/// Consumes an object; returns how many entries it had.
fn skip_map<'de, A: MapAccess<'de>>(map: &mut A) -> Result<usize, A::Error> {
    let mut n = 0;
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {
        n += 1;
    }
    Ok(n)
}

fn truthy_if(truthy: bool) -> Truthy {
    if truthy { Truthy::Other } else { Truthy::Falsy }
}

lenient!(TruthyValue, Truthy, default: Truthy::Falsy,
    bool(b) => truthy_if(b),
    int(i) => truthy_if(i != 0),
    float(f) => truthy_if(f != 0.0),
    str(s) => if s.is_empty() { Truthy::Falsy } else { Truthy::Str(s.to_owned()) },
    seq(seq) => truthy_if(skip_seq(&mut seq)? > 0),
    map(map) => truthy_if(skip_map(&mut map)? > 0));

lenient!(IntValue, CarryStage, default: CarryStage::NotInt,
    bool(b) => CarryStage::Int(i64::from(b)),
    int(i) => CarryStage::Int(i),
    float(_f) => CarryStage::NotInt,
    str(_s) => CarryStage::NotInt,
    seq(seq) => { skip_seq(&mut seq)?; CarryStage::NotInt },
    map(map) => { skip_map(&mut map)?; CarryStage::NotInt });

lenient!(StrValue, Option<String>, default: None,
    bool(_b) => None,
    int(_i) => None,
    float(_f) => None,
    str(s) => Some(s.to_owned()),
    seq(seq) => { skip_seq(&mut seq)?; None },
    map(map) => { skip_map(&mut map)?; None });

/// `stageCommitRange`: an object's `head`, else `None`.
fn range_head<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Truthy, A::Error> {
    let mut head = Truthy::Falsy;
    while let Some(key) = map.next_key::<Key<'de>>()? {
        if key.0 == "head" {
            head = map.next_value::<TruthyValue>()?.0;
        } else {
            map.next_value::<IgnoredAny>()?;
        }
    }
    Ok(head)
}

lenient!(RangeValue, Option<Truthy>, default: None,
    bool(_b) => None,
    int(_i) => None,
    float(_f) => None,
    str(_s) => None,
    seq(seq) => { skip_seq(&mut seq)?; None },
    map(map) => Some(range_head(&mut map)?));

// One element of `commits`: an object's `sha`, else `None`.
lenient!(CommitValue, Option<Truthy>, default: None,
    bool(_b) => None,
    int(_i) => None,
    float(_f) => None,
    str(_s) => None,
    seq(seq) => { skip_seq(&mut seq)?; None },
    map(map) => Some(commit_sha(&mut map)?));

fn commit_sha<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Truthy, A::Error> {
    let mut sha = Truthy::Falsy;
    while let Some(key) = map.next_key::<Key<'de>>()? {
        if key.0 == "sha" {
            sha = map.next_value::<TruthyValue>()?.0;
        } else {
            map.next_value::<IgnoredAny>()?;
        }
    }
    Ok(sha)
}

/// `commits`: the last element's `sha` of a non-empty list (`None` for an empty list, a
/// non-list, or a last element that is not an object).
fn last_commit<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<Option<Truthy>, A::Error> {
    let mut last = None;
    while let Some(element) = seq.next_element::<CommitValue>()? {
        last = element.0;
    }
    Ok(last)
}

lenient!(CommitsValue, Option<Truthy>, default: None,
    bool(_b) => None,
    int(_i) => None,
    float(_f) => None,
    str(_s) => None,
    seq(seq) => last_commit(&mut seq)?,
    map(map) => { skip_map(&mut map)?; None });

/// Returns a carry's DB gate as a lower-case word: okstra's `dbGate.status`, or the original
/// okstra's `dbGate` string (`"UNVERIFIED"`); `None` when the carry records none. Final
/// verification and the hand-off both refuse a stage whose word is `unverified`.
pub fn db_gate_word(carry: &serde_json::Value) -> Option<String> {
    let gate = carry.get("dbGate")?;
    gate.get("status")
        .and_then(serde_json::Value::as_str)
        .or_else(|| gate.as_str())
        .map(str::to_ascii_lowercase)
}

#[cfg(test)]
#[path = "probe_tests.rs"]
mod tests;
