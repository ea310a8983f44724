//! `okstra man`: the manual page in roff, rendered from the clap definitions — `okstra.1` on
//! stdout, or with `--out-dir` one page per command (`okstra.1`, `okstra-ctl-gc.1`, …).

use std::path::{Path, PathBuf};

use clap::Args;
use clap_mangen::Man;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Print the manual page (roff), or write one page per command with --out-dir
///
/// man -l <(okstra man) reads it at once; `okstra man --out-dir ~/.local/share/man/man1`
/// installs a page for okstra and one for every subcommand (`man okstra-ctl-gc`).
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write okstra.1 and a page per subcommand into DIR instead of printing okstra.1
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

/// Returns the roff page of `cmd`.
pub fn render_page(cmd: clap::Command) -> Result<String, CommandError> {
    let mut buf = Vec::new();
    Man::new(cmd)
        .render(&mut buf)
        .map_err(CommandError::internal)?;
    String::from_utf8(buf).map_err(CommandError::internal)
}

/// Returns every page of `cmd`: its own and one per visible subcommand, at any depth, each as
/// (file name, roff).
pub fn all_pages(cmd: clap::Command) -> Result<Vec<(String, String)>, CommandError> {
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    collect(cmd, &mut pages)?;
    Ok(pages)
}

fn collect(cmd: clap::Command, pages: &mut Vec<(String, String)>) -> Result<(), CommandError> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
        collect(sub, pages)?;
    }
    let name = Man::new(cmd.clone()).get_filename();
    pages.push((name, render_page(cmd)?));
    Ok(())
}

/// Runs `okstra man`.
pub fn cmd_man(
    ctx: &CommandContext,
    args: &ManArgs,
    cmd: clap::Command,
) -> Result<ExitStatus, CommandError> {
    let Some(dir) = &args.out_dir else {
        ctx.ui.data(&render_page(cmd)?);
        return Ok(ExitStatus::Success);
    };
    let dir = ctx.cwd.join(dir);
    if !dir.is_dir() {
        return Err(CommandError::user_message(format!(
            "--out-dir {} is not a folder",
            dir.display()
        ))
        .hint("make it first, e.g. `mkdir -p ~/.local/share/man/man1`"));
    }
    let pages = all_pages(cmd)?;
    for (name, text) in &pages {
        write_page(&dir.join(name), text)?;
    }
    ctx.ui.status(&format!(
        "wrote {} manual pages to {}",
        pages.len(),
        dir.display()
    ));
    Ok(ExitStatus::Success)
}

fn write_page(path: &Path, text: &str) -> Result<(), CommandError> {
    okstra_engine::write_text(path, text).map_err(CommandError::from)
}
