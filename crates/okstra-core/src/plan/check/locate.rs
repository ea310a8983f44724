//! Owns where a rule points: the parts of a plan a violation can be about ([`Part`]), the
//! trait a plan source implements to place them ([`Locate`]), and the JSON-pointer placement
//! of structured data ([`Pointers`]). The markdown placement is `plan::markdown`'s.

use crate::plan::check::At;

/// A part of a plan that a rule can point at. Indexes are 0-based positions in the model's
/// vectors (not stage or option numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    /// The plan as a whole.
    Plan,
    /// The option candidates.
    Options,
    /// One option candidate.
    Option(usize),
    /// An option's trade-offs.
    TradeOffs(usize),
    /// The recommended option's number.
    Recommended,
    /// The Stage Map.
    Stages,
    /// A stage as a whole (its heading).
    Stage(usize),
    /// A stage's number.
    Number(usize),
    /// A stage's `depends-on`.
    DependsOn(usize),
    /// One entry of a stage's `depends-on`: (stage, entry).
    Dependency(usize, usize),
    /// A stage's `Slice value:`.
    SliceValue(usize),
    /// A stage's `Acceptance:`.
    Acceptance(usize),
    /// A stage's Stepwise Execution Order.
    Steps(usize),
    /// The action of one step: (stage, step).
    Step(usize, usize),
    /// A stage's `TDD exemption:`.
    TddExemption(usize),
    /// A stage's Stage Validation.
    Validation(usize),
    /// A stage's Stage Exit Contract.
    ExitContract(usize),
    /// A stage's Rollback.
    Rollback(usize),
}

/// Places the parts of one plan in its source.
pub trait Locate {
    /// Returns where `part` is, or `None` when the source lacks that part altogether and a rule
    /// of the source itself already reports the absence (a markdown stage without its
    /// `### Rollback` subsection is one S3 violation, not S3 and S9).
    fn locate(&self, part: Part) -> Option<At>;
}

/// Places the parts of structured plan data as JSON pointers under a base pointer.
#[derive(Clone, Debug)]
pub struct Pointers {
    base: String,
}

impl Pointers {
    /// Returns the placement of a plan at `base` (`/narrative/plan` in a data.json).
    pub fn new(base: &str) -> Pointers {
        Pointers {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    fn at(&self, path: &str) -> At {
        At::Pointer(format!("{}{path}", self.base))
    }
}

impl Locate for Pointers {
    fn locate(&self, part: Part) -> Option<At> {
        let at = match part {
            Part::Plan => self.at(""),
            Part::Options => self.at("/options"),
            Part::Option(i) => self.at(&format!("/options/{i}")),
            Part::TradeOffs(i) => self.at(&format!("/options/{i}/tradeOffs")),
            Part::Recommended => self.at("/recommendedOption/option"),
            Part::Stages => self.at("/stages"),
            Part::Stage(i) => self.at(&format!("/stages/{i}")),
            Part::Number(i) => self.at(&format!("/stages/{i}/number")),
            Part::DependsOn(i) => self.at(&format!("/stages/{i}/dependsOn")),
            Part::Dependency(i, k) => self.at(&format!("/stages/{i}/dependsOn/{k}")),
            Part::SliceValue(i) => self.at(&format!("/stages/{i}/sliceValue")),
            Part::Acceptance(i) => self.at(&format!("/stages/{i}/acceptance")),
            Part::Steps(i) => self.at(&format!("/stages/{i}/steps")),
            Part::Step(i, j) => self.at(&format!("/stages/{i}/steps/{j}/action")),
            Part::TddExemption(i) => self.at(&format!("/stages/{i}/tddExemption")),
            Part::Validation(i) => self.at(&format!("/stages/{i}/validation")),
            Part::ExitContract(i) => self.at(&format!("/stages/{i}/exitContract")),
            Part::Rollback(i) => self.at(&format!("/stages/{i}/rollback")),
        };
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_sit_under_the_base() {
        let p = Pointers::new("/narrative/plan/");
        assert_eq!(
            p.locate(Part::Step(2, 0)),
            Some(At::Pointer(
                "/narrative/plan/stages/2/steps/0/action".into()
            ))
        );
        assert_eq!(
            Pointers::new("").locate(Part::Plan),
            Some(At::Pointer(String::new()))
        );
    }
}
