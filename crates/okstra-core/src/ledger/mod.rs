//! Owns the stage ledger's rules (SPEC §2, §8): the consumers ledger's rows and their decoding
//! (`row`, `decode`), their fold into what readers need (`summary`), the carry repair — the
//! original's `backfill_done_from_carry` (`repair`) —, which plan a task's stage state belongs
//! to and the switch record (`switch`), each stage's state (`book`) and stage selection
//! (`select`). Pure: the engine reads and writes the files and holds the task lock.

pub mod book;
pub mod decode;
pub mod repair;
pub mod row;
pub mod select;
pub mod summary;
pub mod switch;

pub use book::{
    DoneStage, PlanConflict, StageBook, StageEntry, StageInputs, StageState, stage_book, stage_list,
};
pub use decode::{DecodedLedger, decode_ledger, decode_ledger_part};
pub use repair::{Recovery, SkipReason, SkippedCarry, repair_from_carry};
pub use row::{LEDGER_KIND, LedgerRow, SOURCE_CARRY_BACKFILL, STATUS_DONE, STATUS_STARTED};
pub use select::{SelectError, Selected, StageChoice, StageChoiceError, select_stage};
pub use summary::{LatestRow, LedgerSummary, PlanStage};
pub use switch::{
    PLAN_SWITCHES_FILE, PLAN_SWITCHES_KIND, PlanScope, PlanSwitch, PlanSwitches, SupersedeNeed,
    supersede_need,
};
