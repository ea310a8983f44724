//! Owns a row of the consumers ledger (`runs/implementation-planning/consumers.jsonl`) with the
//! original okstra's field names — `impl_task_key`, `stage`, `status` (`started|done`),
//! `started_at`, `head_commit`, `carry_path` (relative to the task root), `source` — plus
//! `"v": 1` and the fields the original's readers ignore: `plan_run_id` (the approved plan the
//! stage belongs to) and `run_id` (the implementation run that started or finished it).
//!
//! Reading is as lenient as the original's `r.get(...)`: a row without `v` is the original's,
//! unknown fields are skipped, and a field of an unexpected type reads as absent. `stage`
//! follows Python's equality with the integer stage a carry names: `3`, `3.0` and `true` are
//! stages 3, 3 and 1; anything else (`"3"`, `0`, `-1`, `2.5`) is no stage. String
//! fields borrow from the text when they have no escapes, so a 100,000-row ledger decodes with
//! no allocation per field.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::carry::probe::Key;

/// The kind name of ledger rows, for version errors.
pub const LEDGER_KIND: &str = "consumers ledger";

/// `status` of a row recording a reserved stage.
pub const STATUS_STARTED: &str = "started";
/// `status` of a row recording a stage that passed.
pub const STATUS_DONE: &str = "done";
/// `source` of a row recovered from a carry sidecar.
pub const SOURCE_CARRY_BACKFILL: &str = "carry-backfill";

/// One ledger row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerRow<'a> {
    /// `1` on okstra's rows; absent on the original's.
    pub v: Option<u64>,
    pub impl_task_key: Option<Cow<'a, str>>,
    /// The stage, when the row's `stage` equals a stage number (see the module doc).
    pub stage: Option<u32>,
    pub status: Option<Cow<'a, str>>,
    pub started_at: Option<Cow<'a, str>>,
    pub head_commit: Option<Cow<'a, str>>,
    pub carry_path: Option<Cow<'a, str>>,
    pub source: Option<Cow<'a, str>>,
    pub plan_run_id: Option<Cow<'a, str>>,
    pub run_id: Option<Cow<'a, str>>,
}

impl LedgerRow<'_> {
    /// Returns whether the row says the stage is done (`status == "done"`, exactly).
    pub fn is_done(&self) -> bool {
        self.status.as_deref() == Some(STATUS_DONE)
    }

    /// Returns whether the row says the stage started (`status == "started"`, exactly).
    pub fn is_started(&self) -> bool {
        self.status.as_deref() == Some(STATUS_STARTED)
    }

    /// Returns the row's key when it is a non-empty string (Python truthiness).
    pub fn key(&self) -> Option<&str> {
        self.impl_task_key.as_deref().filter(|k| !k.is_empty())
    }

    /// Returns the row with every field owned.
    pub fn into_owned(self) -> LedgerRow<'static> {
        let own = |c: Option<Cow<'_, str>>| c.map(|c| Cow::Owned(c.into_owned()));
        LedgerRow {
            v: self.v,
            impl_task_key: own(self.impl_task_key),
            stage: self.stage,
            status: own(self.status),
            started_at: own(self.started_at),
            head_commit: own(self.head_commit),
            carry_path: own(self.carry_path),
            source: own(self.source),
            plan_run_id: own(self.plan_run_id),
            run_id: own(self.run_id),
        }
    }

    /// Returns the row as one JSON line (with its newline), fields in the original's order,
    /// absent ones left out.
    pub fn encode(&self) -> Result<String, serde_json::Error> {
        let mut line = serde_json::to_string(&Encoded::from(self))?;
        line.push('\n');
        Ok(line)
    }
}

/// The written shape of a row.
#[derive(Serialize)]
struct Encoded<'r> {
    #[serde(skip_serializing_if = "Option::is_none")]
    v: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    impl_task_key: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stage: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_at: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    head_commit: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    carry_path: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plan_run_id: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    run_id: Option<&'r str>,
}

impl<'r> From<&'r LedgerRow<'_>> for Encoded<'r> {
    fn from(r: &'r LedgerRow<'_>) -> Self {
        Self {
            v: r.v,
            impl_task_key: r.impl_task_key.as_deref(),
            stage: r.stage,
            status: r.status.as_deref(),
            started_at: r.started_at.as_deref(),
            head_commit: r.head_commit.as_deref(),
            carry_path: r.carry_path.as_deref(),
            source: r.source.as_deref(),
            plan_run_id: r.plan_run_id.as_deref(),
            run_id: r.run_id.as_deref(),
        }
    }
}

/// A row as read: an object, or a JSON value that is not one.
#[expect(
    clippy::large_enum_variant,
    reason = "one per line, moved straight into the rows: boxing would allocate per row"
)]
pub(crate) enum Parsed<'a> {
    Row(LedgerRow<'a>),
    NotAnObject,
}

impl<'de> Deserialize<'de> for Parsed<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RowVisitor)
    }
}

struct RowVisitor;

impl<'de> Visitor<'de> for RowVisitor {
    type Value = Parsed<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parsed<'de>, A::Error> {
        let mut r = LedgerRow::default();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let text = |map: &mut A| map.next_value::<Text<'de>>().map(|t| t.0);
            match key.0.as_ref() {
                "v" => r.v = map.next_value::<Version>()?.0,
                "stage" => r.stage = map.next_value::<RowStage>()?.0,
                "impl_task_key" => r.impl_task_key = text(&mut map)?,
                "status" => r.status = text(&mut map)?,
                "started_at" => r.started_at = text(&mut map)?,
                "head_commit" => r.head_commit = text(&mut map)?,
                "carry_path" => r.carry_path = text(&mut map)?,
                "source" => r.source = text(&mut map)?,
                "plan_run_id" => r.plan_run_id = text(&mut map)?,
                "run_id" => r.run_id = text(&mut map)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Parsed::Row(r))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Parsed<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Parsed::NotAnObject)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Parsed<'de>, E> {
        Ok(Parsed::NotAnObject)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Parsed<'de>, E> {
        Ok(Parsed::NotAnObject)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Parsed<'de>, E> {
        Ok(Parsed::NotAnObject)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Parsed<'de>, E> {
        Ok(Parsed::NotAnObject)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Parsed<'de>, E> {
        Ok(Parsed::NotAnObject)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Parsed<'de>, E> {
        Ok(Parsed::NotAnObject)
    }
}

/// Defines a field value that accepts any JSON value and keeps `$out` (consuming the rest).
macro_rules! any_value {
    ($name:ident<$lt:lifetime>, $out:ty, |$v:ident| {
        bool => $on_bool:expr, i64 => $on_i64:expr, u64 => $on_u64:expr, f64 => $on_f64:expr,
        borrowed => $on_borrowed:expr, str => $on_str:expr $(,)?
    }) => {
        struct $name<$lt>($out, std::marker::PhantomData<&$lt ()>);

        impl<'de: $lt, $lt> Deserialize<'de> for $name<$lt> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name<'de>;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("any JSON value")
                    }
                    fn visit_bool<E: de::Error>(self, $v: bool) -> Result<Self::Value, E> {
                        Ok($name($on_bool, std::marker::PhantomData))
                    }
                    fn visit_i64<E: de::Error>(self, $v: i64) -> Result<Self::Value, E> {
                        Ok($name($on_i64, std::marker::PhantomData))
                    }
                    fn visit_u64<E: de::Error>(self, $v: u64) -> Result<Self::Value, E> {
                        Ok($name($on_u64, std::marker::PhantomData))
                    }
                    fn visit_f64<E: de::Error>(self, $v: f64) -> Result<Self::Value, E> {
                        Ok($name($on_f64, std::marker::PhantomData))
                    }
                    fn visit_borrowed_str<E: de::Error>(
                        self,
                        $v: &'de str,
                    ) -> Result<Self::Value, E> {
                        Ok($name($on_borrowed, std::marker::PhantomData))
                    }
                    fn visit_str<E: de::Error>(self, $v: &str) -> Result<Self::Value, E> {
                        Ok($name($on_str, std::marker::PhantomData))
                    }
                    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                        Ok($name(None, std::marker::PhantomData))
                    }
                    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                        Ok($name(None, std::marker::PhantomData))
                    }
                    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                        while s.next_element::<IgnoredAny>()?.is_some() {}
                        Ok($name(None, std::marker::PhantomData))
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                        while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                        Ok($name(None, std::marker::PhantomData))
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

any_value!(Text<'a>, Option<Cow<'a, str>>, |v| {
    bool => { let _ = v; None },
    i64 => { let _ = v; None },
    u64 => { let _ = v; None },
    f64 => { let _ = v; None },
    borrowed => Some(Cow::Borrowed(v)),
    str => Some(Cow::Owned(v.to_owned())),
});

/// Returns the stage a Python integer equal to `n` names.
fn stage_of(n: i128) -> Option<u32> {
    u32::try_from(n).ok().filter(|n| *n > 0)
}

#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a float equal to a whole number within u32 is that number"
)]
fn stage_of_float(f: f64) -> Option<u32> {
    (f.fract() == 0.0 && f >= 1.0 && f <= f64::from(u32::MAX)).then_some(f as u32)
}

any_value!(RowStage<'a>, Option<u32>, |v| {
    bool => stage_of(i128::from(v)),
    i64 => stage_of(i128::from(v)),
    u64 => stage_of(i128::from(v)),
    f64 => stage_of_float(v),
    borrowed => { let _ = v; None },
    str => { let _ = v; None },
});

any_value!(Version<'a>, Option<u64>, |v| {
    bool => { let _ = v; None },
    i64 => u64::try_from(v).ok(),
    u64 => Some(v),
    f64 => { let _ = v; None },
    borrowed => { let _ = v; None },
    str => { let _ = v; None },
});

#[cfg(test)]
mod tests {
    use super::*;

    fn row(text: &str) -> LedgerRow<'_> {
        match serde_json::from_str::<Parsed<'_>>(text).unwrap() {
            Parsed::Row(r) => r,
            Parsed::NotAnObject => panic!("not an object"),
        }
    }

    #[test]
    fn an_original_row_reads_with_its_field_names() {
        let r = row(
            r#"{"impl_task_key": "k", "stage": 2, "status": "done", "head_commit": "h",
                "carry_path": "runs/implementation/carry/stage-2.json", "source": "carry-backfill",
                "extra": {"nested": [1]}}"#,
        );
        assert_eq!(r.v, None);
        assert_eq!(r.key(), Some("k"));
        assert_eq!(r.stage, Some(2));
        assert!(r.is_done());
        assert!(!r.is_started());
        assert_eq!(r.head_commit.as_deref(), Some("h"));
        assert!(matches!(r.head_commit, Some(Cow::Borrowed(_))));
        assert_eq!(r.source.as_deref(), Some("carry-backfill"));
    }

    #[test]
    fn stage_follows_python_equality_with_an_integer() {
        let stage = |value: &str| row(&format!(r#"{{"stage": {value}}}"#)).stage;
        assert_eq!(stage("3"), Some(3));
        assert_eq!(stage("3.0"), Some(3));
        assert_eq!(stage("true"), Some(1));
        for none in [
            "false",
            "0",
            "-1",
            "2.5",
            "\"3\"",
            "null",
            "[3]",
            "99999999999",
        ] {
            assert_eq!(stage(none), None, "{none}");
        }
    }

    #[test]
    fn fields_of_another_type_read_as_absent() {
        let r = row(r#"{"impl_task_key": 5, "status": ["done"], "head_commit": null, "v": "1"}"#);
        assert_eq!(r.impl_task_key, None);
        assert_eq!(r.status, None);
        assert_eq!(r.head_commit, None);
        assert_eq!(r.v, None);
        assert_eq!(row(r#"{"impl_task_key": ""}"#).key(), None);
        assert!(matches!(
            serde_json::from_str::<Parsed<'_>>("[1]").unwrap(),
            Parsed::NotAnObject
        ));
    }

    #[test]
    fn escaped_strings_are_owned_and_encoding_keeps_the_original_order() {
        let r = row(r#"{"run_id": "R", "status": "st\u0061rted", "stage": 4, "v": 1}"#);
        assert_eq!(r.status.as_deref(), Some("started"));
        assert!(matches!(r.status, Some(Cow::Owned(_))));
        let r = r.into_owned();
        assert_eq!(
            r.encode().unwrap(),
            "{\"v\":1,\"stage\":4,\"status\":\"started\",\"run_id\":\"R\"}\n"
        );
    }
}
