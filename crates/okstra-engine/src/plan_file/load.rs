//! Owns reading a plan's files and the approval mirror (SPEC §7.5): the report data (checked
//! against its schema and version, as `okstra render` reads it) and the markdown, whether the
//! plan is approved, and the one check every command that consumes a plan makes — a markdown
//! whose `approved` differs from its data.json's is refused, with the hint to use
//! `okstra approve`.
//!
//! Checking the plan's rules is `check`'s job; changing it is `edit`'s.

use std::path::{Path, PathBuf};

use okstra_core::TaskType;
use okstra_core::plan::{PlanBody, PlanGate, parse_markdown_plan};
use okstra_core::report::{ReportData, parse_markdown_frontmatter};

use super::error::PlanFileError;
use super::locate::PlanFiles;
use crate::errors::PathError;
use crate::report_file::read_report;

/// A plan's files, read.
#[derive(Clone, Debug)]
pub struct LoadedPlan {
    pub files: PlanFiles,
    /// The report data, when the plan has a data.json (the source of truth).
    pub data: Option<ReportData>,
    /// The markdown's text, when it exists.
    pub markdown: Option<String>,
}

/// Reads a plan's files and refuses one whose markdown's `approved` differs from its data's:
/// what every command that consumes a plan calls.
pub fn open_plan(files: PlanFiles) -> Result<LoadedPlan, PlanFileError> {
    let plan = load_plan(files)?;
    plan.check_mirror()?;
    Ok(plan)
}

/// Reads a plan's files without judging them (`approve` lists a broken mirror among its
/// other reasons).
pub fn load_plan(files: PlanFiles) -> Result<LoadedPlan, PlanFileError> {
    let data = match &files.data {
        Some(path) => {
            let (_, data) = read_report(path)?;
            if data.frontmatter.task_type != TaskType::ImplementationPlanning {
                return Err(PlanFileError::NotAPlanReport {
                    path: path.clone(),
                    task_type: data.frontmatter.task_type.to_string(),
                });
            }
            Some(data)
        }
        None => None,
    };
    let markdown = files.markdown.as_deref().map(read_text).transpose()?;
    Ok(LoadedPlan {
        files,
        data,
        markdown,
    })
}

/// Reads a text file; one that is not UTF-8 is refused.
pub(crate) fn read_text(path: &Path) -> Result<String, PlanFileError> {
    let bytes = fs_err::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            PlanFileError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            PathError::at(path)(e).into()
        }
    })?;
    String::from_utf8(bytes).map_err(|_| PlanFileError::NotText {
        path: path.to_path_buf(),
    })
}

impl LoadedPlan {
    /// Returns the structured plan of the report data, when the plan has one.
    pub fn structured(&self) -> Option<&PlanBody> {
        self.data.as_ref().and_then(|d| d.narrative.plan.as_ref())
    }

    /// Returns whether the plan is approved: its data's `approved`, else its markdown's.
    pub fn approved(&self) -> bool {
        match &self.data {
            Some(data) => data.frontmatter.approved == Some(true),
            None => self
                .markdown
                .as_deref()
                .is_some_and(|md| parse_markdown_plan(md).approved == Some(true)),
        }
    }

    /// Returns the plan-body gate the report data records.
    pub fn gate(&self) -> Option<&PlanGate> {
        self.data.as_ref().and_then(|d| d.plan_gate.as_ref())
    }

    /// Returns the markdown's path and text (a plan without data always has them).
    pub(crate) fn markdown_file(&self) -> Option<(&Path, &str)> {
        Some((self.files.markdown.as_deref()?, self.markdown.as_deref()?))
    }

    /// Returns the path diagnostics name: the data when the plan is checked as data, else
    /// the markdown.
    pub fn checked_path(&self) -> PathBuf {
        match (&self.files.data, self.structured()) {
            (Some(data), Some(_)) => data.clone(),
            _ => self
                .files
                .markdown
                .clone()
                .unwrap_or_else(|| self.files.main_path().to_path_buf()),
        }
    }

    /// Refuses a markdown whose `approved` differs from its data.json's (SPEC §7.5). A plan
    /// without data, or data without markdown, has nothing to mirror.
    pub fn check_mirror(&self) -> Result<(), PlanFileError> {
        let (Some(data), Some(data_path), Some((md_path, md))) =
            (&self.data, &self.files.data, self.markdown_file())
        else {
            return Ok(());
        };
        let front =
            parse_markdown_frontmatter(md).map_err(|source| PlanFileError::Frontmatter {
                path: md_path.to_path_buf(),
                source,
            })?;
        if front.approved == data.frontmatter.approved {
            return Ok(());
        }
        Err(PlanFileError::Mirror {
            markdown: md_path.to_path_buf(),
            data: data_path.clone(),
            markdown_approved: front.approved,
            data_approved: data.frontmatter.approved,
        })
    }
}
