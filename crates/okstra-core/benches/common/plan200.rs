//! The 200-stage plan the benches measure: each stage has four steps, two validation
//! commands and depends on the one or two stages before it; it passes `plan check`.

use okstra_core::plan::{
    OptionCandidate, PlanBody, RecommendedOption, RequirementCoverage, Stage, Step, ValidationItem,
};

pub(crate) const STAGES: u32 = 200;

fn step(action: &str, n: u32) -> Step {
    Step {
        action: format!("{action} stage {n}: change `module_{n}::run` and its callers"),
        files: vec![
            format!("src/module_{n}.rs"),
            format!("tests/module_{n}_test.rs"),
        ],
    }
}

/// Returns a valid plan of `STAGES` stages.
pub(crate) fn plan() -> PlanBody {
    let option = |title: &str| OptionCandidate {
        title: title.to_owned(),
        summary: "Replace the optional field with a required one.\n\nEvery caller changes."
            .to_owned(),
        trade_offs: vec![
            "Touches every caller.".to_owned(),
            "Safer types.".to_owned(),
        ],
    };
    PlanBody {
        requirement_coverage: (1..=20)
            .map(|r| RequirementCoverage {
                requirement: format!("Requirement {r}"),
                stages: vec![r, r + 20, r + 40],
                note: String::new(),
            })
            .collect(),
        options: vec![option("Guard at the edges"), option("Type it through")],
        recommended_option: RecommendedOption {
            option: 2,
            rationale: "The type system rules the bug out.".to_owned(),
        },
        stages: (1..=STAGES)
            .map(|n| Stage {
                number: n,
                title: format!("Stage title number {n}"),
                depends_on: (n.saturating_sub(2)..n).filter(|&d| d >= 1).collect(),
                slice_value: format!("users can do thing {n} end to end."),
                acceptance: format!("`cargo test -p shop thing_{n}` passes."),
                steps: vec![
                    step("RED:", n),
                    step("GREEN:", n),
                    step("REFACTOR:", n),
                    step("GREEN:", n),
                ],
                tdd_exemption: None,
                validation: vec![
                    format!("cargo test -p shop thing_{n}"),
                    "cargo clippy -p shop -- -D warnings".to_owned(),
                ],
                exit_contract: vec![format!("Thing {n} works."), "No new warnings.".to_owned()],
                rollback: format!("Revert the stage {n} commit.\nDrop migration {n}."),
            })
            .collect(),
        validation_checklist: vec![ValidationItem {
            command: "cargo test --workspace".to_owned(),
            purpose: "every test passes".to_owned(),
        }],
    }
}
