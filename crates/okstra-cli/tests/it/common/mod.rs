//! Shared helpers for the CLI tests.

use std::process::Command;

use okstra_test_support::{CommandOutput, TestEnv};

/// Returns the path of the `okstra` binary under test.
pub(crate) fn okstra_bin() -> &'static str {
    env!("CARGO_BIN_EXE_okstra")
}

/// Returns an `okstra` command in `env`.
pub(crate) fn okstra_cmd(env: &TestEnv, args: &[&str]) -> Command {
    let mut cmd = env.command(okstra_bin());
    cmd.args(args);
    cmd
}

/// Runs `okstra args…` in `env`.
pub(crate) fn okstra(env: &TestEnv, args: &[&str]) -> CommandOutput {
    env.run(okstra_cmd(env, args))
}
