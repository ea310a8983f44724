//! Owns what the stage ledger's readers use of a carry, resolved once from its probe with the
//! seed's rules: its stage (file name included), whether its status marks it failed, its head
//! commit and the field it came from, its key, plan, tree and run. It is also the shape the
//! carry folder's cache keeps (short keys: the cache holds one per carry file).

use serde::{Deserialize, Serialize};

use crate::carry::probe::{CarryHead, CarryProbe, HEAD_FIELDS};

/// A carry's facts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CarryFacts {
    /// `stage`, else `stageNumber` (integers), else the file name's `stage-<N>`; it may be no
    /// stage number (0, negative): the repair refuses it.
    #[serde(rename = "n", skip_serializing_if = "Option::is_none")]
    pub stage: Option<i64>,
    /// The status, when it marks the carry as failed.
    #[serde(rename = "f", skip_serializing_if = "Option::is_none")]
    pub failed_status: Option<String>,
    /// The head commit, when the first truthy head field is a string.
    #[serde(rename = "h", skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    /// The index in `HEAD_FIELDS` of the first truthy head field.
    #[serde(rename = "hf", skip_serializing_if = "Option::is_none")]
    pub head_field: Option<u8>,
    /// The carry's own `impl_task_key`, when a non-empty string.
    #[serde(rename = "k", skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(rename = "p", skip_serializing_if = "Option::is_none")]
    pub plan_run_id: Option<String>,
    #[serde(rename = "t", skip_serializing_if = "Option::is_none")]
    pub head_tree: Option<String>,
    #[serde(rename = "r", skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
}

impl CarryFacts {
    /// Returns the facts of the carry `probe` read from the file `file_name`.
    pub fn of(probe: &CarryProbe, file_name: &str) -> Self {
        let (head, field) = match probe.head_lookup() {
            CarryHead::Found { head, field } => (Some(head), Some(field)),
            CarryHead::NotAString { field } => (None, Some(field)),
            CarryHead::Missing => (None, None),
        };
        let head_field = field.and_then(|f| {
            HEAD_FIELDS
                .iter()
                .position(|known| *known == f)
                .and_then(|i| u8::try_from(i).ok())
        });
        Self {
            stage: probe.stage(file_name),
            failed_status: (!probe.is_complete()).then(|| probe.status.clone().unwrap_or_default()),
            head,
            head_field,
            key: probe.key().map(str::to_owned),
            plan_run_id: probe.plan_run_id.clone(),
            head_tree: probe.head_tree.clone(),
            run_id: probe.run_id.clone(),
        }
    }

    /// Returns whether the carry is complete: its status, if any, is not a failure.
    pub fn is_complete(&self) -> bool {
        self.failed_status.is_none()
    }

    /// Returns the head commit and where it came from, or why there is none.
    pub fn head_lookup(&self) -> CarryHead {
        let field = self
            .head_field
            .and_then(|i| HEAD_FIELDS.get(usize::from(i)).copied());
        match (&self.head, field) {
            (Some(head), Some(field)) => CarryHead::Found {
                head: head.clone(),
                field,
            },
            (None, Some(field)) => CarryHead::NotAString { field },
            _ => CarryHead::Missing,
        }
    }

    /// Returns the head commit when there is one.
    pub fn head_commit(&self) -> Option<&str> {
        self.head.as_deref()
    }

    /// Returns the carry's own key.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carry::probe::probe_carry;

    #[test]
    fn facts_keep_what_the_probe_decides_and_round_trip_compactly() {
        for (text, name) in [
            (
                r#"{"stage": 2, "stageCommitRange": {"head": "r"}, "commits": [{"sha": "c"}]}"#,
                "stage-9.json",
            ),
            (
                r#"{"status": "Failed", "head_sha": 5, "impl_task_key": "k"}"#,
                "stage-3.json",
            ),
            (
                r#"{"commits": [{"sha": "c"}], "plan_run_id": "P", "headTree": "T", "runId": "R"}"#,
                "stage-x.json",
            ),
            (r"{}", "stage-4.json"),
        ] {
            let probe = probe_carry(text).unwrap();
            let facts = CarryFacts::of(&probe, name);
            assert_eq!(facts.stage, probe.stage(name), "{text}");
            assert_eq!(facts.is_complete(), probe.is_complete(), "{text}");
            assert_eq!(facts.head_lookup(), probe.head_lookup(), "{text}");
            assert_eq!(facts.key(), probe.key(), "{text}");
            let json = serde_json::to_string(&facts).unwrap();
            assert_eq!(serde_json::from_str::<CarryFacts>(&json).unwrap(), facts);
        }
        let facts = CarryFacts::of(
            &probe_carry(r#"{"stage": 1, "head": "h"}"#).unwrap(),
            "stage-1.json",
        );
        assert_eq!(
            serde_json::to_string(&facts).unwrap(),
            r#"{"n":1,"h":"h","hf":3}"#
        );
    }
}
