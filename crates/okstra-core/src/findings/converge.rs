//! Owns convergence (SPEC §6.3): who takes part (P: the analysers that completed round 0, minus
//! `skippedWorkers`), each finding's consensus class, the queue of the next round and who gets
//! each queued finding, and the record of every round that `state/convergence-<seq>.json`
//! keeps. Classes are never stored as the source of truth: they are recomputed by one fold over
//! the recorded rounds, here and in the run validator.
//!
//! Reading of the spec, stated once: a finding is `full-consensus` when every analyser in P is
//! in S and P has at least two analysers (an author who later became a skipped worker does not
//! break consensus; with one analyser left nothing is a consensus).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::merge::absorb_duplicate;
use super::model::{ConsensusClass, Finding, Verdict, VerdictItem, VerdictsBlock};
use crate::document::parse_versioned;
use crate::errors::DocumentError;
use crate::status::WorkerStatus;
use crate::tokens::TokenUsage;
use crate::version::schema_version;

/// The `schemaVersion` kind of convergence state.
pub const CONVERGENCE_KIND: &str = "convergence";

/// What a recorded round was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoundKind {
    /// A reverify round of the convergence loop.
    Reverify,
    /// The one reverify round of the critic's gaps.
    Critic,
}

/// One recorded round.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoundRecord {
    pub round: u32,
    pub kind: RoundKind,
    /// The queued finding ids.
    pub queue: Vec<String>,
    /// Worker → the finding ids sent to it.
    pub sent: BTreeMap<String, Vec<String>>,
    /// Worker → its prompt file (relative to the project root).
    #[serde(default)]
    pub prompts: BTreeMap<String, String>,
    /// Worker → its verdicts.
    #[serde(default)]
    pub answers: BTreeMap<String, Vec<VerdictItem>>,
    /// Worker → why its reverify call failed (`verification-error`).
    #[serde(default)]
    pub errors: BTreeMap<String, String>,
    #[serde(default)]
    pub tokens: TokenUsage,
}

/// The critic pass.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CriticRecord {
    pub provider: String,
    pub round: u32,
    pub status: WorkerStatus,
    /// The finding ids the critic added.
    pub gaps: Vec<String>,
}

/// The latest answer of an analyser about a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub verdict: Verdict,
    pub reason: String,
    pub round: u32,
}

/// The queue of a round: the findings, and which of them each recipient gets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Queue {
    pub findings: Vec<String>,
    pub recipients: BTreeMap<String, Vec<String>>,
}

impl Queue {
    /// Returns whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }
}

/// A worker's outcome in a reverify round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoundAnswer {
    Answered(VerdictsBlock),
    /// The call timed out or failed: `verification-error`.
    VerificationError(String),
}

/// `state/convergence-<seq>.json`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConvergenceState {
    #[serde(default)]
    pub schema_version: Option<String>,
    pub run_id: String,
    pub max_rounds: u32,
    /// The analysers that completed round 0, in roster order.
    pub analysers: Vec<String>,
    /// The analysers of an interrupted round 0 that have not answered yet (`okstra resume`
    /// runs them again). While any is awaited, round 0 is not over, so nothing is
    /// `full-consensus`: an analyser that never answered has not agreed.
    #[serde(default)]
    pub awaiting: Vec<String>,
    /// The merged findings (after any duplicate a reverify answer pointed out).
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub rounds: Vec<RoundRecord>,
    #[serde(default)]
    pub critic: Option<CriticRecord>,
    /// Why convergence stopped before the queue was empty or the rounds were spent.
    #[serde(default)]
    pub stopped: Option<String>,
}

/// A round as the file holds it: the record plus its derived copies.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoundFile<'a> {
    round: u32,
    kind: RoundKind,
    queue: &'a [String],
    sent: &'a BTreeMap<String, Vec<String>>,
    prompts: &'a BTreeMap<String, String>,
    answers: &'a BTreeMap<String, Vec<VerdictItem>>,
    errors: &'a BTreeMap<String, String>,
    /// Derived copy: the skipped workers after this round.
    skipped_workers: Vec<String>,
    /// Derived copy: the classes after this round.
    classes: BTreeMap<String, ConsensusClass>,
    tokens: TokenUsage,
}

/// The state as the file holds it: the record plus its derived copies.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConvergenceFile<'a> {
    schema_version: &'a Option<String>,
    run_id: &'a str,
    max_rounds: u32,
    analysers: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    awaiting: &'a [String],
    /// Derived copy of [`ConvergenceState::skipped_workers`].
    skipped_workers: Vec<String>,
    findings: &'a [Finding],
    rounds: Vec<RoundFile<'a>>,
    critic: &'a Option<CriticRecord>,
    /// Derived copy of [`ConvergenceState::compute_classes`].
    classes: BTreeMap<String, ConsensusClass>,
    stopped: &'a Option<String>,
}

impl Serialize for ConvergenceState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let rounds = self
            .rounds
            .iter()
            .enumerate()
            .map(|(i, record)| {
                let upto = self.after_rounds(i + 1);
                RoundFile {
                    round: record.round,
                    kind: record.kind,
                    queue: &record.queue,
                    sent: &record.sent,
                    prompts: &record.prompts,
                    answers: &record.answers,
                    errors: &record.errors,
                    skipped_workers: upto.skipped_workers(),
                    classes: upto.compute_classes(),
                    tokens: record.tokens,
                }
            })
            .collect();
        ConvergenceFile {
            schema_version: &self.schema_version,
            run_id: &self.run_id,
            max_rounds: self.max_rounds,
            analysers: &self.analysers,
            awaiting: &self.awaiting,
            skipped_workers: self.skipped_workers(),
            findings: &self.findings,
            rounds,
            critic: &self.critic,
            classes: self.compute_classes(),
            stopped: &self.stopped,
        }
        .serialize(serializer)
    }
}

impl ConvergenceState {
    /// Returns the state after round 0.
    pub fn new(
        run_id: String,
        max_rounds: u32,
        analysers: Vec<String>,
        findings: Vec<Finding>,
    ) -> Self {
        Self {
            schema_version: Some(schema_version(CONVERGENCE_KIND)),
            run_id,
            max_rounds,
            analysers,
            awaiting: Vec::new(),
            findings,
            rounds: Vec::new(),
            critic: None,
            stopped: None,
        }
    }

    /// Returns this state with `awaiting`: the analysers of an interrupted round 0 that have
    /// not answered yet.
    #[must_use]
    pub fn awaiting(mut self, awaiting: Vec<String>) -> Self {
        self.awaiting = awaiting;
        self
    }

    /// Returns the state as it was after its first `n` rounds (with today's findings).
    fn after_rounds(&self, n: usize) -> Self {
        Self {
            rounds: self.rounds[..n.min(self.rounds.len())].to_vec(),
            ..self.clone()
        }
    }

    /// Returns the skipped workers: every analyser whose reverify call failed
    /// (`verification-error`), in name order.
    pub fn skipped_workers(&self) -> Vec<String> {
        self.skipped().into_iter().map(str::to_owned).collect()
    }

    /// Returns the skipped workers as they were after the first `rounds` rounds.
    pub fn skipped_workers_after(&self, rounds: usize) -> Vec<String> {
        self.after_rounds(rounds).skipped_workers()
    }

    /// Parses a convergence state text.
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        parse_versioned(text, CONVERGENCE_KIND)
    }

    /// Returns P: the analysers that completed round 0, minus the skipped workers.
    pub fn participants(&self) -> BTreeSet<&str> {
        let skipped = self.skipped();
        self.analysers
            .iter()
            .map(String::as_str)
            .filter(|a| !skipped.contains(a))
            .collect()
    }

    fn skipped(&self) -> BTreeSet<&str> {
        self.rounds
            .iter()
            .flat_map(|r| r.errors.keys().map(String::as_str))
            .collect()
    }

    /// Returns every analyser's latest answer per finding, folded over the rounds in order.
    /// Only answers about findings actually sent to that worker count.
    pub fn latest_answers(&self) -> BTreeMap<&str, BTreeMap<&str, Answer>> {
        let mut out: BTreeMap<&str, BTreeMap<&str, Answer>> = BTreeMap::new();
        for round in &self.rounds {
            for (worker, items) in &round.answers {
                let sent = round.sent.get(worker);
                for item in items {
                    if sent.is_some_and(|s| s.contains(&item.finding_id)) {
                        out.entry(item.finding_id.as_str()).or_default().insert(
                            worker.as_str(),
                            Answer {
                                verdict: item.verdict,
                                reason: item.reason.clone(),
                                round: round.round,
                            },
                        );
                    }
                }
            }
        }
        out
    }

    /// Returns S of a finding: its authors plus every analyser whose latest answer is AGREE.
    fn supporters<'a>(
        finding: &'a Finding,
        answers: Option<&BTreeMap<&'a str, Answer>>,
    ) -> BTreeSet<&'a str> {
        let mut s: BTreeSet<&str> = finding.authors.iter().map(String::as_str).collect();
        if let Some(answers) = answers {
            s.extend(
                answers
                    .iter()
                    .filter(|(_, a)| a.verdict == Verdict::Agree)
                    .map(|(w, _)| *w),
            );
        }
        s
    }

    /// Returns the class of every finding now (SPEC §6.3). While an analyser of round 0 is
    /// awaited (an interrupted run), no finding is `full-consensus`.
    pub fn compute_classes(&self) -> BTreeMap<String, ConsensusClass> {
        let answers = self.latest_answers();
        let p = self.participants();
        self.findings
            .iter()
            .map(|f| {
                let mine = answers.get(f.id.as_str());
                let disputed =
                    mine.is_some_and(|m| m.values().any(|a| a.verdict == Verdict::Disagree));
                let s = Self::supporters(f, mine);
                let class = if disputed {
                    ConsensusClass::Disputed
                } else if p.len() >= 2
                    && p.iter().all(|w| s.contains(w))
                    && self.awaiting.is_empty()
                {
                    ConsensusClass::FullConsensus
                } else if s.len() >= 2 {
                    ConsensusClass::PartialConsensus
                } else {
                    ConsensusClass::WorkerUnique
                };
                (f.id.clone(), class)
            })
            .collect()
    }

    /// Returns the queue of the next reverify round: every finding that is not full-consensus
    /// and has a DISAGREE, an UNSURE or a missing answer from some analyser in P \ S; each goes
    /// to the non-authors in P that have not answered AGREE. Restricted to `only` when given
    /// (the critic's gaps).
    pub fn next_queue(&self, only: Option<&[String]>) -> Queue {
        let answers = self.latest_answers();
        let classes = self.compute_classes();
        let p = self.participants();
        let mut queue = Queue::default();
        for f in &self.findings {
            if only.is_some_and(|ids| !ids.contains(&f.id)) {
                continue;
            }
            if classes.get(&f.id) == Some(&ConsensusClass::FullConsensus) {
                continue;
            }
            let mine = answers.get(f.id.as_str());
            let s = Self::supporters(f, mine);
            let open: Vec<&str> = self
                .analysers
                .iter()
                .map(String::as_str)
                .filter(|w| p.contains(w) && !s.contains(w))
                .collect();
            let needs_answer = open.iter().any(|w| {
                mine.and_then(|m| m.get(w))
                    .is_none_or(|a| matches!(a.verdict, Verdict::Disagree | Verdict::Unsure))
            });
            if needs_answer {
                queue.findings.push(f.id.clone());
                for w in open {
                    queue
                        .recipients
                        .entry(w.to_owned())
                        .or_default()
                        .push(f.id.clone());
                }
            }
        }
        queue
    }

    /// Records a round: each recipient's verdicts or its verification error (it then joins the
    /// skipped workers), duplicates pointed out by answers, and the classes after it.
    pub fn record_round(
        &mut self,
        round: u32,
        kind: RoundKind,
        queue: &Queue,
        outcomes: BTreeMap<String, RoundAnswer>,
        prompts: BTreeMap<String, String>,
        tokens: TokenUsage,
    ) {
        let mut record = RoundRecord {
            round,
            kind,
            queue: queue.findings.clone(),
            sent: queue.recipients.clone(),
            prompts,
            answers: BTreeMap::new(),
            errors: BTreeMap::new(),
            tokens,
        };
        let mut duplicates = Vec::new();
        for (worker, outcome) in outcomes {
            match outcome {
                RoundAnswer::Answered(block) => {
                    let sent = queue.recipients.get(&worker);
                    for item in &block.verdicts {
                        if let Some(target) = &item.duplicate_of
                            && sent.is_some_and(|s| s.contains(&item.finding_id))
                        {
                            duplicates.push((target.clone(), item.finding_id.clone()));
                        }
                    }
                    record.answers.insert(worker, block.verdicts);
                }
                RoundAnswer::VerificationError(reason) => {
                    record.errors.insert(worker, reason);
                }
            }
        }
        self.rounds.push(record);
        for (target, duplicate) in duplicates {
            absorb_duplicate(&mut self.findings, &target, &duplicate);
        }
    }

    /// Adds findings found after round 0 (the critic's gaps).
    pub fn add_findings(&mut self, findings: Vec<Finding>) {
        self.findings.extend(findings);
    }

    /// Returns the number the next new finding gets (`F-<n>`).
    pub fn next_finding_number(&self) -> usize {
        self.findings
            .iter()
            .filter_map(|f| {
                f.id.strip_prefix("F-")
                    .and_then(|n| n.parse::<usize>().ok())
            })
            .max()
            .unwrap_or(0)
            + 1
    }
}

#[cfg(test)]
mod tests;
