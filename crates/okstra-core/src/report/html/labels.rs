//! Owns the words of the HTML pages in each report language: section titles, legends and
//! column names. Values from the data (ids, statuses, verdicts) keep their spec spelling.

use crate::config::Language;

/// The words of one language.
pub(crate) struct Labels {
    pub summary: &'static str,
    pub analysis: &'static str,
    pub recommendations: &'static str,
    pub findings: &'static str,
    pub no_findings: &'static str,
    pub consensus: &'static str,
    pub no_answer: &'static str,
    pub timeline: &'static str,
    pub no_timeline: &'static str,
    pub tokens: &'static str,
    pub cost: &'static str,
    pub stage_map: &'static str,
    pub gate: &'static str,
    pub clarifications: &'static str,
    pub stage: &'static str,
    pub commits: &'static str,
    pub tdd: &'static str,
    pub evidence: &'static str,
    pub verifier: &'static str,
    pub verdict: &'static str,
    pub handoff: &'static str,
    pub notes: &'static str,
    pub replay: &'static str,
    pub run: &'static str,
    pub task: &'static str,
    pub generated: &'static str,
}

const EN: Labels = Labels {
    summary: "Summary",
    analysis: "Analysis",
    recommendations: "Recommendations",
    findings: "Findings",
    no_findings: "No findings.",
    consensus: "Consensus matrix",
    no_answer: "no answer",
    timeline: "Worker timeline",
    no_timeline: "No worker ran.",
    tokens: "Tokens per worker",
    cost: "Cost (USD)",
    stage_map: "Stage Map",
    gate: "Plan-body verification gate",
    clarifications: "Clarification items",
    stage: "Stage",
    commits: "Commits",
    tdd: "TDD proof",
    evidence: "Validation evidence",
    verifier: "Verifier",
    verdict: "Verdict",
    handoff: "Hand-off",
    notes: "Notes",
    replay: "replay: scripted fixtures answered, not models",
    run: "Run",
    task: "Task",
    generated: "Generated",
};

const KO: Labels = Labels {
    summary: "요약",
    analysis: "분석",
    recommendations: "권고",
    findings: "발견 사항",
    no_findings: "발견 사항 없음.",
    consensus: "합의 행렬",
    no_answer: "응답 없음",
    timeline: "워커 타임라인",
    no_timeline: "실행된 워커 없음.",
    tokens: "워커별 토큰",
    cost: "비용 (USD)",
    stage_map: "스테이지 맵",
    gate: "계획 본문 검증 게이트",
    clarifications: "확인 항목",
    stage: "스테이지",
    commits: "커밋",
    tdd: "TDD 증명",
    evidence: "검증 증거",
    verifier: "검증자",
    verdict: "판정",
    handoff: "인계",
    notes: "메모",
    replay: "replay: 모델이 아닌 스크립트 픽스처가 응답함",
    run: "실행",
    task: "작업",
    generated: "생성 시각",
};

/// Returns the words of `language`.
pub(crate) fn labels(language: Language) -> &'static Labels {
    match language {
        Language::Ko => &KO,
        Language::En => &EN,
    }
}
