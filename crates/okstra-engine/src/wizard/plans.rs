//! Owns the wizard's plan and stage facts: the task's latest and earlier plans (through
//! `plan_file::locate_task_plan` and the planning manifests), how a picked plan stands — every
//! reason `okstra approve` would refuse it, for a plan of the task or, for a markdown plan from
//! outside, the one `plan import` would bring in — making it usable (import, then approve),
//! and the stages of the plan with their states, from the ledger repaired from carry, the
//! registry's reservations and the stage branches, as an implementation run selects them.

use std::collections::BTreeSet;
use std::path::Path;

use jiff::Timestamp;
use okstra_core::ledger::StageState;
use okstra_core::plan::parse_markdown_plan;
use okstra_core::report::{ApprovalChannel, ApprovalRecord};
use okstra_core::wizard::{PlanRef, PlanStanding, StageInfo, TaskRef};
use okstra_core::{Stage, TaskType};

use super::facts::ProjectFacts;
use crate::git::worktree::repository_of;
use crate::ledger::{RunLiveness, read_ledger_repaired, run_liveness, stage_branch_trees};
use crate::plan_file::{
    Approval, ImportRequest, LoadedPlan, PlanFileError, PlanFiles, approval_refusals, approve_plan,
    import_plan, load_plan, locate_plan, locate_task_plan, plan_body,
};
use crate::registry::read_registry;

fn canonical(path: &Path) -> std::path::PathBuf {
    fs_err::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

impl ProjectFacts {
    fn plan_ref(&self, files: PlanFiles) -> PlanRef {
        let seq = files.run.as_ref().map_or(0, |r| r.manifest.run_seq.get());
        let path = self.shown(files.main_path());
        let approved = load_plan(files).is_ok_and(|p| p.approved() && p.check_mirror().is_ok());
        PlanRef {
            path,
            seq,
            approved,
        }
    }

    pub(super) fn latest_plan_ref(&self, task: &TaskRef) -> Result<Option<PlanRef>, String> {
        let (group, id) = Self::names(task)?;
        match locate_task_plan(self.root(), &group, &id) {
            Ok(files) => Ok(Some(self.plan_ref(files))),
            Err(PlanFileError::NoTaskPlan { .. }) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    pub(super) fn other_plan_refs(&self, task: &TaskRef) -> Result<Vec<PlanRef>, String> {
        let latest = self.latest_plan_ref(task)?.map(|p| p.path);
        let mut out = Vec::new();
        let mut manifests = self.manifests(task, TaskType::ImplementationPlanning);
        manifests.reverse();
        for manifest in manifests {
            match locate_plan(&self.home, &self.cwd, &manifest.display().to_string()) {
                Ok(files) => {
                    let plan = self.plan_ref(files);
                    if Some(&plan.path) != latest.as_ref() {
                        out.push(plan);
                    }
                }
                Err(PlanFileError::NoReport { .. }) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(out)
    }

    /// Returns whether the plan's files are the task's own.
    fn inside_task(&self, task: &TaskRef, files: &PlanFiles) -> Result<bool, String> {
        let task_root = canonical(self.task_paths(task)?.task_root());
        Ok(canonical(files.main_path()).starts_with(task_root))
    }

    pub(super) fn standing_of(&self, task: &TaskRef, path: &str) -> Result<PlanStanding, String> {
        let files = locate_plan(&self.home, &self.cwd, path).map_err(|e| e.to_string())?;
        if self.inside_task(task, &files)? {
            let plan = load_plan(files).map_err(|e| e.to_string())?;
            let mut refusals = refusals(&plan)?;
            if plan.data.is_none()
                && plan
                    .markdown
                    .as_deref()
                    .is_some_and(|md| parse_markdown_plan(md).approved.is_none())
            {
                refusals.insert(0, "its front matter has no `approved:` field".to_owned());
            }
            return Ok(PlanStanding {
                path: self.shown(plan.files.main_path()),
                approved: plan.approved() && plan.check_mirror().is_ok(),
                import: false,
                refusals,
            });
        }
        // A plan from outside the task comes in as `okstra plan import` brings it: its
        // markdown, checked and judged as a markdown plan.
        let Some(markdown) = files.markdown.clone() else {
            return Err(format!(
                "{path} is outside the task and has no markdown: a plan from elsewhere is \
                 imported from its markdown (okstra plan import)"
            ));
        };
        let plan = load_plan(PlanFiles {
            markdown: Some(markdown.clone()),
            data: None,
            run: None,
        })
        .map_err(|e| e.to_string())?;
        Ok(PlanStanding {
            path: self.shown(&markdown),
            approved: plan.approved(),
            import: true,
            refusals: refusals(&plan)?,
        })
    }

    pub(super) fn make_usable(
        &self,
        task: &TaskRef,
        plan: &PlanStanding,
    ) -> Result<String, String> {
        let files = if plan.import {
            let (group, id) = Self::names(task)?;
            let req = ImportRequest {
                group,
                id,
                source: self.cwd.join(&plan.path),
                seq_override: None,
            };
            let imported =
                import_plan(&self.home, &self.project, &req).map_err(|e| e.to_string())?;
            let report = imported.report.display().to_string();
            locate_plan(&self.home, &self.cwd, &report)
        } else {
            locate_plan(&self.home, &self.cwd, &plan.path)
        }
        .map_err(|e| e.to_string())?;
        let loaded = load_plan(files).map_err(|e| e.to_string())?;
        let record = ApprovalRecord::new(Timestamp::now(), ApprovalChannel::Wizard, None);
        match approve_plan(&loaded, record) {
            Ok(Approval::Approved { .. } | Approval::AlreadyApproved { .. }) => {
                Ok(self.shown(loaded.files.main_path()))
            }
            Err(PlanFileError::Unapprovable { reasons, .. }) => Err(reasons
                .iter()
                .map(|r| format!("- {r}"))
                .collect::<Vec<_>>()
                .join("\n")),
            Err(e) => Err(e.to_string()),
        }
    }

    pub(super) fn stage_infos(&self, task: &TaskRef, plan: &str) -> Result<Vec<StageInfo>, String> {
        let files = locate_plan(&self.home, &self.cwd, plan).map_err(|e| e.to_string())?;
        let plan_run_id = files.run.as_ref().map(|r| r.manifest.run_id.to_string());
        let loaded = load_plan(files).map_err(|e| e.to_string())?;
        let body = plan_body(&loaded).map_err(|e| e.to_string())?;
        let paths = self.task_paths(task)?;
        let snapshot = read_ledger_repaired(&paths).map_err(|e| e.to_string())?;
        let (group, id) = Self::names(task)?;
        let trees = stage_branch_trees(
            &self.home,
            self.root(),
            &self.project.project_id,
            &group,
            &id,
        )
        .unwrap_or_default();
        let reserved = self.reserved(task, &paths);
        let book = snapshot.book(&body, plan_run_id.as_deref(), &reserved, &trees);
        if let Some(conflict) = &book.conflict {
            return Err(format!("the plan's stages cannot be taken: {conflict}"));
        }
        Ok(book
            .stages
            .iter()
            .map(|s| {
                let retryable = match &s.state {
                    StageState::Started { run_id, .. } => !matches!(
                        run_liveness(
                            &paths,
                            Stage::new(s.stage).unwrap_or(Stage::FIRST),
                            run_id.as_deref().unwrap_or_default()
                        ),
                        RunLiveness::Running | RunLiveness::Prepared
                    ),
                    _ => false,
                };
                StageInfo {
                    stage: s.stage,
                    title: s.title.split_whitespace().collect::<Vec<_>>().join(" "),
                    state: s.state.to_string(),
                    ready: s.state == StageState::Ready,
                    retryable,
                    reopenable: matches!(s.state, StageState::Done(_) | StageState::Stale { .. }),
                }
            })
            .collect())
    }

    /// Returns the stages the registry holds for a run that is going or prepared.
    fn reserved(&self, task: &TaskRef, paths: &okstra_core::run_paths::TaskPaths) -> BTreeSet<u32> {
        let Ok((group, id)) = Self::names(task) else {
            return BTreeSet::new();
        };
        let (Ok(Some(repo)), Ok(registry)) =
            (repository_of(self.root()), read_registry(&self.home))
        else {
            return BTreeSet::new();
        };
        let Some((_, entry)) = registry.find_task(
            &self.project.project_id,
            &repo,
            group.segment(),
            id.segment(),
        ) else {
            return BTreeSet::new();
        };
        entry
            .stages
            .iter()
            .filter_map(|(n, stage)| {
                let n: u32 = n.parse().ok()?;
                let live = matches!(
                    run_liveness(paths, Stage::new(n).ok()?, &stage.run_id),
                    RunLiveness::Running | RunLiveness::Prepared
                );
                live.then_some(n)
            })
            .collect()
    }
}

/// Returns every reason `okstra approve` would refuse the plan, as lines.
fn refusals(plan: &LoadedPlan) -> Result<Vec<String>, String> {
    Ok(approval_refusals(plan)
        .map_err(|e| e.to_string())?
        .iter()
        .map(ToString::to_string)
        .collect())
}
