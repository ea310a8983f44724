//! Owns the scripted executors of the demo's stages: for each stage of the demo plan, a replay
//! fixture whose `step-1` applies the stage's test (its `RED:` commit) and `step-2` the code
//! that makes it pass (`GREEN:`), from the unified diffs under `demo/patches/`. The subjects
//! are the plan's step actions, as an executor following the plan would write them.

use serde_json::{Value, json};

/// One stage's scripted work: its number, then the RED and GREEN steps as (subject, patch).
pub(super) struct ScriptedStage {
    pub number: u32,
    pub red: (&'static str, &'static str),
    pub green: (&'static str, &'static str),
}

/// The demo plan's stages, in dependency order (stage 3 depends on 1 and 2).
pub(super) const STAGES: &[ScriptedStage] = &[
    ScriptedStage {
        number: 1,
        red: (
            "RED: test that 30% off 1300 cents is 910 and half a cent rounds up",
            include_str!("../../../demo/patches/stage-1-red.diff"),
        ),
        green: (
            "GREEN: compute the discount in integer cents, rounding half up",
            include_str!("../../../demo/patches/stage-1-green.diff"),
        ),
    },
    ScriptedStage {
        number: 2,
        red: (
            "RED: test check_discount on 0, 30, 100 and on -5, 120",
            include_str!("../../../demo/patches/stage-2-red.diff"),
        ),
        green: (
            "GREEN: add shop/discounts.py with check_discount",
            include_str!("../../../demo/patches/stage-2-green.diff"),
        ),
    },
    ScriptedStage {
        number: 3,
        red: (
            "RED: test order #1042 through line_total and a cart with a 130% discount",
            include_str!("../../../demo/patches/stage-3-red.diff"),
        ),
        green: (
            "GREEN: line_total checks the discount before applying it",
            include_str!("../../../demo/patches/stage-3-green.diff"),
        ),
    },
];

/// Returns the replay answer of one step: it applies `patch` and commits it as `subject`.
fn step(subject: &str, patch: &str, delay_ms: u64) -> Value {
    json!({
        "text": format!("Done: {subject}"),
        "patch": patch,
        "commit": subject,
        "delayMs": delay_ms,
        "usage": {"inputTotal": 5200, "cacheRead": 3000, "cacheWrite": 0, "output": 380},
    })
}

/// Returns the fixture of `stage`'s executor, driven one plan step per invocation.
pub(super) fn executor_fixture(stage: &ScriptedStage) -> Value {
    json!({
        "schemaVersion": "replay-fixture/v1",
        "workers": {"executor": {
            "step-1": step(stage.red.0, stage.red.1, 120),
            "step-2": step(stage.green.0, stage.green.1, 140),
        }},
    })
}

/// Returns the agent name of `stage`'s executor.
pub(super) fn executor_agent(number: u32) -> String {
    format!("stage-{number}")
}
