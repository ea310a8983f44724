//! Owns a markdown plan as read ([`MarkdownPlan`]): its front matter's `approved`, section 1,
//! the plan body, the line of every part and what only the markdown can get wrong — and every
//! violation of it, the markdown's own problems together with the rules of `plan::check`
//! pointed at lines. Reading the document into it is `body`'s job.

use crate::plan::check::{
    At, Violation, check_clarifications, check_plan_body_at, sort_violations,
};
use crate::plan::clarifications::Section1;
use crate::plan::markdown::locate::PlanLines;
use crate::plan::model::PlanBody;

/// A markdown plan, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkdownPlan {
    /// The front matter's `approved` (strict booleans), `None` when absent.
    pub approved: Option<bool>,
    /// Section 1: the clarification items.
    pub section_1: Section1,
    /// The plan body (section 5).
    pub body: PlanBody,
    /// The line of every part of the plan.
    pub lines: PlanLines,
    /// What only the markdown can get wrong (S1, S2 heading numbers, S3, unreadable
    /// `depends-on` entries, heading keywords, section 1, the front matter), found while reading.
    pub problems: Vec<Violation>,
}

impl MarkdownPlan {
    /// Returns every violation of the plan (all rules), sorted by line then rule.
    pub fn violations(&self) -> Vec<Violation> {
        let mut out = self.problems.clone();
        out.extend(check_plan_body_at(&self.body, &self.lines));
        if let Section1::Items(items) = &self.section_1 {
            let rows = &self.lines.clarifications;
            out.extend(check_clarifications(items, &|i, _| {
                At::Line(rows.get(i).copied().unwrap_or(1))
            }));
        }
        sort_violations(&mut out);
        out
    }
}
