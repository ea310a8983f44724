//! `okstra open <run | group/id>`: opens a run's report page, or a task's overview (written
//! first), in the default browser (`xdg-open`, or `open` on macOS), started on its own and not
//! waited for; prints the page's path, and says so when no browser could be started. A run
//! without a page is refused (exit 2), naming the file and how to write it.

use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Stdio};

use clap::Args;
use okstra_engine::find_run;

use crate::command_error::{CommandError, ExitStatus};
use crate::commands::task::show::Overview;
use crate::context::CommandContext;

/// Open a run's report page, or a task's overview page, in the default browser
///
/// RUN is a run id, a unique prefix of one, or a manifest path; GROUP/ID names a task, whose
/// overview page is written first. The path is printed too, and is all there is when no
/// browser can be opened (no xdg-open or open, or no display).
#[derive(Debug, Args)]
pub struct OpenArgs {
    /// A run, or a task as <group>/<id>
    #[arg(value_name = "RUN | GROUP/ID")]
    target: String,
}

/// Runs `okstra open`.
pub fn cmd_open(ctx: &CommandContext, args: &OpenArgs) -> Result<ExitStatus, CommandError> {
    let page = if looks_like_task(&args.target) {
        Overview::read(ctx, &args.target)?.write_page()?
    } else {
        let found = find_run(&ctx.home()?, &args.target)?;
        let page = found.manifest.paths().report_html();
        if !page.is_file() {
            return Err(CommandError::user_message(format!(
                "run {} has no report page: no {}",
                found.manifest.run_id,
                page.display()
            ))
            .hint("a run gets its page with its report; `okstra render <its data.json>` writes it for a report made before pages"));
        }
        page
    };
    ctx.ui.data_line(&page.display().to_string());
    match open_in_browser(ctx, &page) {
        Ok(opener) => ctx.ui.status(&format!("opening it with {opener}")),
        Err(why) => ctx.ui.status(&format!(
            "no browser could be opened ({why}): open the file above"
        )),
    }
    Ok(ExitStatus::Success)
}

/// Returns whether `target` names a task (`group/id`) rather than a run or a manifest path.
fn looks_like_task(target: &str) -> bool {
    let mut parts = target.split('/');
    matches!((parts.next(), parts.next(), parts.next()), (Some(g), Some(i), None) if !g.is_empty() && !i.is_empty())
        && !target.ends_with(".json")
}

/// Starts the platform's opener on `page` in a process group of its own, without waiting for
/// it (`xdg-open` may wait for the browser to exit); returns its name, or why none started.
fn open_in_browser(ctx: &CommandContext, page: &Path) -> Result<&'static str, String> {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let path = ctx.env.get("PATH").unwrap_or_default();
    let found = std::env::split_paths(path)
        .map(|d| d.join(opener))
        .find(|p| p.is_file());
    let Some(program) = found else {
        return Err(format!("no {opener} on PATH"));
    };
    Command::new(program)
        .arg(page)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("{opener} did not start: {e}"))?;
    Ok(opener)
}
