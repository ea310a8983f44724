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
    /// Whether project.json was created by this load.
    pub created: bool,
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
pub fn project_id_for_folder(root: &Path) -> Result<ProjectId, ProjectError> {
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
        created: false,
    })
}

/// Loads the project at `root`, creating `.okstra/project.json` first when it is missing
/// (projectId from the folder name, or `project_id` when given).
pub fn load_or_create_project(
    root: &Path,
    project_id: Option<&ProjectId>,
    language: Language,
) -> Result<LoadedProject, ProjectError> {
    let paths = ProjectPaths::new(root);
    if paths.project_json().is_file() {
        return load_project(root);
    }
    let id = match project_id {
        Some(id) => id.clone(),
        None => project_id_for_folder(root)?,
    };
    let config = ProjectConfig::new_project(&id, language);
    write_json(&paths.project_json(), &config)?;
    let mut loaded = load_project(root)?;
    loaded.created = true;
    Ok(loaded)
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
    let project = load_or_create_project(root, project_id, language)?;
    let exclude = if track {
        ExcludeOutcome::Tracked
    } else {
        exclude_okstra_dir(root)?
    };
    home.register_project(&project.project_id, root)?;
    Ok(InitOutcome { project, exclude })
}

/// The line `okstra init` adds to `info/exclude`.
pub const EXCLUDE_LINE: &str = ".okstra/";

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
