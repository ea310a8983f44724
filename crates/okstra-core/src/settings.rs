//! Owns settings resolution: `Default < Project < Env < Flag` (SPEC §11) as one pure fold over
//! layers, each value remembering which layer it came from.
//!
//! The CLI builds the env and flag layers from argv and the environment; `config` parses the
//! project and default layers. Nothing here reads the environment or a file.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use thiserror::Error;

use crate::config::{Language, ProjectConfig};
use crate::duration::parse_duration;
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
}

impl SettingsLayer {
    /// Returns the flag layer that replays a recorded recipe (`okstra resume`).
    pub fn from_recipe(recipe: &crate::manifest::RunRecipe) -> Self {
        Self {
            language: Some(recipe.language),
            workers: Some(recipe.analysers.clone()),
            models: recipe.models.clone(),
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
}

impl RunSettings {
    /// Returns the recipe to record in the manifest: these settings, resolved, with the agents
    /// of the critic and the report writer.
    pub fn recipe(
        &self,
        critic: Option<&str>,
        report_writer: Option<&str>,
    ) -> crate::manifest::RunRecipe {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        crate::manifest::RunRecipe {
            analysers: self.workers.value.clone(),
            critic: critic.map(str::to_owned),
            report_writer: report_writer.map(str::to_owned),
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
        }
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
pub fn resolve(
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
        roles: merge_maps(&layers, |l| &l.roles),
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
        critic_enabled: pick(&layers, |l| l.critic_enabled).unwrap_or(Sourced {
            value: false,
            source: SettingSource::Default,
        }),
        critic_provider: pick(&layers, |l| l.critic_provider.clone()),
        max_tokens: pick(&layers, |l| l.max_tokens),
        max_cost_usd: pick(&layers, |l| l.max_cost_usd),
        worker_env: merge_maps(&layers, |l| &l.worker_env),
        run_seq_override: pick(&layers, |l| l.run_seq_override),
        work_category: pick(&layers, |l| l.work_category.clone()).unwrap_or(Sourced {
            value: "feat".to_owned(),
            source: SettingSource::Default,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(text: &str, tt: TaskType) -> SettingsLayer {
        let (cfg, _) = ProjectConfig::parse(text).unwrap();
        SettingsLayer::from_config(&cfg, tt).unwrap()
    }

    #[test]
    fn defaults_alone() {
        let tt = TaskType::ErrorAnalysis;
        let s = resolve(
            &SettingsLayer::defaults(tt),
            &SettingsLayer::default(),
            &SettingsLayer::default(),
            &SettingsLayer::default(),
        );
        assert_eq!(s.deadline.value, Duration::from_secs(30 * 60));
        assert_eq!(s.deadline.source, SettingSource::Default);
        assert_eq!(s.max_rounds.value, 2);
        assert_eq!(s.workers.value, ["claude", "codex", "gemini"]);
        assert_eq!(s.stall_window.value, Duration::from_secs(300));
        assert_eq!(s.kill_grace.value, Duration::from_secs(5));
        assert_eq!(s.retry_limit.value, 3);
        assert!(!s.critic_enabled.value);
        assert_eq!(
            s.model_for(Some("report-writer"), "claude").unwrap().value,
            "opus"
        );
        assert_eq!(s.model_for(None, "codex").unwrap().value, "gpt-5.5");
        assert_eq!(s.work_category.value, "feat");
        assert_eq!(
            resolve(
                &SettingsLayer::defaults(TaskType::RequirementsDiscovery),
                &SettingsLayer::default(),
                &SettingsLayer::default(),
                &SettingsLayer::default(),
            )
            .max_rounds
            .value,
            1
        );
    }

    #[test]
    fn precedence_default_project_env_flag() {
        let tt = TaskType::ErrorAnalysis;
        let defaults = SettingsLayer::defaults(tt);
        let proj = project(
            r#"{"projectId":"p","deadlines":{"error-analysis":"10m"},"models":{"codex":"o4"},
                "workers":{"error-analysis":["claude"]},"retryLimit":5}"#,
            tt,
        );
        let env = SettingsLayer {
            deadline: Some(Duration::from_secs(60)),
            run_seq_override: Some(RunSeq::new(7).unwrap()),
            ..SettingsLayer::default()
        };
        let flags = SettingsLayer {
            deadline: Some(Duration::from_millis(500)),
            models: BTreeMap::from([("claude".to_owned(), "sonnet".to_owned())]),
            ..SettingsLayer::default()
        };
        let s = resolve(&defaults, &proj, &env, &flags);
        assert_eq!(
            s.deadline,
            Sourced {
                value: Duration::from_millis(500),
                source: SettingSource::Flag
            }
        );
        assert_eq!(s.retry_limit.source, SettingSource::Project);
        assert_eq!(s.retry_limit.value, 5);
        assert_eq!(s.workers.value, ["claude"]);
        assert_eq!(s.models["claude"].value, "sonnet");
        assert_eq!(s.models["claude"].source, SettingSource::Flag);
        assert_eq!(s.models["codex"].value, "o4");
        assert_eq!(s.models["gemini"].source, SettingSource::Default);
        assert_eq!(s.run_seq_override.unwrap().source, SettingSource::Env);

        // Without the flag, env wins over project.
        let s = resolve(&defaults, &proj, &env, &SettingsLayer::default());
        assert_eq!(s.deadline.value, Duration::from_secs(60));
        assert_eq!(s.deadline.source, SettingSource::Env);
    }

    #[test]
    fn bad_values_name_their_key() {
        let (cfg, _) =
            ProjectConfig::parse(r#"{"projectId":"p","deadlines":{"error-analysis":"soon"}}"#)
                .unwrap();
        let err = SettingsLayer::from_config(&cfg, TaskType::ErrorAnalysis).unwrap_err();
        assert_eq!(err.key, "deadlines.error-analysis");
        // A bad deadline of another type does not affect this one.
        assert!(SettingsLayer::from_config(&cfg, TaskType::Implementation).is_ok());
        let (cfg, _) =
            ProjectConfig::parse(r#"{"projectId":"p","budget":{"maxCostUsd":-1}}"#).unwrap();
        assert_eq!(
            SettingsLayer::from_config(&cfg, TaskType::ErrorAnalysis)
                .unwrap_err()
                .key,
            "budget.maxCostUsd"
        );
    }
}
