//! `okstra init`: make the current folder an okstra project.

use clap::Args;
use okstra_core::ProjectId;
use okstra_core::config::Language;
use okstra_core::errors::ProjectIdError;
use okstra_engine::{ExcludeOutcome, Home, InitOutcome, LoadedProject, init_project};
use serde_json::json;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;
use crate::invocation::Invocation;
use crate::json_out::print_json;

/// Set up okstra in this folder: .okstra/project.json, git exclude, central registration
///
/// Running it again changes nothing.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Language of reports
    #[arg(long, value_name = "LANG", value_parser = ["en", "ko"])]
    language: Option<String>,

    /// Let git see .okstra/ (do not add it to .git/info/exclude)
    #[arg(long)]
    track: bool,

    /// Project id to use instead of the folder name (slugged)
    #[arg(long, value_name = "ID")]
    project_id: Option<String>,

    /// Print what was set up (project, files, git exclude, registration) as JSON on stdout
    #[arg(long)]
    json: bool,
}

/// Runs `okstra init`.
pub fn cmd_init(ctx: &CommandContext, args: &InitArgs) -> Result<ExitStatus, CommandError> {
    let language = match args.language.as_deref() {
        Some("ko") => Language::Ko,
        _ => Language::En,
    };
    let project_id = args
        .project_id
        .as_deref()
        .map(|raw| {
            ProjectId::parse(raw).map_err(|reason| ProjectIdError {
                value: raw.to_owned(),
                reason,
            })
        })
        .transpose()?;
    let home = ctx.home()?;
    let outcome = init_project(&home, &ctx.cwd, project_id.as_ref(), language, args.track)?;
    if args.json {
        print_json(&ctx.ui, &outcome_json(&home, &outcome))?;
    }
    let project = &outcome.project;
    for w in &project.warnings {
        ctx.ui.warn(&format!(
            ".okstra/project.json: unknown key `{}` (ignored)",
            w.key
        ));
    }
    let ui = &ctx.ui;
    if outcome.created {
        ui.status(&format!(
            "initialised okstra project `{}` in {}",
            project.project_id,
            project.root().display()
        ));
        if let Some(note) = taken_id_note(project) {
            ui.status(&format!("  {note}"));
        }
        ui.status("  wrote .okstra/project.json");
    } else {
        ui.status(&format!(
            "okstra project `{}` is already initialised in {}",
            project.project_id,
            project.root().display()
        ));
    }
    match &outcome.exclude {
        ExcludeOutcome::Added(path) => {
            ui.status(&format!("  added .okstra/ to {}", path.display()));
        }
        ExcludeOutcome::AlreadyPresent(_) => {}
        ExcludeOutcome::Tracked => ui.status("  .okstra/ is tracked by git (--track)"),
        ExcludeOutcome::NotGit => ui.status("  not a git repository: runs will use this folder"),
    }
    ui.status(&format!(
        "  registered in {}",
        home.paths().project_meta(&project.project_id).display()
    ));
    print_next_step(ctx);
    Ok(ExitStatus::Success)
}

/// Writes the human last lines of `okstra init`: the commands to run next (with `-C` when
/// the project is not where the user stands).
fn print_next_step(ctx: &CommandContext) {
    let okstra = Invocation::detect(&ctx.env);
    let here = ctx.cwd.display().to_string();
    let mut run = vec!["run", "error-analysis"];
    if ctx.env.start_dir() != ctx.cwd {
        run.splice(0..0, ["-C", here.as_str()]);
    }
    ctx.ui.status(&format!(
        "next: {}   (checks the worker CLIs)",
        okstra.command(&["doctor"])
    ));
    ctx.ui.status(&format!(
        "then: {} --task <group>/<id> --brief <FILE> --base-ref <REF>",
        okstra.command(&run)
    ));
}

/// Returns what to tell about a new project whose folder name gives an id another root already
/// uses (so it took the next free one).
pub(crate) fn taken_id_note(project: &LoadedProject) -> Option<String> {
    let taken = project.folder_id_taken.as_ref()?;
    Some(format!(
        "project id `{}` (from the folder name) is already used by {}, so this project is `{}`",
        taken.id,
        taken.holder.display(),
        project.project_id
    ))
}

/// Returns the JSON of `okstra init`: the project, whether project.json was written, what was
/// done about the git exclude, and where the project is registered. Paths are absolute.
fn outcome_json(home: &Home, outcome: &InitOutcome) -> serde_json::Value {
    let project = &outcome.project;
    let (exclude, exclude_path) = match &outcome.exclude {
        ExcludeOutcome::Added(path) => ("added", Some(path)),
        ExcludeOutcome::AlreadyPresent(path) => ("already-present", Some(path)),
        ExcludeOutcome::Tracked => ("tracked", None),
        ExcludeOutcome::NotGit => ("not-git", None),
    };
    json!({
        "projectId": project.project_id.to_string(),
        "projectRoot": project.root().display().to_string(),
        "projectJson": project.paths.project_json().display().to_string(),
        "created": outcome.created,
        "language": project.config.language.unwrap_or_default().as_str(),
        "gitExclude": {
            "status": exclude,
            "path": exclude_path.map(|p| p.display().to_string()),
        },
        "metaJson": home.paths().project_meta(&project.project_id).display().to_string(),
        "folderIdTaken": project.folder_id_taken.as_ref().map(|t| json!({
            "id": t.id.to_string(),
            "holder": t.holder.display().to_string(),
        })),
    })
}
