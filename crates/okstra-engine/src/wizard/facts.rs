//! Owns [`ProjectFacts`]: what the wizard asks about the project, answered from the files,
//! git and the central home with the engine's own functions, each computed when first asked
//! (one `okstra wizard --json next` asks only what its step needs). The plan facts are in
//! `plans`.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use okstra_core::settings::{RunSettings, SettingsLayer};
use okstra_core::wizard::{
    AgentVerdict, PlanRef, PlanStanding, PreviousRun, RunDefaults, StageInfo, TaskRef, WizardFacts,
};
use okstra_core::{RunSeq, TaskName, TaskType};

use crate::doctor::{check_agents, check_clis};
use crate::git::GitCommand;
use crate::git::worktree::{RepoLayout, discover, repository_of};
use crate::home::Home;
use crate::project::LoadedProject;
use crate::registry::read_registry;
use crate::runs::load_manifest;

/// The built-in CLIs, always offered first.
const BUILTIN: [&str; 3] = ["claude", "codex", "gemini"];

/// The project the wizard runs in.
pub struct ProjectFacts {
    pub(super) home: Home,
    pub(super) project: LoadedProject,
    /// The folder the wizard runs in: paths are shown relative to it.
    pub(super) cwd: PathBuf,
    pub(super) env: BTreeMap<String, String>,
    tasks: OnceCell<Result<Vec<TaskRef>, String>>,
    layout: OnceCell<RepoLayout>,
    verdicts: OnceCell<Vec<AgentVerdict>>,
}

impl ProjectFacts {
    /// Returns the facts of `project`, seen from `cwd`, with the environment `env`.
    pub fn new(
        home: Home,
        project: LoadedProject,
        cwd: PathBuf,
        env: BTreeMap<String, String>,
    ) -> Self {
        Self {
            home,
            project,
            cwd,
            env,
            tasks: OnceCell::new(),
            layout: OnceCell::new(),
            verdicts: OnceCell::new(),
        }
    }

    pub(super) fn root(&self) -> &Path {
        self.project.root()
    }

    /// Returns a path as the user would type it from the wizard's folder.
    pub(super) fn shown(&self, path: &Path) -> String {
        let relative = okstra_core::run_paths::relative_to(path, &self.cwd);
        if relative.as_os_str().is_empty() {
            ".".to_owned()
        } else {
            relative.display().to_string()
        }
    }

    fn layout(&self) -> &RepoLayout {
        self.layout
            .get_or_init(|| discover(self.root()).unwrap_or(RepoLayout::NotGit))
    }

    fn git(&self) -> GitCommand {
        GitCommand::new(self.root())
    }

    /// Returns the task's names.
    pub(super) fn names(task: &TaskRef) -> Result<(TaskName, TaskName), String> {
        let group = TaskName::parse(&task.group).map_err(|e| e.to_string())?;
        let id = TaskName::parse(&task.id).map_err(|e| e.to_string())?;
        Ok((group, id))
    }

    /// Returns the task's files.
    pub(super) fn task_paths(
        &self,
        task: &TaskRef,
    ) -> Result<okstra_core::run_paths::TaskPaths, String> {
        let (group, id) = Self::names(task)?;
        Ok(self.project.paths.task(group.segment(), id.segment()))
    }

    /// Returns the task's registry entry: its worktree path and branch.
    fn registry_entry(&self, task: &TaskRef) -> Option<(String, String)> {
        let (group, id) = Self::names(task).ok()?;
        let repo = repository_of(self.root()).ok()??;
        let registry = read_registry(&self.home).ok()?;
        let (_, entry) = registry.find_task(
            &self.project.project_id,
            &repo,
            group.segment(),
            id.segment(),
        )?;
        Some((entry.path.clone(), entry.branch.clone()))
    }

    fn list_tasks(&self) -> Result<Vec<TaskRef>, String> {
        let dir = self.project.paths.tasks_dir();
        let groups = match fs_err::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e.to_string()),
        };
        let mut tasks = Vec::new();
        for group in groups.flatten() {
            if !group.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let group_name = group.file_name().to_string_lossy().into_owned();
            let Ok(ids) = fs_err::read_dir(group.path()) else {
                continue;
            };
            for id in ids.flatten() {
                if id.file_type().is_ok_and(|t| t.is_dir()) {
                    tasks.push(TaskRef {
                        group: group_name.clone(),
                        id: id.file_name().to_string_lossy().into_owned(),
                    });
                }
            }
        }
        tasks.sort();
        Ok(tasks)
    }

    fn settings(&self, task_type: TaskType) -> Result<RunSettings, String> {
        RunSettings::resolve(
            task_type,
            &SettingsLayer::default(),
            &self.project.config,
            &self.env,
        )
        .map_err(|e| format!("{}: {e}", self.project.paths.project_json().display()))
    }

    /// Returns every agent a run can use: the built-in CLIs, then the configured agents.
    fn agent_names(&self) -> Vec<String> {
        let mut names: Vec<String> = BUILTIN.iter().map(|s| (*s).to_owned()).collect();
        for name in self.project.config.agents.keys() {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        names
    }

    /// Returns the manifests of the task's runs of `task_type` (every stage's, for
    /// implementation).
    pub(super) fn manifests(&self, task: &TaskRef, task_type: TaskType) -> Vec<PathBuf> {
        let Ok(paths) = self.task_paths(task) else {
            return Vec::new();
        };
        let prefix = format!("run-manifest-{task_type}-");
        let mut dirs = vec![paths.run(task_type, RunSeq::FIRST, None).manifests_dir()];
        if task_type.is_stage_scoped() {
            let type_dir = paths.runs_dir().join(task_type.as_str());
            if let Ok(entries) = fs_err::read_dir(&type_dir) {
                dirs.extend(
                    entries
                        .flatten()
                        .filter(|e| e.file_name().to_string_lossy().starts_with("stage-"))
                        .map(|e| e.path().join("manifests")),
                );
            }
        }
        dirs.iter()
            .flat_map(|d| crate::seq_files::numbered_files(d, &prefix, ".json").unwrap_or_default())
            .map(|(_, p)| p)
            .collect()
    }
}

impl WizardFacts for ProjectFacts {
    fn tasks(&self) -> Result<Vec<TaskRef>, String> {
        self.tasks.get_or_init(|| self.list_tasks()).clone()
    }

    fn brief_exists(&self, task: &TaskRef) -> bool {
        self.task_paths(task).is_ok_and(|p| p.brief().is_file())
    }

    fn check_brief_file(&self, path: &str) -> Result<String, String> {
        let full = self.cwd.join(path);
        if full.is_file() {
            Ok(path.to_owned())
        } else if full.exists() {
            Err(format!("{path}: not a file"))
        } else {
            Err(format!("{path}: no such file"))
        }
    }

    fn in_git(&self) -> bool {
        matches!(self.layout(), RepoLayout::Main { .. })
    }

    fn current_branch(&self) -> Option<String> {
        self.git().current_branch().ok().flatten()
    }

    fn default_branch(&self) -> Option<String> {
        let git = self.git();
        if let Ok(head) = git.run(&["symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD"]) {
            let head = head.trim();
            if let Some(branch) = head.strip_prefix("origin/") {
                return Some(branch.to_owned());
            }
        }
        ["main", "master"]
            .into_iter()
            .find(|b| git.branch_exists(b).unwrap_or(false))
            .map(str::to_owned)
    }

    fn check_ref(&self, reference: &str) -> Result<(), String> {
        if reference.starts_with('-') {
            return Err(format!("{reference:?} is not a ref"));
        }
        match self.git().resolve_commit(reference) {
            Ok(Some(_)) => Ok(()),
            _ => Err(format!("{reference:?} names no commit of the repository")),
        }
    }

    fn task_worktree_exists(&self, task: &TaskRef) -> bool {
        // As the engine decides: a task with a registry entry has its worktree (a removed
        // folder is made again from the task's branch) and takes no base ref.
        self.registry_entry(task).is_some()
    }

    fn task_branch(&self, task: &TaskRef) -> Option<String> {
        if !self.in_git() {
            return None;
        }
        if let Some((_, branch)) = self.registry_entry(task) {
            return Some(branch);
        }
        let (group, id) = Self::names(task).ok()?;
        let settings = self.settings(TaskType::ErrorAnalysis).ok()?;
        let category = okstra_core::Segment::from_slug(&settings.work_category.value).ok()?;
        Some(okstra_core::registry::task_branch(
            &category,
            group.segment(),
            id.segment(),
        ))
    }

    fn latest_plan(&self, task: &TaskRef) -> Result<Option<PlanRef>, String> {
        self.latest_plan_ref(task)
    }

    fn other_plans(&self, task: &TaskRef) -> Result<Vec<PlanRef>, String> {
        self.other_plan_refs(task)
    }

    fn plan_standing(&self, task: &TaskRef, path: &str) -> Result<PlanStanding, String> {
        self.standing_of(task, path)
    }

    fn approve(&mut self, task: &TaskRef, plan: &PlanStanding) -> Result<String, String> {
        let made = self.make_usable(task, plan);
        // An import may have made the task: the list is read again when next asked.
        self.tasks = OnceCell::new();
        made
    }

    fn stages(&self, task: &TaskRef, plan: &str) -> Result<Vec<StageInfo>, String> {
        self.stage_infos(task, plan)
    }

    fn agent_verdicts(&self) -> Vec<AgentVerdict> {
        self.verdicts
            .get_or_init(|| {
                let mut out: Vec<AgentVerdict> = check_clis(&self.env, &self.cwd)
                    .into_iter()
                    .map(|r| AgentVerdict {
                        name: r.cli,
                        verdict: r.verdict.as_str().to_owned(),
                    })
                    .collect();
                let configured = check_agents(&self.project.config.agents, self.root(), &self.env);
                for r in configured {
                    let verdict = AgentVerdict {
                        name: r.name,
                        verdict: r.verdict.as_str().to_owned(),
                    };
                    // A configured agent named like a built-in one replaces it.
                    match out.iter_mut().find(|v| v.name == verdict.name) {
                        Some(slot) => *slot = verdict,
                        None => out.push(verdict),
                    }
                }
                out
            })
            .clone()
    }

    fn defaults(&self, task_type: TaskType) -> Result<RunDefaults, String> {
        let s = self.settings(task_type)?;
        Ok(RunDefaults {
            workers: s.workers.value.clone(),
            executor: s.role_or("executor", "claude"),
            verifier: s.role_or("verifier", "codex"),
            report_writer: s.report_writer.value.clone(),
            critic: s.critic.as_ref().map(|c| c.value.clone()),
            models: s
                .models
                .iter()
                .map(|(k, v)| (k.clone(), v.value.clone()))
                .collect(),
            agents: self.agent_names(),
            max_rounds: s.max_rounds.value,
            deadline_ms: u64::try_from(s.deadline.value.as_millis()).unwrap_or(u64::MAX),
        })
    }

    fn previous_run(&self, task: &TaskRef, task_type: TaskType) -> Option<PreviousRun> {
        self.manifests(task, task_type)
            .iter()
            .filter_map(|p| load_manifest(p).ok())
            .filter(|m| m.recipe.is_some())
            .max_by_key(|m| m.created_at)
            .and_then(|m| {
                let r = m.recipe?;
                Some(PreviousRun {
                    run_id: m.run_id.to_string(),
                    seq: m.run_seq.get(),
                    models: r.models,
                    max_rounds: r.max_rounds,
                    deadline_ms: r.deadline_ms,
                    max_cost_usd: r.max_cost_usd,
                    directive: r.directive,
                    related: r.related,
                })
            })
    }
}
