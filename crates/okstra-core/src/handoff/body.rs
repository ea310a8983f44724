//! Owns the content of a PR body (SPEC §3): the writer's summary, changes and risks (worker
//! text: bounded here, redacted by the engine before it arrives), and what okstra fills from
//! its own records — the stages with their commits (the carry sidecars), the evidence table
//! (the final verification's own commands), the converged findings that remain (its report)
//! with its warnings, and the task's token and cost totals. `template` places it.

use crate::config::Language;
use crate::evidence::StageCommit;
use crate::final_verification::FinalVerificationRecord;
use crate::handoff::answer::HandoffBlock;
use crate::handoff::template::{Part, PartText};
use crate::report::ReportFinding;
use crate::tokens::TokenUsage;

/// The most characters of the writer's summary kept.
const MAX_SUMMARY_CHARS: usize = 4_000;
/// The most characters of one `changes` or `risks` line kept.
const MAX_ITEM_CHARS: usize = 300;
/// The most `changes` or `risks` lines kept.
const MAX_ITEMS: usize = 30;

/// A stage as the PR body lists it: from its carry sidecar.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HandoffStage {
    pub stage: u32,
    /// `stageCommitRange` of the carry, when it has one.
    pub range: Option<(String, String)>,
    pub commits: Vec<StageCommit>,
    /// The carry's DB gate, lower case (`crate::carry::db_gate_word`), when it records one.
    pub db_gate: Option<String>,
}

/// Returns the stage a carry sidecar's text records (read leniently: the original's carries
/// have other shapes), or `None` when it names no stage.
pub fn stage_of_carry(text: &str, file_stage: Option<u32>) -> Option<HandoffStage> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let stage = value
        .get("stage")
        .and_then(serde_json::Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .or(file_stage)?;
    let s = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
    let range = value
        .get("stageCommitRange")
        .and_then(|r| Some((s(r, "base")?, s(r, "head")?)));
    let commits = value
        .get("commits")
        .and_then(serde_json::Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|c| {
                    Some(StageCommit {
                        sha: s(c, "sha")?,
                        subject: s(c, "subject").unwrap_or_default(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let db_gate = crate::carry::db_gate_word(&value);
    Some(HandoffStage {
        stage,
        range,
        commits,
        db_gate,
    })
}

/// What a PR body is made from.
#[derive(Clone, Copy, Debug)]
pub struct PrInputs<'a> {
    /// The writer's block, already redacted.
    pub block: &'a HandoffBlock,
    /// The final verification the hand-off rests on, and its run id.
    pub verification: &'a FinalVerificationRecord,
    pub stages: &'a [HandoffStage],
    /// The converged findings of the final verification's report.
    pub findings: &'a [ReportFinding],
    /// Tokens per run of the task (`<task-type> <seq>` or `implementation stage N seq`).
    pub tokens: &'a [(String, TokenUsage)],
    /// Whether a replay worker wrote the narrative (said in the body).
    pub replay: bool,
    /// The project's report language: okstra's own words in the body follow it.
    pub language: Language,
}

/// The PR body's content, one markdown text per part.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrContent {
    pub title: String,
    pub summary: String,
    pub changes: String,
    pub testing: String,
    pub findings: String,
    pub cost: String,
    pub language: Language,
}

impl PartText for PrContent {
    fn language(&self) -> Language {
        self.language
    }

    fn text(&self, part: Part) -> &str {
        match part {
            Part::Summary => &self.summary,
            Part::Changes => &self.changes,
            Part::Testing => &self.testing,
            Part::Findings => &self.findings,
            Part::Cost => &self.cost,
        }
    }
}

/// okstra's own words in a PR body, in the project's language.
struct Words {
    replay: &'static str,
    /// `(task branch, verified head)` → the line above the stages.
    stages_into: fn(&str, &str) -> String,
    stage: &'static str,
    no_commits: &'static str,
    no_carry: &'static str,
    /// `(run id, seq, verdict, head)` → the line above the commands.
    verification: fn(&str, u32, &str, &str) -> String,
    no_command: &'static str,
    command_header: &'static str,
    no_finding: &'static str,
    finding_header: &'static str,
    warning: &'static str,
    look_at: &'static str,
    no_tokens: &'static str,
    cost_header: &'static str,
    total: &'static str,
}

const EN: Words = Words {
    replay: "_This narrative was written by a replay worker (scripted answers), not a model._",
    stages_into: |branch, head| format!("Stages merged into `{branch}` (verified head `{head}`):"),
    stage: "Stage",
    no_commits: "(the carry lists no commits)",
    no_carry: "(no carry sidecar found)",
    verification: |run, seq, verdict, head| {
        format!(
            "Final verification `{run}` (run {seq}) **{verdict}** on `{head}`; okstra ran these \
             commands on the merged task branch:"
        )
    },
    no_command: "(no command was configured)",
    command_header: "| command | exit | duration |",
    no_finding: "No converged finding remains.",
    finding_header: "| id | severity | class | title |",
    warning: "warning",
    look_at: "What a reviewer should look at:",
    no_tokens: "No run of the task recorded its tokens.",
    cost_header: "| run | input | output | cost |",
    total: "total",
};

const KO: Words = Words {
    replay: "_이 설명은 모델이 아니라 replay 워커(스크립트된 응답)가 작성했습니다._",
    stages_into: |branch, head| format!("`{branch}`에 병합된 스테이지 (검증된 head `{head}`):"),
    stage: "스테이지",
    no_commits: "(carry에 커밋이 없습니다)",
    no_carry: "(carry 사이드카가 없습니다)",
    verification: |run, seq, verdict, head| {
        format!(
            "최종 검증 `{run}` (실행 {seq}): `{head}`에서 **{verdict}** — okstra가 병합된 태스크 \
             브랜치에서 실행한 명령:"
        )
    },
    no_command: "(설정된 명령이 없습니다)",
    command_header: "| 명령 | 종료 코드 | 소요 시간 |",
    no_finding: "남은 수렴 발견 사항이 없습니다.",
    finding_header: "| id | 심각도 | 분류 | 제목 |",
    warning: "경고",
    look_at: "리뷰어가 살펴볼 점:",
    no_tokens: "토큰을 기록한 실행이 없습니다.",
    cost_header: "| 실행 | 입력 | 출력 | 비용 |",
    total: "합계",
};

/// Returns the first `max` characters of `text` (with `…` when cut).
fn bounded(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max).collect();
    cut.push('…');
    cut
}

/// Returns a worker's line as one list item: one line, bounded, inert.
fn item(text: &str) -> String {
    inert(&bounded(
        &text.split_whitespace().collect::<Vec<_>>().join(" "),
        MAX_ITEM_CHARS,
    ))
}

/// Returns worker text that cannot change the PR body's structure: a line that would open a
/// heading (`#`, or a setext underline of `=` / `-` that makes the line above one), a thematic
/// break, a fence or an HTML block (a comment that hides the rest) is escaped.
fn inert(text: &str) -> String {
    text.lines()
        .map(|line| {
            let t = line.trim_start();
            if t.starts_with('#')
                || t.starts_with("```")
                || t.starts_with("~~~")
                || is_underline_or_break(t)
            {
                format!("\\{t}")
            } else if let Some(rest) = t.strip_prefix('<') {
                format!("&lt;{rest}")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Returns whether `line` (trimmed at its start) is a setext heading underline (`===`, `---`)
/// or a thematic break (`***`, `___`, `- - -`).
fn is_underline_or_break(line: &str) -> bool {
    let marks: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(first) = marks.chars().next() else {
        return false;
    };
    matches!(first, '=' | '-' | '*' | '_')
        && marks.chars().all(|c| c == first)
        && (first == '=' || first == '-' || marks.len() >= 3)
}

/// Returns text safe in a markdown table cell: one line, `|` escaped.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// Returns the first 12 characters of a commit id.
fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// Returns a token figure, or `?` when the CLI did not report it.
fn figure(n: Option<u64>) -> String {
    n.map_or_else(|| "?".to_owned(), |n| n.to_string())
}

/// Returns the PR body's content from okstra's records and the writer's block.
pub fn build_pr_content(input: &PrInputs<'_>) -> PrContent {
    let block = input.block;
    let v = input.verification;
    let w = match input.language {
        Language::En => &EN,
        Language::Ko => &KO,
    };
    let mut summary = inert(&bounded(&block.summary, MAX_SUMMARY_CHARS));
    if input.replay {
        summary.push_str(&format!("\n\n{}", w.replay));
    }
    let mut changes = String::new();
    for line in block.changes.iter().take(MAX_ITEMS) {
        changes.push_str(&format!("- {}\n", item(line)));
    }
    if !changes.is_empty() {
        changes.push('\n');
    }
    changes.push_str(&(w.stages_into)(&v.task_branch, short(&v.verified_head)));
    changes.push_str("\n\n");
    let mut stage_numbers: Vec<u32> = v.stages.iter().map(|s| s.stage).collect();
    for s in input.stages {
        if !stage_numbers.contains(&s.stage) {
            stage_numbers.push(s.stage);
        }
    }
    for n in stage_numbers {
        let carry = input.stages.iter().find(|s| s.stage == n);
        let range = carry
            .and_then(|c| c.range.as_ref())
            .map(|(b, h)| format!(" `{}..{}`", short(b), short(h)))
            .unwrap_or_default();
        let gate = carry
            .and_then(|c| c.db_gate.as_deref())
            .filter(|g| *g != "not-applicable")
            .map(|g| format!(" (DB gate: {g})"))
            .unwrap_or_default();
        changes.push_str(&format!("- {} {n}{range}{gate}\n", w.stage));
        match carry {
            Some(c) if !c.commits.is_empty() => {
                for commit in &c.commits {
                    changes.push_str(&format!(
                        "  - `{}` {}\n",
                        short(&commit.sha),
                        item(&commit.subject)
                    ));
                }
            }
            Some(_) => changes.push_str(&format!("  - {}\n", w.no_commits)),
            None => changes.push_str(&format!("  - {}\n", w.no_carry)),
        }
    }
    let mut testing = (w.verification)(
        &v.run_id,
        v.run_seq,
        v.verdict.as_str(),
        short(&v.verified_head),
    );
    testing.push_str("\n\n");
    if v.commands.is_empty() {
        testing.push_str(&format!("{}\n", w.no_command));
    } else {
        testing.push_str(&format!("{}\n|---|---|---|\n", w.command_header));
        for c in &v.commands {
            let exit = c.exit_code.map_or_else(
                || c.note.clone().unwrap_or_else(|| "none".to_owned()),
                |e| e.to_string(),
            );
            testing.push_str(&format!(
                "| `{}` | {} | {:.1} s |\n",
                cell(&c.command).replace('`', "'"),
                cell(&exit),
                // Milliseconds to seconds for display only.
                f64::from(u32::try_from(c.duration_ms).unwrap_or(u32::MAX)) / 1000.0
            ));
        }
    }
    let mut findings = String::new();
    let left = input.findings;
    if left.is_empty() {
        findings.push_str(&format!("{}\n", w.no_finding));
    } else {
        findings.push_str(&format!("{}\n|---|---|---|---|\n", w.finding_header));
        for f in left {
            findings.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                cell(&f.id),
                f.severity.as_str(),
                f.class.as_str(),
                cell(&bounded(&f.title, MAX_ITEM_CHARS))
            ));
        }
    }
    for warning in &v.warnings {
        findings.push_str(&format!("\n> {}: {}\n", w.warning, item(warning)));
    }
    if !block.risks.is_empty() {
        findings.push_str(&format!("\n{}\n\n", w.look_at));
        for r in block.risks.iter().take(MAX_ITEMS) {
            findings.push_str(&format!("- {}\n", item(r)));
        }
    }
    if input.tokens.is_empty() {
        // Nothing recorded yet (a task whose runs kept no team state): say so, not zeros.
        return PrContent {
            title: item(&block.title),
            summary,
            changes,
            testing,
            findings,
            cost: format!("{}\n", w.no_tokens),
            language: input.language,
        };
    }
    let mut cost = format!("{}\n|---|---|---|---|\n", w.cost_header);
    let mut total = TokenUsage::default();
    for (run, t) in input.tokens {
        total = total.plus(t);
        cost.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(run),
            figure(t.input_total),
            figure(t.output),
            usd(t.cost_usd)
        ));
    }
    cost.push_str(&format!(
        "| **{}** | {} | {} | {} |\n",
        w.total,
        figure(total.input_total),
        figure(total.output),
        usd(total.cost_usd)
    ));
    PrContent {
        title: item(&block.title),
        summary,
        changes,
        testing,
        findings,
        cost,
        language: input.language,
    }
}

/// Returns a cost in USD, or `?` when unknown.
fn usd(cost: Option<f64>) -> String {
    cost.map_or_else(|| "?".to_owned(), |c| format!("${c:.2}"))
}

#[cfg(test)]
#[path = "body_tests.rs"]
mod tests;
