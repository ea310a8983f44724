//! Owns the exit codes of SPEC §12 — the one table, which a new code joins before anything uses
//! it — and `ExitStatus`, how a command ended when it did not fail. Which failure gets which
//! code is decided in `command_error.rs`.

use okstra_core::status::RunStatus;

/// The exit codes of SPEC §12. A new code is added here before anything uses it.
pub mod exit_codes {
    /// Success.
    pub const SUCCESS: u8 = 0;
    /// okstra itself failed (a bug, an I/O failure, git misbehaving).
    pub const INTERNAL: u8 = 1;
    /// Bad input, config or usage; the message names the file, line or value.
    pub const USER: u8 = 2;
    /// The run finished but failed: every analyser failed, a gate blocked, a verifier said FAIL.
    pub const RUN_FAILED: u8 = 3;
    /// Interrupted by Ctrl-C.
    pub const INTERRUPTED: u8 = 130;
}

/// How a command ended when it did not fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    RunFailed,
    Interrupted,
}

impl From<RunStatus> for ExitStatus {
    /// Returns how a command that drove a run ends: 130 when it was interrupted, 3 when it
    /// failed.
    fn from(status: RunStatus) -> Self {
        match status {
            RunStatus::Interrupted => ExitStatus::Interrupted,
            RunStatus::Failed => ExitStatus::RunFailed,
            RunStatus::Prepared | RunStatus::Running | RunStatus::Completed => ExitStatus::Success,
        }
    }
}

impl ExitStatus {
    /// Returns the process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => exit_codes::SUCCESS,
            ExitStatus::RunFailed => exit_codes::RUN_FAILED,
            ExitStatus::Interrupted => exit_codes::INTERRUPTED,
        }
    }
}
