//! Owns plans (SPEC §7.2, §7.3): the structured body of an `implementation-planning` report,
//! the rules it must meet, reading and writing it as markdown, section 1 (clarification items)
//! and the plan-body verification gate.

pub mod answer;
pub mod check;
pub mod clarifications;
pub mod gate;
pub mod keywords;
pub mod markdown;
pub mod model;
pub mod progress;
pub mod render;

#[cfg(test)]
pub(crate) mod fixture;

pub use check::{
    At, CLARIFICATION_STATUSES, Locate, Part, Pointers, Rule, Violation, check_clarifications,
    check_plan_body, check_plan_body_at, check_report_plan, sort_violations,
};
pub use clarifications::{
    CLARIFICATION_COLUMNS, PlanEditError, Section1, approval_blockers, set_clarification_answer,
    set_markdown_approved,
};
pub use gate::{
    GateAnswer, GateItem, GateResult, ItemVerdict, PLAN_BODY_VERIFICATION_KIND,
    PlanBodyVerification, PlanGate, WorkerVerdict, decide_gate,
};
pub use keywords::{PLAN_KEYWORDS, missing_keywords_in, missing_plan_keywords};
pub use markdown::{MarkdownPlan, PlanLines, check_markdown_plan, parse_markdown_plan};
pub use model::{
    OptionCandidate, PlanBody, PlanItem, PlanItemKind, RecommendedOption, RequirementCoverage,
    Stage, Step, ValidationItem,
};
pub use render::render_plan_markdown;
