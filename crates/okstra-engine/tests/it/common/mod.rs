//! Shared setup for engine tests: a project (on real git, or not) with a private central home,
//! and runs prepared or started through the engine's public entry points.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use okstra_core::registry::Registry;
use okstra_core::settings::{RunSettings, SettingsLayer};
use okstra_core::{TaskKey, TaskType};
use okstra_engine::{Home, LoadedProject, NewRun, PreparedRun, RunError, load_or_default_project};
use okstra_test_support::GitRepoBuilder;
use tempfile::TempDir;

pub(crate) struct Fixture {
    pub(crate) tmp: TempDir,
    pub(crate) home: Home,
    pub(crate) project: LoadedProject,
}

/// What a prepared run is asked for, beyond its task and type.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ask<'a> {
    pub(crate) base_ref: Option<&'a str>,
    pub(crate) brief: Option<&'a str>,
    pub(crate) seq: Option<u32>,
}

impl Fixture {
    pub(crate) fn git() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs_err::canonicalize(tmp.path()).unwrap().join("shop");
        GitRepoBuilder::new(&root).build();
        Self::at(tmp, &root)
    }

    pub(crate) fn non_git() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs_err::canonicalize(tmp.path()).unwrap().join("shop");
        fs_err::create_dir_all(&root).unwrap();
        Self::at(tmp, &root)
    }

    pub(crate) fn at(tmp: TempDir, root: &Path) -> Self {
        let home = Home::new(
            fs_err::canonicalize(tmp.path())
                .unwrap()
                .join("okstra-home"),
        );
        let project = load_or_default_project(&home, root).unwrap();
        Self { tmp, home, project }
    }

    /// Returns another git repository, `<tmp>/<name>`, whose runs use this fixture's central
    /// home. This fixture must outlive it.
    pub(crate) fn another_repository(&self, name: &str) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs_err::canonicalize(tmp.path()).unwrap().join(name);
        GitRepoBuilder::new(&root).build();
        let project = load_or_default_project(&self.home, &root).unwrap();
        Self {
            tmp,
            home: self.home.clone(),
            project,
        }
    }

    pub(crate) fn root(&self) -> PathBuf {
        self.project.root().to_path_buf()
    }

    /// Returns the run of `task_type` on `task` the engine would start, with `env` as okstra's
    /// environment.
    pub(crate) fn new_run(
        &self,
        task: &str,
        task_type: TaskType,
        ask: &Ask<'_>,
        env: BTreeMap<String, String>,
    ) -> NewRun {
        let (group, id) = TaskKey::parse_task_arg(task).unwrap();
        let mut env = env;
        if let Some(seq) = ask.seq {
            env.insert("OKSTRA_RUN_SEQ_OVERRIDE".into(), seq.to_string());
        }
        let project = load_or_default_project(&self.home, self.project.root()).unwrap();
        let settings =
            RunSettings::resolve(task_type, &SettingsLayer::default(), &project.config, &env)
                .unwrap();
        NewRun {
            home: self.home.clone(),
            project,
            settings,
            task_type,
            group,
            id,
            brief: ask.brief.map(str::to_owned),
            base_ref: ask.base_ref.map(str::to_owned),
            env,
            sink: okstra_engine::silent(),
            stage: None,
            handoff: None,
            directive: None,
            related: Vec::new(),
        }
    }

    /// Prepares a run (`--prepare-only`).
    pub(crate) fn prepare_with(
        &self,
        task: &str,
        task_type: TaskType,
        ask: &Ask<'_>,
    ) -> Result<PreparedRun, RunError> {
        okstra_engine::prepare_only(&self.new_run(task, task_type, ask, BTreeMap::new()))
    }

    /// Prepares a run from `base_ref`.
    pub(crate) fn prepare(
        &self,
        task: &str,
        task_type: TaskType,
        base_ref: Option<&str>,
    ) -> Result<PreparedRun, RunError> {
        self.prepare_with(
            task,
            task_type,
            &Ask {
                base_ref,
                ..Ask::default()
            },
        )
    }

    /// Returns the worktree registry as it is on disk (empty when there is none).
    pub(crate) fn registry(&self) -> Registry {
        let path = self.home.paths().registry();
        match fs_err::read_to_string(&path) {
            Ok(text) => Registry::parse(&text).unwrap(),
            Err(_) => Registry::new(),
        }
    }
}
