//! Tests of the PR body's content: okstra's records in their places, the writer's text bounded
//! and flattened, and the whole body through a template.

use super::*;
use crate::config::Language;
use crate::evidence::CommandEvidence;
use crate::final_verification::{FinalVerdict, MergedStage};
use crate::findings::model::{ConsensusClass, Severity};
use crate::handoff::template::{fill_template, headings_of};

fn record() -> FinalVerificationRecord {
    FinalVerificationRecord {
        schema_version: FinalVerificationRecord::current_schema_version(),
        run_id: "FV-RUN".into(),
        run_seq: 2,
        plan_run_id: "PLAN".into(),
        task_branch: "okstra/feat/calc-ops".into(),
        anchor: "a".repeat(40),
        verified_head: "b".repeat(40),
        verdict: FinalVerdict::Accepted,
        reasons: vec![],
        warnings: vec!["F-2 (high) is disputed".into()],
        stages: vec![
            MergedStage {
                stage: 1,
                branch: "okstra/feat/calc-ops-stage-1".into(),
                head: "c".repeat(40),
                merge_commit: None,
            },
            MergedStage {
                stage: 2,
                branch: "okstra/feat/calc-ops-stage-2".into(),
                head: "d".repeat(40),
                merge_commit: Some("e".repeat(40)),
            },
        ],
        commands: vec![CommandEvidence {
            command: "sh tests/run.sh | tee out".into(),
            cwd: ".".into(),
            commit: "b".repeat(40),
            exit_code: Some(0),
            duration_ms: 1500,
            output_tail: String::new(),
            note: None,
        }],
        verifiers_asked: vec![],
        verifiers_answered: vec![],
    }
}

fn finding() -> ReportFinding {
    ReportFinding {
        id: "F-2".into(),
        title: "Rounding | mode unclear".into(),
        severity: Severity::High,
        class: ConsensusClass::Disputed,
        claim: String::new(),
        reasoning: String::new(),
        evidence: vec![],
        authors: vec![],
        sources: vec![],
        agreed_by: vec![],
        disagreed_by: vec![],
        unsure_by: vec![],
        verdicts: vec![],
        round: 0,
    }
}

#[test]
fn the_body_holds_stages_commits_evidence_findings_and_cost() {
    let carry = r#"{"stage": 1, "stageCommitRange": {"base": "1111111111111111", "head": "2222222222222222"},
        "commits": [{"sha": "3333333333333333", "subject": "RED: a failing test"},
                    {"sha": "4444444444444444", "subject": "GREEN: add"}],
        "dbGate": {"status": "verified"}}"#;
    let stages = vec![stage_of_carry(carry, None).unwrap()];
    assert_eq!(stages[0].commits.len(), 2);
    assert_eq!(stages[0].db_gate.as_deref(), Some("verified"));
    // The original okstra's string form of the gate reads the same, in lower case.
    let legacy = stage_of_carry(r#"{"stage": 2, "dbGate": "UNVERIFIED"}"#, None).unwrap();
    assert_eq!(legacy.db_gate.as_deref(), Some("unverified"));
    // A carry of another shape still names its stage from the file name.
    assert_eq!(stage_of_carry("{}", Some(3)).unwrap().stage, 3);
    assert!(stage_of_carry("not json", Some(3)).is_none());
    let block = HandoffBlock {
        title: "Add   ops".into(),
        summary: "Adds the ops.".into(),
        changes: vec!["add\nand mul".into()],
        risks: vec!["overflow".into()],
    };
    let v = record();
    let tokens = vec![(
        "error-analysis 1".to_owned(),
        TokenUsage {
            input_total: Some(100),
            output: Some(10),
            cost_usd: Some(0.5),
            ..TokenUsage::default()
        },
    )];
    let findings = vec![finding()];
    let content = build_pr_content(&PrInputs {
        block: &block,
        verification: &v,
        stages: &stages,
        findings: &findings,
        tokens: &tokens,
        replay: true,
        language: Language::En,
    });
    assert_eq!(content.title, "Add ops");
    assert!(content.summary.contains("replay worker"));
    assert!(
        content.changes.starts_with("- add and mul\n"),
        "{}",
        content.changes
    );
    assert!(
        content
            .changes
            .contains("- Stage 1 `111111111111..222222222222` (DB gate: verified)")
    );
    assert!(
        content
            .changes
            .contains("  - `333333333333` RED: a failing test\n")
    );
    assert!(
        content
            .changes
            .contains("- Stage 2\n  - (no carry sidecar found)")
    );
    assert!(content.testing.contains("`FV-RUN` (run 2) **accepted**"));
    assert!(
        content
            .testing
            .contains("| `sh tests/run.sh \\| tee out` | 0 | 1.5 s |"),
        "{}",
        content.testing
    );
    assert!(
        content
            .findings
            .contains("| F-2 | high | disputed | Rounding \\| mode unclear |")
    );
    assert!(
        content
            .findings
            .contains("> warning: F-2 (high) is disputed")
    );
    assert!(content.findings.contains("- overflow"));
    assert!(
        content.cost.contains("| **total** | 100 | 10 | $0.50 |"),
        "{}",
        content.cost
    );
    let body = fill_template("", &content);
    assert_eq!(
        headings_of(&body),
        [
            "Summary",
            "Changes",
            "Testing",
            "Remaining findings",
            "Cost"
        ]
    );
}

#[test]
fn a_korean_project_gets_okstras_words_and_headings_in_korean() {
    let block = HandoffBlock {
        title: "연산 추가".into(),
        summary: "add와 mul을 추가합니다.".into(),
        changes: vec![],
        risks: vec!["오버플로".into()],
    };
    let v = record();
    let content = build_pr_content(&PrInputs {
        block: &block,
        verification: &v,
        stages: &[],
        findings: &[],
        tokens: &[],
        replay: true,
        language: Language::Ko,
    });
    assert!(
        content.summary.contains("replay 워커"),
        "{}",
        content.summary
    );
    assert!(
        content
            .changes
            .contains("에 병합된 스테이지 (검증된 head `"),
        "{}",
        content.changes
    );
    assert!(
        content.testing.starts_with("최종 검증 `FV-RUN` (실행 2)"),
        "{}",
        content.testing
    );
    assert!(
        content.testing.contains("| 명령 | 종료 코드 | 소요 시간 |"),
        "{}",
        content.testing
    );
    assert!(
        content
            .findings
            .starts_with("남은 수렴 발견 사항이 없습니다."),
        "{}",
        content.findings
    );
    assert!(
        content.findings.contains("> 경고: "),
        "{}",
        content.findings
    );
    assert!(
        content.findings.contains("리뷰어가 살펴볼 점:"),
        "{}",
        content.findings
    );
    assert_eq!(content.cost, "토큰을 기록한 실행이 없습니다.\n");
    // With no template, the built-in one is Korean too, and so are the headings added.
    let body = fill_template("", &content);
    assert_eq!(
        headings_of(&body),
        ["요약", "변경 사항", "테스트", "남은 발견 사항", "비용"]
    );
    let body = fill_template("## 개요\n", &content);
    assert_eq!(
        headings_of(&body),
        ["개요", "변경 사항", "테스트", "남은 발견 사항", "비용"]
    );
}

#[test]
fn the_writers_text_is_bounded() {
    let block = HandoffBlock {
        title: "t".into(),
        summary: "s".repeat(5_000),
        changes: (0..50)
            .map(|i| format!("c{i} {}", "x".repeat(400)))
            .collect(),
        risks: vec![],
    };
    let v = FinalVerificationRecord {
        warnings: vec![],
        commands: vec![],
        ..record()
    };
    let content = build_pr_content(&PrInputs {
        block: &block,
        verification: &v,
        stages: &[],
        findings: &[],
        tokens: &[],
        replay: false,
        language: Language::En,
    });
    assert_eq!(content.summary.chars().count(), MAX_SUMMARY_CHARS + 1);
    assert_eq!(content.changes.matches("- c").count(), MAX_ITEMS);
    assert!(
        content
            .changes
            .lines()
            .all(|l| l.chars().count() <= MAX_ITEM_CHARS + 3)
    );
    assert!(
        content
            .findings
            .starts_with("No converged finding remains.")
    );
    assert!(content.testing.contains("(no command was configured)"));
    assert_eq!(content.cost, "No run of the task recorded its tokens.\n");
}

#[test]
fn worker_text_cannot_add_headings_fences_or_comments() {
    let block = HandoffBlock {
        title: "t".into(),
        summary: "Fine.\n## Checklist\nTesting\n-------\nAlso\n===\n***\n- a real item\n```\n<!-- hide the rest"
            .into(),
        changes: vec!["# not a heading".into()],
        risks: vec![],
    };
    let v = record();
    let content = build_pr_content(&PrInputs {
        block: &block,
        verification: &v,
        stages: &[],
        findings: &[],
        tokens: &[],
        replay: false,
        language: Language::En,
    });
    assert_eq!(
        content.summary,
        "Fine.\n\\## Checklist\nTesting\n\\-------\nAlso\n\\===\n\\***\n- a real item\n\\```\n&lt;!-- hide the rest"
    );
    assert!(
        content.changes.starts_with("- \\# not a heading\n"),
        "{}",
        content.changes
    );
    let body = fill_template("", &content);
    assert_eq!(
        headings_of(&body),
        [
            "Summary",
            "Changes",
            "Testing",
            "Remaining findings",
            "Cost"
        ]
    );
}
