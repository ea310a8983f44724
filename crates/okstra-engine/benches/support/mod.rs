//! Shared setup of the engine benchmarks: a real git project with a private central home,
//! `fake-agent` command agents, and runs started through the engine's public entry points —
//! the path every real run takes.

#![allow(dead_code, reason = "each bench uses part of it")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use okstra_core::settings::{RunSettings, SettingsLayer};
use okstra_core::{TaskKey, TaskType};
use okstra_engine::{Home, NewRun, load_or_default_project};
use okstra_test_support::GitRepoBuilder;
use okstra_test_support::fake_agent::fake_agent_path;
use serde_json::{Value, json};

/// A project to benchmark runs in.
pub(crate) struct BenchProject {
    _tmp: tempfile::TempDir,
    pub(crate) base: PathBuf,
    pub(crate) root: PathBuf,
    pub(crate) home: Home,
    pub(crate) env: BTreeMap<String, String>,
}

/// Returns the `fake-agent` binary beside this bench.
pub(crate) fn fake_agent() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    fake_agent_path(&exe.display().to_string())
}

/// Returns a `command` agent running `fake-agent` with `args`.
pub(crate) fn fake(args: &[&str]) -> Value {
    let mut argv = vec![fake_agent().display().to_string()];
    argv.extend(args.iter().map(|a| (*a).to_owned()));
    json!({"adapter": "command", "argv": argv})
}

/// A valid analyser answer with one finding.
pub(crate) const FINDINGS: &str = "Found it.\n```json\n{\"findings\": [{\"id\": \"A-1\", \"title\": \"Total rounds down\", \"severity\": \"high\", \"evidence\": [\"README.md:1\"], \"claim\": \"c\", \"reasoning\": \"r\"}], \"summary\": \"s\"}\n```";

/// A valid report-writer answer.
pub(crate) const NARRATIVE: &str =
    "```json\n{\"summary\": \"s\", \"analysis\": \"a\", \"recommendations\": []}\n```";

impl BenchProject {
    /// Makes a git project (with `files` committed) whose project.json is `project`.
    pub(crate) fn new(project: &Value, files: &[(&str, String)]) -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let base = fs_err::canonicalize(tmp.path()).expect("canonical");
        let root = base.join("shop");
        let mut repo = GitRepoBuilder::new(&root);
        for (path, text) in files {
            repo = repo.file(path, text);
        }
        repo.build();
        fs_err::create_dir_all(root.join(".okstra")).expect("mkdir");
        fs_err::write(root.join(".okstra/project.json"), project.to_string()).expect("write");
        fs_err::create_dir_all(base.join("tmp")).expect("tmp");
        let mut env: BTreeMap<String, String> = std::env::vars()
            .filter(|(k, _)| !k.starts_with("OKSTRA_"))
            .collect();
        env.insert("TMPDIR".into(), base.join("tmp").display().to_string());
        Self {
            home: Home::new(base.join("home")),
            _tmp: tmp,
            base,
            root,
            env,
        }
    }

    /// Replaces the project's project.json.
    pub(crate) fn set_project(&self, project: &Value) {
        fs_err::write(self.root.join(".okstra/project.json"), project.to_string())
            .expect("write project.json");
    }

    /// Returns the path of a file of the project.
    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Returns an error-analysis run of `task` with `flags` over project.json.
    pub(crate) fn new_run(&self, task: &str, flags: &SettingsLayer) -> NewRun {
        let (group, id) = TaskKey::parse_task_arg(task).expect("task");
        let project = load_or_default_project(&self.home, &self.root).expect("project");
        let settings =
            RunSettings::resolve(TaskType::ErrorAnalysis, flags, &project.config, &self.env)
                .expect("settings");
        NewRun {
            home: self.home.clone(),
            project,
            settings,
            task_type: TaskType::ErrorAnalysis,
            group,
            id,
            brief: Some("# bench\n".to_owned()),
            base_ref: Some("main".to_owned()),
            env: self.env.clone(),
            sink: okstra_engine::silent(),
            stage: None,
            handoff: None,
            directive: None,
            related: Vec::new(),
        }
    }
}

/// Returns the `p`-th percentile of sorted figures.
pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    #[expect(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "an index from a percentage"
    )]
    let rank = (p / 100.0 * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank]
}

/// Returns the figures of a file of one number per line.
pub(crate) fn numbers(path: &Path) -> Vec<i128> {
    fs_err::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}
