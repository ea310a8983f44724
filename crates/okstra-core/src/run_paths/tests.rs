//! Table tests for `RunPaths`: every path, every task type, with and without a stage. The
//! expected values are literals written from SPEC §2, never computed by the code under test.

use super::*;
use crate::worker_name::Role;

struct Row {
    task_type: &'static str,
    stage: Option<u32>,
    expect: [&'static str; 15],
}

const ROWS: &[Row] = &[
    Row {
        task_type: "requirements-discovery",
        stage: None,
        expect: [
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/manifests/run-manifest-requirements-discovery-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/state/team-state-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/state/convergence-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/state/plan-body-verification.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/prompts",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/reports/final-report-requirements-discovery-3.data.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/reports/final-report-requirements-discovery-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/worker-results",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/worker-results/claude-worker-requirements-discovery-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/worker-results/claude-worker-audit-requirements-discovery-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/worker-results/codex-worker-errors-requirements-discovery-3-r1-a2.log",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/worker-results/gemini-worker-transcript-requirements-discovery-3-pbv.jsonl",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/prompts/report-writer-requirements-discovery-3-r2.prompt.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/prompts/critic-requirements-discovery-3-a2.prompt.md",
        ],
    },
    Row {
        task_type: "requirements-discovery",
        stage: Some(2),
        expect: [
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/manifests/run-manifest-requirements-discovery-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/state/team-state-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/state/convergence-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/state/plan-body-verification.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/prompts",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/reports/final-report-requirements-discovery-3.data.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/reports/final-report-requirements-discovery-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/worker-results",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/worker-results/claude-worker-requirements-discovery-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/worker-results/claude-worker-audit-requirements-discovery-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/worker-results/codex-worker-errors-requirements-discovery-3-r1-a2.log",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/worker-results/gemini-worker-transcript-requirements-discovery-3-pbv.jsonl",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/prompts/report-writer-requirements-discovery-3-r2.prompt.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/requirements-discovery/prompts/critic-requirements-discovery-3-a2.prompt.md",
        ],
    },
    Row {
        task_type: "error-analysis",
        stage: None,
        expect: [
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/manifests/run-manifest-error-analysis-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/state/team-state-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/state/convergence-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/state/plan-body-verification.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/prompts",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/reports/final-report-error-analysis-3.data.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/reports/final-report-error-analysis-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/worker-results",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/worker-results/claude-worker-error-analysis-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/worker-results/claude-worker-audit-error-analysis-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/worker-results/codex-worker-errors-error-analysis-3-r1-a2.log",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/worker-results/gemini-worker-transcript-error-analysis-3-pbv.jsonl",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/prompts/report-writer-error-analysis-3-r2.prompt.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/prompts/critic-error-analysis-3-a2.prompt.md",
        ],
    },
    Row {
        task_type: "error-analysis",
        stage: Some(2),
        expect: [
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/manifests/run-manifest-error-analysis-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/state/team-state-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/state/convergence-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/state/plan-body-verification.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/prompts",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/reports/final-report-error-analysis-3.data.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/reports/final-report-error-analysis-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/worker-results",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/worker-results/claude-worker-error-analysis-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/worker-results/claude-worker-audit-error-analysis-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/worker-results/codex-worker-errors-error-analysis-3-r1-a2.log",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/worker-results/gemini-worker-transcript-error-analysis-3-pbv.jsonl",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/prompts/report-writer-error-analysis-3-r2.prompt.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/error-analysis/prompts/critic-error-analysis-3-a2.prompt.md",
        ],
    },
    Row {
        task_type: "implementation-planning",
        stage: None,
        expect: [
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/manifests/run-manifest-implementation-planning-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/state/team-state-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/state/convergence-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/state/plan-body-verification.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/prompts",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/reports/final-report-implementation-planning-3.data.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/reports/final-report-implementation-planning-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/worker-results",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/worker-results/claude-worker-implementation-planning-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/worker-results/claude-worker-audit-implementation-planning-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/worker-results/codex-worker-errors-implementation-planning-3-r1-a2.log",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/worker-results/gemini-worker-transcript-implementation-planning-3-pbv.jsonl",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/prompts/report-writer-implementation-planning-3-r2.prompt.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/prompts/critic-implementation-planning-3-a2.prompt.md",
        ],
    },
    Row {
        task_type: "implementation-planning",
        stage: Some(2),
        expect: [
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/manifests/run-manifest-implementation-planning-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/state/team-state-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/state/convergence-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/state/plan-body-verification.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/prompts",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/reports/final-report-implementation-planning-3.data.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/reports/final-report-implementation-planning-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/worker-results",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/worker-results/claude-worker-implementation-planning-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/worker-results/claude-worker-audit-implementation-planning-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/worker-results/codex-worker-errors-implementation-planning-3-r1-a2.log",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/worker-results/gemini-worker-transcript-implementation-planning-3-pbv.jsonl",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/prompts/report-writer-implementation-planning-3-r2.prompt.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/prompts/critic-implementation-planning-3-a2.prompt.md",
        ],
    },
    Row {
        task_type: "implementation",
        stage: None,
        expect: [
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/manifests/run-manifest-implementation-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/state/team-state-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/state/convergence-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/state/plan-body-verification.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/prompts",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/reports/final-report-implementation-3.data.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/reports/final-report-implementation-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/worker-results",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/worker-results/claude-worker-implementation-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/worker-results/claude-worker-audit-implementation-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/worker-results/codex-worker-errors-implementation-3-r1-a2.log",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/worker-results/gemini-worker-transcript-implementation-3-pbv.jsonl",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/prompts/report-writer-implementation-3-r2.prompt.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/prompts/critic-implementation-3-a2.prompt.md",
        ],
    },
    Row {
        task_type: "implementation",
        stage: Some(2),
        expect: [
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/stage-2",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/stage-2/manifests/run-manifest-implementation-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/stage-2/state/team-state-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/stage-2/state/convergence-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/stage-2/state/plan-body-verification.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/stage-2/prompts",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/stage-2/reports/final-report-implementation-3.data.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/stage-2/reports/final-report-implementation-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/stage-2/worker-results",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/stage-2/worker-results/claude-worker-implementation-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/stage-2/worker-results/claude-worker-audit-implementation-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/stage-2/worker-results/codex-worker-errors-implementation-3-r1-a2.log",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/stage-2/worker-results/gemini-worker-transcript-implementation-3-pbv.jsonl",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/stage-2/prompts/report-writer-implementation-3-r2.prompt.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/implementation/stage-2/prompts/critic-implementation-3-a2.prompt.md",
        ],
    },
    Row {
        task_type: "final-verification",
        stage: None,
        expect: [
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/manifests/run-manifest-final-verification-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/state/team-state-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/state/convergence-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/state/plan-body-verification.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/prompts",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/reports/final-report-final-verification-3.data.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/reports/final-report-final-verification-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/worker-results",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/worker-results/claude-worker-final-verification-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/worker-results/claude-worker-audit-final-verification-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/worker-results/codex-worker-errors-final-verification-3-r1-a2.log",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/worker-results/gemini-worker-transcript-final-verification-3-pbv.jsonl",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/prompts/report-writer-final-verification-3-r2.prompt.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/prompts/critic-final-verification-3-a2.prompt.md",
        ],
    },
    Row {
        task_type: "final-verification",
        stage: Some(2),
        expect: [
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/manifests/run-manifest-final-verification-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/state/team-state-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/state/convergence-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/state/plan-body-verification.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/prompts",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/reports/final-report-final-verification-3.data.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/reports/final-report-final-verification-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/worker-results",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/worker-results/claude-worker-final-verification-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/worker-results/claude-worker-audit-final-verification-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/worker-results/codex-worker-errors-final-verification-3-r1-a2.log",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/worker-results/gemini-worker-transcript-final-verification-3-pbv.jsonl",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/prompts/report-writer-final-verification-3-r2.prompt.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/final-verification/prompts/critic-final-verification-3-a2.prompt.md",
        ],
    },
    Row {
        task_type: "release-handoff",
        stage: None,
        expect: [
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/manifests/run-manifest-release-handoff-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/state/team-state-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/state/convergence-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/state/plan-body-verification.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/prompts",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/reports/final-report-release-handoff-3.data.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/reports/final-report-release-handoff-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/worker-results",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/worker-results/claude-worker-release-handoff-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/worker-results/claude-worker-audit-release-handoff-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/worker-results/codex-worker-errors-release-handoff-3-r1-a2.log",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/worker-results/gemini-worker-transcript-release-handoff-3-pbv.jsonl",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/prompts/report-writer-release-handoff-3-r2.prompt.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/prompts/critic-release-handoff-3-a2.prompt.md",
        ],
    },
    Row {
        task_type: "release-handoff",
        stage: Some(2),
        expect: [
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/manifests/run-manifest-release-handoff-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/state/team-state-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/state/convergence-3.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/state/plan-body-verification.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/prompts",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/reports/final-report-release-handoff-3.data.json",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/reports/final-report-release-handoff-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/worker-results",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/worker-results/claude-worker-release-handoff-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/worker-results/claude-worker-audit-release-handoff-3.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/worker-results/codex-worker-errors-release-handoff-3-r1-a2.log",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/worker-results/gemini-worker-transcript-release-handoff-3-pbv.jsonl",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/prompts/report-writer-release-handoff-3-r2.prompt.md",
            "/p/.okstra/tasks/payments/dev-9495/runs/release-handoff/prompts/critic-release-handoff-3-a2.prompt.md",
        ],
    },
];

fn worker(name: &str) -> WorkerName {
    name.parse().unwrap()
}

#[test]
fn run_paths_table() {
    let project = ProjectPaths::new("/p");
    let task = project.task(
        &Segment::parse("payments").unwrap(),
        &Segment::parse("DEV-9495").unwrap(),
    );
    for row in ROWS {
        let tt: TaskType = row.task_type.parse().unwrap();
        let stage = row.stage.map(|n| Stage::new(n).unwrap());
        let run = task.run(tt, RunSeq::new(3).unwrap(), stage);
        let s = |p: &Path| p.display().to_string();
        let got = [
            s(run.run_dir()),
            s(&run.manifest()),
            s(&run.team_state()),
            s(&run.convergence()),
            s(&run.plan_body_verification()),
            s(&run.prompts_dir()),
            s(&run.report_data()),
            s(&run.report_markdown()),
            s(&run.worker_results_dir()),
            s(&run.artifact(
                &worker("claude-worker"),
                ArtifactKind::Result,
                RoundTag::Round(0),
                1,
            )),
            s(&run.artifact(
                &worker("claude-worker"),
                ArtifactKind::Audit,
                RoundTag::Round(0),
                1,
            )),
            s(&run.artifact(
                &worker("codex-worker"),
                ArtifactKind::Errors,
                RoundTag::Round(1),
                2,
            )),
            s(&run.artifact(
                &worker("gemini-worker"),
                ArtifactKind::Transcript,
                RoundTag::PlanBody,
                1,
            )),
            s(&run.artifact(
                &WorkerName::for_role(Role::ReportWriter),
                ArtifactKind::Prompt,
                RoundTag::Round(2),
                1,
            )),
            s(&run.artifact(
                &WorkerName::for_role(Role::Critic),
                ArtifactKind::Prompt,
                RoundTag::Round(0),
                2,
            )),
        ];
        for (got, want) in got.iter().zip(row.expect) {
            assert_eq!(
                got, want,
                "task type {} stage {:?}",
                row.task_type, row.stage
            );
        }
    }
}

#[test]
fn task_level_paths() {
    let task = ProjectPaths::new("/p").task(
        &Segment::parse("payments").unwrap(),
        &Segment::parse("dev-9495").unwrap(),
    );
    let s = |p: PathBuf| p.display().to_string();
    assert_eq!(
        s(task.task_root().to_path_buf()),
        "/p/.okstra/tasks/payments/dev-9495"
    );
    assert_eq!(
        s(task.brief()),
        "/p/.okstra/tasks/payments/dev-9495/brief.md"
    );
    assert_eq!(
        s(task.timeline()),
        "/p/.okstra/tasks/payments/dev-9495/history/timeline.json"
    );
    assert_eq!(
        s(task.brief_archive(RunSeq::new(4).unwrap())),
        "/p/.okstra/tasks/payments/dev-9495/history/brief-4.md"
    );
    assert_eq!(s(task.qa_dir()), "/p/.okstra/tasks/payments/dev-9495/qa");
    assert_eq!(s(task.lock()), "/p/.okstra/tasks/payments/dev-9495/.lock");
    assert_eq!(
        s(task.consumers_ledger()),
        "/p/.okstra/tasks/payments/dev-9495/runs/implementation-planning/consumers.jsonl"
    );
    assert_eq!(
        s(task.carry_dir()),
        "/p/.okstra/tasks/payments/dev-9495/runs/implementation/carry"
    );
    assert_eq!(
        s(task.carry(Stage::new(2).unwrap())),
        "/p/.okstra/tasks/payments/dev-9495/runs/implementation/carry/stage-2.json"
    );
    // The ledger and carry stay task-level even for a stage run.
    let run = task.run(
        TaskType::Implementation,
        RunSeq::FIRST,
        Some(Stage::new(2).unwrap()),
    );
    assert_eq!(run.task().consumers_ledger(), task.consumers_ledger());
    assert_eq!(run.task().carry_dir(), task.carry_dir());
    let vars = run.vars();
    assert_eq!(vars["RUN_STAGE"], "2");
    assert_eq!(
        vars["RUN_DIR"],
        "/p/.okstra/tasks/payments/dev-9495/runs/implementation/stage-2"
    );
    let plain = task.run(TaskType::ErrorAnalysis, RunSeq::FIRST, None);
    assert_eq!(plain.vars()["RUN_STAGE"], "");
    assert_eq!(
        ProjectPaths::new("/p").project_json().display().to_string(),
        "/p/.okstra/project.json"
    );
}

#[test]
fn home_paths() {
    let home = HomePaths::new("/h/.okstra");
    let pid = ProjectId::parse("shop").unwrap();
    let g = Segment::parse("payments").unwrap();
    let i = Segment::parse("dev-9495").unwrap();
    let s = |p: PathBuf| p.display().to_string();
    assert_eq!(
        s(home.project_meta(&pid)),
        "/h/.okstra/projects/shop/meta.json"
    );
    assert_eq!(s(home.index()), "/h/.okstra/index/runs.jsonl");
    assert_eq!(
        s(home.rotated_index("20261121T101500Z")),
        "/h/.okstra/index/runs-20261121T101500Z.jsonl"
    );
    assert_eq!(s(home.registry()), "/h/.okstra/registry/worktrees.json");
    assert_eq!(s(home.registry_lock()), "/h/.okstra/registry/.lock");
    assert_eq!(
        s(home.batch(&Segment::parse("b1").unwrap())),
        "/h/.okstra/batches/b1.json"
    );
    assert_eq!(
        s(home.task_worktree(&pid, &g, &i)),
        "/h/.okstra/worktrees/shop/payments/dev-9495/task"
    );
    assert_eq!(
        s(home.stage_worktree(&pid, &g, &i, Stage::new(3).unwrap())),
        "/h/.okstra/worktrees/shop/payments/dev-9495/stage-3"
    );
}

#[test]
fn relative_paths() {
    assert_eq!(
        relative_to(Path::new("/p/.okstra/x.json"), Path::new("/p")),
        PathBuf::from(".okstra/x.json")
    );
    assert_eq!(
        relative_to(Path::new("/elsewhere/x"), Path::new("/p")),
        PathBuf::from("/elsewhere/x")
    );
}

#[test]
fn step_rounds_name_their_artifacts_and_round_trip() {
    let paths = ProjectPaths::new("/p")
        .task(
            &Segment::from_slug("g").unwrap(),
            &Segment::from_slug("t").unwrap(),
        )
        .run(
            TaskType::Implementation,
            RunSeq::new(1).unwrap(),
            Some(Stage::new(2).unwrap()),
        );
    let executor = WorkerName::for_role(crate::worker_name::Role::Executor);
    assert_eq!(
        paths.artifact_name(&executor, ArtifactKind::Result, RoundTag::Step(3), 2),
        "executor-implementation-1-step-3-a2.md"
    );
    assert_eq!(RoundTag::Step(3).to_string(), "step-3");
    let json = serde_json::to_string(&RoundTag::Step(3)).unwrap();
    assert_eq!(json, "\"step-3\"");
    assert_eq!(
        serde_json::from_str::<RoundTag>(&json).unwrap(),
        RoundTag::Step(3)
    );
    for bad in ["\"step-0\"", "\"step-x\"", "\"step-\""] {
        assert!(serde_json::from_str::<RoundTag>(bad).is_err(), "{bad}");
    }
}
