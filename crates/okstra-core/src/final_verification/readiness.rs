//! Owns what final verification asks of the plan's stages before anything is written (SPEC
//! §8): every stage `done` after carry repair — not stale, not missing, not started — and no
//! stage whose carry says `dbGate: unverified`; each refusal names the stage and its fix. It
//! also owns the order the stage branches merge into the task branch: topological order of
//! the Stage Map, the lowest-numbered ready stage first.
//!
//! The engine supplies the stage book (ledger repaired from carry) and the stages whose carry
//! records an unverified DB gate.

use std::collections::BTreeSet;

use crate::ledger::{PlanConflict, StageBook, StageState};
use crate::plan::model::PlanBody;

/// A stage final verification cannot take, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadyStage {
    pub stage: u32,
    pub title: String,
    /// What is wrong, e.g. `not done (ready)` or `dbGate: unverified`.
    pub problem: String,
    /// The command or step that fixes it.
    pub fix: String,
}

impl std::fmt::Display for UnreadyStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "stage {} ({}): {}; fix: {}",
            self.stage, self.title, self.problem, self.fix
        )
    }
}

/// A done stage final verification merges: its number and its `done` head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DoneHead {
    pub stage: u32,
    pub head: String,
}

/// Why the task's stages cannot be verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unready {
    /// The plan's stage state does not count (another plan is in force, or other plans'
    /// stages are started or done).
    Plan(PlanConflict),
    /// These stages are not ready, each with its fix.
    Stages(Vec<UnreadyStage>),
}

/// Where the stages were done.
#[derive(Clone, Copy, Debug)]
pub struct ReadyInputs<'a> {
    /// The stages whose carry records `dbGate: unverified`.
    pub db_unverified: &'a BTreeSet<u32>,
    /// The `<group>/<id>` the fixes name.
    pub task: &'a str,
    /// Whether the project is in git: outside it a done stage has no head commit (and there
    /// is nothing to merge).
    pub in_git: bool,
}

/// Returns every stage's `done` head in merge order, or why the task cannot be verified.
pub fn check_stages_ready(
    plan: &PlanBody,
    book: &StageBook,
    inputs: &ReadyInputs<'_>,
) -> Result<Vec<DoneHead>, Unready> {
    let (db_unverified, task) = (inputs.db_unverified, inputs.task);
    if let Some(conflict) = &book.conflict {
        return Err(Unready::Plan(conflict.clone()));
    }
    let run = |n: u32, extra: &str| {
        format!("`okstra run implementation --task {task} --stage {n}{extra}`")
    };
    let mut unready = Vec::new();
    let mut heads = Vec::new();
    for entry in &book.stages {
        let n = entry.stage;
        let (problem, fix) = match &entry.state {
            StageState::Done(done) => match &done.head {
                _ if db_unverified.contains(&n) => (
                    "dbGate: unverified (its DB change was never validated)".to_owned(),
                    format!(
                        "set `qaCommands.db-test` in .okstra/project.json, then {}",
                        run(n, " --reverify")
                    ),
                ),
                Some(head) => {
                    heads.push(DoneHead {
                        stage: n,
                        head: head.clone(),
                    });
                    continue;
                }
                None if !inputs.in_git => {
                    heads.push(DoneHead {
                        stage: n,
                        head: String::new(),
                    });
                    continue;
                }
                None => (
                    "done, but its done row and carry record no head commit".to_owned(),
                    run(n, " --reverify"),
                ),
            },
            StageState::Stale { .. } => (
                "stale (its branch moved after its evidence was taken)".to_owned(),
                run(n, " --reverify"),
            ),
            StageState::Started { run_id, .. } => (
                match run_id {
                    Some(id) => format!("not done (started by run {id})"),
                    None => "not done (started)".to_owned(),
                },
                format!("let that run finish, or {} if it died", run(n, " --retry")),
            ),
            StageState::Reserved => (
                "not done (reserved by a run being prepared)".to_owned(),
                "let that run finish".to_owned(),
            ),
            StageState::Ready => ("not done".to_owned(), run(n, "")),
            StageState::Blocked { by } => (
                format!(
                    "not done (waits on {})",
                    crate::ledger::book::stage_list(by)
                ),
                format!(
                    "run {} first, then {}",
                    crate::ledger::book::stage_list(by),
                    run(n, "")
                ),
            ),
        };
        unready.push(UnreadyStage {
            stage: n,
            title: entry.title.clone(),
            problem,
            fix,
        });
    }
    if !unready.is_empty() {
        return Err(Unready::Stages(unready));
    }
    let order = merge_order(plan);
    heads.sort_by_key(|h| order.iter().position(|n| *n == h.stage));
    Ok(heads)
}

/// Returns the plan's stage numbers in topological order of the Stage Map: a stage after every
/// stage it depends on, the lowest-numbered ready stage first. A dependency on a stage the
/// plan does not have is ignored; stages caught in a cycle (the plan rules refuse one) come
/// last, in number order.
pub fn merge_order(plan: &PlanBody) -> Vec<u32> {
    let numbers: BTreeSet<u32> = plan.stages.iter().map(|s| s.number).collect();
    let mut placed: BTreeSet<u32> = BTreeSet::new();
    let mut order = Vec::with_capacity(numbers.len());
    loop {
        let next = plan
            .stages
            .iter()
            .filter(|s| !placed.contains(&s.number))
            .filter(|s| {
                s.depends_on
                    .iter()
                    .all(|d| placed.contains(d) || !numbers.contains(d) || *d == s.number)
            })
            .map(|s| s.number)
            .min();
        let Some(n) = next else { break };
        placed.insert(n);
        order.push(n);
    }
    order.extend(numbers.iter().filter(|n| !placed.contains(n)));
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::book::{DoneStage, StageEntry};
    use crate::plan::model::Stage;

    fn plan(deps: &[(u32, &[u32])]) -> PlanBody {
        PlanBody {
            stages: deps
                .iter()
                .map(|(n, d)| Stage {
                    number: *n,
                    title: format!("Op {n}"),
                    depends_on: d.to_vec(),
                    ..Stage::default()
                })
                .collect(),
            ..PlanBody::default()
        }
    }

    fn inputs(db_unverified: &BTreeSet<u32>, in_git: bool) -> ReadyInputs<'_> {
        ReadyInputs {
            db_unverified,
            task: "calc/ops",
            in_git,
        }
    }

    fn done(head: &str) -> StageState {
        StageState::Done(DoneStage {
            head: Some(head.to_owned()),
            ..DoneStage::default()
        })
    }

    fn book(states: Vec<(u32, StageState)>) -> StageBook {
        StageBook {
            plan_run_id: Some("P".to_owned()),
            stages: states
                .into_iter()
                .map(|(stage, state)| StageEntry {
                    stage,
                    title: format!("Op {stage}"),
                    depends_on: Vec::new(),
                    state,
                })
                .collect(),
            conflict: None,
        }
    }

    #[test]
    fn merge_order_is_topological_lowest_first() {
        // 4 needs 2 and 3; 2 needs 3; 3 needs 1.
        let p = plan(&[(1, &[]), (2, &[3]), (3, &[1]), (4, &[2, 3])]);
        assert_eq!(merge_order(&p), [1, 3, 2, 4]);
        let diamond = plan(&[(1, &[]), (2, &[1]), (3, &[1]), (4, &[2, 3])]);
        assert_eq!(merge_order(&diamond), [1, 2, 3, 4]);
        let cycle = plan(&[(1, &[2]), (2, &[1]), (3, &[])]);
        assert_eq!(merge_order(&cycle), [3, 1, 2]);
    }

    #[test]
    fn every_stage_done_gives_the_heads_in_merge_order() {
        let p = plan(&[(1, &[]), (2, &[3]), (3, &[1])]);
        let b = book(vec![(1, done("h1")), (2, done("h2")), (3, done("h3"))]);
        let heads = check_stages_ready(&p, &b, &inputs(&BTreeSet::new(), true)).unwrap();
        let order: Vec<(u32, &str)> = heads.iter().map(|h| (h.stage, h.head.as_str())).collect();
        assert_eq!(order, [(1, "h1"), (3, "h3"), (2, "h2")]);
    }

    #[test]
    fn each_unready_stage_is_named_with_its_fix() {
        let p = plan(&[(1, &[]), (2, &[1]), (3, &[1]), (4, &[2, 3])]);
        let b = book(vec![
            (1, done("h1")),
            (
                2,
                StageState::Stale {
                    done: DoneStage::default(),
                    current_tree: "t".to_owned(),
                },
            ),
            (3, StageState::Ready),
            (4, StageState::Blocked { by: vec![2, 3] }),
        ]);
        let Err(Unready::Stages(stages)) =
            check_stages_ready(&p, &b, &inputs(&BTreeSet::from([1]), true))
        else {
            panic!("refused");
        };
        let lines: Vec<String> = stages.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "stage 1 (Op 1): dbGate: unverified (its DB change was never validated); fix: \
                 set `qaCommands.db-test` in .okstra/project.json, then `okstra run \
                 implementation --task calc/ops --stage 1 --reverify`",
                "stage 2 (Op 2): stale (its branch moved after its evidence was taken); fix: \
                 `okstra run implementation --task calc/ops --stage 2 --reverify`",
                "stage 3 (Op 3): not done; fix: `okstra run implementation --task calc/ops \
                 --stage 3`",
                "stage 4 (Op 4): not done (waits on stages 2, 3); fix: run stages 2, 3 first, \
                 then `okstra run implementation --task calc/ops --stage 4`",
            ]
        );
    }

    #[test]
    fn a_done_stage_without_a_head_is_ready_only_outside_git() {
        let p = plan(&[(1, &[])]);
        let b = book(vec![(1, StageState::Done(DoneStage::default()))]);
        let heads = check_stages_ready(&p, &b, &inputs(&BTreeSet::new(), false)).unwrap();
        assert_eq!(
            heads,
            [DoneHead {
                stage: 1,
                head: String::new()
            }]
        );
        let Err(Unready::Stages(stages)) =
            check_stages_ready(&p, &b, &inputs(&BTreeSet::new(), true))
        else {
            panic!("refused in git");
        };
        assert!(stages[0].problem.contains("no head commit"), "{stages:?}");
    }

    #[test]
    fn a_plan_conflict_refuses_the_whole_task() {
        let p = plan(&[(1, &[])]);
        let mut b = book(vec![(1, done("h1"))]);
        b.conflict = Some(PlanConflict::NotInForce {
            in_force: "Q".to_owned(),
        });
        assert!(matches!(
            check_stages_ready(&p, &b, &inputs(&BTreeSet::new(), true)),
            Err(Unready::Plan(_))
        ));
    }
}
