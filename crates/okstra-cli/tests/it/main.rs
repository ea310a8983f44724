//! The one end-to-end test binary of the `okstra` command (STYLE.md §8): a module per command,
//! each test in a hermetic `TestEnv`.

mod analysis_replay;
mod background;
mod budget;
mod central_home;
mod claude_skill;
mod common;
mod completions;
mod ctl;
mod ctl_gc;
mod ctl_live;
mod ctl_reconcile;
mod ctl_reindex;
mod ctl_rerun;
mod data_out;
mod demo;
mod demo_workflow;
mod detach;
mod doctor;
mod final_verification;
mod final_verification_outside_git;
mod final_verification_refusals;
mod hardening;
mod help;
mod identity;
mod implementation_failures;
mod implementation_replay;
mod implementation_resume;
mod init;
mod input_messages;
mod json_out;
mod ledger;
mod mcp;
mod messages;
mod pages;
mod plan;
mod plan_data;
mod plan_redispatch;
mod plan_replay;
mod preflight;
mod progress;
mod real_analysis;
mod real_clis;
mod real_plan;
mod real_skill;
mod release_handoff;
mod release_handoff_refusals;
mod release_handoff_workflow;
mod resume;
mod resume_prepared;
mod retry_storm;
mod run_descendants;
mod run_faults;
mod run_guidance;
mod run_policy;
mod run_prepare;
mod run_stage;
mod run_stage_concurrency;
mod run_stage_modes;
mod security;
mod stage_kit;
mod validate;
mod wizard;
mod wizard_tty;

/// Every `.rs` file in this folder must be a module of this binary, so no test is forgotten.
#[test]
fn no_forgotten_test_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it");
    let main = fs_err::read_to_string(dir.join("main.rs")).unwrap();
    for entry in fs_err::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let is_module = path.extension().is_some_and(|e| e == "rs") || path.is_dir();
        if !is_module || name == "main" || name == "snapshots" || name == "fixtures" {
            continue;
        }
        assert!(
            main.contains(&format!("mod {name};")),
            "tests/it/{name} is not declared in tests/it/main.rs"
        );
    }
}
