//! Owns the stage ledger's effects (SPEC §2, §8): its files (`files`; the carry folder, with
//! its probe cache, is read by `carry_scan`), the read every reader
//! makes — repair from carry first, under the task lock when it recovers rows (`read`) —, the
//! reservation of a stage with its `started` row in one locked step (`reserve`; `claim` when
//! the caller decides from the whole stage book), the carry and `done` row of a stage that
//! passed and the plan switch of `approve --supersede` (`record`), and the task's plan, stage
//! branch trees and run liveness the ledger commands show (`task_plan`), and the task's book
//! they make of them (`task_book`). The rules are
//! `okstra_core::ledger`'s.

mod carry_scan;
mod claim;
mod error;
mod files;
mod read;
mod record;
mod reserve;
mod task_book;
mod task_plan;

pub use claim::{Claim, ClaimRequest, Claimed, claim_stage};
pub use error::{LedgerError, ReserveError};
pub(crate) use read::read_ledger_as_repaired;
pub use read::{LedgerSnapshot, read_ledger_repaired};
pub use record::{record_stage_done, record_supersede, supersede_check, write_carry};
pub use reserve::{Reservation, ReserveRequest, reserve_stage};
pub use task_book::{TaskBook, task_book};
pub(crate) use task_plan::planning_manifests;
pub use task_plan::{
    PlanChoice, RunLiveness, run_liveness, stage_branch_trees, task_plan_for_ledger,
};
