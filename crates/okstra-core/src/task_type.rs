//! Owns the six task types of SPEC §3 and what is fixed per type: its name, its expected
//! per-worker duration, the derived 2× deadline, the default convergence round limit and what
//! its workers read as the task's brief.
//!
//! Worker rosters and the other per-type settings that a project can change live in `config`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::errors::TaskTypeError;

/// One of the six task types (SPEC §3).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum TaskType {
    RequirementsDiscovery,
    ErrorAnalysis,
    ImplementationPlanning,
    Implementation,
    FinalVerification,
    ReleaseHandoff,
}

impl TaskType {
    /// Every task type, in workflow order.
    pub const ALL: [TaskType; 6] = [
        TaskType::RequirementsDiscovery,
        TaskType::ErrorAnalysis,
        TaskType::ImplementationPlanning,
        TaskType::Implementation,
        TaskType::FinalVerification,
        TaskType::ReleaseHandoff,
    ];

    /// Returns the spec name, which is also its path segment.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskType::RequirementsDiscovery => "requirements-discovery",
            TaskType::ErrorAnalysis => "error-analysis",
            TaskType::ImplementationPlanning => "implementation-planning",
            TaskType::Implementation => "implementation",
            TaskType::FinalVerification => "final-verification",
            TaskType::ReleaseHandoff => "release-handoff",
        }
    }

    /// Returns the expected wall time of one worker of this type (SPEC §3).
    pub fn expected_duration(self) -> Duration {
        let minutes = match self {
            TaskType::RequirementsDiscovery
            | TaskType::FinalVerification
            | TaskType::ReleaseHandoff => 10,
            TaskType::ErrorAnalysis => 15,
            TaskType::ImplementationPlanning | TaskType::Implementation => 20,
        };
        Duration::from_secs(minutes * 60)
    }

    /// Returns the default per-worker deadline: twice the expected duration (SPEC §5.4).
    pub fn default_deadline(self) -> Duration {
        self.expected_duration() * 2
    }

    /// Returns the default `convergence.maxRounds` (SPEC §3, §6.3); `0` where the type has no
    /// convergence.
    pub fn default_max_rounds(self) -> u32 {
        match self {
            TaskType::RequirementsDiscovery | TaskType::FinalVerification => 1,
            TaskType::ErrorAnalysis | TaskType::ImplementationPlanning => 2,
            TaskType::Implementation | TaskType::ReleaseHandoff => 0,
        }
    }

    /// Returns whether runs of this type are stage-isolated (`runs/implementation/stage-<N>/`).
    pub fn is_stage_scoped(self) -> bool {
        self == TaskType::Implementation
    }

    /// Returns whether this type runs a team of analysers (as opposed to one executor/writer).
    pub fn uses_analysers(self) -> bool {
        !matches!(self, TaskType::Implementation | TaskType::ReleaseHandoff)
    }

    /// Returns what this type's workers read as the task's brief: a run that would start
    /// workers with nothing to read is refused.
    pub fn brief_source(self) -> BriefSource {
        match self {
            TaskType::Implementation => BriefSource::ApprovedPlan,
            _ => BriefSource::TaskBrief,
        }
    }
}

/// What a run's workers read as the task's brief.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BriefSource {
    /// The text of `--brief` / `--brief-text`, else the task's stored `brief.md`; a run with
    /// neither (or only blank text) is refused.
    TaskBrief,
    /// The approved plan's stage (an implementation run): its brief is its plan.
    ApprovedPlan,
}

impl BriefSource {
    /// Returns whether `brief` (the text a run would give its workers) leaves them nothing to
    /// read.
    pub fn is_missing(self, brief: &str) -> bool {
        match self {
            BriefSource::TaskBrief => brief.trim().is_empty(),
            // The plan is checked where the stage is selected (SPEC §8), not here.
            BriefSource::ApprovedPlan => false,
        }
    }
}

impl fmt::Display for TaskType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TaskType {
    type Err = TaskTypeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TaskType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| TaskTypeError {
                value: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in TaskType::ALL {
            assert_eq!(t.as_str().parse::<TaskType>().unwrap(), t);
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                format!("\"{}\"", t.as_str())
            );
        }
        assert!("analysis".parse::<TaskType>().is_err());
    }

    #[test]
    fn a_brief_is_blank_text_or_the_plan() {
        let brief = TaskType::ErrorAnalysis.brief_source();
        assert_eq!(brief, BriefSource::TaskBrief);
        assert!(brief.is_missing(""));
        assert!(brief.is_missing(" \n\t\n"));
        assert!(!brief.is_missing("# Checkout fails\n"));
        let plan = TaskType::Implementation.brief_source();
        assert_eq!(plan, BriefSource::ApprovedPlan);
        assert!(!plan.is_missing(""), "an implementation run reads its plan");
    }

    #[test]
    fn durations_follow_spec_table() {
        let table = [
            ("requirements-discovery", 10, 20, 1),
            ("error-analysis", 15, 30, 2),
            ("implementation-planning", 20, 40, 2),
            ("implementation", 20, 40, 0),
            ("final-verification", 10, 20, 1),
            ("release-handoff", 10, 20, 0),
        ];
        for (name, expected, deadline, rounds) in table {
            let t: TaskType = name.parse().unwrap();
            assert_eq!(t.expected_duration(), Duration::from_secs(expected * 60));
            assert_eq!(t.default_deadline(), Duration::from_secs(deadline * 60));
            assert_eq!(t.default_max_rounds(), rounds);
        }
    }
}
