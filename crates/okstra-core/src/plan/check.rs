//! Owns the plan rules (SPEC §7.2) and their diagnostics: the structural Stage Map rules
//! S1–S10, the heading keywords, the option rules and section 1 (clarification items). The rules
//! run over the plan model once, whichever source it came from; a position is a markdown line
//! or a JSON pointer into the data, supplied by the source through [`Locate`].
//!
//! The rules that only a markdown source can break (S1, S3, the heading keywords, an
//! unparsable section 1) live in `plan::markdown`; whole report data (structured plan,
//! clarification rows, or an older okstra's markdown `planBody`) is checked by
//! [`check_report_plan`].

mod locate;
mod report;
mod rules;

use std::cmp::Ordering;
use std::fmt;

use serde::Serialize;

use crate::plan::model::PlanBody;

pub use locate::{Locate, Part, Pointers};
pub use report::{CLARIFICATION_STATUSES, check_clarifications, check_report_plan};
pub use rules::{ACTION_PREFIXES, MAX_STEPS, check_plan_body_at};

/// A plan rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// The exact `## 5.5 Stage Map` heading (markdown only).
    S1,
    /// Stage sections numbered 1..n without gaps.
    S2,
    /// The four stage subsections present (markdown only).
    S3,
    /// At most 6 effective steps per stage.
    S4,
    /// `depends-on` refers to existing stages.
    S5,
    /// The dependency graph is acyclic.
    S6,
    /// Every Stage Validation has at least one command.
    S7,
    /// The Stage Exit Contract is not empty.
    S8,
    /// The Rollback is not empty.
    S9,
    /// Vertical slice: `Slice value:`, `Acceptance:`, `RED:`/`GREEN:` actions or a
    /// `TDD exemption:` line.
    S10,
    /// A required heading keyword is in no heading line (markdown only).
    Keyword,
    /// At least two option candidates, each with trade-offs; the recommended option exists.
    Options,
    /// Section 1 exists but cannot be parsed, or one of its rows is malformed.
    Section1,
    /// The markdown's front matter does not parse (e.g. `approved: yes`).
    Frontmatter,
    /// A report has no plan at all.
    NoPlan,
}

impl Rule {
    /// Returns the rule's code as diagnostics print it: `S1` … `S10`, `keyword`, `options`,
    /// `section-1`, `frontmatter`, `no-plan`.
    pub fn code(self) -> &'static str {
        match self {
            Rule::S1 => "S1",
            Rule::S2 => "S2",
            Rule::S3 => "S3",
            Rule::S4 => "S4",
            Rule::S5 => "S5",
            Rule::S6 => "S6",
            Rule::S7 => "S7",
            Rule::S8 => "S8",
            Rule::S9 => "S9",
            Rule::S10 => "S10",
            Rule::Keyword => "keyword",
            Rule::Options => "options",
            Rule::Section1 => "section-1",
            Rule::Frontmatter => "frontmatter",
            Rule::NoPlan => "no-plan",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// Where a violation is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum At {
    /// A 1-based line of a markdown plan.
    Line(u32),
    /// A JSON pointer into the data (e.g. `/narrative/plan/stages/2/validation`).
    Pointer(String),
    /// A 1-based line of a markdown string held in the data at `pointer` (the `planBody` of a
    /// report from an older okstra).
    Within { pointer: String, line: u32 },
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Line(line) => write!(f, "{line}"),
            At::Pointer(pointer) if pointer.is_empty() => f.write_str("/"),
            At::Pointer(pointer) => f.write_str(pointer),
            At::Within { pointer, line } => write!(f, "{pointer}:{line}"),
        }
    }
}

impl At {
    /// Returns the key positions sort by: lines by number, pointers segment by segment with
    /// array indexes compared as numbers (`/stages/2` before `/stages/10`).
    fn sort_key(&self) -> (u8, Vec<Segment<'_>>, u32) {
        match self {
            At::Line(line) => (0, Vec::new(), *line),
            At::Pointer(pointer) => (1, segments(pointer), 0),
            At::Within { pointer, line } => (2, segments(pointer), *line),
        }
    }
}

/// One segment of a JSON pointer, for sorting.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Segment<'a> {
    Index(u64),
    Name(&'a str),
}

fn segments(pointer: &str) -> Vec<Segment<'_>> {
    pointer
        .split('/')
        .map(|s| s.parse().map_or(Segment::Name(s), Segment::Index))
        .collect()
}

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub rule: Rule,
    pub at: At,
    pub message: String,
}

impl Violation {
    /// Returns the diagnostic line for a plan at `path`: `path:line: S<n> <message>` (or
    /// `path:/json/pointer: …`).
    pub fn display_in(&self, path: &str) -> String {
        format!("{path}:{}: {} {}", self.at, self.rule, self.message)
    }
}

/// Sorts violations by position, then rule, then message, and drops exact duplicates.
pub fn sort_violations(violations: &mut Vec<Violation>) {
    violations.sort_by(violation_order);
    violations.dedup();
}

/// Compares two violations the way [`sort_violations`] orders them.
pub fn violation_order(a: &Violation, b: &Violation) -> Ordering {
    a.at.sort_key()
        .cmp(&b.at.sort_key())
        .then(a.rule.cmp(&b.rule))
        .then_with(|| a.message.cmp(&b.message))
}

/// Returns every violation of the rules that hold for structured plan data (S2, S4–S10 and
/// the option rules) in `body`, sorted by position then rule; pointers start with `base`
/// (`/narrative/plan` in a data.json, `/plan` in a report writer's answer block).
pub fn check_plan_body(body: &PlanBody, base: &str) -> Vec<Violation> {
    let mut violations = check_plan_body_at(body, &Pointers::new(base));
    sort_violations(&mut violations);
    violations
}
