//! Owns the lines of a markdown plan's parts ([`PlanLines`]) and how the shared rules are
//! placed on them: a part the markdown lacks altogether (a stage without its `### Rollback`,
//! a plan without a `Recommended Option` heading) is reported once, by S3 or the heading
//! keyword rule, so the content rule on it stays silent.

use crate::plan::check::{At, Locate, Part};

/// The 1-based lines of a markdown plan's parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanLines {
    /// The `## 5.` heading of the plan, or 1.
    pub plan: u32,
    /// The `Option Candidates` heading.
    pub options: Option<u32>,
    pub option: Vec<OptionLines>,
    /// The `Recommended Option` heading.
    pub recommended: Option<u32>,
    /// The `Stage Map` heading.
    pub stage_map: Option<u32>,
    pub stages: Vec<StageLines>,
    /// Each row of the section 1 table.
    pub clarifications: Vec<u32>,
    /// Whether some heading has the keyword `Trade-off` (when none has, the keyword rule
    /// reports it, not each option).
    pub has_trade_off_heading: bool,
}

/// The lines of one option candidate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OptionLines {
    pub heading: u32,
    /// Its `Trade-off` subheading.
    pub trade_off: Option<u32>,
}

/// The lines of one stage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StageLines {
    pub heading: u32,
    pub depends_on: Option<u32>,
    pub slice_value: Option<u32>,
    pub acceptance: Option<u32>,
    pub tdd_exemption: Option<u32>,
    /// The `Stepwise Execution Order` subheading.
    pub stepwise: Option<u32>,
    /// Each step's row (or list item).
    pub steps: Vec<u32>,
    /// The `Stage Validation` subheading.
    pub validation: Option<u32>,
    /// The `Stage Exit Contract` subheading.
    pub exit_contract: Option<u32>,
    /// The `Rollback` subheading.
    pub rollback: Option<u32>,
}

impl Locate for PlanLines {
    fn locate(&self, part: Part) -> Option<At> {
        let stage = |i: usize| self.stages.get(i);
        let heading = |i: usize| stage(i).map_or(self.plan, |s| s.heading);
        let line = match part {
            Part::Plan => Some(self.plan),
            Part::Options => self
                .options
                .or_else(|| (!self.option.is_empty()).then_some(self.plan)),
            Part::Option(i) => Some(self.option.get(i).map_or(self.plan, |o| o.heading)),
            Part::TradeOffs(i) => {
                let option = self.option.get(i);
                match option.and_then(|o| o.trade_off) {
                    Some(line) => Some(line),
                    None if self.has_trade_off_heading => {
                        Some(option.map_or(self.plan, |o| o.heading))
                    }
                    None => None,
                }
            }
            Part::Recommended => self.recommended,
            Part::Stages => Some(self.stage_map.unwrap_or(self.plan)),
            Part::Stage(i) | Part::Number(i) => Some(heading(i)),
            Part::DependsOn(i) | Part::Dependency(i, _) => {
                Some(stage(i).and_then(|s| s.depends_on).unwrap_or(heading(i)))
            }
            Part::SliceValue(i) => Some(stage(i).and_then(|s| s.slice_value).unwrap_or(heading(i))),
            Part::Acceptance(i) => Some(stage(i).and_then(|s| s.acceptance).unwrap_or(heading(i))),
            Part::Steps(i) => stage(i).and_then(|s| s.stepwise.or(s.tdd_exemption)),
            Part::Step(i, j) => stage(i)
                .and_then(|s| s.steps.get(j).copied())
                .or(Some(heading(i))),
            Part::TddExemption(i) => {
                Some(stage(i).and_then(|s| s.tdd_exemption).unwrap_or(heading(i)))
            }
            Part::Validation(i) => stage(i).and_then(|s| s.validation),
            Part::ExitContract(i) => stage(i).and_then(|s| s.exit_contract),
            Part::Rollback(i) => stage(i).and_then(|s| s.rollback),
        };
        line.map(At::Line)
    }
}
