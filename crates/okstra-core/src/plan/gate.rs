//! Owns the plan-body verification gate (SPEC §7.3): from the `P-` items of a drafted plan and
//! the analysers' verdicts on them, the gate result, computed the same way every time.
//!
//! Per item only AGREE and DISAGREE count; UNSURE and missing answers are recorded, never
//! counted as either. The result is `aborted-non-result` when fewer than 2 analysers (or fewer
//! than half of those asked) answered at all; else `blocked-by-disagreement` when some item is
//! rejected by more than half of those who counted on it; else `passed-with-dissent` when some
//! item has any DISAGREE; else `passed`.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::errors::VersionError;
use crate::findings::model::Verdict;
use crate::plan::model::{PlanItem, PlanItemKind};
use crate::version::{check_schema_version, schema_version};

/// The `schemaVersion` kind of `state/plan-body-verification-<seq>.json`.
pub const PLAN_BODY_VERIFICATION_KIND: &str = "plan-body-verification";

/// The gate's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum GateResult {
    Passed,
    PassedWithDissent,
    BlockedByDisagreement,
    AbortedNonResult,
}

impl GateResult {
    /// Returns the spec spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            GateResult::Passed => "passed",
            GateResult::PassedWithDissent => "passed-with-dissent",
            GateResult::BlockedByDisagreement => "blocked-by-disagreement",
            GateResult::AbortedNonResult => "aborted-non-result",
        }
    }

    /// Returns whether a plan with this result can never be approved.
    pub fn blocks_approval(self) -> bool {
        matches!(
            self,
            GateResult::BlockedByDisagreement | GateResult::AbortedNonResult
        )
    }
}

impl fmt::Display for GateResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One analyser's verdict on one `P-` item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ItemVerdict {
    /// `P-<n>`.
    pub item_id: String,
    pub verdict: Verdict,
    #[serde(default)]
    pub reason: String,
}

/// What one asked analyser gave in the gate's round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GateAnswer {
    /// A valid answer block (it may still leave items out).
    Answered(Vec<ItemVerdict>),
    /// No valid answer: the worker's status and reason.
    Failed(String),
}

/// One worker's recorded verdict on an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkerVerdict {
    pub worker: String,
    pub verdict: Verdict,
    pub reason: String,
}

/// The gate's record of one `P-` item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GateItem {
    pub id: String,
    pub kind: PlanItemKind,
    pub number: u32,
    pub title: String,
    pub agreed_by: Vec<String>,
    pub disagreed_by: Vec<String>,
    pub unsure_by: Vec<String>,
    /// Analysers that answered the round but not this item.
    pub missing: Vec<String>,
    /// Every verdict with its reason, in worker order.
    pub verdicts: Vec<WorkerVerdict>,
}

impl GateItem {
    /// Returns whether more than half of those who counted on the item (AGREE or DISAGREE)
    /// rejected it.
    pub fn rejected(&self) -> bool {
        self.disagreed_by.len() > self.agreed_by.len()
    }
}

/// The gate as a plan's data.json carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanGate {
    pub result: GateResult,
    /// One line: why the result is what it is.
    pub reason: String,
    /// The analysers asked: every one that completed round 0.
    pub asked: Vec<String>,
    /// Those that gave a valid answer block.
    pub answered: Vec<String>,
    /// Those that did not, with their status and reason.
    pub failed: BTreeMap<String, String>,
    pub items: Vec<GateItem>,
}

/// `state/plan-body-verification-<seq>.json` (and its copy `plan-body-verification.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanBodyVerification {
    /// `plan-body-verification/v1`.
    pub schema_version: String,
    pub run_id: String,
    pub run_seq: u32,
    pub gate: PlanGate,
}

impl PlanBodyVerification {
    /// Returns the record of a run's gate.
    pub fn new(run_id: String, run_seq: u32, gate: PlanGate) -> Self {
        Self {
            schema_version: schema_version(PLAN_BODY_VERIFICATION_KIND),
            run_id,
            run_seq,
            gate,
        }
    }

    /// Checks that `schemaVersion` is a version okstra can read.
    pub fn check_version(&self) -> Result<(), VersionError> {
        check_schema_version(PLAN_BODY_VERIFICATION_KIND, Some(&self.schema_version))
    }
}

/// Computes the gate over `items` from the answers of the analysers `asked`. An asked analyser
/// with no entry in `answers` did not answer. Verdicts on ids that are not items, and a second
/// verdict by the same worker on one item, are ignored.
pub fn decide_gate(
    items: &[PlanItem],
    asked: &[String],
    answers: &BTreeMap<String, GateAnswer>,
) -> PlanGate {
    let mut answered = Vec::new();
    let mut failed = BTreeMap::new();
    for worker in asked {
        match answers.get(worker) {
            Some(GateAnswer::Answered(_)) => answered.push(worker.clone()),
            Some(GateAnswer::Failed(why)) => {
                failed.insert(worker.clone(), why.clone());
            }
            None => {
                failed.insert(worker.clone(), "no answer".to_owned());
            }
        }
    }
    let gate_items: Vec<GateItem> = items
        .iter()
        .map(|item| gate_item(item, &answered, answers))
        .collect();

    let (result, reason) = if answered.len() < 2 || answered.len() * 2 < asked.len() {
        (
            GateResult::AbortedNonResult,
            format!(
                "{} of {} analysers asked answered; the gate needs at least 2 and at least half",
                answered.len(),
                asked.len()
            ),
        )
    } else if let Some(rejected) = ids(&gate_items, GateItem::rejected) {
        (
            GateResult::BlockedByDisagreement,
            format!("rejected by most of those who judged it: {rejected}"),
        )
    } else if let Some(dissent) = ids(&gate_items, |i| !i.disagreed_by.is_empty()) {
        (
            GateResult::PassedWithDissent,
            format!("some analysers disagree with {dissent}"),
        )
    } else {
        (
            GateResult::Passed,
            format!(
                "{} of {} analysers answered; no item was disagreed with",
                answered.len(),
                asked.len()
            ),
        )
    };
    PlanGate {
        result,
        reason,
        asked: asked.to_vec(),
        answered,
        failed,
        items: gate_items,
    }
}

/// Returns the gate's record of one item from the answers of those who answered.
fn gate_item(
    item: &PlanItem,
    answered: &[String],
    answers: &BTreeMap<String, GateAnswer>,
) -> GateItem {
    let mut gate = GateItem {
        id: item.id.clone(),
        kind: item.kind,
        number: item.number,
        title: item.title.clone(),
        agreed_by: Vec::new(),
        disagreed_by: Vec::new(),
        unsure_by: Vec::new(),
        missing: Vec::new(),
        verdicts: Vec::new(),
    };
    for worker in answered {
        let Some(GateAnswer::Answered(verdicts)) = answers.get(worker) else {
            continue;
        };
        let Some(v) = verdicts.iter().find(|v| v.item_id == item.id) else {
            gate.missing.push(worker.clone());
            continue;
        };
        match v.verdict {
            Verdict::Agree => gate.agreed_by.push(worker.clone()),
            Verdict::Disagree => gate.disagreed_by.push(worker.clone()),
            Verdict::Unsure => gate.unsure_by.push(worker.clone()),
        }
        gate.verdicts.push(WorkerVerdict {
            worker: worker.clone(),
            verdict: v.verdict,
            reason: v.reason.clone(),
        });
    }
    gate
}

/// Returns the ids of the items that `pick` selects, joined by `, `; `None` when there are none.
fn ids(items: &[GateItem], pick: impl Fn(&GateItem) -> bool) -> Option<String> {
    let picked: Vec<&str> = items
        .iter()
        .filter(|i| pick(i))
        .map(|i| i.id.as_str())
        .collect();
    (!picked.is_empty()).then(|| picked.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: u32) -> Vec<PlanItem> {
        (1..=n)
            .map(|i| PlanItem {
                id: format!("P-{i}"),
                kind: PlanItemKind::Stage,
                number: i,
                title: format!("Stage {i}: t"),
            })
            .collect()
    }

    fn answer(verdicts: &[(&str, Verdict)]) -> GateAnswer {
        GateAnswer::Answered(
            verdicts
                .iter()
                .map(|(id, verdict)| ItemVerdict {
                    item_id: (*id).to_owned(),
                    verdict: *verdict,
                    reason: "r".to_owned(),
                })
                .collect(),
        )
    }

    fn workers(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    use Verdict::{Agree, Disagree, Unsure};

    #[test]
    fn every_agree_passes() {
        let asked = workers(&["a", "b", "c"]);
        let answers = BTreeMap::from([
            ("a".to_owned(), answer(&[("P-1", Agree), ("P-2", Agree)])),
            ("b".to_owned(), answer(&[("P-1", Agree), ("P-2", Unsure)])),
            ("c".to_owned(), answer(&[("P-1", Agree)])),
        ]);
        let gate = decide_gate(&items(2), &asked, &answers);
        assert_eq!(gate.result, GateResult::Passed);
        assert_eq!(gate.items[1].unsure_by, ["b"]);
        assert_eq!(gate.items[1].missing, ["c"]);
        assert!(gate.failed.is_empty());
    }

    #[test]
    fn one_dissent_passes_with_dissent_and_a_majority_blocks() {
        let asked = workers(&["a", "b", "c"]);
        let mut answers = BTreeMap::from([
            ("a".to_owned(), answer(&[("P-1", Agree), ("P-2", Disagree)])),
            ("b".to_owned(), answer(&[("P-1", Agree), ("P-2", Agree)])),
            ("c".to_owned(), answer(&[("P-1", Agree), ("P-2", Agree)])),
        ]);
        let gate = decide_gate(&items(2), &asked, &answers);
        assert_eq!(gate.result, GateResult::PassedWithDissent);
        assert!(gate.reason.contains("P-2"), "{}", gate.reason);

        answers.insert("b".to_owned(), answer(&[("P-2", Disagree)]));
        let gate = decide_gate(&items(2), &asked, &answers);
        assert_eq!(gate.result, GateResult::BlockedByDisagreement);
        assert!(gate.reason.contains("P-2"), "{}", gate.reason);
        assert!(!gate.reason.contains("P-1"), "{}", gate.reason);
    }

    #[test]
    fn unsure_never_counts_either_way() {
        let asked = workers(&["a", "b", "c"]);
        // One DISAGREE against two UNSURE: the only counted verdict rejects the item.
        let answers = BTreeMap::from([
            ("a".to_owned(), answer(&[("P-1", Disagree)])),
            ("b".to_owned(), answer(&[("P-1", Unsure)])),
            ("c".to_owned(), answer(&[("P-1", Unsure)])),
        ]);
        let gate = decide_gate(&items(1), &asked, &answers);
        assert_eq!(gate.result, GateResult::BlockedByDisagreement);
        // A tie is not "more than half".
        let answers = BTreeMap::from([
            ("a".to_owned(), answer(&[("P-1", Disagree)])),
            ("b".to_owned(), answer(&[("P-1", Agree)])),
            ("c".to_owned(), answer(&[("P-1", Unsure)])),
        ]);
        let gate = decide_gate(&items(1), &asked, &answers);
        assert_eq!(gate.result, GateResult::PassedWithDissent);
    }

    #[test]
    fn too_few_answers_abort() {
        let asked = workers(&["a", "b", "c"]);
        let answers = BTreeMap::from([
            ("a".to_owned(), answer(&[("P-1", Agree)])),
            ("b".to_owned(), GateAnswer::Failed("timeout".to_owned())),
        ]);
        let gate = decide_gate(&items(1), &asked, &answers);
        assert_eq!(gate.result, GateResult::AbortedNonResult);
        assert_eq!(gate.failed["b"], "timeout");
        assert_eq!(gate.failed["c"], "no answer");
        assert!(gate.result.blocks_approval());

        // Two of five answered: at least 2, but fewer than half.
        let asked = workers(&["a", "b", "c", "d", "e"]);
        let answers = BTreeMap::from([
            ("a".to_owned(), answer(&[("P-1", Agree)])),
            ("b".to_owned(), answer(&[("P-1", Agree)])),
        ]);
        let gate = decide_gate(&items(1), &asked, &answers);
        assert_eq!(gate.result, GateResult::AbortedNonResult);
    }

    #[test]
    fn stray_ids_and_second_verdicts_are_ignored() {
        let asked = workers(&["a", "b"]);
        let answers = BTreeMap::from([
            (
                "a".to_owned(),
                answer(&[("P-9", Disagree), ("P-1", Agree), ("P-1", Disagree)]),
            ),
            ("b".to_owned(), answer(&[("P-1", Agree)])),
        ]);
        let gate = decide_gate(&items(1), &asked, &answers);
        assert_eq!(gate.result, GateResult::Passed);
        assert_eq!(gate.items[0].agreed_by, ["a", "b"]);
    }

    #[test]
    fn results_spell_as_the_spec() {
        let spelled: Vec<String> = [
            GateResult::Passed,
            GateResult::PassedWithDissent,
            GateResult::BlockedByDisagreement,
            GateResult::AbortedNonResult,
        ]
        .iter()
        .map(|r| {
            serde_json::to_value(r)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
        assert_eq!(
            spelled,
            [
                "passed",
                "passed-with-dissent",
                "blocked-by-disagreement",
                "aborted-non-result"
            ]
        );
    }
}
