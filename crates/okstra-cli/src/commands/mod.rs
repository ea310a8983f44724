//! One module per subcommand; each holds its `XxxArgs` (whose doc comments are the help) and
//! its `cmd_xxx` handler.

pub mod approve;
pub mod completions;
pub mod ctl;
pub mod demo;
pub mod doctor;
pub mod init;
pub mod install;
pub mod ledger;
pub mod man;
pub mod mcp;
pub mod open;
pub mod plan;
pub mod render;
pub mod resume;
pub mod run;
pub mod task;
pub mod uninstall;
pub mod validate;
pub mod wizard;
