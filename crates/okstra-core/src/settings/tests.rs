//! Unit tests for settings resolution: the defaults alone, `Default < Project < Env < Flag`
//! precedence with each value's source, bad values naming their key, roles from the defaults
//! file, environment limits and the temp folder, and a recipe replaying the same settings.

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
    assert!(!s.step_mode.value);
    assert_eq!(s.step_mode.source, SettingSource::Default);
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
fn step_mode_comes_from_the_project() {
    let tt = TaskType::Implementation;
    let s = resolve(
        &SettingsLayer::defaults(tt),
        &project(r#"{"projectId":"p","executor":{"stepMode":true}}"#, tt),
        &SettingsLayer::default(),
        &SettingsLayer::default(),
    );
    assert!(s.step_mode.value);
    assert_eq!(s.step_mode.source, SettingSource::Project);
}

#[test]
fn hexagonal_comes_from_the_project_and_is_off_by_default() {
    let tt = TaskType::Implementation;
    let off = resolve(
        &SettingsLayer::defaults(tt),
        &SettingsLayer::default(),
        &SettingsLayer::default(),
        &SettingsLayer::default(),
    );
    assert!(!off.hexagonal.value);
    let on = resolve(
        &SettingsLayer::defaults(tt),
        &project(r#"{"projectId":"p","verifier":{"hexagonal":true}}"#, tt),
        &SettingsLayer::default(),
        &SettingsLayer::default(),
    );
    assert!(on.hexagonal.value);
    assert_eq!(on.hexagonal.source, SettingSource::Project);
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
        ProjectConfig::parse(r#"{"projectId":"p","deadlines":{"error-analysis":"soon"}}"#).unwrap();
    let err = SettingsLayer::from_config(&cfg, TaskType::ErrorAnalysis).unwrap_err();
    assert_eq!(err.key, "deadlines.error-analysis");
    // A bad deadline of another type does not affect this one.
    assert!(SettingsLayer::from_config(&cfg, TaskType::Implementation).is_ok());
    let (cfg, _) = ProjectConfig::parse(r#"{"projectId":"p","budget":{"maxCostUsd":-1}}"#).unwrap();
    assert_eq!(
        SettingsLayer::from_config(&cfg, TaskType::ErrorAnalysis)
            .unwrap_err()
            .key,
        "budget.maxCostUsd"
    );
}

fn config(text: &str) -> ProjectConfig {
    ProjectConfig::parse(text).unwrap().0
}

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn roles_come_from_the_defaults_file_unless_configured() {
    let tt = TaskType::ErrorAnalysis;
    let plain = config(r#"{"projectId":"p"}"#);
    let s = RunSettings::resolve(tt, &SettingsLayer::default(), &plain, &env(&[])).unwrap();
    assert_eq!(s.report_writer.value, "claude");
    assert_eq!(s.report_writer.source, SettingSource::Default);
    assert_eq!(s.critic, None, "the critic is off by default");

    let on = config(
        r#"{"projectId":"p","convergence":{"critic":{"enabled":true}},"roles":{"report-writer":"local"}}"#,
    );
    let s = RunSettings::resolve(tt, &SettingsLayer::default(), &on, &env(&[])).unwrap();
    let critic = s.critic.unwrap();
    assert_eq!(critic.value, "codex", "the critic role of defaults.json");
    assert_eq!(critic.source, SettingSource::Default);
    assert_eq!(s.report_writer.value, "local");
    assert_eq!(s.report_writer.source, SettingSource::Project);

    let flags = SettingsLayer {
        critic_enabled: Some(true),
        critic_provider: Some("gemini".into()),
        ..SettingsLayer::default()
    };
    let s = RunSettings::resolve(tt, &flags, &plain, &env(&[])).unwrap();
    assert_eq!(s.critic.unwrap().value, "gemini");
}

#[test]
fn a_default_model_reaches_only_the_adapter_it_is_meant_for() {
    let tt = TaskType::ErrorAnalysis;
    let model = |text: &str, role: Option<&str>, agent: &str| {
        RunSettings::resolve(tt, &SettingsLayer::default(), &config(text), &env(&[]))
            .unwrap()
            .model_for(role, agent)
            .map(|m| m.value.clone())
    };
    let local = r#""agents":{"local":{"adapter":"command","argv":["llm"]}}"#;
    // The default report writer is claude, and gets Claude's default.
    assert_eq!(
        model(r#"{"projectId":"p"}"#, Some("report-writer"), "claude").as_deref(),
        Some("opus")
    );
    // A command report writer gets no model, not Claude's `opus`.
    let text = format!(r#"{{"projectId":"p",{local},"roles":{{"report-writer":"local"}}}}"#);
    assert_eq!(model(&text, Some("report-writer"), "local"), None);
    // …unless the project names one.
    let text = format!(
        r#"{{"projectId":"p",{local},"roles":{{"report-writer":"local"}},"models":{{"report-writer":"llama3"}}}}"#
    );
    assert_eq!(
        model(&text, Some("report-writer"), "local").as_deref(),
        Some("llama3")
    );
    // A codex report writer gets codex's default, not Claude's.
    let text = r#"{"projectId":"p","roles":{"report-writer":"codex"}}"#;
    assert_eq!(
        model(text, Some("report-writer"), "codex").as_deref(),
        Some("gpt-5.5")
    );
    // A command agent named like a built-in one gets none of the built-in's defaults.
    let text = r#"{"projectId":"p","agents":{"claude":{"adapter":"command","argv":["llm"]}}}"#;
    assert_eq!(model(text, None, "claude"), None);
    assert_eq!(model(text, Some("report-writer"), "claude"), None);
    // The recipe a resumed run replays holds no foreign default either.
    let text = format!(r#"{{"projectId":"p",{local},"roles":{{"report-writer":"local"}}}}"#);
    let s = RunSettings::resolve(tt, &SettingsLayer::default(), &config(&text), &env(&[])).unwrap();
    assert!(!s.recipe().models.contains_key("report-writer"));
}

#[test]
fn environment_limits_and_temp_folder() {
    let tt = TaskType::ErrorAnalysis;
    let plain = config(r#"{"projectId":"p","retryLimit":0}"#);
    let s = RunSettings::resolve(
        tt,
        &SettingsLayer::default(),
        &plain,
        &env(&[("TMPDIR", "/scratch"), ("OKSTRA_RUN_SEQ_OVERRIDE", "4")]),
    )
    .unwrap();
    assert_eq!(s.tmp_base, PathBuf::from("/scratch"));
    assert_eq!(s.run_seq_override.as_ref().unwrap().value.get(), 4);
    assert_eq!(s.limits().retry_limit, 1, "a retry limit of 0 is 1");
    assert_eq!(s.limits().deadline, Duration::from_secs(30 * 60));
    let s = RunSettings::resolve(
        tt,
        &SettingsLayer::default(),
        &plain,
        &env(&[("TMPDIR", "")]),
    )
    .unwrap();
    assert_eq!(s.tmp_base, PathBuf::from("/tmp"));
    let err = RunSettings::resolve(
        tt,
        &SettingsLayer::default(),
        &plain,
        &env(&[("OKSTRA_RUN_SEQ_OVERRIDE", "zero")]),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "OKSTRA_RUN_SEQ_OVERRIDE=\"zero\" is not a run seq"
    );
    let bad = config(r#"{"projectId":"p","stallWindow":"later"}"#);
    let err = RunSettings::resolve(tt, &SettingsLayer::default(), &bad, &env(&[])).unwrap_err();
    assert!(
        matches!(err, ResolveError::Project(SettingsError { ref key, .. }) if key == "stallWindow")
    );
}

#[test]
fn a_recipe_replays_the_same_settings() {
    let tt = TaskType::ImplementationPlanning;
    let project = config(
        r#"{"projectId":"p","workers":{"implementation-planning":["claude","local"]},
            "roles":{"report-writer":"local"},"models":{"local":"m1"},"budget":{"maxTokens":9},
            "convergence":{"maxRounds":3,"critic":{"enabled":true,"provider":"gemini"}}}"#,
    );
    let first = RunSettings::resolve(tt, &SettingsLayer::default(), &project, &env(&[])).unwrap();
    let recipe = first.recipe();
    assert_eq!(recipe.report_writer.as_deref(), Some("local"));
    assert_eq!(recipe.critic.as_deref(), Some("gemini"));
    // The project changed since; the recipe still decides.
    let changed = config(r#"{"projectId":"p","roles":{"report-writer":"claude"}}"#);
    let again = RunSettings::resolve(
        tt,
        &SettingsLayer::from_recipe(&recipe),
        &changed,
        &env(&[]),
    )
    .unwrap();
    assert_eq!(again.recipe(), recipe);
}
