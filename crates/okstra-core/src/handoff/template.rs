//! Owns filling a project's pull-request template (SPEC §3, §11 `prTemplate`): the template's
//! headings and its own text are kept, in order, and okstra's content is placed under the
//! matching heading — the summary under `Summary`/`Description`, the stages under `Changes`,
//! the evidence under `Testing`/`How has this been tested?`, the remaining findings under
//! `Risks`/`Known issues`/`Notes`, the cost under `Cost`/`Tokens` (and the Korean headings a
//! `language: ko` team writes: `개요`, `변경 사항`, `테스트`, `참고 사항`, `비용` …). A part no
//! heading matches
//! is added: the summary before the first heading, the others after the template. Headings
//! are ATX (`## Title`) or a line that is only bold text (`**Title**`), never inside a fenced
//! block or an HTML comment. The template is trusted text; only the content is okstra's.

use crate::config::Language;

/// The template used when the project has none: one heading per part.
pub const BUILTIN_TEMPLATE: &str =
    "## Summary\n\n## Changes\n\n## Testing\n\n## Remaining findings\n\n## Cost\n";

/// [`BUILTIN_TEMPLATE`] for a `language: ko` project.
pub const BUILTIN_TEMPLATE_KO: &str =
    "## 요약\n\n## 변경 사항\n\n## 테스트\n\n## 남은 발견 사항\n\n## 비용\n";

/// A part of okstra's content, in the order it is added when no heading matches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Summary,
    Changes,
    Testing,
    Findings,
    Cost,
}

impl Part {
    /// Every part, in the order of the built-in template.
    pub const ALL: [Part; 5] = [
        Part::Summary,
        Part::Changes,
        Part::Testing,
        Part::Findings,
        Part::Cost,
    ];

    /// Returns the heading a part gets when the template has none for it.
    pub fn heading(self, language: Language) -> &'static str {
        match (self, language) {
            (Part::Summary, Language::En) => "Summary",
            (Part::Changes, Language::En) => "Changes",
            (Part::Testing, Language::En) => "Testing",
            (Part::Findings, Language::En) => "Remaining findings",
            (Part::Cost, Language::En) => "Cost",
            (Part::Summary, Language::Ko) => "요약",
            (Part::Changes, Language::Ko) => "변경 사항",
            (Part::Testing, Language::Ko) => "테스트",
            (Part::Findings, Language::Ko) => "남은 발견 사항",
            (Part::Cost, Language::Ko) => "비용",
        }
    }

    /// Returns the words a heading is matched on (after lowercasing), the first part whose
    /// word a heading contains winning in [`MATCH_ORDER`].
    fn keywords(self) -> &'static [&'static str] {
        match self {
            Part::Summary => &[
                "summary",
                "description",
                "overview",
                "what does this",
                "what is this",
                "motivation",
                "context",
                "why",
                "purpose",
                "about",
                // Korean templates (`language: ko` teams): overview, summary, description,
                // background, purpose.
                "개요",
                "요약",
                "설명",
                "배경",
                "목적",
            ],
            Part::Changes => &[
                "change",
                "implementation",
                "stages",
                "commits",
                "what's new",
                "what was done",
                "변경",
                "작업 내용",
                "구현",
                "커밋",
            ],
            Part::Testing => &[
                "test",
                "validation",
                "verification",
                "verify",
                "evidence",
                "qa",
                "테스트",
                "검증",
            ],
            Part::Findings => &[
                "risk",
                "finding",
                "known issue",
                "caveat",
                "concern",
                "reviewer",
                "follow-up",
                "follow up",
                "notes",
                "additional",
                "리스크",
                "위험",
                "주의",
                "참고",
                "리뷰",
                "후속",
                "발견",
            ],
            Part::Cost => &["cost", "token", "spend", "비용", "토큰"],
        }
    }
}

/// The order headings are matched in: a `Description of changes` is the summary; a
/// `Test notes` is testing.
const MATCH_ORDER: [Part; 5] = [
    Part::Cost,
    Part::Testing,
    Part::Summary,
    Part::Findings,
    Part::Changes,
];

/// Headings that look like a part but are the template's own questions, left alone.
const NEVER: &[&str] = &[
    "type of change",
    "types of changes",
    "breaking change",
    "checklist",
    "체크리스트",
    "변경 유형",
    "변경 종류",
];

/// okstra's content, one markdown text per part (an empty text is not placed).
pub trait PartText {
    /// Returns the markdown of a part.
    fn text(&self, part: Part) -> &str;

    /// Returns the language of the headings okstra adds (the built-in template's, and those
    /// of parts the template has no heading for).
    fn language(&self) -> Language {
        Language::En
    }
}

/// Returns the part a heading's text stands for, if any.
pub fn part_of_heading(heading: &str) -> Option<Part> {
    let lower = heading.to_lowercase();
    if NEVER.iter().any(|n| lower.contains(n)) {
        return None;
    }
    MATCH_ORDER.into_iter().find(|part| {
        part.keywords().iter().any(|k| {
            // Short words match whole words only (`qa` not in `quality`, `why` anywhere as a
            // word); the length is in characters, so a Korean word matches inside a phrase.
            if k.chars().count() <= 3 && k.is_ascii() {
                lower.split(|c: char| !c.is_alphanumeric()).any(|w| w == *k)
            } else {
                lower.contains(k)
            }
        })
    })
}

/// One line of the template, classified.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Line<'a> {
    /// A heading: its line and its text.
    Heading(&'a str, String),
    /// Any other line (text, a comment, a line in a fenced block).
    Text(&'a str),
}

/// Returns the heading text of an ATX heading line (`## Title ##`) or a bold-only line
/// (`**Title**`, `**Title:**`), else `None`.
fn heading_text(line: &str) -> Option<String> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let t = line.trim();
    let hashes = t.bytes().take_while(|b| *b == b'#').count();
    if (1..=6).contains(&hashes) {
        let rest = &t[hashes..];
        if rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t') {
            let text = rest.trim().trim_end_matches('#').trim();
            return (!text.is_empty()).then(|| text.to_owned());
        }
        return None;
    }
    let inner = t.strip_prefix("**")?.strip_suffix("**")?;
    let inner = inner.trim().trim_end_matches(':').trim();
    (!inner.is_empty() && !inner.contains("**")).then(|| inner.to_owned())
}

/// Splits a template into classified lines, fenced blocks and HTML comments being text.
fn classify(template: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut fence: Option<&str> = None;
    let mut in_comment = false;
    for line in template.lines() {
        let t = line.trim_start();
        if let Some(f) = fence {
            if t.starts_with(f) {
                fence = None;
            }
            out.push(Line::Text(line));
            continue;
        }
        if in_comment {
            in_comment = !line.contains("-->");
            out.push(Line::Text(line));
            continue;
        }
        if t.starts_with("```") || t.starts_with("~~~") {
            fence = Some(&t[..3]);
            out.push(Line::Text(line));
            continue;
        }
        if let Some(at) = line.find("<!--") {
            in_comment = !line[at..].contains("-->");
            out.push(Line::Text(line));
            continue;
        }
        match heading_text(line) {
            Some(text) => out.push(Line::Heading(line, text)),
            None => out.push(Line::Text(line)),
        }
    }
    out
}

/// Returns whether a line is blank or part of an HTML comment that starts the section (the
/// template's guidance, kept above okstra's content).
fn is_lead(line: &str, in_comment: &mut bool) -> bool {
    if *in_comment {
        *in_comment = !line.contains("-->");
        return true;
    }
    let t = line.trim();
    if t.is_empty() {
        return true;
    }
    if t.starts_with("<!--") {
        *in_comment = !t.contains("-->");
        return true;
    }
    false
}

/// Returns the PR body: `template` with `content` under its matching headings (see the
/// module doc). A blank template is the built-in one.
pub fn fill_template(template: &str, content: &dyn PartText) -> String {
    let template = if template.trim().is_empty() {
        match content.language() {
            Language::En => BUILTIN_TEMPLATE,
            Language::Ko => BUILTIN_TEMPLATE_KO,
        }
    } else {
        template
    };
    let lines = classify(template);
    // The first heading of each part.
    let mut owner: Vec<(usize, Part)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Line::Heading(_, text) = line
            && let Some(part) = part_of_heading(text)
            && !owner.iter().any(|(_, p)| *p == part)
        {
            owner.push((i, part));
        }
    }
    let placed = |part: Part| owner.iter().any(|(_, p)| *p == part);
    let level = lines
        .iter()
        .find_map(|l| match l {
            Line::Heading(raw, _) if raw.trim_start().starts_with('#') => Some(
                raw.trim_start()
                    .bytes()
                    .take_while(|b| *b == b'#')
                    .count()
                    .max(2),
            ),
            _ => None,
        })
        .unwrap_or(2);
    let hashes = "#".repeat(level);
    let mut out: Vec<String> = Vec::new();
    let summary = content.text(Part::Summary).trim();
    if !placed(Part::Summary) && !summary.is_empty() {
        out.push(summary.to_owned());
        out.push(String::new());
    }
    let mut i = 0;
    while i < lines.len() {
        match &lines[i] {
            Line::Text(raw) => {
                out.push((*raw).to_owned());
                i += 1;
            }
            Line::Heading(raw, _) => {
                out.push((*raw).to_owned());
                i += 1;
                let Some(part) = owner.iter().find(|(at, _)| *at == i - 1).map(|(_, p)| *p) else {
                    continue;
                };
                let text = content.text(part).trim();
                if text.is_empty() {
                    continue;
                }
                // The template's guidance (comments) stays first, then okstra's content, then
                // the rest of the template's section text (checkboxes, `Fixes #`).
                let mut in_comment = false;
                let mut lead = Vec::new();
                while let Some(Line::Text(raw)) = lines.get(i) {
                    if !is_lead(raw, &mut in_comment) {
                        break;
                    }
                    lead.push((*raw).to_owned());
                    i += 1;
                }
                while lead.last().is_some_and(|l| l.trim().is_empty()) {
                    lead.pop();
                }
                out.extend(lead);
                out.push(String::new());
                out.push(text.to_owned());
                out.push(String::new());
            }
        }
    }
    for part in Part::ALL {
        let text = content.text(part).trim();
        if part == Part::Summary || placed(part) || text.is_empty() {
            continue;
        }
        while out.last().is_some_and(|l| l.trim().is_empty()) {
            out.pop();
        }
        out.push(String::new());
        out.push(format!("{hashes} {}", part.heading(content.language())));
        out.push(String::new());
        out.push(text.to_owned());
    }
    let mut body = collapse_blank_runs(&out);
    body.push('\n');
    body
}

/// Joins lines, never leaving two blank lines in a row or blank lines at either end.
fn collapse_blank_runs(lines: &[String]) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in lines {
        let is_blank = line.trim().is_empty();
        if is_blank && (blank || out.is_empty()) {
            continue;
        }
        blank = is_blank;
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.trim_end().to_owned()
}

/// Returns the heading texts of a markdown text, in order (what the run validator and the
/// tests compare: every heading of the template is kept).
pub fn headings_of(markdown: &str) -> Vec<String> {
    classify(markdown)
        .into_iter()
        .filter_map(|l| match l {
            Line::Heading(_, text) => Some(text),
            Line::Text(_) => None,
        })
        .collect()
}

#[cfg(test)]
#[path = "template_tests.rs"]
mod tests;
