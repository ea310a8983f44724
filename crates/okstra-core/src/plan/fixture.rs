//! Test fixtures for plans: a small valid structured plan (two options, two stages, the
//! second depending on the first), the one the report fixtures carry too.

use crate::plan::model::{
    OptionCandidate, PlanBody, RecommendedOption, RequirementCoverage, Stage, Step, ValidationItem,
};

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

fn step(action: &str, files: &[&str]) -> Step {
    Step {
        action: action.to_owned(),
        files: strings(files),
    }
}

/// Returns a valid plan: it passes every rule.
pub(crate) fn valid_body() -> PlanBody {
    PlanBody {
        requirement_coverage: vec![RequirementCoverage {
            requirement: "Guests keep their cart after login".to_owned(),
            stages: vec![1, 2],
            note: String::new(),
        }],
        options: vec![
            OptionCandidate {
                title: "Guard the missing cart in the handler".to_owned(),
                summary: "Check for `None` in `checkout::submit`.".to_owned(),
                trade_offs: strings(&["Small change.", "Leaves the session type loose."]),
            },
            OptionCandidate {
                title: "Make the cart non-optional".to_owned(),
                summary: "`Session::cart` becomes `Cart`.".to_owned(),
                trade_offs: strings(&["Touches every caller."]),
            },
        ],
        recommended_option: RecommendedOption {
            option: 2,
            rationale: "The type system then rules the bug out.".to_owned(),
        },
        stages: vec![
            Stage {
                number: 1,
                title: "Failing test for guest checkout".to_owned(),
                depends_on: Vec::new(),
                slice_value: "the bug is reproduced by a test anyone can run.".to_owned(),
                acceptance: "`cargo test -p shop guest_checkout` fails for the right reason."
                    .to_owned(),
                steps: vec![
                    step(
                        "RED: add a test that logs in mid-checkout",
                        &["tests/checkout_test.rs"],
                    ),
                    step(
                        "GREEN: mark it as the known failure",
                        &["tests/checkout_test.rs"],
                    ),
                ],
                tdd_exemption: None,
                validation: strings(&["cargo test -p shop guest_checkout"]),
                exit_contract: strings(&["The test exists and names the bug."]),
                rollback: "Delete the test.".to_owned(),
            },
            Stage {
                number: 2,
                title: "Non-optional cart".to_owned(),
                depends_on: vec![1],
                slice_value: "guests check out after logging in.".to_owned(),
                acceptance: "the stage 1 test passes.".to_owned(),
                steps: vec![
                    step("RED: the stage 1 test fails", &[]),
                    step(
                        "GREEN: make `Session::cart` a `Cart`",
                        &["src/session.rs", "src/auth/login.rs"],
                    ),
                    step("REFACTOR: drop the unwraps", &["src/checkout.rs"]),
                ],
                tdd_exemption: None,
                validation: strings(&["cargo test -p shop"]),
                exit_contract: strings(&["The session type has no optional cart."]),
                rollback: "Revert the stage commit.".to_owned(),
            },
        ],
        validation_checklist: vec![ValidationItem {
            command: "cargo test -p shop".to_owned(),
            purpose: "every test passes".to_owned(),
        }],
    }
}
