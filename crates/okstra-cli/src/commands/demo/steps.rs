//! Owns what the demo says of each step in its one line — the findings of an analysis, the
//! plan and its gate, a stage's commits, tests and verdicts (read back from okstra's own carry)
//! — and the order the stages of the approved plan are implemented in.

use okstra_core::carry::CarrySidecar;
use okstra_core::findings::ConsensusClass;
use okstra_core::handoff::PushOutcome;
use okstra_core::plan::model::Stage;
use okstra_engine::{PlanOutcome, RunSummary};

/// Returns the detail of an analysis run: its findings by class.
pub(super) fn run_detail(summary: &RunSummary) -> String {
    format!(
        "{} analysers, findings: {}",
        summary.workers.len(),
        class_list(summary)
    )
}

/// Returns `1 full-consensus, 1 disputed` (the classes that have findings), or `none`.
fn class_list(summary: &RunSummary) -> String {
    let classes: Vec<String> = ConsensusClass::ALL
        .iter()
        .filter(|c| summary.classes.of(**c) > 0)
        .map(|c| format!("{} {c}", summary.classes.of(*c)))
        .collect();
    if classes.is_empty() {
        "none".to_owned()
    } else {
        classes.join(", ")
    }
}

/// Returns the detail of a planning run: its plan and the plan-body gate.
pub(super) fn plan_detail(summary: &RunSummary) -> String {
    match &summary.plan {
        Some(PlanOutcome::Gated { items, gate }) => format!(
            "plan drafted by the writer as data ({items} items), plan-body verification {}",
            gate.result
        ),
        Some(outcome) => outcome
            .blocker()
            .unwrap_or_else(|| "plan drafted, not verified".to_owned()),
        None => "no plan".to_owned(),
    }
}

/// Returns the detail of an implementation run: okstra's decision and, for a PASS, what the
/// carry records — the commits, the tests at the head, the TDD proof, the verifier.
pub(super) fn stage_detail(summary: &RunSummary) -> String {
    let Some(stage) = &summary.stage else {
        return "no decision".to_owned();
    };
    let carry = stage
        .carry
        .as_ref()
        .and_then(|path| fs_err::read_to_string(path).ok())
        .and_then(|text| CarrySidecar::parse(&text).ok());
    let Some(carry) = carry else {
        return format!("{}: {}", stage.verdict, stage.reasons.join("; "));
    };
    let kinds: Vec<&str> = carry
        .commits
        .iter()
        .map(|c| c.subject.split(':').next().unwrap_or_default())
        .collect();
    let passed = carry
        .validation_evidence
        .iter()
        .filter(|e| e.exit_code == Some(0))
        .count();
    format!(
        "{}: commits {}, tests {passed}/{} passed at the head, TDD proof {}, verifier {}",
        stage.verdict,
        kinds.join(" → "),
        carry.validation_evidence.len(),
        serde_json::to_value(carry.tdd_proof.verdict)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        carry.verifier.verdict
    )
}

/// Returns the detail of a final-verification run: okstra's verdict, the stages merged, its
/// own commands and the verifiers.
pub(super) fn fv_detail(summary: &RunSummary) -> String {
    let Some(record) = &summary.final_verification else {
        return "no verdict".to_owned();
    };
    let stages: Vec<String> = record.stages.iter().map(|s| s.stage.to_string()).collect();
    let passed = record
        .commands
        .iter()
        .filter(|c| c.exit_code == Some(0))
        .count();
    let mut line = format!(
        "{}: stages {} merged into {}, commands {passed}/{} passed on the merged head, \
         {}/{} verifiers answered, findings: {}",
        record.verdict,
        stages.join(", "),
        record.task_branch,
        record.commands.len(),
        record.verifiers_answered.len(),
        record.verifiers_asked.len(),
        class_list(summary)
    );
    if !record.reasons.is_empty() {
        line.push_str(&format!(" — {}", record.reasons.join("; ")));
    }
    line
}

/// Returns the detail of a release-handoff run: the PR title, the template its body follows,
/// and what was pushed (nothing, without `--push`).
pub(super) fn handoff_detail(summary: &RunSummary) -> String {
    let Some(handoff) = &summary.handoff else {
        return "no hand-off".to_owned();
    };
    let push = match &handoff.push {
        PushOutcome::NotAsked => "nothing pushed (no --push)".to_owned(),
        PushOutcome::Pushed { remote, branch } => format!("pushed {branch} to {remote}"),
        PushOutcome::Rejected { .. } => "the push was rejected".to_owned(),
    };
    format!(
        "PR \"{}\", body from the {} template, {push}",
        handoff.title, handoff.template
    )
}

/// Returns the stages' numbers in dependency order: each after the stages it depends on, the
/// lowest-numbered ready stage first (as `--stage auto` takes them).
pub(super) fn dependency_order(stages: &[Stage]) -> Vec<u32> {
    let mut done: Vec<u32> = Vec::new();
    while done.len() < stages.len() {
        let next = stages
            .iter()
            .filter(|s| !done.contains(&s.number))
            .find(|s| s.depends_on.iter().all(|d| done.contains(d)));
        match next {
            Some(stage) => done.push(stage.number),
            // A cycle: `plan check` refuses such a plan before approval.
            None => break,
        }
    }
    done
}

/// Returns `3 stages: 1, 2, 3 (after 1, 2)`.
pub(super) fn stage_map(stages: &[Stage]) -> String {
    let list: Vec<String> = stages
        .iter()
        .map(|s| {
            if s.depends_on.is_empty() {
                s.number.to_string()
            } else {
                let deps: Vec<String> = s.depends_on.iter().map(u32::to_string).collect();
                format!("{} (after {})", s.number, deps.join(", "))
            }
        })
        .collect();
    format!("{} stages: {}", stages.len(), list.join(", "))
}
