//! Owns a project's side of the disk: finding the project root, loading or creating
//! `.okstra/project.json`, and `okstra init` (project.json, `.git/info/exclude`, registration
//! in the central home).
//!
//! A projectId names a project; a root is one checkout of it. Whatever creates a project.json
//! (`okstra init`, or the first run in a folder without one) claims its id in the central home:
//! under the id's meta lock it checks who holds the id, then writes project.json and registers
//! the root while still holding it. An id derived from the folder name must be used by no other
//! root, else the next of `app-2`, `app-3` … is taken and the project says so; an id chosen with
//! `--project-id` may be shared only with other checkouts of the same repository. A root whose
//! project.json already names an id (a clone of a repository that tracks `.okstra/project.json`)
//! joins that project as another root.

use std::path::{Path, PathBuf};

use okstra_core::ProjectId;
use okstra_core::config::{ConfigWarning, Language, ProjectConfig};
use okstra_core::project_meta::{IdClaim, ProjectMeta};
use okstra_core::repository::GitCommonDir;
use okstra_core::run_paths::ProjectPaths;

use crate::errors::{PathError, ProjectError, StoreError};
use crate::fs_atomic::{read_optional, write_json, write_text};
use crate::git::GitCommand;
use crate::git::worktree::{RepoLayout, discover, repository_of};
use crate::home::{Home, register_root};

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
    /// For a project created here and now: the id its folder name gives, when another root
    /// already used it (so `project_id` is the next free one).
    pub folder_id_taken: Option<TakenId>,
}

impl LoadedProject {
    /// Returns the project root.
    pub fn root(&self) -> &Path {
        self.paths.root()
    }
}

/// A project id another root already uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TakenId {
    pub id: ProjectId,
    /// The root that uses it.
    pub holder: PathBuf,
}

/// Returns the nearest folder at or above `start` holding `.okstra/project.json`.
pub fn find_project_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| ProjectPaths::new(*dir).project_json().is_file())
        .map(Path::to_path_buf)
}

/// Returns the project id `okstra init` derives from a folder's name (before checking whether
/// another root uses it).
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
        folder_id_taken: None,
    })
}

/// Returns the project at `root`: its project.json when there is one, else the project
/// `okstra init` would make there, not yet written, whose id is the first the folder name gives
/// (`app`, `app-2` …) that no other root in the central home uses.
pub fn load_or_default_project(home: &Home, root: &Path) -> Result<LoadedProject, ProjectError> {
    let paths = ProjectPaths::new(root);
    if paths.project_json().is_file() {
        return load_project(root);
    }
    let (project_id, folder_id_taken) = free_folder_id(home, root)?;
    Ok(LoadedProject {
        config: ProjectConfig::new_project(&project_id, Language::En),
        paths,
        project_id,
        warnings: Vec::new(),
        on_disk: false,
        folder_id_taken,
    })
}

/// Returns the first id `root`'s folder name gives that no other root uses, with the first id
/// it passed over. Reads the central home without locks: the claim checks again.
fn free_folder_id(home: &Home, root: &Path) -> Result<(ProjectId, Option<TakenId>), ProjectError> {
    let path = root.display().to_string();
    let mut first_taken = None;
    for id in project_id_for_folder(root)?.candidates() {
        let holder = home.project_meta(&id)?.and_then(|meta| {
            meta.holder(&path, None, IdClaim::Derived)
                .map(|r| PathBuf::from(&r.path))
        });
        match holder {
            None => return Ok((id, first_taken)),
            Some(holder) => {
                first_taken.get_or_insert(TakenId { id, holder });
            }
        }
    }
    unreachable!("four billion numbered project ids cannot all be taken")
}

/// Writes a project that is not on disk yet: claims its id (writing its project.json and
/// registering its root under the meta lock), then adds `.okstra/` to git's exclude file.
/// Returns whether it wrote it.
pub(crate) fn ensure_on_disk(home: &Home, project: &LoadedProject) -> Result<bool, ProjectError> {
    if project.on_disk || project.paths.project_json().is_file() {
        return Ok(false);
    }
    let root = project.root();
    let repo = repository(root);
    let write = || write_json(&project.paths.project_json(), &project.config).map_err(Into::into);
    let claimed = claim(
        home,
        &project.project_id,
        root,
        repo.as_ref(),
        IdClaim::Derived,
        write,
    )?;
    if let Some(holder) = claimed {
        return Err(ProjectError::IdTakenMeanwhile {
            id: project.project_id.clone(),
            holder,
            root: root.to_path_buf(),
        });
    }
    exclude_okstra_dir(root)?;
    Ok(true)
}

/// Registers the project's root in the central home, with its repository (idempotent).
pub(crate) fn register(home: &Home, project: &LoadedProject) -> Result<(), ProjectError> {
    let root = project.root();
    home.register_project(&project.project_id, root, repository(root).as_ref())?;
    Ok(())
}

/// Returns the repository `dir` is a checkout of; `None` outside git, or when git cannot tell
/// (which counts as another repository wherever it matters).
fn repository(dir: &Path) -> Option<GitCommonDir> {
    repository_of(dir).ok().flatten()
}

/// Claims `id` for `root` under the id's meta lock: when no other root holds it under `how`,
/// runs `create` (which writes project.json) and registers the root, all while holding the lock.
/// Returns the root that holds the id instead, if one does.
fn claim(
    home: &Home,
    id: &ProjectId,
    root: &Path,
    repo: Option<&GitCommonDir>,
    how: IdClaim,
    create: impl FnOnce() -> Result<(), ProjectError>,
) -> Result<Option<PathBuf>, ProjectError> {
    home.with_project_meta(id, |meta| {
        if let Some(holder) = holder(meta, root, repo, how) {
            return Ok((Some(holder), false));
        }
        create()?;
        Ok((None, register_root(meta, root, repo)))
    })
}

/// Returns the root that keeps `root` from claiming `meta`'s id under `how`. For a chosen id,
/// git is asked the repository of a root whose entry does not record it (an older okstra wrote
/// it).
fn holder(
    meta: &ProjectMeta,
    root: &Path,
    repo: Option<&GitCommonDir>,
    how: IdClaim,
) -> Option<PathBuf> {
    let mut meta = meta.clone();
    if how == IdClaim::Chosen {
        for other in meta.roots.iter_mut().filter(|r| r.git_common_dir.is_none()) {
            other.git_common_dir = repository(Path::new(&other.path)).map(|r| r.to_string());
        }
    }
    meta.holder(&root.display().to_string(), repo, how)
        .map(|r| PathBuf::from(&r.path))
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

/// Initialises `root` as an okstra project: writes project.json if missing (claiming its id,
/// see the module doc), excludes `.okstra/` from git unless `track`, and registers the root in
/// the central home. Running it again changes nothing.
pub fn init_project(
    home: &Home,
    root: &Path,
    project_id: Option<&ProjectId>,
    language: Language,
    track: bool,
) -> Result<InitOutcome, ProjectError> {
    let created = !ProjectPaths::new(root).project_json().is_file();
    let project = if created {
        create_project(home, root, project_id, language)?
    } else {
        let project = load_project(root)?;
        register(home, &project)?;
        project
    };
    let exclude = if track {
        ExcludeOutcome::Tracked
    } else {
        exclude_okstra_dir(root)?
    };
    Ok(InitOutcome {
        project,
        created,
        exclude,
    })
}

/// Creates `root`'s project.json with the id given, or else with the first free id its folder
/// name gives, claiming the id in the central home.
fn create_project(
    home: &Home,
    root: &Path,
    project_id: Option<&ProjectId>,
    language: Language,
) -> Result<LoadedProject, ProjectError> {
    let repo = repository(root);
    let write = |id: &ProjectId| {
        let config = ProjectConfig::new_project(id, language);
        write_json(&ProjectPaths::new(root).project_json(), &config).map_err(Into::into)
    };
    if let Some(id) = project_id {
        let claimed = claim(home, id, root, repo.as_ref(), IdClaim::Chosen, || write(id))?;
        return match claimed {
            Some(holder) => Err(ProjectError::IdTaken {
                id: id.clone(),
                holder,
            }),
            None => load_project(root),
        };
    }
    let mut folder_id_taken = None;
    for id in project_id_for_folder(root)?.candidates() {
        match claim(home, &id, root, repo.as_ref(), IdClaim::Derived, || {
            write(&id)
        })? {
            None => {
                return Ok(LoadedProject {
                    folder_id_taken,
                    ..load_project(root)?
                });
            }
            Some(holder) => {
                folder_id_taken.get_or_insert(TakenId { id, holder });
            }
        }
    }
    unreachable!("four billion numbered project ids cannot all be taken")
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
