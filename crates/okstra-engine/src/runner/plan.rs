//! Owns planning a run's workers: which agent each worker name stands for (a configured agent
//! in project.json, else the built-in claude/codex/gemini), its adapter, role, model and
//! program — found on PATH, or `not-run` with the reason and the fix — its environment
//! (okstra's minus `OKSTRA_*`, plus `workerEnv`), the CLI's `--version`, and codex's login
//! pre-flight.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use okstra_core::Segment;
use okstra_core::adapter::{Invocation, build_command};
use okstra_core::config::{AdapterKind, AgentConfig, ProjectConfig};
use okstra_core::env_vars::OKSTRA_PREFIX;
use okstra_core::replay::ReplayFixture;
use okstra_core::result_header::CliInfo;
use okstra_core::run_paths::RoundTag;
use okstra_core::settings::RunSettings;
use okstra_core::worker_name::{Role, WorkerName};

use super::{PlannedLaunch, ProcessPlan};
use crate::errors::PlanError;
use crate::probe::probe;

/// A worker of the roster, before its prompt exists.
#[derive(Clone, Debug)]
pub struct RosterEntry {
    pub worker: WorkerName,
    /// The agent name (`claude`, or a configured agent).
    pub agent: String,
    pub kind: AdapterKind,
    pub role: Role,
    pub model: Option<String>,
    pub config: Option<AgentConfig>,
    /// The program to run, or why it cannot run.
    pub program: Result<PathBuf, String>,
    pub fixture: Option<Arc<ReplayFixture>>,
}

/// The environment-dependent inputs of planning.
#[derive(Clone, Debug)]
pub struct PlanEnv<'a> {
    pub settings: &'a RunSettings,
    pub config: &'a ProjectConfig,
    pub project_root: &'a Path,
    /// okstra's own environment.
    pub env: &'a BTreeMap<String, String>,
}

/// Returns the install hint of a built-in CLI.
pub fn install_hint(kind: AdapterKind) -> &'static str {
    match kind {
        AdapterKind::Claude => "npm install -g @anthropic-ai/claude-code",
        AdapterKind::Codex => "npm install -g @openai/codex",
        AdapterKind::Gemini => "npm install -g @google/gemini-cli",
        AdapterKind::Command | AdapterKind::Replay => "",
    }
}

/// Returns the first executable `name` on `path_var` (or `name` itself when it has a slash,
/// relative to `base`).
pub fn find_program(name: &str, path_var: Option<&str>, base: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let is_exec = |p: &Path| {
        fs_err::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        let p = base.join(name);
        return is_exec(&p).then_some(p);
    }
    path_var?
        .split(':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(name))
        .find(|p| is_exec(p))
}

/// Plans one roster entry for agent `agent` in `role`.
pub fn plan_entry(plan: &PlanEnv<'_>, agent: &str, role: Role) -> Result<RosterEntry, PlanError> {
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
    let path_var = plan.env.get("PATH").map(String::as_str);
    let mut fixture = None;
    let program = match kind {
        AdapterKind::Replay => {
            let rel = config
                .as_ref()
                .and_then(|c| c.fixture.clone())
                .ok_or_else(|| PlanError::AgentField {
                    name: agent.to_owned(),
                    adapter: "replay".to_owned(),
                    field: "fixture".to_owned(),
                })?;
            let path = plan.project_root.join(rel);
            let text = fs_err::read_to_string(&path).map_err(|source| PlanError::FixtureIo {
                path: path.clone(),
                source,
            })?;
            let parsed = ReplayFixture::parse(&text).map_err(|source| PlanError::Fixture {
                path: path.clone(),
                source,
            })?;
            fixture = Some(Arc::new(parsed));
            Ok(path)
        }
        AdapterKind::Command => {
            let argv0 = config
                .as_ref()
                .and_then(|c| c.binary.clone().or_else(|| c.argv.first().cloned()))
                .ok_or_else(|| PlanError::AgentField {
                    name: agent.to_owned(),
                    adapter: "command".to_owned(),
                    field: "argv".to_owned(),
                })?;
            find_program(&argv0, path_var, plan.project_root).ok_or_else(|| {
                format!("{argv0} not found on PATH (agents.{agent}.argv in .okstra/project.json)")
            })
        }
        builtin => {
            let name = config
                .as_ref()
                .and_then(|c| c.binary.clone())
                .unwrap_or_else(|| builtin.as_str().to_owned());
            find_program(&name, path_var, plan.project_root).ok_or_else(|| {
                format!(
                    "{} CLI not found ({name} is not on PATH): install it with `{}`, or set \
                     agents.{agent}.binary in .okstra/project.json",
                    builtin.as_str(),
                    install_hint(builtin)
                )
            })
        }
    };
    Ok(RosterEntry {
        worker,
        agent: agent.to_owned(),
        kind,
        role,
        model,
        config,
        program,
        fixture,
    })
}

/// Plans the analysers of a run (`settings.workers`), refusing duplicates.
pub fn plan_analysers(plan: &PlanEnv<'_>) -> Result<Vec<RosterEntry>, PlanError> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for agent in &plan.settings.workers.value {
        if seen.contains(agent) {
            continue;
        }
        seen.push(agent.clone());
        out.push(plan_entry(plan, agent, Role::Analysis)?);
    }
    if out.is_empty() {
        return Err(PlanError::NoWorkers {
            task_type: "this run".to_owned(),
        });
    }
    Ok(out)
}

/// Returns okstra's environment minus every `OKSTRA_*` variable (SPEC §5.1).
pub fn inherited_env(env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    env.iter()
        .filter(|(k, _)| !k.starts_with(OKSTRA_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// What a process plan needs beyond the roster entry.
#[derive(Clone, Debug)]
pub struct ProcessInputs<'a> {
    pub workdir: &'a Path,
    pub add_dirs: &'a [PathBuf],
    /// The worker's private TMPDIR.
    pub tmpdir: PathBuf,
    pub worker_env: &'a BTreeMap<String, String>,
    pub env: &'a BTreeMap<String, String>,
    pub is_root: bool,
}

/// Returns how to launch a roster entry.
pub fn launch_for(
    entry: &RosterEntry,
    inputs: &ProcessInputs<'_>,
) -> Result<PlannedLaunch, PlanError> {
    if let Some(fixture) = &entry.fixture {
        return Ok(PlannedLaunch::Replay(fixture.clone()));
    }
    let program = match &entry.program {
        Ok(p) => p.display().to_string(),
        Err(reason) => return Ok(PlannedLaunch::NotRun(reason.clone())),
    };
    let last_message_file =
        (entry.kind == AdapterKind::Codex).then(|| inputs.tmpdir.join("last-message.txt"));
    let no_file = PathBuf::new();
    let empty: Vec<String> = Vec::new();
    let config = entry.config.as_ref();
    let spec = build_command(&Invocation {
        kind: entry.kind,
        program: &program,
        model: entry.model.as_deref(),
        workdir: inputs.workdir,
        role: entry.role,
        add_dirs: inputs.add_dirs,
        extra_args: config.map_or(&empty, |c| &c.extra_args),
        argv_template: config.map_or(&empty, |c| &c.argv),
        last_message_file: last_message_file.as_ref().unwrap_or(&no_file),
        is_root: inputs.is_root,
    })?;
    let mut env = inherited_env(inputs.env);
    let mut env_set: Vec<String> = Vec::new();
    for (k, v) in inputs.worker_env.iter().chain(spec.env.iter()) {
        env.insert(k.clone(), v.clone());
        env_set.push(k.clone());
    }
    env_set.extend([
        "TMPDIR".to_owned(),
        crate::worker::unix::WORKER_TAG_VAR.to_owned(),
    ]);
    env_set.sort();
    env_set.dedup();
    Ok(PlannedLaunch::Process(Box::new(ProcessPlan {
        spec,
        env,
        env_set,
        tmpdir: inputs.tmpdir.clone(),
        last_message_file,
    })))
}

/// Returns the CLI path and `--version` of a roster entry's program (claude, codex, gemini).
pub async fn cli_info(entry: &RosterEntry, env: &BTreeMap<String, String>) -> Option<CliInfo> {
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

/// Returns whether `name` is set to a non-empty value in `env`.
pub(crate) fn is_set(env: &BTreeMap<String, String>, name: &str) -> bool {
    env.get(name).is_some_and(|v| !v.is_empty())
}

/// Returns whether codex has credentials for this worker: an API-key variable, a configured
/// provider's key variable, or `codex login status` saying it is logged in. Codex otherwise
/// retries forever, so an unauthenticated codex worker is `not-run`.
pub async fn codex_authenticated(entry: &RosterEntry, env: &BTreeMap<String, String>) -> bool {
    let has = |name: &str| is_set(env, name);
    if has("OPENAI_API_KEY") || has("CODEX_API_KEY") {
        return true;
    }
    if let Some(config) = &entry.config
        && config
            .extra_args
            .iter()
            .filter_map(|a| provider_env_key(a))
            .any(|var| has(&var))
    {
        return true;
    }
    let Ok(program) = &entry.program else {
        return false;
    };
    probe(program, &["login", "status"], &inherited_env(env))
        .await
        .is_some_and(|o| o.success)
}

/// Probes the CLIs of a run's workers before it starts, every one at once (a node CLI's
/// `--version` alone can take seconds), each distinct program's version once: returns the
/// entries — a codex one without credentials turned `not-run` — with their CLI info.
pub async fn probe_entries(
    entries: Vec<RosterEntry>,
    env: &BTreeMap<String, String>,
    all_env: &BTreeMap<String, String>,
) -> Vec<(RosterEntry, Option<CliInfo>)> {
    type Versions =
        std::sync::Mutex<BTreeMap<PathBuf, Arc<tokio::sync::OnceCell<Option<CliInfo>>>>>;
    let versions: Arc<Versions> = Arc::default();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, mut entry) in entries.iter().cloned().enumerate() {
        let (env, all_env, versions) = (env.clone(), all_env.clone(), Arc::clone(&versions));
        tasks.spawn(async move {
            if entry.kind == AdapterKind::Codex
                && entry.program.is_ok()
                && !codex_authenticated(&entry, &all_env).await
            {
                entry.program = Err(
                    "codex is not logged in: run `codex login`, or set CODEX_API_KEY (or \
                     OPENAI_API_KEY) in the environment or workerEnv"
                        .to_owned(),
                );
            }
            let cell = match &entry.program {
                Ok(program) => versions
                    .lock()
                    .ok()
                    .map(|mut m| Arc::clone(m.entry(program.clone()).or_default())),
                Err(_) => None,
            };
            let info = match cell {
                Some(cell) => cell.get_or_init(|| cli_info(&entry, &env)).await.clone(),
                None => None,
            };
            (i, entry, info)
        });
    }
    // A probe that failed to finish leaves its entry as planned, without CLI info.
    let mut out: Vec<(RosterEntry, Option<CliInfo>)> =
        entries.into_iter().map(|e| (e, None)).collect();
    while let Some(done) = tasks.join_next().await {
        if let Ok((i, entry, info)) = done {
            out[i] = (entry, info);
        }
    }
    out
}

/// Returns `VAR` from a `-c` value like `model_providers.mock.env_key="VAR"`.
fn provider_env_key(arg: &str) -> Option<String> {
    let (key, value) = arg.split_once('=')?;
    (key.starts_with("model_providers.") && key.ends_with(".env_key"))
        .then(|| value.trim_matches(|c| c == '"' || c == '\'').to_owned())
}

/// Returns the round tag a fresh roster starts in.
pub fn first_round() -> RoundTag {
    RoundTag::Round(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_keys() {
        assert_eq!(
            provider_env_key(r#"model_providers.mock.env_key="MOCK_API_KEY""#).as_deref(),
            Some("MOCK_API_KEY")
        );
        assert_eq!(provider_env_key("model_provider=mock"), None);
    }

    #[test]
    fn inherited_env_drops_okstra_vars() {
        let env = BTreeMap::from([
            ("OKSTRA_HOME".to_owned(), "/h".to_owned()),
            ("HOME".to_owned(), "/u".to_owned()),
        ]);
        assert_eq!(inherited_env(&env).keys().collect::<Vec<_>>(), ["HOME"]);
    }
}
