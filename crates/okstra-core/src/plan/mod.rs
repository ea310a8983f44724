//! Owns plans (SPEC §7.2): the final reports of `implementation-planning` runs and the rules
//! they must meet.

pub mod keywords;

pub use keywords::{PLAN_KEYWORDS, missing_plan_keywords};
