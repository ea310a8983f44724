//! Every combination of 3 analysers × {author, AGREE, DISAGREE, UNSURE, no answer,
//! verification-error} for one finding, after one reverify round: its class and the next queue.
//! The expectations are literals written from SPEC §6.3 (generated once by a separate, plain
//! reading of the rules), never computed by the code under test. When the other two analysers
//! both failed their reverify call, P holds one analyser, and one analyser is never a
//! consensus (SPEC §6.3 as amended): those three rows are `worker-unique`.

use std::collections::BTreeMap;

use super::*;
use crate::findings::model::Severity;

/// (a, b, c) states → (class after round 1, recipients of the finding in round 2 or `None`
/// when it is not queued).
type Row = (
    [&'static str; 3],
    &'static str,
    Option<&'static [&'static str]>,
);

#[rustfmt::skip]
const TABLE: &[Row] = &[
    (["author", "author", "author"], "full-consensus", None),
    (["author", "author", "AGREE"], "full-consensus", None),
    (["author", "author", "DISAGREE"], "disputed", Some(&["c-worker"])),
    (["author", "author", "UNSURE"], "partial-consensus", Some(&["c-worker"])),
    (["author", "author", "none"], "partial-consensus", Some(&["c-worker"])),
    (["author", "author", "verr"], "full-consensus", None),
    (["author", "AGREE", "author"], "full-consensus", None),
    (["author", "AGREE", "AGREE"], "full-consensus", None),
    (["author", "AGREE", "DISAGREE"], "disputed", Some(&["c-worker"])),
    (["author", "AGREE", "UNSURE"], "partial-consensus", Some(&["c-worker"])),
    (["author", "AGREE", "none"], "partial-consensus", Some(&["c-worker"])),
    (["author", "AGREE", "verr"], "full-consensus", None),
    (["author", "DISAGREE", "author"], "disputed", Some(&["b-worker"])),
    (["author", "DISAGREE", "AGREE"], "disputed", Some(&["b-worker"])),
    (["author", "DISAGREE", "DISAGREE"], "disputed", Some(&["b-worker", "c-worker"])),
    (["author", "DISAGREE", "UNSURE"], "disputed", Some(&["b-worker", "c-worker"])),
    (["author", "DISAGREE", "none"], "disputed", Some(&["b-worker", "c-worker"])),
    (["author", "DISAGREE", "verr"], "disputed", Some(&["b-worker"])),
    (["author", "UNSURE", "author"], "partial-consensus", Some(&["b-worker"])),
    (["author", "UNSURE", "AGREE"], "partial-consensus", Some(&["b-worker"])),
    (["author", "UNSURE", "DISAGREE"], "disputed", Some(&["b-worker", "c-worker"])),
    (["author", "UNSURE", "UNSURE"], "worker-unique", Some(&["b-worker", "c-worker"])),
    (["author", "UNSURE", "none"], "worker-unique", Some(&["b-worker", "c-worker"])),
    (["author", "UNSURE", "verr"], "worker-unique", Some(&["b-worker"])),
    (["author", "none", "author"], "partial-consensus", Some(&["b-worker"])),
    (["author", "none", "AGREE"], "partial-consensus", Some(&["b-worker"])),
    (["author", "none", "DISAGREE"], "disputed", Some(&["b-worker", "c-worker"])),
    (["author", "none", "UNSURE"], "worker-unique", Some(&["b-worker", "c-worker"])),
    (["author", "none", "none"], "worker-unique", Some(&["b-worker", "c-worker"])),
    (["author", "none", "verr"], "worker-unique", Some(&["b-worker"])),
    (["author", "verr", "author"], "full-consensus", None),
    (["author", "verr", "AGREE"], "full-consensus", None),
    (["author", "verr", "DISAGREE"], "disputed", Some(&["c-worker"])),
    (["author", "verr", "UNSURE"], "worker-unique", Some(&["c-worker"])),
    (["author", "verr", "none"], "worker-unique", Some(&["c-worker"])),
    (["author", "verr", "verr"], "worker-unique", None),  // |P| = 1: never a consensus
    (["AGREE", "author", "author"], "full-consensus", None),
    (["AGREE", "author", "AGREE"], "full-consensus", None),
    (["AGREE", "author", "DISAGREE"], "disputed", Some(&["c-worker"])),
    (["AGREE", "author", "UNSURE"], "partial-consensus", Some(&["c-worker"])),
    (["AGREE", "author", "none"], "partial-consensus", Some(&["c-worker"])),
    (["AGREE", "author", "verr"], "full-consensus", None),
    (["AGREE", "AGREE", "author"], "full-consensus", None),
    (["AGREE", "DISAGREE", "author"], "disputed", Some(&["b-worker"])),
    (["AGREE", "UNSURE", "author"], "partial-consensus", Some(&["b-worker"])),
    (["AGREE", "none", "author"], "partial-consensus", Some(&["b-worker"])),
    (["AGREE", "verr", "author"], "full-consensus", None),
    (["DISAGREE", "author", "author"], "disputed", Some(&["a-worker"])),
    (["DISAGREE", "author", "AGREE"], "disputed", Some(&["a-worker"])),
    (["DISAGREE", "author", "DISAGREE"], "disputed", Some(&["a-worker", "c-worker"])),
    (["DISAGREE", "author", "UNSURE"], "disputed", Some(&["a-worker", "c-worker"])),
    (["DISAGREE", "author", "none"], "disputed", Some(&["a-worker", "c-worker"])),
    (["DISAGREE", "author", "verr"], "disputed", Some(&["a-worker"])),
    (["DISAGREE", "AGREE", "author"], "disputed", Some(&["a-worker"])),
    (["DISAGREE", "DISAGREE", "author"], "disputed", Some(&["a-worker", "b-worker"])),
    (["DISAGREE", "UNSURE", "author"], "disputed", Some(&["a-worker", "b-worker"])),
    (["DISAGREE", "none", "author"], "disputed", Some(&["a-worker", "b-worker"])),
    (["DISAGREE", "verr", "author"], "disputed", Some(&["a-worker"])),
    (["UNSURE", "author", "author"], "partial-consensus", Some(&["a-worker"])),
    (["UNSURE", "author", "AGREE"], "partial-consensus", Some(&["a-worker"])),
    (["UNSURE", "author", "DISAGREE"], "disputed", Some(&["a-worker", "c-worker"])),
    (["UNSURE", "author", "UNSURE"], "worker-unique", Some(&["a-worker", "c-worker"])),
    (["UNSURE", "author", "none"], "worker-unique", Some(&["a-worker", "c-worker"])),
    (["UNSURE", "author", "verr"], "worker-unique", Some(&["a-worker"])),
    (["UNSURE", "AGREE", "author"], "partial-consensus", Some(&["a-worker"])),
    (["UNSURE", "DISAGREE", "author"], "disputed", Some(&["a-worker", "b-worker"])),
    (["UNSURE", "UNSURE", "author"], "worker-unique", Some(&["a-worker", "b-worker"])),
    (["UNSURE", "none", "author"], "worker-unique", Some(&["a-worker", "b-worker"])),
    (["UNSURE", "verr", "author"], "worker-unique", Some(&["a-worker"])),
    (["none", "author", "author"], "partial-consensus", Some(&["a-worker"])),
    (["none", "author", "AGREE"], "partial-consensus", Some(&["a-worker"])),
    (["none", "author", "DISAGREE"], "disputed", Some(&["a-worker", "c-worker"])),
    (["none", "author", "UNSURE"], "worker-unique", Some(&["a-worker", "c-worker"])),
    (["none", "author", "none"], "worker-unique", Some(&["a-worker", "c-worker"])),
    (["none", "author", "verr"], "worker-unique", Some(&["a-worker"])),
    (["none", "AGREE", "author"], "partial-consensus", Some(&["a-worker"])),
    (["none", "DISAGREE", "author"], "disputed", Some(&["a-worker", "b-worker"])),
    (["none", "UNSURE", "author"], "worker-unique", Some(&["a-worker", "b-worker"])),
    (["none", "none", "author"], "worker-unique", Some(&["a-worker", "b-worker"])),
    (["none", "verr", "author"], "worker-unique", Some(&["a-worker"])),
    (["verr", "author", "author"], "full-consensus", None),
    (["verr", "author", "AGREE"], "full-consensus", None),
    (["verr", "author", "DISAGREE"], "disputed", Some(&["c-worker"])),
    (["verr", "author", "UNSURE"], "worker-unique", Some(&["c-worker"])),
    (["verr", "author", "none"], "worker-unique", Some(&["c-worker"])),
    (["verr", "author", "verr"], "worker-unique", None),  // |P| = 1: never a consensus
    (["verr", "AGREE", "author"], "full-consensus", None),
    (["verr", "DISAGREE", "author"], "disputed", Some(&["b-worker"])),
    (["verr", "UNSURE", "author"], "worker-unique", Some(&["b-worker"])),
    (["verr", "none", "author"], "worker-unique", Some(&["b-worker"])),
    (["verr", "verr", "author"], "worker-unique", None),  // |P| = 1: never a consensus
];

const WORKERS: [&str; 3] = ["a-worker", "b-worker", "c-worker"];

fn finding(authors: &[&str]) -> Finding {
    Finding {
        id: "F-1".into(),
        title: "The total is rounded down".into(),
        severity: Severity::High,
        evidence: vec!["src/cart.rs:42".into()],
        claim: "claim".into(),
        reasoning: "reasoning".into(),
        sources: authors.iter().map(|a| format!("{a}:X-1")).collect(),
        authors: authors.iter().map(|a| (*a).to_owned()).collect(),
        round: 0,
    }
}

fn verdict(v: &str) -> Verdict {
    match v {
        "AGREE" => Verdict::Agree,
        "DISAGREE" => Verdict::Disagree,
        _ => Verdict::Unsure,
    }
}

#[test]
fn every_combination_of_three_analysers() {
    assert_eq!(
        TABLE.len(),
        91,
        "6^3 combinations minus the 125 without an author"
    );
    for (states, class, recipients) in TABLE {
        let authors: Vec<&str> = WORKERS
            .iter()
            .zip(states)
            .filter(|(_, s)| **s == "author")
            .map(|(w, _)| *w)
            .collect();
        let mut state = ConvergenceState::new(
            "R".into(),
            2,
            WORKERS.iter().map(|w| (*w).to_owned()).collect(),
            vec![finding(&authors)],
        );
        let queue = state.next_queue(None);
        if queue.is_empty() {
            // Authored by every analyser: nothing to ask.
            assert!(states.iter().all(|s| *s == "author"), "{states:?}");
        } else {
            // Round 1 sends the finding to every non-author.
            let non_authors: Vec<&str> = WORKERS
                .iter()
                .copied()
                .filter(|w| !authors.contains(w))
                .collect();
            assert_eq!(
                queue
                    .recipients
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
                non_authors
            );
            let mut outcomes = BTreeMap::new();
            for (w, s) in WORKERS.iter().zip(states) {
                let outcome = match *s {
                    "author" => continue,
                    "verr" => RoundAnswer::VerificationError("timeout".into()),
                    "none" => RoundAnswer::Answered(VerdictsBlock { verdicts: vec![] }),
                    v => RoundAnswer::Answered(VerdictsBlock {
                        verdicts: vec![VerdictItem {
                            finding_id: "F-1".into(),
                            verdict: verdict(v),
                            reason: format!("{w} says {v}"),
                            evidence: vec![],
                            duplicate_of: None,
                        }],
                    }),
                };
                outcomes.insert((*w).to_owned(), outcome);
            }
            state.record_round(
                1,
                RoundKind::Reverify,
                &queue,
                outcomes,
                BTreeMap::new(),
                TokenUsage::default(),
            );
        }
        assert_eq!(
            state.compute_classes()["F-1"].as_str(),
            *class,
            "{states:?}"
        );
        let next = state.next_queue(None);
        match recipients {
            None => assert!(next.is_empty(), "{states:?} should not be queued: {next:?}"),
            Some(who) => {
                assert_eq!(next.findings, ["F-1"], "{states:?}");
                let got: Vec<&str> = next.recipients.keys().map(String::as_str).collect();
                assert_eq!(&got, who, "{states:?}");
            }
        }
        // A verification error skips the worker and is never a DISAGREE.
        let skipped: Vec<&str> = WORKERS
            .iter()
            .zip(states)
            .filter(|(_, s)| **s == "verr")
            .map(|(w, _)| *w)
            .collect();
        assert_eq!(
            state
                .skipped_workers()
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            skipped
        );
    }
}

#[test]
fn answers_about_findings_not_sent_are_ignored_and_duplicates_merge() {
    let mut state = ConvergenceState::new(
        "R".into(),
        2,
        WORKERS.iter().map(|w| (*w).to_owned()).collect(),
        vec![
            finding(&["a-worker"]),
            Finding {
                id: "F-2".into(),
                ..finding(&["b-worker"])
            },
        ],
    );
    let queue = state.next_queue(None);
    assert_eq!(queue.recipients["a-worker"], ["F-2"]);
    assert_eq!(queue.recipients["c-worker"], ["F-1", "F-2"]);
    let item = |id: &str, v, dup: Option<&str>| VerdictItem {
        finding_id: id.into(),
        verdict: v,
        reason: "r".into(),
        evidence: vec![],
        duplicate_of: dup.map(str::to_owned),
    };
    let outcomes = BTreeMap::from([
        // a-worker was not sent F-1 (it wrote it): its vote on F-1 does not count.
        (
            "a-worker".to_owned(),
            RoundAnswer::Answered(VerdictsBlock {
                verdicts: vec![
                    item("F-1", Verdict::Disagree, None),
                    item("F-2", Verdict::Agree, Some("F-1")),
                ],
            }),
        ),
        (
            "b-worker".to_owned(),
            RoundAnswer::Answered(VerdictsBlock {
                verdicts: vec![item("F-1", Verdict::Agree, None)],
            }),
        ),
        (
            "c-worker".to_owned(),
            RoundAnswer::Answered(VerdictsBlock {
                verdicts: vec![
                    item("F-1", Verdict::Agree, None),
                    item("F-2", Verdict::Agree, None),
                ],
            }),
        ),
    ]);
    state.record_round(
        1,
        RoundKind::Reverify,
        &queue,
        outcomes,
        BTreeMap::new(),
        TokenUsage::default(),
    );
    // F-2 was said to duplicate F-1 and is folded into it.
    assert_eq!(state.findings.len(), 1);
    assert_eq!(state.findings[0].authors, ["a-worker", "b-worker"]);
    assert_eq!(
        state.compute_classes()["F-1"],
        ConsensusClass::FullConsensus
    );
    let text = serde_json::to_string(&state).unwrap();
    let back = ConvergenceState::parse(&text).unwrap();
    assert_eq!(back.compute_classes(), state.compute_classes());
}

#[test]
fn critic_gaps_are_queued_alone() {
    let mut state = ConvergenceState::new(
        "R".into(),
        1,
        WORKERS.iter().map(|w| (*w).to_owned()).collect(),
        vec![finding(&["a-worker", "b-worker", "c-worker"])],
    );
    assert!(state.next_queue(None).is_empty());
    let n = state.next_finding_number();
    assert_eq!(n, 2);
    state.add_findings(vec![Finding {
        id: format!("F-{n}"),
        ..finding(&["critic"])
    }]);
    let gaps = vec!["F-2".to_owned()];
    let queue = state.next_queue(Some(&gaps));
    assert_eq!(queue.findings, ["F-2"]);
    assert_eq!(queue.recipients.len(), 3, "every analyser reverifies a gap");
    assert_eq!(state.compute_classes()["F-2"], ConsensusClass::WorkerUnique);
}

#[test]
fn an_awaited_analyser_keeps_every_finding_from_full_consensus() {
    // An interrupted round 0: a and b answered with the same finding, c never answered.
    let state = ConvergenceState::new(
        "R".into(),
        2,
        vec!["a-worker".to_owned(), "b-worker".to_owned()],
        vec![finding(&["a-worker", "b-worker"])],
    );
    assert_eq!(
        state.compute_classes()["F-1"],
        ConsensusClass::FullConsensus,
        "with round 0 over, P is the analysers that answered"
    );
    let state = state.awaiting(vec!["c-worker".to_owned()]);
    assert_eq!(
        state.compute_classes()["F-1"],
        ConsensusClass::PartialConsensus
    );
    let text = serde_json::to_string(&state).unwrap();
    assert!(text.contains(r#""awaiting":["c-worker"]"#), "{text}");
    let back = ConvergenceState::parse(&text).unwrap();
    assert_eq!(back.compute_classes(), state.compute_classes());
    // A state with nobody awaited is written as before.
    let done = ConvergenceState::new("R".into(), 2, vec![], vec![]);
    assert!(!serde_json::to_string(&done).unwrap().contains("awaiting"));
}
