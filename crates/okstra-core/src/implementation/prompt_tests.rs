//! Tests of the stage's prompt sections: what the executor and the verifier each get, and
//! that quoted text cannot close its fence.

use super::*;
use crate::evidence::{DbGate, DbGateStatus, StageCommit, TddProof, TddVerdict};
use crate::plan::Step;

fn stage() -> Stage {
    Stage {
        number: 2,
        title: "Totals\nround half up".into(),
        depends_on: vec![1],
        slice_value: "a total".into(),
        acceptance: "totals round half up".into(),
        steps: vec![
            Step {
                action: "RED: a test".into(),
                files: vec!["tests/total.sh".into()],
            },
            Step {
                action: "GREEN: the code".into(),
                files: vec![],
            },
        ],
        tdd_exemption: None,
        validation: vec!["sh tests/total.sh".into()],
        exit_contract: vec!["total.txt holds 3".into()],
        rollback: "revert the stage".into(),
    }
}

#[test]
fn the_stage_is_shown_whole() {
    let text = stage_markdown(&stage());
    assert_eq!(
        text,
        "**Stage 2: Totals round half up**\n\n- depends-on: 1\n- Slice value: a total\n\
         - Acceptance: totals round half up\n\nStepwise Execution Order:\n\n\
         1. RED: a test (files: `tests/total.sh`)\n2. GREEN: the code\n\n\
         Stage Validation (okstra runs these itself at the head, and at the last RED commit \
         where they must fail):\n\n- `sh tests/total.sh`\n\nStage Exit Contract:\n\n\
         - total.txt holds 3\n\nRollback: revert the stage\n"
    );
}

#[test]
fn the_executor_gets_its_stage_the_qa_folder_the_carry_in_and_the_plan() {
    let carry = r#"{"stage": 1, "note": "```"}"#;
    let carries = [CarryText {
        stage: 1,
        path: "carry/stage-1.json",
        text: carry,
    }];
    let s = stage();
    let sections = executor_sections(&ExecutorContext {
        stage: &s,
        plan_markdown: "## 5. Implementation Plan\n",
        carry_in: &carries,
        qa_dir: "/p/.okstra/tasks/g/t/qa",
        instruction: "## Commits\n\n1. `RED: a test`\n",
    });
    let titles: Vec<_> = sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Stage 2 (your whole scope)",
            "Task qa folder",
            "Carry-in",
            "The approved plan"
        ]
    );
    assert!(sections[0].body.ends_with("## Commits\n\n1. `RED: a test`"));
    assert!(sections[1].body.contains("/p/.okstra/tasks/g/t/qa"));
    assert!(
        sections[2]
            .body
            .contains("### Stage 1 (`carry/stage-1.json`)\n\n````json\n{\"stage\": 1, \"note\": \"```\"}\n````"),
        "{}",
        sections[2].body
    );
    let none = executor_sections(&ExecutorContext {
        carry_in: &[],
        ..ExecutorContext {
            stage: &s,
            plan_markdown: "",
            carry_in: &carries,
            qa_dir: "",
            instruction: "",
        }
    });
    assert!(none[2].body.contains("no carry-in"));
}

#[test]
fn the_verifier_gets_the_stage_the_diff_and_okstras_evidence() {
    let evidence = StageEvidence {
        base: "b".repeat(40),
        head: "h".repeat(40),
        head_tree: "t".repeat(40),
        commits: vec![StageCommit {
            sha: "h".repeat(40),
            subject: "RED: a test".into(),
        }],
        files_changed: vec![],
        validation: vec![],
        tdd_proof: TddProof {
            verdict: TddVerdict::Proven,
            red_commit: None,
            at_red: vec![],
            reason: "r".into(),
        },
        db_gate: DbGate {
            status: DbGateStatus::NotApplicable,
            triggers: vec![],
            evidence: None,
        },
        findings: vec![],
    };
    let s = stage();
    let big = "+x\n".repeat(MAX_PROMPT_DIFF_BYTES);
    let sections = verifier_sections(&VerifierContext {
        stage: &s,
        diff: &big,
        diff_truncated: true,
        evidence: &evidence,
    });
    assert_eq!(sections.len(), 3);
    assert_eq!(sections[1].title, "The diff bbbbbbbbbbbb..hhhhhhhhhhhh");
    assert!(
        sections[1]
            .body
            .starts_with("Commits, oldest first:\n\n- `hhhhhhhhhhhh` RED: a test\n\n```diff\n")
    );
    assert!(
        sections[1]
            .body
            .contains(&format!("… (cut at {MAX_PROMPT_DIFF_BYTES} bytes of"))
    );
    assert!(sections[1].body.contains("okstra read only its start"));
    assert!(sections[1].body.len() < MAX_PROMPT_DIFF_BYTES + 1024);
    assert!(sections[2].body.contains("\"verdict\": \"proven\""));
}

#[test]
fn a_fence_outlasts_the_text() {
    assert_eq!(fenced("a", "json"), "```json\na\n```");
    assert_eq!(fenced("x ```` y\n", ""), "`````\nx ```` y\n`````");
    assert_eq!(cut("ééé", 3), "é\n… (cut at 3 bytes of 6)");
}
