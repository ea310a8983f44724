//! Tests of the run events: their spec lines, the gate summary and the checkpoint names.

use super::*;

fn w(name: &str) -> WorkerName {
    name.parse().unwrap()
}

#[test]
fn typed_data_makes_the_spec_lines() {
    assert_eq!(
        RunEvent::Dispatch {
            worker: w("x-worker"),
            model: None
        }
        .to_string(),
        "phase-4-dispatch worker=x-worker model=-"
    );
    assert_eq!(
        RunEvent::Retry {
            worker: w("x-worker"),
            status: Some(429),
            count: 2
        }
        .to_string(),
        "retry worker=x-worker status=429 count=2"
    );
    assert_eq!(
        RunEvent::Retry {
            worker: w("x-worker"),
            status: None,
            count: 1
        }
        .to_string(),
        "retry worker=x-worker status=none count=1"
    );
    assert_eq!(
        RunEvent::Signal {
            worker: w("x-worker"),
            attempt: 2,
            signal: KillSignal::Kill
        }
        .to_string(),
        "signal worker=x-worker attempt=2 signal=SIGKILL"
    );
    assert_eq!(
        RunEvent::Stalled {
            worker: w("x-worker"),
            silent_for: Duration::from_millis(1500)
        }
        .to_string(),
        format!(
            "stalled worker=x-worker silent={}",
            display_elapsed(Duration::from_millis(1500))
        )
    );
    assert_eq!(
        RunEvent::Budget {
            reached: BudgetReached::Tokens { used: 12, max: 10 }
        }
        .to_string(),
        "budget reached: 12 tokens used of a budget of 10"
    );
    assert_eq!(
        RunEvent::Finished {
            status: RunStatus::Interrupted
        }
        .to_string(),
        "finished status=interrupted"
    );
    assert!(
        !RunEvent::Progress {
            worker: w("x-worker"),
            tokens: TokenUsage::default()
        }
        .is_recorded()
    );
}

#[test]
fn spec_lines() {
    assert_eq!(
        RunEvent::Prompts { count: 3 }.to_string(),
        "phase-2-prompts preparing 3 worker prompts"
    );
    assert_eq!(
        RunEvent::Dispatch {
            worker: w("claude-worker"),
            model: Some("opus".into())
        }
        .to_string(),
        "phase-4-dispatch worker=claude-worker model=opus"
    );
    assert_eq!(
        RunEvent::Poll {
            pending: 2,
            done: 1
        }
        .to_string(),
        "phase-5-poll pending=2 done=1"
    );
    assert_eq!(
        RunEvent::Collect {
            worker: w("codex-worker"),
            status: WorkerStatus::Timeout
        }
        .to_string(),
        "phase-5-collect worker=codex-worker status=timeout"
    );
    assert_eq!(
        RunEvent::Convergence { round: 1, queue: 4 }.to_string(),
        "phase-5.5-convergence round=1 queue=4"
    );
    assert_eq!(
        RunEvent::Critic {
            provider: "codex".into(),
            gaps: 2
        }
        .to_string(),
        "phase-5.6-critic provider=codex gaps=2"
    );
    assert_eq!(
        RunEvent::Validated { failures: 0 }.to_string(),
        "validate failures=0"
    );
}

#[test]
fn plan_lines_name_the_gate_and_its_items() {
    use crate::findings::model::Verdict;
    use crate::plan::gate::{GateAnswer, ItemVerdict, decide_gate};
    use crate::plan::model::{PlanItem, PlanItemKind};

    assert_eq!(
        RunEvent::PlanDrafted {
            items: 5,
            violations: 0
        }
        .to_string(),
        "plan-draft items=5 violations=0"
    );
    assert_eq!(
        RunEvent::PlanBodyRound {
            items: 5,
            analysers: 3
        }
        .name(),
        "plan-body-verification"
    );
    let items: Vec<PlanItem> = (1..=3)
        .map(|n| PlanItem {
            id: format!("P-{n}"),
            kind: PlanItemKind::Stage,
            number: n,
            title: format!("Stage {n}: s"),
        })
        .collect();
    let says = |verdicts: &[(&str, Verdict)]| {
        GateAnswer::Answered(
            verdicts
                .iter()
                .map(|(id, verdict)| ItemVerdict {
                    item_id: (*id).to_owned(),
                    verdict: *verdict,
                    reason: String::new(),
                })
                .collect(),
        )
    };
    let asked = ["a".to_owned(), "b".to_owned(), "c".to_owned()];
    let answers = [
        (
            "a",
            says(&[("P-1", Verdict::Disagree), ("P-2", Verdict::Disagree)]),
        ),
        ("b", says(&[("P-1", Verdict::Disagree)])),
        ("c", says(&[("P-1", Verdict::Agree)])),
    ]
    .into_iter()
    .map(|(w, a)| (w.to_owned(), a))
    .collect();
    let summary = GateSummary::of(&decide_gate(&items, &asked, &answers));
    assert_eq!(summary.rejected, ["P-1", "P-2"]);
    assert_eq!(summary.disputed, Vec::<String>::new());
    assert_eq!(
        RunEvent::PlanGate(summary).to_string(),
        "plan-body-verification result=blocked-by-disagreement answered=3/3 \
         rejected=P-1,P-2 disputed=-"
    );
}

#[test]
fn checkpoint_names_serialize_as_spec() {
    for c in Checkpoint::ALL {
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            format!("\"{}\"", c.as_str())
        );
    }
}
