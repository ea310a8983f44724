//! Owns a project's side of the disk: finding the project root, loading or creating
//! `.okstra/project.json`, and `okstra init` (project.json, `.git/info/exclude`, registration
//! in the central home).

use std::path::{Path, PathBuf};

use okstra_core::ProjectId;
use okstra_core::config::{ConfigWarning, Language, ProjectConfig};
use okstra_core::run_paths::ProjectPaths;

use crate::errors::{PathError, ProjectError, StoreError};
use crate::fs_atomic::{read_optional, write_json, write_text};
use crate::git::GitCommand;
use crate::git::worktree::{RepoLayout, discover};
use crate::home::Home;

/// A project with its parsed configuration.
#[derive(Clone, Debug)]
pub struct LoadedProject {
    pub paths: ProjectPaths,
    pub project_id: ProjectId,
    pub config: ProjectConfig,
    /// Keys of project.json okstra does not know.
    pub warnings: Vec<ConfigWarning>,
    /// Whether project.json exists; a project that is not on disk yet is written by the first
    /// run that prepares in it.
    pub on_disk: bool,
}

impl LoadedProject {
    /// Returns the project root.
    pub fn root(&self) -> &Path {
        self.paths.root()
    }
}

/// Returns the nearest folder at or above `start` holding `.okstra/project.json`.
pub fn find_project_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| ProjectPaths::new(*dir).project_json().is_file())
        .map(Path::to_path_buf)
}

/// Returns the project id `okstra init` derives from a folder's name.
pub(crate) fn project_id_for_folder(root: &Path) -> Result<ProjectId, ProjectError> {
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    ProjectId::parse(&name).map_err(|e| ProjectError::BadFolderName {
        name,
        reason: e.to_string(),
    })
}

/// Loads the project at `root`; `.okstra/project.json` must exist.
pub fn load_project(root: &Path) -> Result<LoadedProject, ProjectError> {
    let paths = ProjectPaths::new(root);
    let path = paths.project_json();
    let Some(text) = read_optional(&path).map_err(StoreError::from)? else {
        return Err(ProjectError::NotFound {
            start: root.to_path_buf(),
        });
    };
    let invalid = |source| ProjectError::Invalid {
        path: path.clone(),
        source,
    };
    let (config, warnings) = ProjectConfig::parse(&text).map_err(invalid)?;
    let project_id = config.project_id().map_err(invalid)?;
    Ok(LoadedProject {
        paths,
        project_id,
        config,
        warnings,
        on_disk: true,
    })
}

/// Returns the project at `root`: its project.json when there is one, else the project
/// `okstra init` would make there (projectId from the folder name), not yet written.
pub fn load_or_default_project(root: &Path) -> Result<LoadedProject, ProjectError> {
    let paths = ProjectPaths::new(root);
    if paths.project_json().is_file() {
        return load_project(root);
    }
    let project_id = project_id_for_folder(root)?;
    Ok(LoadedProject {
        config: ProjectConfig::new_project(&project_id, Language::En),
        paths,
        project_id,
        warnings: Vec::new(),
        on_disk: false,
    })
}

/// Writes a project that is not on disk yet: its project.json, and `.okstra/` in git's
/// exclude file. Returns whether it wrote it.
pub(crate) fn ensure_on_disk(project: &LoadedProject) -> Result<bool, ProjectError> {
    if project.on_disk || project.paths.project_json().is_file() {
        return Ok(false);
    }
    write_json(&project.paths.project_json(), &project.config)?;
    exclude_okstra_dir(project.root())?;
    Ok(true)
}

/// Loads the project at `root`, creating `.okstra/project.json` first when it is missing
/// (projectId from the folder name, or `project_id` when given). Returns whether it created it.
fn load_or_create_project(
    root: &Path,
    project_id: Option<&ProjectId>,
    language: Language,
) -> Result<(LoadedProject, bool), ProjectError> {
    let paths = ProjectPaths::new(root);
    if paths.project_json().is_file() {
        return Ok((load_project(root)?, false));
    }
    let id = match project_id {
        Some(id) => id.clone(),
        None => project_id_for_folder(root)?,
    };
    let config = ProjectConfig::new_project(&id, language);
    write_json(&paths.project_json(), &config)?;
    Ok((load_project(root)?, true))
}

/// What `okstra init` did about `.git/info/exclude`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExcludeOutcome {
    Added(PathBuf),
    AlreadyPresent(PathBuf),
    /// `--track` was given.
    Tracked,
    NotGit,
}

/// What `okstra init` did.
#[derive(Clone, Debug)]
pub struct InitOutcome {
    pub project: LoadedProject,
    /// Whether it wrote project.json.
    pub created: bool,
    pub exclude: ExcludeOutcome,
}

/// Initialises `root` as an okstra project: writes project.json if missing, excludes
/// `.okstra/` from git unless `track`, and registers the root in the central home. Running it
/// again changes nothing.
pub fn init_project(
    home: &Home,
    root: &Path,
    project_id: Option<&ProjectId>,
    language: Language,
    track: bool,
) -> Result<InitOutcome, ProjectError> {
    let (project, created) = load_or_create_project(root, project_id, language)?;
    let exclude = if track {
        ExcludeOutcome::Tracked
    } else {
        exclude_okstra_dir(root)?
    };
    home.register_project(&project.project_id, root)?;
    Ok(InitOutcome {
        project,
        created,
        exclude,
    })
}

/// The line `okstra init` adds to `info/exclude`.
pub(crate) const EXCLUDE_LINE: &str = ".okstra/";

fn exclude_okstra_dir(root: &Path) -> Result<ExcludeOutcome, ProjectError> {
    if matches!(discover(root), Ok(RepoLayout::NotGit) | Err(_)) {
        return Ok(ExcludeOutcome::NotGit);
    }
    let git = GitCommand::new(root);
    let Ok(rel) = git.run(&[
        "rev-parse",
        "--path-format=absolute",
        "--git-path",
        "info/exclude",
    ]) else {
        return Ok(ExcludeOutcome::NotGit);
    };
    let path = PathBuf::from(rel);
    let current = read_optional(&path)
        .map_err(StoreError::from)?
        .unwrap_or_default();
    if current.lines().any(|l| l.trim() == EXCLUDE_LINE) {
        return Ok(ExcludeOutcome::AlreadyPresent(path));
    }
    let mut text = current;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(EXCLUDE_LINE);
    text.push('\n');
    write_text(&path, &text).map_err(|e: PathError| ProjectError::Io(e))?;
    Ok(ExcludeOutcome::Added(path))
}
