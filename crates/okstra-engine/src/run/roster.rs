//! Owns planning a run's team: which agent each worker name stands for (a configured agent in
//! project.json, else the built-in claude/codex/gemini), its adapter, role, model and program —
//! found on PATH, or `not-run` with the reason and the fix — and, before the run starts, each
//! CLI's `--version` and its login check (the one `okstra doctor` makes), probed concurrently.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use okstra_core::Segment;
use okstra_core::config::{AdapterKind, AgentConfig, ProjectConfig};
use okstra_core::manifest::ManifestWorker;
use okstra_core::outcome::NotRunReason;
use okstra_core::replay::ReplayFixture;
use okstra_core::result_header::CliInfo;
use okstra_core::settings::RunSettings;
use okstra_core::worker_name::{Role, WorkerName};

use crate::errors::PlanError;
use crate::probe::{find_program, inherited_env, probe};
use crate::readiness::check_login;

/// A worker of the team, before its prompt exists.
#[derive(Clone, Debug)]
pub(crate) struct RosterEntry {
    pub worker: WorkerName,
    /// The agent name (`claude`, or a configured agent).
    pub agent: String,
    pub kind: AdapterKind,
    pub role: Role,
    pub model: Option<String>,
    pub config: Option<AgentConfig>,
    /// The program to run, or why the worker cannot run.
    pub program: Result<PathBuf, NotRunReason>,
    pub fixture: Option<Arc<ReplayFixture>>,
    /// The CLI's path and version, once probed.
    pub cli: Option<CliInfo>,
}

impl RosterEntry {
    /// Returns the worker as the manifest lists it.
    pub(crate) fn manifest_worker(&self) -> ManifestWorker {
        ManifestWorker {
            worker: self.worker.clone(),
            kind: self.kind,
            role: self.role,
            model: self.model.clone(),
        }
    }
}

/// The team of a run.
#[derive(Clone, Debug)]
pub(crate) struct Roster {
    pub analysers: Vec<RosterEntry>,
    /// The critic, when enabled.
    pub critic: Option<RosterEntry>,
    pub report_writer: RosterEntry,
    /// The executor and the verifier of an implementation run (its whole team).
    pub stage: Option<StageTeam>,
}

/// The team of an implementation run.
#[derive(Clone, Debug)]
pub(crate) struct StageTeam {
    pub executor: RosterEntry,
    pub verifier: RosterEntry,
}

impl Roster {
    /// Returns every worker of the team: analysers, critic, report writer — or, for an
    /// implementation run, its executor and verifier.
    pub(crate) fn everyone(&self) -> impl Iterator<Item = &RosterEntry> {
        let (analysis, stage): (Vec<&RosterEntry>, Vec<&RosterEntry>) = match &self.stage {
            Some(team) => (Vec::new(), vec![&team.executor, &team.verifier]),
            None => (
                self.analysers
                    .iter()
                    .chain(self.critic.iter())
                    .chain(std::iter::once(&self.report_writer))
                    .collect(),
                Vec::new(),
            ),
        };
        analysis.into_iter().chain(stage)
    }

    /// Returns every worker of the team, to change (see [`Roster::everyone`]).
    fn everyone_mut(&mut self) -> Vec<&mut RosterEntry> {
        match &mut self.stage {
            Some(team) => vec![&mut team.executor, &mut team.verifier],
            None => self
                .analysers
                .iter_mut()
                .chain(self.critic.iter_mut())
                .chain(std::iter::once(&mut self.report_writer))
                .collect(),
        }
    }

    /// Returns whether any worker answers from a replay fixture.
    pub(crate) fn has_replay(&self) -> bool {
        self.everyone().any(|e| e.kind == AdapterKind::Replay)
    }

    /// Returns the analyser named `worker`.
    pub(crate) fn analyser(&self, worker: &str) -> Option<&RosterEntry> {
        self.analysers.iter().find(|e| e.worker.as_str() == worker)
    }
}

/// The inputs of team planning.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PlanInputs<'a> {
    pub(crate) settings: &'a RunSettings,
    pub(crate) config: &'a ProjectConfig,
    pub(crate) project_root: &'a Path,
    /// okstra's own environment.
    pub(crate) env: &'a BTreeMap<String, String>,
}

/// Plans one entry for agent `agent` in `role`.
pub(crate) fn plan_entry(
    plan: &PlanInputs<'_>,
    agent: &str,
    role: Role,
) -> Result<RosterEntry, PlanError> {
    let segment = Segment::from_slug(agent).map_err(|e| PlanError::BadName {
        name: agent.to_owned(),
        reason: e.to_string(),
    })?;
    let config = plan.config.agents.get(agent).cloned();
    let kind = match (&config, AdapterKind::builtin(agent)) {
        (Some(c), _) => c.adapter,
        (None, Some(kind)) => kind,
        (None, None) => {
            return Err(PlanError::UnknownAgent {
                name: agent.to_owned(),
            });
        }
    };
    let worker = match role {
        Role::Analysis => WorkerName::analyser(&segment),
        other => WorkerName::for_role(other),
    };
    let role_key = (role != Role::Analysis).then_some(role.as_str());
    let model = match kind {
        AdapterKind::Replay => Some("replay".to_owned()),
        _ => plan
            .settings
            .model_for(role_key, agent)
            .map(|m| m.value.clone()),
    };
    let (program, fixture) =
        agent_program(agent, kind, config.as_ref(), plan.project_root, plan.env)?;
    Ok(RosterEntry {
        worker,
        agent: agent.to_owned(),
        kind,
        role,
        model,
        config,
        program,
        fixture,
        cli: None,
    })
}

/// The program an agent runs — or why it cannot run — and, for a replay agent, its fixture.
pub(crate) type AgentProgram = (Result<PathBuf, NotRunReason>, Option<Arc<ReplayFixture>>);

/// Returns what agent `agent` of adapter `kind` (configured by `config`, if at all) runs: a
/// built-in CLI or a command found on okstra's `PATH` (a name with a slash is relative to
/// `project_root`), or a replay agent's fixture, read and checked. A program that is not found
/// makes the worker `not-run`; an entry that cannot be used is the user's to fix.
pub(crate) fn agent_program(
    agent: &str,
    kind: AdapterKind,
    config: Option<&AgentConfig>,
    project_root: &Path,
    env: &BTreeMap<String, String>,
) -> Result<AgentProgram, PlanError> {
    let path_var = env.get("PATH").map(String::as_str);
    Ok(match kind {
        AdapterKind::Replay => {
            let rel =
                config
                    .and_then(|c| c.fixture.clone())
                    .ok_or_else(|| PlanError::AgentField {
                        name: agent.to_owned(),
                        adapter: "replay".to_owned(),
                        field: "fixture".to_owned(),
                    })?;
            let path = project_root.join(rel);
            let text = fs_err::read_to_string(&path).map_err(|source| PlanError::FixtureIo {
                path: path.clone(),
                source,
            })?;
            let parsed = ReplayFixture::parse(&text).map_err(|source| PlanError::Fixture {
                path: path.clone(),
                source,
            })?;
            (Ok(path), Some(Arc::new(parsed)))
        }
        AdapterKind::Command => {
            let argv0 = config
                .and_then(|c| c.binary.clone().or_else(|| c.argv.first().cloned()))
                .ok_or_else(|| PlanError::AgentField {
                    name: agent.to_owned(),
                    adapter: "command".to_owned(),
                    field: "argv".to_owned(),
                })?;
            let program = find_program(&argv0, path_var, project_root).ok_or_else(|| {
                NotRunReason::CommandNotFound {
                    program: argv0.clone(),
                    agent: agent.to_owned(),
                }
            });
            (program, None)
        }
        builtin => {
            let name = config
                .and_then(|c| c.binary.clone())
                .unwrap_or_else(|| builtin.as_str().to_owned());
            let program = find_program(&name, path_var, project_root).ok_or_else(|| {
                NotRunReason::CliNotFound {
                    cli: builtin,
                    program: name.clone(),
                    agent: agent.to_owned(),
                }
            });
            (program, None)
        }
    })
}

/// Plans the team of a run of `project` with `settings`, okstra's environment being `env`.
pub(crate) fn roster_of(
    settings: &RunSettings,
    project: &crate::project::LoadedProject,
    env: &BTreeMap<String, String>,
) -> Result<Roster, PlanError> {
    plan_roster(&PlanInputs {
        settings,
        config: &project.config,
        project_root: project.root(),
        env,
    })
}

/// Plans the team of a run of `task_type`: an implementation run's executor (`roles.executor`,
/// or `--executor`) and verifier (`roles.verifier`), else [`roster_of`]'s.
pub(crate) fn roster_for(
    task_type: okstra_core::TaskType,
    settings: &RunSettings,
    project: &crate::project::LoadedProject,
    env: &BTreeMap<String, String>,
) -> Result<Roster, PlanError> {
    let plan = PlanInputs {
        settings,
        config: &project.config,
        project_root: project.root(),
        env,
    };
    if task_type == okstra_core::TaskType::ReleaseHandoff {
        // One writer is the whole team of a hand-off (SPEC §3).
        return Ok(Roster {
            analysers: Vec::new(),
            critic: None,
            report_writer: plan_entry(&plan, &settings.report_writer.value, Role::ReportWriter)?,
            stage: None,
        });
    }
    if !task_type.is_stage_scoped() {
        return roster_of(settings, project, env);
    }
    let executor = plan_entry(
        &plan,
        &stage_agent(settings, Role::Executor),
        Role::Executor,
    )?;
    let verifier = plan_entry(
        &plan,
        &stage_agent(settings, Role::Verifier),
        Role::Verifier,
    )?;
    // The report writer is planned as for any run but is not part of this team (`everyone`).
    let report_writer = plan_entry(&plan, &settings.report_writer.value, Role::ReportWriter)?;
    Ok(Roster {
        analysers: Vec::new(),
        critic: None,
        report_writer,
        stage: Some(StageTeam { executor, verifier }),
    })
}

/// Returns the agent of an implementation run's executor or verifier: the `roles` entry
/// (project.json, or `--executor`), else the built-in default (`claude` executes, `codex`
/// verifies).
pub(crate) fn stage_agent(settings: &RunSettings, role: Role) -> String {
    match role {
        Role::Verifier => settings.role_or("verifier", "codex"),
        _ => settings.role_or("executor", "claude"),
    }
}

/// Plans the team of a run: the analysers of `settings.workers` (duplicates dropped), the
/// critic when enabled, and the report writer. Probing the CLIs is [`probe_roster`]'s.
fn plan_roster(plan: &PlanInputs<'_>) -> Result<Roster, PlanError> {
    let mut seen = Vec::new();
    let mut analysers = Vec::new();
    for agent in &plan.settings.workers.value {
        if seen.contains(agent) {
            continue;
        }
        seen.push(agent.clone());
        analysers.push(plan_entry(plan, agent, Role::Analysis)?);
    }
    if analysers.is_empty() {
        return Err(PlanError::NoWorkers {
            task_type: "this run".to_owned(),
        });
    }
    let critic = plan
        .settings
        .critic
        .as_ref()
        .map(|c| plan_entry(plan, &c.value, Role::Critic))
        .transpose()?;
    let report_writer = plan_entry(plan, &plan.settings.report_writer.value, Role::ReportWriter)?;
    Ok(Roster {
        analysers,
        critic,
        report_writer,
        stage: None,
    })
}

/// Returns the CLI path and `--version` of an entry's program (claude, codex, gemini).
async fn cli_info(entry: &RosterEntry, env: &BTreeMap<String, String>) -> Option<CliInfo> {
    let program = entry.program.as_ref().ok()?;
    if matches!(entry.kind, AdapterKind::Replay) {
        return None;
    }
    let version = if matches!(entry.kind, AdapterKind::Command) {
        None
    } else {
        probe(program, &["--version"], &inherited_env(env))
            .await
            .and_then(|o| o.first_line())
    };
    Some(CliInfo {
        path: program.display().to_string(),
        version,
    })
}

/// What the probes of one team found, each asked once however many entries share it: a
/// CLI's login per program and arguments, its version per program.
#[derive(Default)]
struct Probes {
    logins: Once<(AdapterKind, PathBuf, Vec<String>), Option<NotRunReason>>,
    versions: Once<PathBuf, Option<CliInfo>>,
}

/// Answers computed once per key, shared by the tasks that ask for them at the same time.
type Once<K, V> = std::sync::Mutex<std::collections::HashMap<K, Arc<tokio::sync::OnceCell<V>>>>;

/// Returns the cell of `key` in `once`, made empty on first use.
fn cell<K: std::hash::Hash + Eq, V>(
    once: &Once<K, V>,
    key: K,
) -> Option<Arc<tokio::sync::OnceCell<V>>> {
    once.lock()
        .ok()
        .map(|mut m| Arc::clone(m.entry(key).or_default()))
}

/// Probes the CLIs of a team before the run starts, every one at once (a node CLI's
/// `--version` or login check alone can take seconds), each distinct check once: an entry
/// whose CLI is not logged in (the check `okstra doctor` makes) turns `not-run`, and every
/// entry gets its CLI info. `worker_env` is what the workers will have on top of okstra's
/// environment.
pub(crate) async fn probe_roster(
    roster: &mut Roster,
    env: &BTreeMap<String, String>,
    worker_env: &BTreeMap<String, String>,
) {
    let mut all_env = env.clone();
    all_env.extend(worker_env.clone());
    let probes: Arc<Probes> = Arc::default();
    let entries: Vec<&mut RosterEntry> = roster.everyone_mut();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, entry) in entries.iter().enumerate() {
        let mut entry = (*entry).clone();
        let (env, all_env, probes) = (env.clone(), all_env.clone(), Arc::clone(&probes));
        tasks.spawn(async move {
            if let Ok(program) = entry.program.clone() {
                let args = entry
                    .config
                    .as_ref()
                    .map_or_else(Vec::new, |c| c.extra_args.clone());
                let key = (entry.kind, program.clone(), args.clone());
                if let Some(login) = cell(&probes.logins, key) {
                    let not_run = login
                        .get_or_init(|| async {
                            check_login(entry.kind, &program, &args, &all_env)
                                .await
                                .and_then(|login| login.not_run)
                        })
                        .await;
                    if let Some(reason) = not_run {
                        entry.program = Err(reason.clone());
                    }
                }
            }
            if let Ok(program) = entry.program.clone()
                && let Some(version) = cell(&probes.versions, program)
            {
                entry.cli = version.get_or_init(|| cli_info(&entry, &env)).await.clone();
            }
            (i, entry)
        });
    }
    // A probe that failed to finish leaves its entry as planned, without CLI info.
    let mut probed: BTreeMap<usize, RosterEntry> = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        if let Ok((i, entry)) = done {
            probed.insert(i, entry);
        }
    }
    for (i, slot) in entries.into_iter().enumerate() {
        if let Some(entry) = probed.remove(&i) {
            *slot = entry;
        }
    }
}
