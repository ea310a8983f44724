//! Owns the release hand-off's pure decisions (SPEC §3, §8): the writer's answer block (the
//! PR title and body narrative, `answer`), the PR body okstra assembles from its own state
//! (`body`), and filling the project's PR template with it, headings kept (`template`); and
//! the hand-off's part of the report data (`report`). Pushing and `gh` are the engine's.

pub mod answer;
pub mod body;
pub mod report;
pub mod template;

pub use answer::{HANDOFF_SCHEMA, HandoffAnswerError, HandoffBlock, check_handoff_answer};
pub use body::{HandoffStage, PrContent, PrInputs, build_pr_content, stage_of_carry};
pub use report::{HandoffReport, PrOutcome, PushOutcome};
pub use template::{BUILTIN_TEMPLATE, fill_template};
