//! Owns settings resolution: `Default < Project < Env < Flag` (SPEC §11) as one pure fold over
//! layers, each value remembering which layer it came from — and everything a run needs from
//! them: the roster of each role (defaults from the embedded `defaults.json`), worker limits,
//! the budget, and where worker temp folders go.
//!
//! The CLI builds the flag layer from argv; the environment arrives as a map of variables and
//! `config` parses the project and default documents. Nothing here reads the environment or a
//! file.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use thiserror::Error;

use crate::budget::Budget;
use crate::config::{AdapterKind, AgentConfig, Language, ProjectConfig};
use crate::duration::parse_duration;
use crate::env_vars::OKSTRA_RUN_SEQ_OVERRIDE;
use crate::ids::RunSeq;
use crate::task_type::TaskType;

/// Where a setting came from, in increasing precedence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SettingSource {
    Default,
    Project,
    Env,
    Flag,
}

/// A resolved value and its source.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sourced<T> {
    pub value: T,
    pub source: SettingSource,
}

/// A config value that has the right JSON type but a bad content.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{key}: {message}")]
pub struct SettingsError {
    /// The dotted key, e.g. `deadlines.error-analysis`.
    pub key: String,
    pub message: String,
}

/// Settings that cannot be resolved.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ResolveError {
    /// A value of project.json.
    #[error(transparent)]
    Project(#[from] SettingsError),
    /// An environment variable.
    #[error("{var}={value:?} is not {expected}")]
    Env {
        var: &'static str,
        value: String,
        expected: &'static str,
    },
}

/// The time limits of a worker attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerLimits {
    /// After this, the attempt is a `timeout`.
    pub deadline: Duration,
    /// Silence this long gets one `stalled` event (never a kill).
    pub stall_window: Duration,
    /// Between SIGTERM and SIGKILL.
    pub kill_grace: Duration,
    /// Retry notices with the same HTTP status before okstra stops the worker (at least 1).
    pub retry_limit: u32,
}

/// One layer's contribution; `None` / empty means "not set here".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SettingsLayer {
    pub language: Option<Language>,
    pub workers: Option<Vec<String>>,
    pub models: BTreeMap<String, String>,
    pub roles: BTreeMap<String, String>,
    pub deadline: Option<Duration>,
    pub stall_window: Option<Duration>,
    pub kill_grace: Option<Duration>,
    pub retry_limit: Option<u32>,
    pub max_rounds: Option<u32>,
    pub critic_enabled: Option<bool>,
    pub critic_provider: Option<String>,
    pub max_tokens: Option<u64>,
    pub max_cost_usd: Option<f64>,
    pub worker_env: BTreeMap<String, String>,
    pub run_seq_override: Option<RunSeq>,
    pub work_category: Option<String>,
    /// `executor.stepMode`.
    pub step_mode: Option<bool>,
    /// `verifier.hexagonal`.
    pub hexagonal: Option<bool>,
}

impl SettingsLayer {
    /// Returns the flag layer that replays a recorded recipe (`okstra resume`).
    pub fn from_recipe(recipe: &crate::manifest::RunRecipe) -> Self {
        Self {
            language: Some(recipe.language),
            workers: Some(recipe.analysers.clone()),
            models: recipe.models.clone(),
            roles: [
                ("report-writer", &recipe.report_writer),
                ("executor", &recipe.executor),
                ("verifier", &recipe.verifier),
            ]
            .into_iter()
            .filter_map(|(role, agent)| Some((role.to_owned(), agent.clone()?)))
            .collect(),
            deadline: Some(Duration::from_millis(recipe.deadline_ms)),
            stall_window: Some(Duration::from_millis(recipe.stall_window_ms)),
            kill_grace: Some(Duration::from_millis(recipe.kill_grace_ms)),
            retry_limit: Some(recipe.retry_limit),
            max_rounds: Some(recipe.max_rounds),
            critic_enabled: Some(recipe.critic.is_some()),
            critic_provider: recipe.critic.clone(),
            max_tokens: recipe.max_tokens,
            max_cost_usd: recipe.max_cost_usd,
            ..Self::default()
        }
    }

    /// Returns the layer a config document (project.json or the defaults) gives for one task
    /// type.
    pub fn from_config(cfg: &ProjectConfig, task_type: TaskType) -> Result<Self, SettingsError> {
        let dur = |key: String, text: Option<&String>| -> Result<Option<Duration>, SettingsError> {
            text.map(|t| {
                parse_duration(t).map_err(|e| SettingsError {
                    key: key.clone(),
                    message: e.to_string(),
                })
            })
            .transpose()
        };
        let convergence = cfg.convergence.clone().unwrap_or_default();
        let critic = convergence.critic.unwrap_or_default();
        let budget = cfg.budget.clone().unwrap_or_default();
        if let Some(cost) = budget.max_cost_usd
            && !(cost.is_finite() && cost >= 0.0)
        {
            return Err(SettingsError {
                key: "budget.maxCostUsd".to_owned(),
                message: format!("{cost} is not a non-negative amount"),
            });
        }
        Ok(Self {
            language: cfg.language,
            workers: cfg.workers.get(task_type.as_str()).cloned(),
            models: cfg.models.clone(),
            roles: cfg.roles.clone(),
            deadline: dur(
                format!("deadlines.{task_type}"),
                cfg.deadlines.get(task_type.as_str()),
            )?,
            stall_window: dur("stallWindow".to_owned(), cfg.stall_window.as_ref())?,
            kill_grace: dur("killGrace".to_owned(), cfg.kill_grace.as_ref())?,
            retry_limit: cfg.retry_limit,
            max_rounds: convergence.max_rounds,
            critic_enabled: critic.enabled,
            critic_provider: critic.provider,
            max_tokens: budget.max_tokens,
            max_cost_usd: budget.max_cost_usd,
            worker_env: cfg.worker_env.clone(),
            run_seq_override: None,
            work_category: cfg.work_category.clone(),
            step_mode: cfg.executor.as_ref().and_then(|e| e.step_mode),
            hexagonal: cfg.verifier.as_ref().and_then(|v| v.hexagonal),
        })
    }

    /// Returns the layer the environment gives: `OKSTRA_RUN_SEQ_OVERRIDE` (an empty value is
    /// unset).
    pub fn from_env(env: &BTreeMap<String, String>) -> Result<Self, ResolveError> {
        let run_seq_override = env
            .get(OKSTRA_RUN_SEQ_OVERRIDE)
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.parse::<RunSeq>().map_err(|_| ResolveError::Env {
                    var: OKSTRA_RUN_SEQ_OVERRIDE,
                    value: v.clone(),
                    expected: "a run seq",
                })
            })
            .transpose()?;
        Ok(Self {
            run_seq_override,
            ..Self::default()
        })
    }

    /// Returns the default layer for a task type: the embedded defaults plus the values SPEC §3
    /// fixes per type (deadline, max rounds).
    pub fn defaults(task_type: TaskType) -> Self {
        let mut layer = match Self::from_config(&ProjectConfig::defaults(), task_type) {
            Ok(layer) => layer,
            Err(e) => unreachable!("embedded defaults.json is invalid: {e}"),
        };
        layer.deadline = Some(task_type.default_deadline());
        layer.max_rounds = Some(task_type.default_max_rounds());
        layer
    }
}

/// The resolved settings of one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSettings {
    pub language: Sourced<Language>,
    pub workers: Sourced<Vec<String>>,
    pub models: BTreeMap<String, Sourced<String>>,
    pub roles: BTreeMap<String, Sourced<String>>,
    pub deadline: Sourced<Duration>,
    pub stall_window: Sourced<Duration>,
    pub kill_grace: Sourced<Duration>,
    pub retry_limit: Sourced<u32>,
    pub max_rounds: Sourced<u32>,
    pub critic_enabled: Sourced<bool>,
    pub critic_provider: Option<Sourced<String>>,
    pub max_tokens: Option<Sourced<u64>>,
    pub max_cost_usd: Option<Sourced<f64>>,
    pub worker_env: BTreeMap<String, Sourced<String>>,
    pub run_seq_override: Option<Sourced<RunSeq>>,
    pub work_category: Sourced<String>,
    /// Whether the executor is driven one plan step per invocation (`executor.stepMode`).
    pub step_mode: Sourced<bool>,
    /// Whether the verifier checks the hexagonal overlay's rules (`verifier.hexagonal`).
    pub hexagonal: Sourced<bool>,
    /// project.json's `qaCommands` (`db-test` is the DB gate's fallback, SPEC §8).
    pub qa_commands: BTreeMap<String, Option<String>>,
    /// The critic's agent when the critic is enabled: the configured provider, else the
    /// `critic` role.
    pub critic: Option<Sourced<String>>,
    /// The report writer's agent (the `report-writer` role).
    pub report_writer: Sourced<String>,
    /// The folder worker temp folders are made in: `TMPDIR`, else `/tmp`.
    pub tmp_base: PathBuf,
}

impl RunSettings {
    /// Resolves the settings of one run of `task_type`: flags beat the environment, which
    /// beats project.json, which beats the defaults (SPEC §11).
    pub fn resolve(
        task_type: TaskType,
        flags: &SettingsLayer,
        project: &ProjectConfig,
        env: &BTreeMap<String, String>,
    ) -> Result<RunSettings, ResolveError> {
        let agents = &project.agents;
        let qa_commands = project.qa_commands.clone();
        let project = SettingsLayer::from_config(project, task_type)?;
        let env_layer = SettingsLayer::from_env(env)?;
        let defaults = SettingsLayer::defaults(task_type);
        let mut settings = resolve(&defaults, &project, &env_layer, flags);
        settings.drop_foreign_default_models(&defaults, agents);
        settings.qa_commands = qa_commands;
        settings.tmp_base = env
            .get("TMPDIR")
            .filter(|v| !v.is_empty())
            .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
        Ok(settings)
    }

    /// Returns the worker limits; a retry limit of 0 counts as 1.
    pub fn limits(&self) -> WorkerLimits {
        WorkerLimits {
            deadline: self.deadline.value,
            stall_window: self.stall_window.value,
            kill_grace: self.kill_grace.value,
            retry_limit: self.retry_limit.value.max(1),
        }
    }

    /// Returns the budget.
    pub fn budget(&self) -> Budget {
        Budget {
            max_tokens: self.max_tokens.as_ref().map(|s| s.value),
            max_cost_usd: self.max_cost_usd.as_ref().map(|s| s.value),
        }
    }

    /// Returns `workerEnv`, the variables added to every worker's environment.
    pub fn worker_env(&self) -> BTreeMap<String, String> {
        self.worker_env
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect()
    }

    /// Returns the recipe to record in the manifest: these settings, resolved, so `resume`
    /// continues the run with the same team, models and limits.
    pub fn recipe(&self) -> crate::manifest::RunRecipe {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        crate::manifest::RunRecipe {
            analysers: self.workers.value.clone(),
            critic: self.critic.as_ref().map(|c| c.value.clone()),
            report_writer: Some(self.report_writer.value.clone()),
            executor: None,
            verifier: None,
            models: self
                .models
                .iter()
                .map(|(k, v)| (k.clone(), v.value.clone()))
                .collect(),
            deadline_ms: ms(self.deadline.value),
            stall_window_ms: ms(self.stall_window.value),
            kill_grace_ms: ms(self.kill_grace.value),
            retry_limit: self.retry_limit.value,
            max_rounds: self.max_rounds.value,
            max_tokens: self.max_tokens.as_ref().map(|s| s.value),
            max_cost_usd: self.max_cost_usd.as_ref().map(|s| s.value),
            language: self.language.value,
            directive: None,
            related: Vec::new(),
            handoff: None,
        }
    }

    /// Drops every default model that would reach an agent of another adapter than the one it
    /// is the default for. `models.report-writer: opus` is Claude's model: a report writer that
    /// is codex falls back to codex's own model, and a `command` agent gets none (shown as
    /// `-`), as does a `command` agent named like a built-in one. Models set in project.json,
    /// the environment or a flag are the user's choice and are always kept.
    fn drop_foreign_default_models(
        &mut self,
        defaults: &SettingsLayer,
        agents: &BTreeMap<String, AgentConfig>,
    ) {
        let adapter = |agent: &str| {
            agents
                .get(agent)
                .map(|a| a.adapter)
                .or_else(|| AdapterKind::builtin(agent))
        };
        let foreign: Vec<String> = self
            .models
            .iter()
            .filter(|(_, model)| model.source == SettingSource::Default)
            .filter_map(|(key, _)| {
                // A role key's default is meant for the role's default agent; an agent key's
                // for the built-in agent of that name.
                let (meant_for, used_by) = match defaults.roles.get(key) {
                    Some(default_agent) => (default_agent.as_str(), self.role_agent(key)?),
                    None => (key.as_str(), key.as_str()),
                };
                (AdapterKind::builtin(meant_for) != adapter(used_by)).then(|| key.clone())
            })
            .collect();
        for key in foreign {
            self.models.remove(&key);
        }
    }

    /// Returns the agent that plays a role (`report-writer`, `critic`, …), if any does.
    fn role_agent(&self, role: &str) -> Option<&str> {
        match role {
            "report-writer" => Some(self.report_writer.value.as_str()),
            "critic" => self.critic.as_ref().map(|c| c.value.as_str()),
            _ => self.roles.get(role).map(|r| r.value.as_str()),
        }
    }

    /// Returns the agent of a single-role worker that has no field of its own (`executor`,
    /// `verifier`): the `roles` entry (project.json `roles`, or a flag), else `default`.
    pub fn role_or(&self, role: &str, default: &str) -> String {
        self.roles
            .get(role)
            .map_or_else(|| default.to_owned(), |r| r.value.clone())
    }

    /// Returns the model for a worker: the role key first (`report-writer`, …), then the agent
    /// key (`claude`, …); `None` when neither is configured.
    pub fn model_for(&self, role_key: Option<&str>, agent: &str) -> Option<&Sourced<String>> {
        role_key
            .and_then(|r| self.models.get(r))
            .or_else(|| self.models.get(agent))
    }
}

fn pick<T: Clone>(
    layers: &[(SettingSource, &SettingsLayer)],
    get: impl Fn(&SettingsLayer) -> Option<T>,
) -> Option<Sourced<T>> {
    layers
        .iter()
        .filter_map(|(source, layer)| {
            get(layer).map(|value| Sourced {
                value,
                source: *source,
            })
        })
        .max_by_key(|s| s.source)
}

fn merge_maps(
    layers: &[(SettingSource, &SettingsLayer)],
    get: impl Fn(&SettingsLayer) -> &BTreeMap<String, String>,
) -> BTreeMap<String, Sourced<String>> {
    let mut sorted: Vec<_> = layers.to_vec();
    sorted.sort_by_key(|(s, _)| *s);
    let mut out = BTreeMap::new();
    for (source, layer) in sorted {
        for (k, v) in get(layer) {
            out.insert(
                k.clone(),
                Sourced {
                    value: v.clone(),
                    source,
                },
            );
        }
    }
    out
}

/// Resolves the settings of one run from its layers: for every key the highest layer that sets
/// it wins; maps (models, roles, workerEnv) merge key by key.
///
/// `defaults` must be the layer of [`SettingsLayer::defaults`], which sets every non-optional
/// value.
fn resolve(
    defaults: &SettingsLayer,
    project: &SettingsLayer,
    env: &SettingsLayer,
    flags: &SettingsLayer,
) -> RunSettings {
    let layers = [
        (SettingSource::Default, defaults),
        (SettingSource::Project, project),
        (SettingSource::Env, env),
        (SettingSource::Flag, flags),
    ];
    let fallback = |source| Sourced {
        value: Duration::from_secs(1),
        source,
    };
    let roles = merge_maps(&layers, |l| &l.roles);
    let role = |name: &str, default: &str| {
        roles.get(name).cloned().unwrap_or_else(|| Sourced {
            value: default.to_owned(),
            source: SettingSource::Default,
        })
    };
    let critic_enabled = pick(&layers, |l| l.critic_enabled).unwrap_or(Sourced {
        value: false,
        source: SettingSource::Default,
    });
    let critic_provider = pick(&layers, |l| l.critic_provider.clone());
    let critic = critic_enabled.value.then(|| {
        critic_provider
            .clone()
            .unwrap_or_else(|| role("critic", "codex"))
    });
    let report_writer = role("report-writer", "claude");
    RunSettings {
        language: pick(&layers, |l| l.language).unwrap_or(Sourced {
            value: Language::En,
            source: SettingSource::Default,
        }),
        workers: pick(&layers, |l| l.workers.clone()).unwrap_or(Sourced {
            value: Vec::new(),
            source: SettingSource::Default,
        }),
        models: merge_maps(&layers, |l| &l.models),
        roles,
        deadline: pick(&layers, |l| l.deadline).unwrap_or_else(|| fallback(SettingSource::Default)),
        stall_window: pick(&layers, |l| l.stall_window)
            .unwrap_or_else(|| fallback(SettingSource::Default)),
        kill_grace: pick(&layers, |l| l.kill_grace)
            .unwrap_or_else(|| fallback(SettingSource::Default)),
        retry_limit: pick(&layers, |l| l.retry_limit).unwrap_or(Sourced {
            value: 3,
            source: SettingSource::Default,
        }),
        max_rounds: pick(&layers, |l| l.max_rounds).unwrap_or(Sourced {
            value: 0,
            source: SettingSource::Default,
        }),
        critic_enabled,
        critic_provider,
        max_tokens: pick(&layers, |l| l.max_tokens),
        max_cost_usd: pick(&layers, |l| l.max_cost_usd),
        worker_env: merge_maps(&layers, |l| &l.worker_env),
        run_seq_override: pick(&layers, |l| l.run_seq_override),
        work_category: pick(&layers, |l| l.work_category.clone()).unwrap_or(Sourced {
            value: "feat".to_owned(),
            source: SettingSource::Default,
        }),
        step_mode: pick(&layers, |l| l.step_mode).unwrap_or(Sourced {
            value: false,
            source: SettingSource::Default,
        }),
        hexagonal: pick(&layers, |l| l.hexagonal).unwrap_or(Sourced {
            value: false,
            source: SettingSource::Default,
        }),
        qa_commands: BTreeMap::new(),
        critic,
        report_writer,
        tmp_base: PathBuf::from("/tmp"),
    }
}

#[cfg(test)]
mod tests;
