//! Owns how findings appear in prompts: the queued findings of a reverify round with the
//! earlier answers' reasons (and nothing else — findings not in the queue are never re-sent),
//! and the converged findings with their classes for the critic and the report writer.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::converge::{Answer, ConvergenceState};
use super::model::{ConsensusClass, Finding};

fn finding_block(out: &mut String, f: &Finding) {
    let _ = writeln!(out, "### {} — {} ({})", f.id, f.title, f.severity);
    let _ = writeln!(out, "- Claim: {}", f.claim.trim());
    let _ = writeln!(out, "- Reasoning: {}", f.reasoning.trim());
    if f.evidence.is_empty() {
        let _ = writeln!(out, "- Evidence: (none cited)");
    } else {
        let _ = writeln!(out, "- Evidence: {}", f.evidence.join(", "));
    }
}

/// Returns the "Findings to re-verify" section for one recipient: exactly its queued findings,
/// each with the earlier answers and their reasons.
pub fn render_reverify_findings(state: &ConvergenceState, ids: &[String]) -> String {
    let answers = state.latest_answers();
    let mut out = String::new();
    for id in ids {
        let Some(f) = state.findings.iter().find(|f| &f.id == id) else {
            continue;
        };
        finding_block(&mut out, f);
        let _ = writeln!(out, "- Reported by: {}", f.authors.join(", "));
        if let Some(mine) = answers.get(id.as_str()) {
            let _ = writeln!(out, "- Earlier answers:");
            let mine: &BTreeMap<&str, Answer> = mine;
            for (worker, a) in mine {
                let _ = writeln!(
                    out,
                    "  - {worker} (round {}): {} — {}",
                    a.round,
                    a.verdict,
                    a.reason.trim()
                );
            }
        }
        out.push('\n');
    }
    out.trim_end().to_owned()
}

/// Returns the converged findings grouped by class, for the critic and the report writer.
pub fn render_converged(state: &ConvergenceState) -> String {
    let classes = state.compute_classes();
    let mut out = String::new();
    for class in ConsensusClass::ALL {
        let group: Vec<&Finding> = state
            .findings
            .iter()
            .filter(|f| classes.get(&f.id) == Some(&class))
            .collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {class}\n");
        for f in group {
            finding_block(&mut out, f);
            let _ = writeln!(out, "- Reported by: {}\n", f.authors.join(", "));
        }
    }
    if out.is_empty() {
        "(no findings)".to_owned()
    } else {
        out.trim_end().to_owned()
    }
}
