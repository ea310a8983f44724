//! Owns the plan rules (SPEC §7.2) and their diagnostics: the structural Stage Map rules
//! S1–S10, the heading keywords, the option rules and section 1 (clarification items). The rules
//! run over the plan model once, whichever source it came from; a position is a markdown line
//! or a JSON pointer into the data.

use std::fmt;

use serde::Serialize;

use crate::plan::model::PlanBody;

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
    /// Section 1 exists but cannot be parsed.
    Section1,
}

impl Rule {
    /// Returns the rule's code as diagnostics print it: `S1` … `S10`, `keyword`, `options`,
    /// `section-1`.
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
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Line(line) => write!(f, "{line}"),
            At::Pointer(pointer) if pointer.is_empty() => f.write_str("/"),
            At::Pointer(pointer) => f.write_str(pointer),
        }
    }
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

/// Returns every violation of the rules that hold for structured plan data (S2, S4–S10 and
/// the option rules) in `body`, in rule order then position order; pointers start with `base`
/// (`/narrative/plan` in a data.json, `/plan` in a report writer's answer block).
pub fn check_plan_body(body: &PlanBody, base: &str) -> Vec<Violation> {
    let _ = (body, base);
    // Filled in by the rule implementation (plan-core); until then nothing is checked.
    Vec::new()
}
