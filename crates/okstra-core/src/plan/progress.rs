//! Owns what `okstra plan show` says about a plan's stages: each stage's state (not started,
//! started, done — from the stage ledger once it exists) and whether it is ready (every stage
//! it depends on done) or waiting on which; and the Stage Map as a Graphviz DAG.
//!
//! Reading the ledger is not here: the caller passes which stages are started and done.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Serialize;

use crate::plan::model::PlanBody;

/// Where a stage stands in the task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StageState {
    NotStarted,
    Started,
    Done,
}

impl StageState {
    /// Returns the words `plan show` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            StageState::NotStarted => "not started",
            StageState::Started => "started",
            StageState::Done => "done",
        }
    }
}

/// One stage as `plan show` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StageProgress {
    pub number: u32,
    pub title: String,
    pub depends_on: Vec<u32>,
    pub state: StageState,
    /// Every stage it depends on is done (and it is not done itself).
    pub ready: bool,
    /// The stages it depends on that are not done, in order.
    pub waiting_on: Vec<u32>,
}

/// Returns every stage of `body` in order with its state, given the stages `started` and
/// `done` (a stage in both is done).
pub fn stage_progress(
    body: &PlanBody,
    started: &BTreeSet<u32>,
    done: &BTreeSet<u32>,
) -> Vec<StageProgress> {
    body.stages
        .iter()
        .map(|stage| {
            let state = if done.contains(&stage.number) {
                StageState::Done
            } else if started.contains(&stage.number) {
                StageState::Started
            } else {
                StageState::NotStarted
            };
            let mut waiting_on: Vec<u32> = stage
                .depends_on
                .iter()
                .copied()
                .filter(|d| !done.contains(d))
                .collect();
            waiting_on.sort_unstable();
            waiting_on.dedup();
            StageProgress {
                number: stage.number,
                title: stage.title.clone(),
                depends_on: stage.depends_on.clone(),
                state,
                ready: state != StageState::Done && waiting_on.is_empty(),
                waiting_on,
            }
        })
        .collect()
}

/// Returns the Stage Map as a Graphviz digraph: one node per stage labelled `<n>: <title>`,
/// an edge from each stage to every stage that depends on it. Labels are escaped for a
/// double-quoted DOT string, so no title can end the string or add attributes.
pub fn render_dot(body: &PlanBody) -> String {
    let mut out = String::from("digraph plan {\n  rankdir=LR;\n  node [shape=box];\n");
    for stage in &body.stages {
        let label = format!("{}: {}", stage.number, stage.title);
        let _ = writeln!(
            out,
            "  s{} [label=\"{}\"];",
            stage.number,
            dot_escape(&label)
        );
    }
    for stage in &body.stages {
        for dep in &stage.depends_on {
            let _ = writeln!(out, "  s{dep} -> s{};", stage.number);
        }
    }
    out.push_str("}\n");
    out
}

/// Returns `text` escaped for a double-quoted DOT string: `\` and `"` are escaped, line
/// breaks become `\n`, other control characters are dropped, and whitespace runs are kept.
fn dot_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::Stage;

    fn plan() -> PlanBody {
        let stage = |number: u32, title: &str, depends_on: Vec<u32>| Stage {
            number,
            title: title.to_owned(),
            depends_on,
            ..Stage::default()
        };
        PlanBody {
            stages: vec![
                stage(1, "Failing test", vec![]),
                stage(2, "Fix \"rounding\"\\now", vec![1]),
                stage(3, "Docs\n\u{1b}[2J", vec![1, 2]),
            ],
            ..PlanBody::default()
        }
    }

    #[test]
    fn stages_without_unmet_dependencies_are_ready() {
        let none = BTreeSet::new();
        let shown: Vec<_> = stage_progress(&plan(), &none, &none)
            .into_iter()
            .map(|s| (s.number, s.state, s.ready, s.waiting_on))
            .collect();
        assert_eq!(
            shown,
            [
                (1, StageState::NotStarted, true, vec![]),
                (2, StageState::NotStarted, false, vec![1]),
                (3, StageState::NotStarted, false, vec![1, 2]),
            ]
        );
        let done = BTreeSet::from([1]);
        let started = BTreeSet::from([1, 2]);
        let shown: Vec<_> = stage_progress(&plan(), &started, &done)
            .into_iter()
            .map(|s| (s.state, s.ready, s.waiting_on))
            .collect();
        assert_eq!(
            shown,
            [
                (StageState::Done, false, vec![]),
                (StageState::Started, true, vec![]),
                (StageState::NotStarted, false, vec![2]),
            ]
        );
    }

    #[test]
    fn dot_labels_are_escaped() {
        assert_eq!(
            render_dot(&plan()),
            "digraph plan {\n  rankdir=LR;\n  node [shape=box];\n  \
             s1 [label=\"1: Failing test\"];\n  \
             s2 [label=\"2: Fix \\\"rounding\\\"\\\\now\"];\n  \
             s3 [label=\"3: Docs\\n[2J\"];\n  \
             s1 -> s2;\n  s1 -> s3;\n  s2 -> s3;\n}\n"
        );
    }
}
