//! Owns the narrative okstra writes itself when no report writer answered (SPEC §7.1), and
//! the one sentence naming why: the budget stopped it, no analyser completed so it was not
//! asked, or it ran and failed (with its status and reason). A report writer is always
//! configured (the `report-writer` role defaults to claude), so "none is configured" is never
//! the reason.
//!
//! Running the report writer and writing the report are the engine's.

use std::fmt;

use super::check::report_writer_note;
use super::data::Narrative;
use crate::budget::BudgetReached;
use crate::status::WorkerStatus;

/// Why a report has no narrative from its report writer.
#[derive(Clone, Debug, PartialEq)]
pub enum NoNarrative {
    /// The budget was reached before the report writer would have started.
    BudgetReached(BudgetReached),
    /// No analyser completed, so the report writer (this agent) was not asked.
    NoAnalyserCompleted { writer: String },
    /// The report writer ran and gave no usable narrative.
    WriterFailed {
        status: WorkerStatus,
        reason: Option<String>,
    },
    /// The report writer was planned but no result came back for it.
    WriterDidNotRun,
}

impl fmt::Display for NoNarrative {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoNarrative::BudgetReached(reached) => write!(f, "the budget was reached: {reached}"),
            NoNarrative::NoAnalyserCompleted { writer } => write!(
                f,
                "no analyser completed, so the report writer ({writer}) was not asked"
            ),
            NoNarrative::WriterFailed { status, reason } => {
                f.write_str(&report_writer_note(*status, reason.as_deref()))
            }
            NoNarrative::WriterDidNotRun => f.write_str("the report writer did not run"),
        }
    }
}

/// Returns the narrative okstra writes itself when no report writer answered: why, and how
/// many findings were recorded.
pub fn fallback_narrative(why: &NoNarrative, findings: usize) -> Narrative {
    Narrative {
        summary: format!(
            "okstra wrote this report without a report writer ({why}). The findings, classes, \
             workers and tokens below are okstra's own record."
        ),
        analysis: format!("{findings} findings were recorded; see the sections below."),
        recommendations: Vec::new(),
        plan_body: None,
        plan: None,
        clarifications: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(why: &NoNarrative) -> String {
        fallback_narrative(why, 2).summary
    }

    #[test]
    fn each_reason_is_named() {
        assert_eq!(
            summary(&NoNarrative::WriterFailed {
                status: WorkerStatus::Error,
                reason: Some("the command ended with exit code 3: boom".into()),
            }),
            "okstra wrote this report without a report writer (the report writer ended error: \
             the command ended with exit code 3: boom). The findings, classes, workers and \
             tokens below are okstra's own record."
        );
        assert_eq!(
            NoNarrative::NoAnalyserCompleted {
                writer: "claude".into()
            }
            .to_string(),
            "no analyser completed, so the report writer (claude) was not asked"
        );
        assert_eq!(
            NoNarrative::BudgetReached(BudgetReached::Tokens { used: 12, max: 10 }).to_string(),
            "the budget was reached: 12 tokens used of a budget of 10"
        );
        assert_eq!(
            NoNarrative::WriterFailed {
                status: WorkerStatus::NotRun,
                reason: None
            }
            .to_string(),
            "the report writer ended not-run: no answer"
        );
        for why in [
            NoNarrative::WriterDidNotRun,
            NoNarrative::NoAnalyserCompleted { writer: "w".into() },
        ] {
            assert!(!summary(&why).contains("configured"), "{why}");
        }
        assert_eq!(
            fallback_narrative(&NoNarrative::WriterDidNotRun, 2).analysis,
            "2 findings were recorded; see the sections below."
        );
    }
}
