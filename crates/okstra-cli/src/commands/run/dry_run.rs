//! `okstra run --dry-run`: every worker's exact command line, folder, sandbox, model and
//! deadline, computed exactly as a run would, with nothing written.

use std::path::{Path, PathBuf};

use okstra_core::TaskName;
use okstra_core::config::{Language, ProjectConfig};
use okstra_core::duration::format_duration;
use okstra_core::registry::canonical_task_key;
use okstra_core::run_paths::ProjectPaths;
use okstra_core::settings::RunSettings;
use okstra_engine::git::worktree::{RepoLayout, discover};
use okstra_engine::home::Home;
use okstra_engine::project::{LoadedProject, project_id_for_folder};
use okstra_engine::registry::read_registry;
use okstra_engine::runner::PlannedLaunch;
use okstra_engine::runner::plan::{ProcessInputs, RosterEntry, launch_for};
use okstra_engine::worker::unix::is_root;
use serde_json::json;

use super::RunArgs;
use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Returns a project as `okstra run` would create it, without writing it.
pub(super) fn in_memory_project(root: &Path) -> Result<LoadedProject, CommandError> {
    let project_id = project_id_for_folder(root)?;
    Ok(LoadedProject {
        paths: ProjectPaths::new(root),
        config: ProjectConfig::new_project(&project_id, Language::En),
        project_id,
        warnings: Vec::new(),
        created: false,
    })
}

/// Returns where the task's workers would run, and a note on how that folder comes to be.
fn would_be_workdir(
    home: &Home,
    project: &LoadedProject,
    group: &TaskName,
    id: &TaskName,
    base_ref: Option<&str>,
) -> Result<(PathBuf, String), CommandError> {
    let root = project.root();
    match discover(root)? {
        RepoLayout::NotGit => Ok((
            root.to_path_buf(),
            "skipped-non-git: not a git repository, workers run in the project".to_owned(),
        )),
        RepoLayout::LinkedWorktree { .. } => Ok((
            root.to_path_buf(),
            "skipped-nested-worktree: the project is a linked worktree".to_owned(),
        )),
        RepoLayout::Main { toplevel, .. } => {
            let toplevel = fs_err::canonicalize(&toplevel).unwrap_or(toplevel);
            let root = fs_err::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
            let subdir = root
                .strip_prefix(&toplevel)
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let key = canonical_task_key(&project.project_id, group.segment(), id.segment());
            let registry = read_registry(home)?;
            let join = |base: &Path| {
                if subdir.as_os_str().is_empty() {
                    base.to_path_buf()
                } else {
                    base.join(&subdir)
                }
            };
            if let Some(entry) = registry.task(&key) {
                return Ok((
                    join(Path::new(&entry.path)),
                    format!("the task worktree, branch {}", entry.branch),
                ));
            }
            let path = join(&home.paths().task_worktree(
                &project.project_id,
                group.segment(),
                id.segment(),
            ));
            let note = match base_ref {
                Some(r) => format!("to be created from {r}"),
                None => "to be created: the first run needs --base-ref".to_owned(),
            };
            Ok((path, note))
        }
    }
}

/// Prints the dry run.
#[expect(clippy::too_many_arguments, reason = "everything a run would compute")]
pub(super) fn print(
    ctx: &CommandContext,
    home: &Home,
    project: &LoadedProject,
    settings: &RunSettings,
    roster: &[RosterEntry],
    group: &TaskName,
    id: &TaskName,
    args: &RunArgs,
) -> Result<ExitStatus, CommandError> {
    let (workdir, note) = would_be_workdir(home, project, group, id, args.base_ref.as_deref())?;
    let tmp_root = ctx
        .env
        .get("TMPDIR")
        .map_or_else(std::env::temp_dir, PathBuf::from)
        .join("okstra-<run-id>");
    let worker_env = settings
        .worker_env
        .iter()
        .map(|(k, v)| (k.clone(), v.value.clone()))
        .collect();
    let deadline = format_duration(settings.deadline.value);
    let mut rows = Vec::new();
    for entry in roster {
        let launch = launch_for(
            entry,
            &ProcessInputs {
                workdir: &workdir,
                add_dirs: &[],
                tmpdir: tmp_root.join(format!("{}-r0", entry.worker)),
                worker_env: &worker_env,
                env: ctx.env.vars(),
                is_root: is_root(),
            },
        )?;
        let (command, sandbox, not_run) = match &launch {
            PlannedLaunch::Process(plan) => {
                (Some(plan.spec.display()), plan.spec.sandbox.clone(), None)
            }
            PlannedLaunch::Replay(_) => (None, "none (replay runs no process)".to_owned(), None),
            PlannedLaunch::NotRun(reason) => (None, "-".to_owned(), Some(reason.clone())),
        };
        let command = match (&command, &launch) {
            (Some(c), _) => c.clone(),
            (None, PlannedLaunch::Replay(_)) => format!(
                "(replay fixture {})",
                entry
                    .program
                    .as_ref()
                    .map(|p| CommandContext::display_path(p, project.root()))
                    .unwrap_or_default()
            ),
            _ => "-".to_owned(),
        };
        rows.push((entry, command, sandbox, not_run));
    }
    if args.json {
        let out: Vec<_> = rows
            .iter()
            .map(|(e, command, sandbox, not_run)| {
                json!({
                    "worker": e.worker.to_string(),
                    "kind": e.kind.as_str(),
                    "role": e.role.as_str(),
                    "command": command,
                    "folder": workdir.display().to_string(),
                    "sandbox": sandbox,
                    "model": e.model,
                    "deadline": deadline,
                    "notRun": not_run,
                })
            })
            .collect();
        ctx.ui
            .data_line(&serde_json::to_string_pretty(&out).map_err(CommandError::internal)?);
        return Ok(ExitStatus::Success);
    }
    let mut text = format!(
        "dry run: {} on {} — nothing is written\nfolder:   {} ({note})\n",
        args.task_type,
        super::names(group, id),
        workdir.display()
    );
    for (e, command, sandbox, not_run) in rows {
        text.push_str(&format!(
            "\n{} ({}, {})\n  command:  {command}\n  folder:   {}\n  sandbox:  {sandbox}\n  model:    {}\n  deadline: {deadline}\n",
            e.worker,
            e.kind.as_str(),
            e.role.as_str(),
            workdir.display(),
            e.model.as_deref().unwrap_or("-"),
        ));
        if let Some(reason) = not_run {
            text.push_str(&format!("  not-run:  {reason}\n"));
        }
    }
    ctx.ui.data(&text);
    Ok(ExitStatus::Success)
}
