//! Owns reading a plan written as markdown (SPEC §7.2): by hand, by an older okstra, or
//! rendered by okstra itself. pulldown-cmark's events, with their byte offsets mapped to lines,
//! become the plan model ([`PlanBody`](crate::plan::model::PlanBody)), section 1
//! ([`Section1`](crate::plan::clarifications::Section1)), the front matter's `approved`, and
//! the line of every part, so that the rules of `plan::check` point at `file:line`. The rules
//! only a markdown can break (S1, S3, heading keywords, section 1, the front matter) are
//! checked here too.
//!
//! Hand-written variants are tolerated: stage headings at `##` or `###`, `Stage N` followed by
//! `:` or `—`, `depends-on` written `Stage 1, Stage 2` / `1,2` / `none` / `(none)`, bold labels
//! (`**Slice value:**`). Parsing never fails and never panics; what cannot be read is a
//! violation. Writing the markdown is `plan::render`'s job.

pub(crate) mod blocks;
mod body;
pub(crate) mod doc;
mod locate;
mod parsed;
mod stage;
pub(crate) mod text;

use crate::plan::check::Violation;

pub use locate::{OptionLines, PlanLines, StageLines};
pub use parsed::MarkdownPlan;

/// Returns the plan in a markdown document. Never fails: what cannot be read is recorded in
/// [`MarkdownPlan::problems`].
pub fn parse_markdown_plan(md: &str) -> MarkdownPlan {
    body::parse(md)
}

/// Returns every violation of a markdown plan (all rules), sorted by line then rule.
pub fn check_markdown_plan(md: &str) -> Vec<Violation> {
    parse_markdown_plan(md).violations()
}

#[cfg(test)]
mod tests;
