//! Owns finding a plan's files from what the user named: a markdown path (with its
//! `.data.json` sibling when there is one), a report data path (with its markdown sibling), a
//! run (id, unique prefix or manifest path, through the central index as every run command
//! does), or a task (`--task g/id`: its latest implementation-planning report by seq).
//!
//! Reading and checking the files is `load`'s job.

use std::path::{Path, PathBuf};

use okstra_core::TaskType;
use okstra_core::run_paths::{ProjectPaths, TaskPaths};
use okstra_core::{RunSeq, TaskName};

use super::error::PlanFileError;
use crate::errors::PathError;
use crate::home::Home;
use crate::runs::{FoundRun, find_run, load_manifest};

/// The files of one plan. At least one of `markdown` and `data` is set; all paths are
/// absolute.
#[derive(Clone, Debug)]
pub struct PlanFiles {
    /// The markdown: the plan itself when there is no data, else rendered from the data.
    pub markdown: Option<PathBuf>,
    /// The report data (`final-report-…data.json`), the source of truth when present.
    pub data: Option<PathBuf>,
    /// The run whose report the plan is, when it was found through a run or task.
    pub run: Option<FoundRun>,
}

impl PlanFiles {
    /// Returns the file that stands for the plan: the data when there is one, else the
    /// markdown.
    pub fn main_path(&self) -> &Path {
        self.data
            .as_deref()
            .or(self.markdown.as_deref())
            .unwrap_or_else(|| Path::new("."))
    }
}

/// Returns the files of the plan `arg` names, seen from `cwd`: a path to a `.md` or
/// `.data.json` file, a run manifest path, or a run id / unique prefix.
pub fn locate_plan(home: &Home, cwd: &Path, arg: &str) -> Result<PlanFiles, PlanFileError> {
    let path = cwd.join(arg);
    let name = file_name(&path);
    if path.is_file() {
        if name.ends_with(".data.json") {
            return Ok(from_data(absolute(&path)?));
        }
        if name.ends_with(".md") {
            return Ok(from_markdown(absolute(&path)?));
        }
        if name.ends_with(".json") {
            return from_run(find_run(home, &path.display().to_string())?);
        }
        return Err(PlanFileError::NotAPlanFile { path });
    }
    if path.is_dir() {
        return Err(PlanFileError::NotAPlanFile { path });
    }
    if arg.contains('/') || name.ends_with(".md") || name.ends_with(".json") {
        return Err(PlanFileError::NotFound { path });
    }
    from_run(find_run(home, arg)?)
}

/// Returns the files of the latest implementation-planning report of a task (highest seq
/// with a report) in the project at `root`.
pub fn locate_task_plan(
    root: &Path,
    group: &TaskName,
    id: &TaskName,
) -> Result<PlanFiles, PlanFileError> {
    let task = ProjectPaths::new(root).task(group.segment(), id.segment());
    let dir = task
        .run(TaskType::ImplementationPlanning, RunSeq::FIRST, None)
        .manifests_dir();
    let missing = || PlanFileError::NoTaskPlan {
        task: format!("{}/{}", group.segment(), id.segment()),
        dir: dir.clone(),
    };
    let mut seqs = manifest_seqs(&dir)?;
    seqs.sort_unstable();
    for seq in seqs.into_iter().rev() {
        let Ok(seq) = RunSeq::new(seq) else {
            continue;
        };
        let paths = task_run(&task, seq);
        if !(paths.report_data().is_file() || paths.report_markdown().is_file()) {
            continue;
        }
        let manifest_path = paths.manifest();
        let manifest = load_manifest(&manifest_path)?;
        return from_run(FoundRun {
            manifest_path,
            manifest,
        });
    }
    Err(missing())
}

fn task_run(task: &TaskPaths, seq: RunSeq) -> okstra_core::run_paths::RunPaths {
    task.run(TaskType::ImplementationPlanning, seq, None)
}

/// Returns the seqs of the implementation-planning manifests in `dir` (none when it is
/// missing), in seq order.
fn manifest_seqs(dir: &Path) -> Result<Vec<u32>, PathError> {
    let prefix = format!("run-manifest-{}-", TaskType::ImplementationPlanning);
    Ok(crate::seq_files::numbered_files(dir, &prefix, ".json")?
        .into_iter()
        .map(|(n, _)| n)
        .collect())
}

/// Returns the plan files of a run: its report data and markdown, whichever exist.
fn from_run(found: FoundRun) -> Result<PlanFiles, PlanFileError> {
    let m = &found.manifest;
    if m.task_type != TaskType::ImplementationPlanning {
        return Err(PlanFileError::NotAPlanRun {
            run_id: m.run_id.to_string(),
            task_type: m.task_type.to_string(),
        });
    }
    let paths = m.paths();
    let data = paths.report_data();
    let markdown = paths.report_markdown();
    if !data.is_file() && !markdown.is_file() {
        return Err(PlanFileError::NoReport {
            run_id: m.run_id.to_string(),
            data,
        });
    }
    Ok(PlanFiles {
        data: data.is_file().then_some(data),
        markdown: markdown.is_file().then_some(markdown),
        run: Some(found),
    })
}

fn from_data(data: PathBuf) -> PlanFiles {
    let name = file_name(&data);
    let stem = name.strip_suffix(".data.json").unwrap_or(&name);
    let markdown = data.with_file_name(format!("{stem}.md"));
    PlanFiles {
        markdown: markdown.is_file().then_some(markdown),
        data: Some(data),
        run: None,
    }
}

fn from_markdown(markdown: PathBuf) -> PlanFiles {
    let name = file_name(&markdown);
    let stem = name.strip_suffix(".md").unwrap_or(&name);
    let data = markdown.with_file_name(format!("{stem}.data.json"));
    PlanFiles {
        data: data.is_file().then_some(data),
        markdown: Some(markdown),
        run: None,
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Returns `path` without `.` or `..` parts (the file exists).
fn absolute(path: &Path) -> Result<PathBuf, PathError> {
    fs_err::canonicalize(path).map_err(PathError::at(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(path, "x").unwrap();
    }

    #[test]
    fn a_path_finds_its_sibling() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = fs_err::canonicalize(tmp.path()).unwrap();
        let home = Home::new(dir.join("home"));
        let md = dir.join("final-report-implementation-planning-1.md");
        let data = dir.join("final-report-implementation-planning-1.data.json");
        touch(&md);
        let files = locate_plan(&home, &dir, "final-report-implementation-planning-1.md").unwrap();
        assert_eq!(files.markdown.as_deref(), Some(md.as_path()));
        assert_eq!(files.data, None);
        touch(&data);
        let files = locate_plan(&home, &dir, md.to_str().unwrap()).unwrap();
        assert_eq!(files.data.as_deref(), Some(data.as_path()));
        let files = locate_plan(&home, &dir, data.to_str().unwrap()).unwrap();
        assert_eq!(files.markdown.as_deref(), Some(md.as_path()));
        assert_eq!(files.main_path(), data);
    }

    #[test]
    fn bad_arguments_say_what_they_are() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let home = Home::new(dir.join("home"));
        touch(&dir.join("notes.txt"));
        assert!(matches!(
            locate_plan(&home, dir, "notes.txt"),
            Err(PlanFileError::NotAPlanFile { .. })
        ));
        assert!(matches!(
            locate_plan(&home, dir, "missing.md"),
            Err(PlanFileError::NotFound { .. })
        ));
        assert!(matches!(
            locate_plan(&home, dir, "01ABC"),
            Err(PlanFileError::FindRun(_))
        ));
        let group = TaskName::parse("g").unwrap();
        let id = TaskName::parse("t").unwrap();
        assert!(matches!(
            locate_task_plan(dir, &group, &id),
            Err(PlanFileError::NoTaskPlan { .. })
        ));
    }
}
