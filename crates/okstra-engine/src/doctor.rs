//! Owns `okstra doctor`'s checks: for each built-in CLI (claude, codex, gemini) where it is, its
//! `--version`, its login state and its verdict; for each agent configured in project.json, the
//! program it would run and its verdict. The login check is the one a run's pre-flight makes
//! (`crate::readiness`), and a configured agent's program is found by run planning's own rule
//! (`run::agent_program`), so doctor and a run never disagree about who can run.

use std::collections::BTreeMap;
use std::path::Path;

use okstra_core::adapter::install_hint;
use okstra_core::config::{AdapterKind, AgentConfig};
use okstra_core::readiness::{LoginState, Verdict};
use serde::Serialize;

use crate::probe::{find_program, inherited_env, probe};
use crate::readiness::check_login;

/// What doctor found about one CLI.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CliReport {
    pub cli: String,
    pub path: Option<String>,
    pub version: Option<String>,
    pub login: LoginState,
    /// Whether okstra would start it.
    pub verdict: Verdict,
    /// How login was judged, or how to install the CLI.
    pub detail: String,
}

/// What doctor found about one agent configured in project.json.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentReport {
    pub name: String,
    pub adapter: AdapterKind,
    /// The program it runs (or, for a replay agent, its fixture).
    pub path: Option<String>,
    pub verdict: Verdict,
    /// Why it cannot run, how login was judged, or nothing to add.
    pub detail: Option<String>,
}

/// The built-in CLIs doctor checks, in the order it reports them.
const CLIS: [AdapterKind; 3] = [AdapterKind::Claude, AdapterKind::Codex, AdapterKind::Gemini];

/// Runs `checks` on a current-thread runtime; `None` when the runtime cannot start.
fn block_on<T>(checks: impl std::future::Future<Output = T>) -> Option<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    Some(runtime.block_on(checks))
}

/// Checks the three built-in CLIs at once (the CLIs' own start-up takes seconds); `base` is
/// the folder a relative program name is found from. Blocks until every check ends.
pub fn check_clis(env: &BTreeMap<String, String>, base: &Path) -> Vec<CliReport> {
    block_on(async {
        let [a, b, c] = CLIS.map(|kind| check_cli(kind, env, base));
        let (a, b, c) = tokio::join!(a, b, c);
        vec![a, b, c]
    })
    .unwrap_or_else(|| {
        CLIS.iter()
            .map(|kind| CliReport {
                cli: kind.as_str().to_owned(),
                path: None,
                version: None,
                login: LoginState::Unknown,
                verdict: Verdict::LoginUnknown,
                detail: "okstra could not start its async runtime to check it".to_owned(),
            })
            .collect()
    })
}

/// Checks one built-in CLI.
async fn check_cli(kind: AdapterKind, env: &BTreeMap<String, String>, base: &Path) -> CliReport {
    let name = kind.as_str();
    let inherited = inherited_env(env);
    let Some(path) = find_program(name, inherited.get("PATH").map(String::as_str), base) else {
        return CliReport {
            cli: name.to_owned(),
            path: None,
            version: None,
            login: LoginState::Unknown,
            verdict: Verdict::NotInstalled,
            detail: format!("not on PATH: install it with `{}`", install_hint(kind)),
        };
    };
    let (version, login) = tokio::join!(
        probe(&path, &["--version"], &inherited),
        check_login(kind, &path, &[], env)
    );
    let (state, detail) = login
        .as_ref()
        .map_or((LoginState::Unknown, String::new()), |l| {
            (l.state, l.detail.clone())
        });
    CliReport {
        cli: name.to_owned(),
        path: Some(path.display().to_string()),
        version: version.and_then(|o| o.first_line()),
        login: state,
        verdict: Verdict::of(login.as_ref()),
        detail,
    }
}

/// Checks the agents configured in a project's project.json (`root` being the project root
/// their relative paths start from), every one at once. Blocks until every check ends.
pub fn check_agents(
    agents: &BTreeMap<String, AgentConfig>,
    root: &Path,
    env: &BTreeMap<String, String>,
) -> Vec<AgentReport> {
    block_on(async {
        let mut checks = tokio::task::JoinSet::new();
        for (i, (name, config)) in agents.iter().enumerate() {
            let (name, config) = (name.clone(), config.clone());
            let (root, env) = (root.to_path_buf(), env.clone());
            checks.spawn(async move { (i, check_agent(&name, &config, &root, &env).await) });
        }
        // A check that failed to finish leaves its agent out.
        let mut done = Vec::new();
        while let Some(joined) = checks.join_next().await {
            done.extend(joined.ok());
        }
        done.sort_by_key(|(i, _)| *i);
        done.into_iter().map(|(_, report)| report).collect()
    })
    .unwrap_or_default()
}

/// Checks one configured agent.
async fn check_agent(
    name: &str,
    config: &AgentConfig,
    root: &Path,
    env: &BTreeMap<String, String>,
) -> AgentReport {
    let report = |path: Option<&Path>, verdict, detail| AgentReport {
        name: name.to_owned(),
        adapter: config.adapter,
        path: path.map(|p| p.display().to_string()),
        verdict,
        detail,
    };
    let program = match crate::run::agent_program(name, config.adapter, Some(config), root, env) {
        Err(e) => return report(None, Verdict::Misconfigured, Some(e.to_string())),
        Ok((Err(reason), _)) => {
            return report(None, Verdict::NotInstalled, Some(reason.to_string()));
        }
        Ok((Ok(program), _)) => program,
    };
    match check_login(config.adapter, &program, &config.extra_args, env).await {
        None => report(Some(&program), Verdict::Ready, None),
        Some(login) => report(
            Some(&program),
            Verdict::of(Some(&login)),
            Some(login.detail),
        ),
    }
}
