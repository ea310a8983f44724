//! Owns reading a plan written as markdown (SPEC §7.2): by hand, by an older okstra, or
//! rendered by okstra itself. pulldown-cmark's events, with their byte offsets mapped to lines,
//! become the plan model ([`PlanBody`]), section 1 ([`Section1`]), the front matter's
//! `approved`, and the line of every part, so that the rules of `plan::check` point at
//! `file:line`. The rules only a markdown can break (S1, S3, heading keywords, section 1, the
//! front matter) are checked here too.
//!
//! Hand-written variants are tolerated: stage headings at `##` or `###`, `Stage N` followed by
//! `:` or `—`, `depends-on` written `Stage 1, Stage 2` / `1,2` / `none` / `(none)`, bold labels
//! (`**Slice value:**`). Parsing never fails and never panics; what cannot be read is a
//! violation. Writing the markdown is `plan::render`'s job.

mod body;
pub(crate) mod doc;
mod locate;
mod stage;
pub(crate) mod text;

use crate::plan::check::{
    At, Violation, check_clarifications, check_plan_body_at, sort_violations,
};
use crate::plan::clarifications::Section1;
use crate::plan::model::PlanBody;

pub use locate::{OptionLines, PlanLines, StageLines};

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

/// Returns the plan in a markdown document. Never fails: what cannot be read is recorded in
/// [`MarkdownPlan::problems`].
pub fn parse_markdown_plan(md: &str) -> MarkdownPlan {
    body::parse(md)
}

/// Returns every violation of a markdown plan (all rules), sorted by line then rule.
pub fn check_markdown_plan(md: &str) -> Vec<Violation> {
    parse_markdown_plan(md).violations()
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

#[cfg(test)]
mod tests;
