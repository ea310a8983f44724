//! Owns the fold of the ledger's rows into what every reader needs, so a reader keeps a few
//! owned rows rather than the whole file: for each (plan, stage) the latest `started` or
//! `done` row, which (plan, stage) pairs have any `done` row, and the task keys the carry
//! repair falls back on (the first key each stage's rows name, the last key of all).
//!
//! Rows are taken in file order: the latest row of a stage decides its state (a `--redo`
//! appends a `started` row after the `done` one; a recovered `done` row follows the `started`
//! row of the run that wrote its carry).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::ledger::row::LedgerRow;

/// The latest `started` or `done` row of a (plan, stage): what the stage state reads of it,
/// and its position in the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LatestRow {
    /// 0-based position among the ledger's rows.
    pub seq: usize,
    /// `done` (else `started`).
    pub done: bool,
    pub head_commit: Option<String>,
    pub carry_path: Option<String>,
    pub run_id: Option<String>,
    pub started_at: Option<String>,
    pub source: Option<String>,
}

impl LatestRow {
    fn of(seq: usize, row: &LedgerRow<'_>) -> Self {
        let own = |c: &Option<std::borrow::Cow<'_, str>>| c.as_deref().map(str::to_owned);
        Self {
            seq,
            done: row.is_done(),
            head_commit: own(&row.head_commit),
            carry_path: own(&row.carry_path),
            run_id: own(&row.run_id),
            started_at: own(&row.started_at),
            source: own(&row.source),
        }
    }
}

/// A (plan, stage) pair: the row's `plan_run_id` (`None` on the original's rows) and stage.
/// A ledger names few plans and one task key, so both are shared (`Arc<str>`).
pub type PlanStage = (Option<Arc<str>>, u32);

/// The ledger, folded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerSummary {
    /// How many rows were folded.
    pub rows: usize,
    pub latest: BTreeMap<PlanStage, LatestRow>,
    /// The (plan, stage) pairs with at least one `done` row.
    pub done: BTreeSet<PlanStage>,
    /// The key of each stage's first row that has one.
    pub first_key: BTreeMap<u32, Arc<str>>,
    /// The key of the last row that has one.
    pub last_key: Option<Arc<str>>,
}

/// Shares the few distinct strings (plan ids, task keys) of a ledger.
#[derive(Default)]
struct Interner<'a>(HashMap<&'a str, Arc<str>>);

impl<'a> Interner<'a> {
    fn get(&mut self, text: &'a str) -> Arc<str> {
        self.0
            .entry(text)
            .or_insert_with(|| Arc::from(text))
            .clone()
    }
}

impl LedgerSummary {
    /// Folds rows in file order.
    pub fn fold(rows: &[LedgerRow<'_>]) -> Self {
        // Plans are few: each gets a number (0: no plan), so the maps key on integers.
        let mut plans: Vec<&str> = Vec::new();
        let mut last_plan: Option<(&str, usize)> = None;
        let mut latest: BTreeMap<(usize, u32), usize> = BTreeMap::new();
        let mut done: BTreeSet<(usize, u32)> = BTreeSet::new();
        let mut first_key: BTreeMap<u32, &str> = BTreeMap::new();
        let mut last_key = None;
        for (seq, row) in rows.iter().enumerate() {
            if let Some(key) = row.key() {
                last_key = Some(key);
                if let Some(stage) = row.stage {
                    first_key.entry(stage).or_insert(key);
                }
            }
            let Some(stage) = row.stage else { continue };
            if !(row.is_done() || row.is_started()) {
                continue;
            }
            let plan = match row.plan_run_id.as_deref() {
                None => 0,
                // Rows of one plan follow each other: the last plan seen is tried first.
                Some(p) if last_plan.is_some_and(|(known, _)| known == p) => {
                    last_plan.map_or(0, |(_, i)| i)
                }
                Some(p) => {
                    let i = if let Some(i) = plans.iter().position(|known| *known == p) {
                        i + 1
                    } else {
                        plans.push(p);
                        plans.len()
                    };
                    last_plan = Some((p, i));
                    i
                }
            };
            latest.insert((plan, stage), seq);
            if row.is_done() {
                done.insert((plan, stage));
            }
        }
        let mut strings = Interner::default();
        let names: Vec<Option<Arc<str>>> = std::iter::once(None)
            .chain(plans.iter().map(|p| Some(strings.get(p))))
            .collect();
        Self {
            rows: rows.len(),
            latest: latest
                .into_iter()
                .map(|((plan, stage), seq)| {
                    ((names[plan].clone(), stage), LatestRow::of(seq, &rows[seq]))
                })
                .collect(),
            done: done
                .into_iter()
                .map(|(plan, stage)| (names[plan].clone(), stage))
                .collect(),
            first_key: first_key
                .into_iter()
                .map(|(stage, key)| (stage, strings.get(key)))
                .collect(),
            last_key: last_key.map(|key| strings.get(key)),
        }
    }

    /// Folds one more row, appended after the others.
    pub fn push(&mut self, row: &LedgerRow<'_>) {
        let seq = self.rows;
        self.rows += 1;
        if let Some(key) = row.key() {
            let key: Arc<str> = Arc::from(key);
            self.last_key = Some(key.clone());
            if let Some(stage) = row.stage {
                self.first_key.entry(stage).or_insert(key);
            }
        }
        let Some(stage) = row.stage else { return };
        if !(row.is_done() || row.is_started()) {
            return;
        }
        let plan: Option<Arc<str>> = row.plan_run_id.as_deref().map(Arc::from);
        if row.is_done() {
            self.done.insert((plan.clone(), stage));
        }
        self.latest.insert((plan, stage), LatestRow::of(seq, row));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::decode::decode_ledger;

    const TEXT: &str = r#"{"impl_task_key":"k1","stage":1,"status":"started","run_id":"A"}
{"impl_task_key":"k1","stage":1,"status":"done","head_commit":"h1"}
{"impl_task_key":"k2","stage":2,"status":"started","plan_run_id":"P"}
{"stage":3,"status":"other"}
{"impl_task_key":"k1","stage":1,"status":"started","run_id":"B"}
"#;

    #[test]
    fn the_latest_row_per_plan_and_stage_wins_and_keys_are_remembered() {
        let decoded = decode_ledger(TEXT).unwrap();
        let s = LedgerSummary::fold(&decoded.rows);
        assert_eq!(s.rows, 5);
        let one = &s.latest[&(None, 1)];
        assert_eq!(
            (one.seq, one.done, one.run_id.as_deref()),
            (4, false, Some("B"))
        );
        assert!(s.latest.contains_key(&(Some("P".into()), 2)));
        assert!(!s.latest.keys().any(|(_, stage)| *stage == 3));
        assert_eq!(s.done, BTreeSet::from([(None, 1)]));
        assert_eq!(&*s.first_key[&1], "k1");
        assert_eq!(&*s.first_key[&2], "k2");
        assert_eq!(s.last_key.as_deref(), Some("k1"));
    }

    #[test]
    fn pushing_rows_one_by_one_is_folding_them() {
        let decoded = decode_ledger(TEXT).unwrap();
        let mut pushed = LedgerSummary::default();
        for row in &decoded.rows {
            pushed.push(row);
        }
        assert_eq!(pushed, LedgerSummary::fold(&decoded.rows));
    }
}
