//! Shared setup for engine tests.

use std::path::{Path, PathBuf};

use okstra_core::config::Language;
use okstra_core::status::RunStatus;
use okstra_core::{TaskKey, TaskType};
use okstra_engine::errors::PrepareError;
use okstra_engine::home::Home;
use okstra_engine::prepare::{PrepareRequest, PreparedRun, prepare_run};
use okstra_engine::project::{LoadedProject, load_or_create_project};
use okstra_test_support::GitRepoBuilder;
use tempfile::TempDir;

pub(crate) struct Fixture {
    pub(crate) tmp: TempDir,
    pub(crate) home: Home,
    pub(crate) project: LoadedProject,
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
        let project = load_or_create_project(root, None, Language::En).unwrap();
        Self { tmp, home, project }
    }

    pub(crate) fn root(&self) -> PathBuf {
        self.project.root().to_path_buf()
    }

    pub(crate) fn prepare(
        &self,
        task: &str,
        task_type: TaskType,
        base_ref: Option<&str>,
    ) -> Result<PreparedRun, PrepareError> {
        let (group, id) = TaskKey::parse_task_arg(task).unwrap();
        prepare_run(
            &self.home,
            &self.project,
            &PrepareRequest {
                group,
                id,
                task_type,
                brief: None,
                base_ref: base_ref.map(str::to_owned),
                category: "feat".into(),
                stage: None,
                seq_override: None,
                status: RunStatus::Prepared,
                workers: Vec::new(),
                pid: None,
                replay: false,
                recipe: None,
            },
        )
    }
}
