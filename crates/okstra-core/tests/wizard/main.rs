//! Protocol tests of the wizard's step machine with fixed facts: every branch of SPEC §9, in
//! both languages, each reply snapshotted as the JSON `okstra wizard --json` prints.

mod fake;

use fake::{FakeFacts, plan, stage, standing};
use okstra_core::config::Language;
use okstra_core::wizard::{
    Catalog, Next, PreviousRun, StepId, WizardState, back, back_reply, current_step, error_reply,
    next, next_reply, submit, submit_reply,
};
use serde_json::{Value, json};

const BACK: &str = "<back>";

/// Drives the machine from a fresh state: the first prompt, then each answer (or `back`) with
/// its reply. Returns the transcript and the final state.
fn walk(lang: Language, facts: &mut FakeFacts, answers: &[(&str, &str)]) -> (Value, WizardState) {
    let cat = Catalog::get(lang);
    let mut state = WizardState::default();
    let first = next(&state, facts, cat).expect("the first prompt");
    let mut out = vec![json!({ "next": next_reply(&first) })];
    for (step, value) in answers {
        if *step == BACK {
            let undone = back(&mut state);
            let n = next(&state, facts, cat);
            out.push(json!({ "back": back_reply(undone, n.as_ref()) }));
            continue;
        }
        let reply = match submit(&mut state, facts, cat, step, value) {
            Ok(s) => submit_reply(&s, next(&state, facts, cat).as_ref()),
            Err(e) => error_reply(&e),
        };
        out.push(json!({ "submit": [step, value], "reply": reply }));
    }
    (Value::Array(out), state)
}

fn both(name: &str, facts: impl Fn() -> FakeFacts, answers: &[(&str, &str)]) -> [WizardState; 2] {
    [Language::En, Language::Ko].map(|lang| {
        let mut f = facts();
        let (transcript, state) = walk(lang, &mut f, answers);
        insta::assert_json_snapshot!(format!("{name}_{}", lang.as_str()), transcript);
        state
    })
}

fn ready(state: &WizardState, facts: &FakeFacts) -> String {
    match next(state, facts, Catalog::get(Language::En)).unwrap() {
        Next::Ready(inv) => inv.command_line(),
        Next::Prompt(p) => panic!("not ready: {}", p.step),
    }
}

#[test]
fn an_analysis_of_a_new_task() {
    let answers = [
        ("task_type", "bogus"),
        ("task_type", "error-analysis"),
        ("brief_pick", "file"),
        ("task_pick", "new"),
        ("task_new", "Payments/DEV 77"),
        ("brief_pick", "keep"),
        ("brief_pick", "text"),
        ("brief_text", "  "),
        (
            "brief_text",
            "Checkout fails with a 500 after the coupon step.\nSee the logs.",
        ),
        ("base_ref_pick", "current"),
        ("critic_pick", "none"),
        ("workers", "claude,nope"),
        ("workers", "claude, codex"),
        ("defaults_or_custom", "defaults"),
        ("branch_confirm", "yes"),
        ("confirm", "yes"),
    ];
    let [en, _] = both("analysis_new_task", FakeFacts::project, &answers);
    assert_eq!(
        ready(&en, &FakeFacts::project()),
        "okstra run error-analysis --task 'Payments/DEV 77' --brief-text 'Checkout fails with a 500 after the coupon step.\nSee the logs.' --base-ref feature/x --workers claude,codex"
    );
}

fn with_critic_and_previous() -> FakeFacts {
    let mut f = FakeFacts::project();
    f.defaults.critic = Some("codex".into());
    f.previous = Some(PreviousRun {
        run_id: "01JPREVIOUS00000000000000".into(),
        seq: 4,
        models: [("claude", "sonnet"), ("codex", "gpt-5.5")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into(),
        max_rounds: 3,
        deadline_ms: 600_000,
        max_cost_usd: Some(2.5),
        directive: Some("Mind the rounding.".into()),
        related: vec!["web/login".into()],
    });
    f
}

#[test]
fn a_custom_planning_run_with_directive_and_related_tasks() {
    let answers = [
        ("task_type", "implementation-planning"),
        ("task_pick", "pay/dev-1"),
        ("brief_pick", "keep"),
        ("critic_pick", "gemini"),
        ("workers", "claude,codex,gemini"),
        ("reuse_previous", "no"),
        ("defaults_or_custom", "custom"),
        ("custom_models", "claude"),
        ("custom_models", "nobody=x"),
        ("custom_models", "claude=sonnet, report-writer=opus-4"),
        ("directive", "Prefer small stages; keep the public API."),
        ("related_tasks", "web/nope"),
        ("related_tasks", "pay/dev-1"),
        ("related_tasks", "web/login, pay/dev-2"),
        ("branch_confirm", "yes"),
        ("confirm", "yes"),
    ];
    let [en, _] = both("planning_custom", with_critic_and_previous, &answers);
    assert_eq!(
        ready(&en, &with_critic_and_previous()),
        "okstra run implementation-planning --task pay/dev-1 --critic gemini --model claude=sonnet --model report-writer=opus-4 --directive 'Prefer small stages; keep the public API.' --related web/login --related pay/dev-2"
    );
}

#[test]
fn reusing_the_previous_runs_settings() {
    let answers = [
        ("task_type", "requirements-discovery"),
        ("task_pick", "pay/dev-1"),
        ("brief_pick", "file"),
        ("brief_file", "notes.txt"),
        ("brief_file", "docs/brief.md"),
        ("critic_pick", "codex"),
        ("workers", "gemini"),
        ("reuse_previous", "maybe"),
        ("reuse_previous", "yes"),
        ("branch_confirm", "yes"),
        ("confirm", "yes"),
    ];
    let [en, _] = both("reuse_previous", with_critic_and_previous, &answers);
    assert_eq!(
        ready(&en, &with_critic_and_previous()),
        "okstra run requirements-discovery --task pay/dev-1 --brief docs/brief.md --workers gemini --model claude=sonnet --max-rounds 3 --deadline 10m --max-cost-usd 2.5 --directive 'Mind the rounding.' --related web/login"
    );
}

#[test]
fn another_base_ref_typed_in_and_declined_confirms() {
    let answers = [
        ("task_type", "error-analysis"),
        ("task_pick", "pay/dev-2"),
        ("brief_pick", "text"),
        ("brief_text", "The export job hangs."),
        ("base_ref_pick", "other"),
        ("base_ref_text", "feature-nope"),
        ("base_ref_text", "v1.2.0"),
        ("critic_pick", "none"),
        ("workers", "claude"),
        ("defaults_or_custom", "defaults"),
        ("branch_confirm", "no"),
        ("branch_confirm", "yes"),
        ("confirm", "no"),
        ("confirm", "yes"),
    ];
    let [en, _] = both("base_ref_other", FakeFacts::project, &answers);
    assert_eq!(
        ready(&en, &FakeFacts::project()),
        "okstra run error-analysis --task pay/dev-2 --brief-text 'The export job hangs.' --base-ref v1.2.0 --workers claude"
    );
}

#[test]
fn outside_git_there_is_no_base_ref_or_branch() {
    let facts = || FakeFacts {
        in_git: false,
        ..FakeFacts::project()
    };
    let answers = [
        ("task_type", "error-analysis"),
        ("task_pick", "new"),
        ("task_new", "g/t"),
        ("brief_pick", "text"),
        ("brief_text", "Why is it slow?"),
        ("critic_pick", "none"),
        ("workers", "claude,codex,gemini"),
        ("defaults_or_custom", "defaults"),
        ("confirm", "yes"),
    ];
    let [en, _] = both("outside_git", facts, &answers);
    assert_eq!(
        ready(&en, &facts()),
        "okstra run error-analysis --task g/t --brief-text 'Why is it slow?'"
    );
}

const LATEST: &str = ".okstra/tasks/pay/dev-1/runs/implementation-planning/reports/final-report-implementation-planning-2.data.json";
const OLD: &str = ".okstra/tasks/pay/dev-1/runs/implementation-planning/reports/final-report-implementation-planning-1.md";

fn with_plans() -> FakeFacts {
    let mut f = FakeFacts::project();
    f.latest.insert("pay/dev-1".into(), plan(LATEST, 2, false));
    f.others
        .insert("pay/dev-1".into(), vec![plan(OLD, 1, false)]);
    f.standings
        .insert(LATEST.into(), standing(LATEST, false, false, &[]));
    f.standings.insert(
        OLD.into(),
        standing(
            OLD,
            false,
            false,
            &["the plan-body gate is blocked-by-disagreement: 2 of 3 analysers rejected P-2"],
        ),
    );
    f.stages = vec![
        stage(1, "Schema", "done"),
        stage(2, "Repository", "ready"),
        stage(3, "API", "blocked by stage 2"),
        stage(4, "Docs", "started (run 01JSTAGE4)"),
    ];
    f
}

#[test]
fn implementing_the_latest_plan_after_approving_it() {
    let answers = [
        ("task_type", "implementation"),
        ("task_pick", "pay/dev-1"),
        ("approved_plan_pick", &format!("report:{OLD}")),
        ("approved_plan_pick", "latest"),
        ("approve_plan_confirm", "no"),
        ("approve_plan_confirm", "yes"),
        ("stage_pick", "3"),
        ("stage_pick", "2"),
        ("executor", "codex"),
        ("defaults_or_custom", "defaults"),
        ("branch_confirm", "yes"),
        ("confirm", "yes"),
    ];
    let [en, _] = both("implementation_latest", with_plans, &answers);
    assert_eq!(
        ready(&en, &with_plans()),
        format!(
            "okstra run implementation --task pay/dev-1 --plan {LATEST} --stage 2 --executor codex"
        )
    );
}

fn foreign_plans() -> FakeFacts {
    let mut f = with_plans();
    f.stages = vec![
        stage(1, "Schema", "done"),
        stage(2, "Repository", "started (run 01JSTAGE2)"),
    ];
    f.standings.insert(
        "notes/bad-plan.md".into(),
        standing(
            "notes/bad-plan.md",
            false,
            true,
            &[
                "notes/bad-plan.md:1: S1 no `## 5.5 Stage Map` heading",
                "P-3 (Status=open): which database does staging use?",
            ],
        ),
    );
    f.standings.insert(
        "../plans/stale.md".into(),
        standing("../plans/stale.md", true, true, &[]),
    );
    f.refuse_approval.insert(
        "../plans/stale.md".into(),
        "- the plan-body gate is aborted-non-result: only 1 analyser answered".into(),
    );
    f.standings.insert(
        "../plans/auth.md".into(),
        standing("../plans/auth.md", false, true, &[]),
    );
    f
}

#[test]
fn a_plan_from_outside_the_task_is_imported_and_a_bad_one_refused() {
    let answers = [
        ("task_type", "implementation"),
        ("task_pick", "pay/dev-2"),
        ("base_ref_pick", "default"),
        ("approved_plan", "notes/missing.md"),
        ("approved_plan", "notes/bad-plan.md"),
        ("approved_plan", "../plans/stale.md"),
        ("approve_plan_confirm", "yes"),
        (BACK, ""),
        ("approved_plan", "../plans/auth.md"),
        ("approve_plan_confirm", "yes"),
        ("stage_pick", "auto"),
        ("stage_pick", "retry:2"),
        ("executor", "gemini"),
        ("defaults_or_custom", "defaults"),
        ("branch_confirm", "yes"),
        ("confirm", "yes"),
    ];
    let [en, _] = both("implementation_import", foreign_plans, &answers);
    let mut f = foreign_plans();
    let imported = f.imported_as.clone();
    assert_eq!(
        ready(&en, &f),
        format!(
            "okstra run implementation --task pay/dev-2 --base-ref main --plan {imported} --stage 2 --retry --executor gemini"
        )
    );
    // The fake approves what the machine asks it to: the imported plan, once.
    let (_, _) = walk(Language::En, &mut f, &answers);
    assert_eq!(f.approved, vec![imported]);
}

#[test]
fn a_release_handoff_with_push_and_going_back_from_the_confirmed_state() {
    let answers = [
        ("task_type", "release-handoff"),
        ("task_pick", "pay/dev-1"),
        ("brief_pick", "keep"),
        ("defaults_or_custom", "defaults"),
        ("push_confirm", "yes"),
        ("open_pr_confirm", "no"),
        ("branch_confirm", "yes"),
        ("confirm", "yes"),
        ("confirm", "yes"),
        (BACK, ""),
        ("confirm", "yes"),
    ];
    let [en, _] = both("release_handoff", FakeFacts::project, &answers);
    assert_eq!(
        ready(&en, &FakeFacts::project()),
        "okstra run release-handoff --task pay/dev-1 --push"
    );
}

#[test]
fn back_undoes_each_answer_down_to_a_fresh_wizard() {
    let mut f = FakeFacts::project();
    let answers = [
        ("task_type", "error-analysis"),
        ("task_pick", "pay/dev-2"),
        ("brief_pick", "text"),
        ("brief_text", "x"),
    ];
    let (_, mut state) = walk(Language::En, &mut f, &answers);
    let mut undone = Vec::new();
    while let Some(step) = back(&mut state) {
        undone.push(step);
    }
    assert_eq!(
        undone,
        [
            StepId::BriefText,
            StepId::BriefPick,
            StepId::TaskPick,
            StepId::TaskType
        ]
    );
    assert_eq!(state, WizardState::default());
}

#[test]
fn facts_are_asked_only_for_the_current_step() {
    let cat = Catalog::get(Language::En);
    let mut f = FakeFacts::project();
    let mut state = WizardState::default();
    next(&state, &f, cat).unwrap();
    assert_eq!(
        f.take_asked(),
        Vec::<&str>::new(),
        "the task type step asks nothing"
    );
    submit(&mut state, &mut f, cat, "task_type", "error-analysis").unwrap();
    f.take_asked();
    next(&state, &f, cat).unwrap();
    assert_eq!(
        f.take_asked(),
        ["tasks", "tasks"],
        "the task step lists the tasks"
    );
    submit(&mut state, &mut f, cat, "task_pick", "pay/dev-1").unwrap();
    f.take_asked();
    next(&state, &f, cat).unwrap();
    assert_eq!(f.take_asked(), ["brief_exists"]);
}

#[test]
fn step_names_are_the_seeds_and_unknown_ones_are_refused() {
    for step in StepId::ALL {
        assert_eq!(step.as_str().parse::<StepId>().unwrap(), step);
        assert_eq!(serde_json::to_value(step).unwrap(), json!(step.as_str()));
    }
    let mut f = FakeFacts::project();
    let mut state = WizardState::default();
    let err = submit(&mut state, &mut f, Catalog::get(Language::En), "nope", "x").unwrap_err();
    assert_eq!(err.step, None);
    assert_eq!(err.valid.len(), 24);
    assert_eq!(back(&mut state), None);
}

#[test]
fn an_answer_that_makes_the_task_exist_does_not_reopen_the_task_step() {
    use StepId as S;
    let cat = Catalog::get(Language::En);
    let mut f = foreign_plans();
    f.tasks.clear();
    let mut state = WizardState::default();
    for (step, value) in [
        ("task_type", "implementation"),
        ("task_new", "calc/ops"),
        ("base_ref_pick", "current"),
        ("approved_plan", "../plans/auth.md"),
        ("approve_plan_confirm", "yes"),
    ] {
        submit(&mut state, &mut f, cat, step, value).unwrap();
    }
    assert_eq!(f.tasks.len(), 1, "the import made the task");
    let Next::Prompt(p) = next(&state, &f, cat).unwrap() else {
        panic!("not ready yet")
    };
    assert_eq!(p.step, StepId::StagePick);
    assert_eq!(
        state.passed,
        [
            S::TaskPick,
            S::BriefPick,
            S::BriefFile,
            S::BriefText,
            S::BaseRefText,
            S::ApprovedPlanPick
        ]
    );
    back(&mut state);
    back(&mut state);
    assert_eq!(
        state.passed,
        [S::TaskPick, S::BriefPick, S::BriefFile, S::BriefText],
        "undoing an answer unpasses what it passed"
    );
    while back(&mut state).is_some() {}
    assert_eq!(state, WizardState::default());
}

#[test]
fn an_answer_is_checked_without_asking_for_doctors_verdicts() {
    // Doctor's verdicts run the CLIs (seconds): only a shown prompt labels its options with
    // them, so each `submit` of the JSON protocol stays fast.
    let cat = Catalog::get(Language::En);
    let mut f = FakeFacts::project();
    let mut state = WizardState::default();
    submit(&mut state, &mut f, cat, "task_type", "error-analysis").unwrap();
    submit(&mut state, &mut f, cat, "task_pick", "pay/dev-1").unwrap();
    let Next::Prompt(p) = next(&state, &f, cat).unwrap() else {
        panic!("not ready yet")
    };
    let mut step = p.step;
    while step != StepId::CriticPick {
        let value = match step {
            StepId::BriefPick => "text",
            StepId::BriefText => "the checkout fails",
            StepId::BaseRefPick => "current",
            _ => panic!("unexpected step {step:?}"),
        };
        submit(&mut state, &mut f, cat, step.as_str(), value).unwrap();
        step = current_step(&state, &f, cat).unwrap();
    }
    let Next::Prompt(p) = next(&state, &f, cat).unwrap() else {
        panic!("not ready yet")
    };
    assert!(
        f.take_asked().contains(&"agent_verdicts"),
        "shown: labelled"
    );
    assert!(p.options.iter().any(|o| o.label.contains(" — ")), "{p:?}");
    submit(&mut state, &mut f, cat, "critic_pick", "codex").unwrap();
    submit(&mut state, &mut f, cat, "workers", "claude,codex").unwrap();
    assert!(
        !f.take_asked().contains(&"agent_verdicts"),
        "answers are checked against the values alone"
    );
}

#[test]
fn going_back_over_an_approval_and_saying_yes_again_imports_nothing_more() {
    let cat = Catalog::get(Language::En);
    let mut f = foreign_plans();
    f.tasks.clear();
    let mut state = WizardState::default();
    for (step, value) in [
        ("task_type", "implementation"),
        ("task_new", "calc/ops"),
        ("base_ref_pick", "current"),
        ("approved_plan", "../plans/auth.md"),
        ("approve_plan_confirm", "yes"),
    ] {
        submit(&mut state, &mut f, cat, step, value).unwrap();
    }
    assert_eq!(f.approved.len(), 1, "imported and approved once");
    assert_eq!(back(&mut state), Some(StepId::ApprovePlanConfirm));
    f.take_asked();
    submit(&mut state, &mut f, cat, "approve_plan_confirm", "yes").unwrap();
    assert!(
        !f.take_asked().contains(&"approve"),
        "the plan is the task's and approved already"
    );
    assert_eq!(f.approved.len(), 1);
    assert_eq!(state.plan.as_deref(), Some(f.imported_as.as_str()));
}

#[test]
fn a_custom_run_may_keep_every_default_model_and_give_only_a_directive() {
    let cat = Catalog::get(Language::En);
    let mut f = FakeFacts {
        in_git: false,
        ..FakeFacts::project()
    };
    let mut state = WizardState::default();
    for (step, value) in [
        ("task_type", "error-analysis"),
        ("task_pick", "new"),
        ("task_new", "g/t"),
        ("brief_pick", "text"),
        ("brief_text", "- the export hangs"),
        ("critic_pick", "none"),
        ("workers", "claude"),
        ("defaults_or_custom", "custom"),
        ("custom_models", ""),
        ("directive", "Only the export path"),
        ("related_tasks", ""),
        ("confirm", "yes"),
    ] {
        submit(&mut state, &mut f, cat, step, value)
            .unwrap_or_else(|e| panic!("{step} {value:?}: {e}"));
    }
    assert_eq!(
        ready(&state, &f),
        "okstra run error-analysis --task g/t '--brief-text=- the export hangs' --workers claude \
         --directive 'Only the export path'"
    );
}
