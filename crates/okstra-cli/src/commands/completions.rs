//! `okstra completions <shell>`: the shell completion script, generated from the clap
//! definitions, on stdout.

use clap::Args;
use clap_complete::Shell;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Print the shell completion script for bash, zsh, fish, elvish or powershell
///
/// Install it where your shell looks, e.g.:
///
///   okstra completions bash > ~/.local/share/bash-completion/completions/okstra
///
///   okstra completions zsh > "${fpath[1]}/_okstra"
///
///   okstra completions fish > ~/.config/fish/completions/okstra.fish
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    shell: Shell,
}

/// Returns the completion script of `cmd` for `shell`.
pub fn completion_script(shell: Shell, mut cmd: clap::Command) -> Result<String, CommandError> {
    let name = cmd.get_name().to_owned();
    // Generated into memory, not onto stdout: clap_complete panics on a failed write (a
    // closed pipe), and stdout's failures are okstra's to report.
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut buf);
    String::from_utf8(buf).map_err(CommandError::internal)
}

/// Runs `okstra completions`.
pub fn cmd_completions(
    ctx: &CommandContext,
    args: &CompletionsArgs,
    cmd: clap::Command,
) -> Result<ExitStatus, CommandError> {
    ctx.ui.data(&completion_script(args.shell, cmd)?);
    Ok(ExitStatus::Success)
}
