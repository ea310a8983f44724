//! A `WizardFacts` with fixed answers, recording which facts each call asked.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use okstra_core::TaskType;
use okstra_core::wizard::{
    AgentVerdict, PlanRef, PlanStanding, PreviousRun, RunDefaults, StageInfo, TaskRef, WizardFacts,
};

#[derive(Default)]
pub(crate) struct FakeFacts {
    pub(crate) tasks: Vec<TaskRef>,
    pub(crate) briefs: BTreeSet<String>,
    pub(crate) worktrees: BTreeSet<String>,
    pub(crate) in_git: bool,
    pub(crate) current: Option<String>,
    pub(crate) default: Option<String>,
    pub(crate) latest: BTreeMap<String, PlanRef>,
    pub(crate) others: BTreeMap<String, Vec<PlanRef>>,
    pub(crate) standings: BTreeMap<String, PlanStanding>,
    /// Plans whose approval is refused, with the reasons.
    pub(crate) refuse_approval: BTreeMap<String, String>,
    /// The path an imported plan gets.
    pub(crate) imported_as: String,
    pub(crate) stages: Vec<StageInfo>,
    pub(crate) agents: Vec<AgentVerdict>,
    pub(crate) defaults: RunDefaults,
    pub(crate) previous: Option<PreviousRun>,
    pub(crate) asked: RefCell<Vec<&'static str>>,
    pub(crate) approved: Vec<String>,
}

fn key(task: &TaskRef) -> String {
    task.arg()
}

pub(crate) fn task(group: &str, id: &str) -> TaskRef {
    TaskRef {
        group: group.into(),
        id: id.into(),
    }
}

pub(crate) fn plan(path: &str, seq: u32, approved: bool) -> PlanRef {
    PlanRef {
        path: path.into(),
        seq,
        approved,
    }
}

pub(crate) fn standing(
    path: &str,
    approved: bool,
    import: bool,
    refusals: &[&str],
) -> PlanStanding {
    PlanStanding {
        path: path.into(),
        approved,
        import,
        refusals: refusals.iter().map(|r| (*r).to_owned()).collect(),
    }
}

pub(crate) fn stage(n: u32, title: &str, state: &str) -> StageInfo {
    StageInfo {
        stage: n,
        title: title.into(),
        state: state.into(),
        ready: state == "ready",
        retryable: state.starts_with("started"),
        reopenable: state == "done",
    }
}

impl FakeFacts {
    /// A git project with tasks `pay/dev-1` (brief, worktree, plans) and `pay/dev-2`, and
    /// the default roster.
    pub(crate) fn project() -> Self {
        let mut models = BTreeMap::new();
        for (k, v) in [
            ("claude", "opus"),
            ("codex", "gpt-5.5"),
            ("gemini", "auto"),
            ("report-writer", "opus"),
        ] {
            models.insert(k.to_owned(), v.to_owned());
        }
        let agents = ["claude", "codex", "gemini", "local"];
        let verdicts = ["ready", "not-logged-in", "not-installed", "ready"];
        FakeFacts {
            tasks: vec![task("pay", "dev-1"), task("pay", "dev-2"), task("web", "login")],
            briefs: ["pay/dev-1".to_owned()].into(),
            worktrees: ["pay/dev-1".to_owned()].into(),
            in_git: true,
            current: Some("feature/x".into()),
            default: Some("main".into()),
            imported_as: ".okstra/tasks/pay/dev-1/runs/implementation-planning/reports/final-report-implementation-planning-3.md".into(),
            agents: agents
                .iter()
                .zip(verdicts)
                .map(|(a, v)| AgentVerdict {
                    name: (*a).into(),
                    verdict: v.into(),
                })
                .collect(),
            defaults: RunDefaults {
                workers: vec!["claude".into(), "codex".into(), "gemini".into()],
                executor: "claude".into(),
                verifier: "codex".into(),
                report_writer: "claude".into(),
                critic: None,
                models,
                agents: agents.iter().map(|a| (*a).to_owned()).collect(),
                max_rounds: 2,
                deadline_ms: 1_800_000,
            },
            ..FakeFacts::default()
        }
    }

    fn ask(&self, fact: &'static str) {
        self.asked.borrow_mut().push(fact);
    }

    /// Returns and forgets the facts asked so far.
    pub(crate) fn take_asked(&self) -> Vec<&'static str> {
        std::mem::take(&mut *self.asked.borrow_mut())
    }
}

impl WizardFacts for FakeFacts {
    fn tasks(&self) -> Result<Vec<TaskRef>, String> {
        self.ask("tasks");
        Ok(self.tasks.clone())
    }
    fn brief_exists(&self, task: &TaskRef) -> bool {
        self.ask("brief_exists");
        self.briefs.contains(&key(task))
    }
    fn check_brief_file(&self, path: &str) -> Result<String, String> {
        self.ask("check_brief_file");
        if path.ends_with(".md") {
            Ok(path.to_owned())
        } else {
            Err(format!("{path}: no such file"))
        }
    }
    fn in_git(&self) -> bool {
        self.ask("in_git");
        self.in_git
    }
    fn current_branch(&self) -> Option<String> {
        self.ask("current_branch");
        self.current.clone()
    }
    fn default_branch(&self) -> Option<String> {
        self.ask("default_branch");
        self.default.clone()
    }
    fn check_ref(&self, reference: &str) -> Result<(), String> {
        self.ask("check_ref");
        if reference.starts_with('v') {
            Ok(())
        } else {
            Err(format!("{reference:?} names no commit of the repository"))
        }
    }
    fn task_worktree_exists(&self, task: &TaskRef) -> bool {
        self.ask("task_worktree_exists");
        self.worktrees.contains(&key(task))
    }
    fn task_branch(&self, task: &TaskRef) -> Option<String> {
        self.ask("task_branch");
        self.in_git
            .then(|| format!("okstra/feat/{}-{}", task.group, task.id))
    }
    fn latest_plan(&self, task: &TaskRef) -> Result<Option<PlanRef>, String> {
        self.ask("latest_plan");
        Ok(self.latest.get(&key(task)).cloned())
    }
    fn other_plans(&self, task: &TaskRef) -> Result<Vec<PlanRef>, String> {
        self.ask("other_plans");
        Ok(self.others.get(&key(task)).cloned().unwrap_or_default())
    }
    fn plan_standing(&self, _task: &TaskRef, path: &str) -> Result<PlanStanding, String> {
        self.ask("plan_standing");
        self.standings
            .get(path)
            .cloned()
            .ok_or_else(|| format!("{path}: no such file"))
    }
    fn approve(&mut self, task: &TaskRef, plan: &PlanStanding) -> Result<String, String> {
        self.ask("approve");
        // Importing a plan makes its task exist.
        if plan.import && !self.tasks.contains(task) {
            self.tasks.push(task.clone());
        }
        if let Some(reasons) = self.refuse_approval.get(&plan.path) {
            return Err(reasons.clone());
        }
        let path = if plan.import {
            self.imported_as.clone()
        } else {
            plan.path.clone()
        };
        self.approved.push(path.clone());
        Ok(path)
    }
    fn stages(&self, _task: &TaskRef, _plan: &str) -> Result<Vec<StageInfo>, String> {
        self.ask("stages");
        Ok(self.stages.clone())
    }
    fn agent_verdicts(&self) -> Vec<AgentVerdict> {
        self.ask("agent_verdicts");
        self.agents.clone()
    }
    fn defaults(&self, _task_type: TaskType) -> Result<RunDefaults, String> {
        self.ask("defaults");
        Ok(self.defaults.clone())
    }
    fn previous_run(&self, _task: &TaskRef, _task_type: TaskType) -> Option<PreviousRun> {
        self.ask("previous_run");
        self.previous.clone()
    }
}
