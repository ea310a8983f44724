//! Owns plan files (SPEC §7.2, §7.5) for the commands that read and change plans: finding a
//! plan from what the user named (`locate`), reading it and the approval mirror every consumer
//! checks (`load`), judging it (`check`), answering and approving it (`edit`), and importing a
//! markdown plan as a run of a task (`import`). The rules and the markdown edits are pure code
//! in `okstra_core::plan`; this module reads and writes the files.

mod check;
mod edit;
mod error;
mod import;
mod load;
mod locate;

pub(crate) use check::approval_refusals;
pub use check::{MarkdownCheck, PlanCheck, check_markdown_text, check_plan, plan_body};
pub use edit::{Answered, Approval, answer_clarification, approve_plan};
pub use error::{ApprovalBlocker, PlanFileError};
pub use import::{ImportRequest, ImportedPlan, import_plan};
pub use load::{LoadedPlan, load_plan, open_plan};
pub use locate::{PlanFiles, locate_plan, locate_task_plan};
