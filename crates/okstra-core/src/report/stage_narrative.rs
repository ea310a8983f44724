//! Owns the narrative of an implementation run's report (SPEC §7.1, §8): okstra writes it
//! itself — no report writer is asked — from the stage part of the report: the decision in one
//! paragraph, the executor's own account quoted as it is (cut to a bounded length), and the
//! advisory findings' fixes as recommendations.

use crate::carry::Verdict;
use crate::evidence::{DiffSeverity, TddProof};
use crate::report::data::Narrative;
use crate::report::implementation::StageReport;

/// The most characters of the executor's account a report quotes.
pub const MAX_ACCOUNT_CHARS: usize = 8000;

/// Returns the narrative okstra writes for a stage's report: the decision in one paragraph, the
/// executor's account quoted (redacted by the caller, cut to a bounded length), and the
/// verifier's advisory fixes as recommendations.
pub fn stage_narrative(stage: &StageReport, executor_account: Option<&str>) -> Narrative {
    let mut summary = format!(
        "Stage {} ({}) {}.",
        stage.stage,
        stage.title.trim(),
        match stage.outcome {
            Verdict::Pass => "passed",
            Verdict::Fail => "failed",
        }
    );
    let proof = stage.tdd_proof.as_ref().map_or_else(
        || "no TDD proof".to_owned(),
        |p| format!("TDD proof {}", tdd_words(p)),
    );
    summary.push_str(&format!(
        " {} commit{}, {proof}, verifier {}.",
        stage.commits.len(),
        if stage.commits.len() == 1 { "" } else { "s" },
        stage
            .verifier
            .verdict
            .map_or_else(|| stage.verifier.status.clone(), |v| v.to_string())
    ));
    if !stage.reasons.is_empty() {
        summary.push_str(&format!(" Failures: {}.", stage.reasons.join("; ")));
    }
    let analysis = match executor_account.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => {
            let cut: String = text.chars().take(MAX_ACCOUNT_CHARS).collect();
            let more = if cut.len() < text.len() {
                "\n\n(cut: the executor's whole account is its result file)"
            } else {
                ""
            };
            format!(
                "The executor's own account (okstra checked the commits and ran the validation itself):\n\n{cut}{more}"
            )
        }
        None => "The executor gave no account of its own.".to_owned(),
    };
    let recommendations = stage
        .verifier
        .findings
        .iter()
        .chain(&stage.okstra_findings)
        .filter(|f| f.severity == DiffSeverity::Advisory)
        .map(|f| format!("{} {}: {}", f.at, f.rule, f.fix))
        .collect();
    Narrative {
        summary,
        analysis,
        recommendations,
        plan_body: None,
        plan: None,
        clarifications: Vec::new(),
    }
}

/// Returns the TDD proof's verdict in words.
fn tdd_words(proof: &TddProof) -> &'static str {
    use crate::evidence::TddVerdict;
    match proof.verdict {
        TddVerdict::Proven => "proven",
        TddVerdict::Exempt => "exempt",
        TddVerdict::NoRedCommit => "failed (no RED commit)",
        TddVerdict::RedPassed => "failed (RED passes)",
        TddVerdict::HeadFails => "failed (the head fails)",
        TddVerdict::NoGit => "not provable (outside git)",
    }
}
