//! Owns the blame of the stage ledger (`okstra ledger …`, `approve --supersede`, stage
//! selection): a stage that cannot be selected is the user's (exit 2) with what to do about
//! it; a ledger file okstra cannot read or write keeps the blame its store error has.

use okstra_core::ledger::SelectError;
use okstra_engine::LedgerError;

use super::CommandError;

impl From<LedgerError> for CommandError {
    fn from(err: LedgerError) -> Self {
        match err {
            LedgerError::Store(e) => e.into(),
            LedgerError::Git(e) => e.into(),
            LedgerError::Plan(e) => e.into(),
            LedgerError::Select(e) => e.into(),
        }
    }
}

impl From<SelectError> for CommandError {
    fn from(err: SelectError) -> Self {
        let hint = match &err {
            SelectError::Conflict { .. } => {
                "approve this plan with `okstra approve <plan> --supersede` to make its stages the task's"
                    .to_owned()
            }
            SelectError::NoSuchStage { .. } => {
                "`okstra ledger show --task <group>/<id>` lists the plan's stages".to_owned()
            }
            SelectError::Done { .. } => "a done stage is run again with --redo".to_owned(),
            SelectError::Stale { .. } => {
                "re-check it with --reverify, or run it again with --redo".to_owned()
            }
            SelectError::Started { .. } => {
                "a started stage whose run failed or died is run again with --retry".to_owned()
            }
            SelectError::Reserved { .. } => {
                "another run holds it; `okstra ctl list` shows the runs".to_owned()
            }
            SelectError::Blocked { .. } => {
                "run the stages it depends on first (--stage auto takes the next ready one)"
                    .to_owned()
            }
            SelectError::NoneReady { .. } => {
                "`okstra ledger show --task <group>/<id>` shows where each stage stands".to_owned()
            }
            SelectError::NoDependencyHead { .. } => {
                "`okstra ledger repair --task <group>/<id>` recovers done rows from the carry sidecars"
                    .to_owned()
            }
        };
        CommandError::user(err).hint(hint)
    }
}
