//! Owns the `.okstra/project.json` model (SPEC §11) and the embedded defaults file that has the
//! same shape: parsing, version check, and warnings for keys okstra does not know.
//!
//! Unknown keys warn through the returned list and never fail (STYLE §6). Turning a config into
//! the settings of one run is `settings`' job.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::document::{TOP_LEVEL, parse_json, typed};
use crate::errors::DocumentError;
use crate::segment::{ProjectId, Segment};
use crate::version::{check_schema_version, schema_version};

/// The `schemaVersion` kind of project.json.
pub const PROJECT_KIND: &str = "project";

/// The embedded defaults, in project.json's shape (without `projectId`).
pub const DEFAULTS_JSON: &str = include_str!("defaults.json");

/// Report and wizard language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Ko,
}

impl Language {
    /// Returns `en` or `ko`.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Ko => "ko",
        }
    }
}

impl std::str::FromStr for Language {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "en" => Ok(Language::En),
            "ko" => Ok(Language::Ko),
            other => Err(format!("unknown language {other:?}; expected en or ko")),
        }
    }
}

/// Which adapter a configured agent uses (SPEC §5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AdapterKind {
    Claude,
    Codex,
    Gemini,
    Command,
    Replay,
}

impl AdapterKind {
    /// Returns the spec spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AdapterKind::Claude => "claude",
            AdapterKind::Codex => "codex",
            AdapterKind::Gemini => "gemini",
            AdapterKind::Command => "command",
            AdapterKind::Replay => "replay",
        }
    }

    /// Returns the built-in adapter a bare agent name stands for (`claude`, `codex`, `gemini`).
    pub fn builtin(name: &str) -> Option<Self> {
        match name {
            "claude" => Some(AdapterKind::Claude),
            "codex" => Some(AdapterKind::Codex),
            "gemini" => Some(AdapterKind::Gemini),
            _ => None,
        }
    }
}

impl std::fmt::Display for AdapterKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A configured agent (`agents.<name>` in project.json).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentConfig {
    pub adapter: AdapterKind,
    /// `command`: the argv template (`{model}`, `{workdir}` placeholders).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub argv: Vec<String>,
    /// `replay`: the fixture file, relative to the project root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixture: Option<String>,
    /// Claude/codex/gemini: the binary to run instead of the one on PATH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary: Option<String>,
    /// Extra arguments appended to the adapter's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_args: Vec<String>,
}

/// `convergence.critic`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CriticConfig {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub provider: Option<String>,
}

/// `convergence`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConvergenceConfig {
    #[serde(default)]
    pub max_rounds: Option<u32>,
    #[serde(default)]
    pub critic: Option<CriticConfig>,
}

/// `budget`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetConfig {
    #[serde(default)]
    pub max_tokens: Option<u64>,
    #[serde(default)]
    pub max_cost_usd: Option<f64>,
}

/// `executor`: how the executor of an implementation run is driven.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutorConfig {
    /// Drive the executor one plan step per invocation, okstra committing after each step
    /// (SPEC §8); a JSON boolean.
    #[serde(default)]
    pub step_mode: Option<bool>,
}

/// `verifier`: what the verifier of an implementation run checks.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifierConfig {
    /// Add the hexagonal overlay's blocking rules (logic in a port, impure adapters, domain
    /// objects outside `domain/`) to the verifier's rule catalog (SPEC §8); a JSON boolean.
    #[serde(default)]
    pub hexagonal: Option<bool>,
}

/// The typed content of project.json (and of the embedded defaults). Every key is optional
/// here; `projectId` is required of a project file by [`ProjectConfig::project_id`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub workers: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub agents: BTreeMap<String, AgentConfig>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub roles: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub models: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deadlines: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stall_window: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill_grace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub convergence: Option<ConvergenceConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetConfig>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub worker_env: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub qa_commands: BTreeMap<String, Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr_template: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor: Option<ExecutorConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifier: Option<VerifierConfig>,
}

/// A key in a config document that okstra does not know; reported, never fatal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigWarning {
    /// The dotted key path, e.g. `convergence.maxRound`.
    pub key: String,
}

const TOP_KEYS: &[&str] = &[
    "schemaVersion",
    "projectId",
    "language",
    "workers",
    "agents",
    "roles",
    "models",
    "deadlines",
    "stallWindow",
    "killGrace",
    "retryLimit",
    "convergence",
    "budget",
    "workerEnv",
    "qaCommands",
    "prTemplate",
    "workCategory",
    "executor",
    "verifier",
];
const AGENT_KEYS: &[&str] = &["adapter", "argv", "fixture", "binary", "extraArgs"];
const CONVERGENCE_KEYS: &[&str] = &["maxRounds", "critic"];
const CRITIC_KEYS: &[&str] = &["enabled", "provider"];
const BUDGET_KEYS: &[&str] = &["maxTokens", "maxCostUsd"];
const EXECUTOR_KEYS: &[&str] = &["stepMode"];
const VERIFIER_KEYS: &[&str] = &["hexagonal"];

impl ProjectConfig {
    /// Parses a project.json (or defaults) text: version check, typed fields, and the list of
    /// unknown keys.
    pub fn parse(text: &str) -> Result<(Self, Vec<ConfigWarning>), DocumentError> {
        let value = parse_json(text)?;
        let Value::Object(obj) = &value else {
            return Err(DocumentError::Field {
                field: TOP_LEVEL.to_owned(),
                message: "expected a JSON object".to_owned(),
            });
        };
        check_schema_version(
            PROJECT_KIND,
            obj.get("schemaVersion").and_then(Value::as_str),
        )?;
        let mut warnings = Vec::new();
        unknown_keys(obj, TOP_KEYS, "", &mut warnings);
        if let Some(Value::Object(agents)) = obj.get("agents") {
            for (name, agent) in agents {
                if let Value::Object(a) = agent {
                    unknown_keys(a, AGENT_KEYS, &format!("agents.{name}."), &mut warnings);
                }
            }
        }
        if let Some(Value::Object(conv)) = obj.get("convergence") {
            unknown_keys(conv, CONVERGENCE_KEYS, "convergence.", &mut warnings);
            if let Some(Value::Object(critic)) = conv.get("critic") {
                unknown_keys(critic, CRITIC_KEYS, "convergence.critic.", &mut warnings);
            }
        }
        if let Some(Value::Object(budget)) = obj.get("budget") {
            unknown_keys(budget, BUDGET_KEYS, "budget.", &mut warnings);
        }
        if let Some(Value::Object(executor)) = obj.get("executor") {
            unknown_keys(executor, EXECUTOR_KEYS, "executor.", &mut warnings);
        }
        if let Some(Value::Object(verifier)) = obj.get("verifier") {
            unknown_keys(verifier, VERIFIER_KEYS, "verifier.", &mut warnings);
        }
        let config = typed_fields(obj)?;
        Ok((config, warnings))
    }

    /// Returns the embedded defaults.
    pub fn defaults() -> Self {
        match Self::parse(DEFAULTS_JSON) {
            Ok((config, _)) => config,
            // The embedded file is tested below; it cannot fail at run time.
            Err(e) => unreachable!("embedded defaults.json is invalid: {e}"),
        }
    }

    /// Returns a fresh project.json for `okstra init`.
    pub fn new_project(project_id: &ProjectId, language: Language) -> Self {
        Self {
            schema_version: Some(schema_version(PROJECT_KIND)),
            project_id: Some(project_id.to_string()),
            language: Some(language),
            ..Self::default()
        }
    }

    /// Returns the validated projectId, which a project file must have.
    pub fn project_id(&self) -> Result<ProjectId, DocumentError> {
        let raw = self
            .project_id
            .as_deref()
            .ok_or_else(|| DocumentError::Field {
                field: "projectId".to_owned(),
                message: "missing; every project.json needs a projectId".to_owned(),
            })?;
        let segment = Segment::from_slug(raw).map_err(|e| DocumentError::Field {
            field: "projectId".to_owned(),
            message: e.to_string(),
        })?;
        ProjectId::parse(segment.as_str()).map_err(|e| DocumentError::Field {
            field: "projectId".to_owned(),
            message: e.to_string(),
        })
    }
}

fn unknown_keys(
    obj: &Map<String, Value>,
    known: &[&str],
    prefix: &str,
    out: &mut Vec<ConfigWarning>,
) {
    for key in obj.keys() {
        if !known.contains(&key.as_str()) {
            out.push(ConfigWarning {
                key: format!("{prefix}{key}"),
            });
        }
    }
}

/// Deserializes the known keys; a type error names its field path (`deadlines.error-analysis`).
fn typed_fields(obj: &Map<String, Value>) -> Result<ProjectConfig, DocumentError> {
    let known: Map<String, Value> = obj
        .iter()
        .filter(|(k, _)| TOP_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    typed(Value::Object(known))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example_parses_without_warnings() {
        let text = r#"{ "schemaVersion": "project/v1",
          "projectId": "shop",
          "language": "en",
          "workers":   { "error-analysis": ["claude", "codex", "gemini"] },
          "agents":    { "local": { "adapter": "command", "argv": ["llm", "-m", "{model}"] },
                         "scripted": { "adapter": "replay", "fixture": "fixtures/run.json" } },
          "roles":     { "report-writer": "claude", "critic": "codex", "executor": "claude", "verifier": "codex" },
          "models":    { "claude": "opus", "codex": "gpt-5.5", "gemini": "auto", "report-writer": "opus" },
          "deadlines": { "error-analysis": "30m" },
          "stallWindow": "5m", "killGrace": "5s", "retryLimit": 3,
          "convergence": { "maxRounds": 2, "critic": { "enabled": false } },
          "budget":    { "maxTokens": null, "maxCostUsd": null },
          "workerEnv": { "CLAUDE_CODE_MAX_RETRIES": "3" },
          "qaCommands": { "test": "cargo test", "lint": "cargo clippy", "db-test": null },
          "prTemplate": ".github/pull_request_template.md",
          "workCategory": "feat",
          "executor":  { "stepMode": true },
          "verifier":  { "hexagonal": true } }"#;
        let (cfg, warnings) = ProjectConfig::parse(text).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(cfg.project_id().unwrap().as_str(), "shop");
        assert_eq!(cfg.agents["local"].adapter, AdapterKind::Command);
        assert_eq!(cfg.qa_commands["db-test"], None);
        assert_eq!(cfg.convergence.unwrap().max_rounds, Some(2));
        assert_eq!(cfg.executor.unwrap().step_mode, Some(true));
        assert_eq!(cfg.verifier.unwrap().hexagonal, Some(true));
    }

    #[test]
    fn unknown_keys_warn() {
        let text = r#"{"projectId":"shop","colour":"red","convergence":{"maxRound":3,"critic":{"on":true}},
            "agents":{"x":{"adapter":"replay","fixtures":"a"}},"budget":{"tokens":1},
            "executor":{"stepmode":true},"verifier":{"hexagon":true}}"#;
        let (_, warnings) = ProjectConfig::parse(text).unwrap();
        let keys: Vec<_> = warnings.iter().map(|w| w.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "colour",
                "agents.x.fixtures",
                "convergence.maxRound",
                "convergence.critic.on",
                "budget.tokens",
                "executor.stepmode",
                "verifier.hexagon"
            ]
        );
    }

    #[test]
    fn errors_name_field_or_position() {
        let err = ProjectConfig::parse(r#"{"projectId":"shop","retryLimit":"three"}"#).unwrap_err();
        assert!(matches!(err, DocumentError::Field { ref field, .. } if field == "retryLimit"));
        let err = ProjectConfig::parse(r#"{"projectId":"shop","executor":{"stepMode":"yes"}}"#)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "executor.stepMode: invalid type: string \"yes\", expected a boolean"
        );
        let err = ProjectConfig::parse("{\n  \"projectId\": \"shop\",\n}").unwrap_err();
        assert!(
            matches!(err, DocumentError::Syntax { line: 3, .. }),
            "{err:?}"
        );
        let err = ProjectConfig::parse(r#"{"schemaVersion":"project/v2","projectId":"shop"}"#)
            .unwrap_err();
        assert!(matches!(err, DocumentError::Version(_)));
        let (cfg, _) = ProjectConfig::parse(r#"{"language":"en"}"#).unwrap();
        assert!(cfg.project_id().is_err());
        let (cfg, _) = ProjectConfig::parse(r#"{"projectId":"../x"}"#).unwrap();
        assert!(cfg.project_id().is_err());
    }

    #[test]
    fn original_format_without_version_is_read() {
        let (cfg, _) = ProjectConfig::parse(r#"{"projectId":"shop"}"#).unwrap();
        assert_eq!(cfg.schema_version, None);
    }

    #[test]
    fn embedded_defaults_are_valid() {
        let (cfg, warnings) = ProjectConfig::parse(DEFAULTS_JSON).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(cfg.models["claude"], "opus");
        assert_eq!(cfg.models["codex"], "gpt-5.5");
        assert_eq!(cfg.models["gemini"], "auto");
        assert_eq!(cfg.models["report-writer"], "opus");
    }
}
