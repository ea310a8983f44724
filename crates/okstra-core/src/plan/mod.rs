//! Owns plans (SPEC §7.2, §7.3): the structured body of an `implementation-planning` report,
//! the rules it must meet, and the plan-body verification gate.

pub mod check;
pub mod gate;
pub mod keywords;
pub mod model;
pub mod progress;

pub use check::{At, Rule, Violation, check_plan_body};
pub use gate::{
    GateAnswer, GateItem, GateResult, ItemVerdict, PLAN_BODY_VERIFICATION_KIND,
    PlanBodyVerification, PlanGate, WorkerVerdict, decide_gate,
};
pub use keywords::{PLAN_KEYWORDS, missing_plan_keywords};
pub use model::{
    OptionCandidate, PlanBody, PlanItem, PlanItemKind, RecommendedOption, RequirementCoverage,
    Stage, Step, ValidationItem,
};
