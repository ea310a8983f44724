//! Owns turning a report's data into its markdown (SPEC §7.1): the YAML front matter (with
//! `dataSha256`, the hash of the data.json it was rendered from), then the numbered sections of
//! the task type's template; and reading that front matter back.
//!
//! Rendering is a pure function of the data: templates and partials are embedded from
//! `templates/reports/` (the heading catalog by `report::headings`), nothing reads the clock or
//! the disk. Heading keywords are always English; in `ko` their translation from
//! `headings.json` follows in parentheses.
//! Deciding whether a markdown matches its data.json (hash, `approved`) is the validator's and
//! approval's job, not this file's.

use jiff::Timestamp;
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, context};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::config::Language;
use crate::findings::model::ConsensusClass;
use crate::plan::markdown::text::guard_block;
use crate::plan::render::render_plan_with;
use crate::report::data::{ReportData, ReportFinding};
use crate::report::headings::{Catalog, RenderError, heading, heading_catalog};
use crate::task_type::TaskType;

/// Every report template and partial, by the name templates import it with.
const TEMPLATES: [(&str, &str); 14] = [
    (
        "_common.md.j2",
        include_str!("../../templates/reports/_common.md.j2"),
    ),
    (
        "_findings.md.j2",
        include_str!("../../templates/reports/_findings.md.j2"),
    ),
    (
        "_workers.md.j2",
        include_str!("../../templates/reports/_workers.md.j2"),
    ),
    (
        "_rounds.md.j2",
        include_str!("../../templates/reports/_rounds.md.j2"),
    ),
    (
        "_tokens.md.j2",
        include_str!("../../templates/reports/_tokens.md.j2"),
    ),
    (
        "_gate.md.j2",
        include_str!("../../templates/reports/_gate.md.j2"),
    ),
    (
        "_stage.md.j2",
        include_str!("../../templates/reports/_stage.md.j2"),
    ),
    (
        "_final.md.j2",
        include_str!("../../templates/reports/_final.md.j2"),
    ),
    (
        "requirements-discovery.md.j2",
        include_str!("../../templates/reports/requirements-discovery.md.j2"),
    ),
    (
        "error-analysis.md.j2",
        include_str!("../../templates/reports/error-analysis.md.j2"),
    ),
    (
        "implementation-planning.md.j2",
        include_str!("../../templates/reports/implementation-planning.md.j2"),
    ),
    (
        "implementation.md.j2",
        include_str!("../../templates/reports/implementation.md.j2"),
    ),
    (
        "final-verification.md.j2",
        include_str!("../../templates/reports/final-verification.md.j2"),
    ),
    (
        "release-handoff.md.j2",
        include_str!("../../templates/reports/release-handoff.md.j2"),
    ),
];

/// What is printed for a figure or field that is unknown or empty.
const DASH: &str = "—";

/// Why a markdown's front matter cannot be read.
#[derive(Debug, Error)]
pub enum FrontmatterError {
    #[error("no front matter (the file must start with a `---` line)")]
    NoFrontMatter,
    #[error("the front matter is not closed by a `---` line")]
    Unclosed,
    #[error("the front matter does not parse")]
    Yaml(#[source] Box<serde_saphyr::Error>),
}

/// The front matter of a report markdown, as read back. Every key is optional so that plans
/// without a data.json (hand-written, or from an older okstra, SPEC §7.5) can be read too;
/// keys okstra does not know are ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarkdownFrontmatter {
    pub task_key: Option<String>,
    pub task_type: Option<TaskType>,
    pub run_id: Option<String>,
    pub run_seq: Option<u32>,
    pub stage: Option<u32>,
    pub language: Option<Language>,
    /// A plan's approval, mirrored from its data.json.
    pub approved: Option<bool>,
    /// The SHA-256 (lowercase hex) of the data.json the markdown was rendered from.
    pub data_sha256: Option<String>,
    pub generated_at: Option<Timestamp>,
    pub replay: Option<bool>,
}

/// The front matter as okstra writes it, in key order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FrontmatterOut<'a> {
    task_key: &'a str,
    task_type: TaskType,
    run_id: &'a str,
    run_seq: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    stage: Option<u32>,
    language: Language,
    #[serde(skip_serializing_if = "Option::is_none")]
    approved: Option<bool>,
    data_sha256: &'a str,
    generated_at: Timestamp,
    replay: bool,
}

/// One consensus class's findings, for the template.
#[derive(Serialize)]
struct Group<'a> {
    heading: &'static str,
    findings: Vec<&'a ReportFinding>,
}

/// The class counts with their total, for the template.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Counts {
    full_consensus: u32,
    partial_consensus: u32,
    worker_unique: u32,
    disputed: u32,
    total: u32,
}

/// Returns the lowercase hex SHA-256 of `bytes` (the `dataSha256` of a data.json).
pub fn sha256_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(digest.len() * 2);
    for byte in digest {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

/// Returns the markdown of a report: YAML front matter, then the numbered sections of its
/// task type's template. `data_sha256` is the hash of the data.json bytes the data came from.
///
/// The output is deterministic, has no trailing spaces (trailing whitespace inside narrative
/// text, such as a markdown hard break, is dropped) and ends with exactly one newline.
pub fn render_markdown(data: &ReportData, data_sha256: &str) -> Result<String, RenderError> {
    let fm = &data.frontmatter;
    let yaml = serde_saphyr::to_string(&FrontmatterOut {
        task_key: &fm.task_key,
        task_type: fm.task_type,
        run_id: &fm.run_id,
        run_seq: fm.run_seq,
        stage: fm.stage,
        language: fm.language,
        approved: fm.approved,
        data_sha256,
        generated_at: fm.generated_at,
        replay: fm.replay,
    })
    .map_err(|e| RenderError::Frontmatter(Box::new(e)))?;

    let template = template_name(fm.task_type);
    let catalog = heading_catalog()?;
    let plan_markdown = match &data.narrative.plan {
        Some(plan) => Some(render_plan_with(plan, fm.language, &catalog)?),
        None => None,
    };
    let env = environment(fm.language, catalog)?;
    let template_error = |e: minijinja::Error| RenderError::Template {
        template,
        source: Box::new(e),
    };
    let counts = &data.class_counts;
    let body = env
        .get_template(template)
        .map_err(template_error)?
        .render(context! {
            fm => Serde(fm),
            narrative => Serde(&data.narrative),
            plan_markdown => plan_markdown,
            data => Serde(data),
            groups => Serde(&groups(&data.findings)),
            counts => Serde(&Counts {
                full_consensus: counts.full_consensus,
                partial_consensus: counts.partial_consensus,
                worker_unique: counts.worker_unique,
                disputed: counts.disputed,
                total: counts.total(),
            }),
        })
        .map_err(template_error)?;

    let mut out = String::with_capacity(yaml.len() + body.len() + 16);
    out.push_str("---\n");
    out.push_str(&yaml);
    if !yaml.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("---\n\n");
    for line in body.trim_start_matches('\n').lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    Ok(out)
}

/// Returns the front matter of a report markdown (the YAML between the opening `---` line and
/// the next `---` line), read with strict booleans so `approved: yes` is not `true`.
pub fn parse_markdown_frontmatter(md: &str) -> Result<MarkdownFrontmatter, FrontmatterError> {
    let mut lines = md.split_inclusive('\n');
    let first = lines.next().ok_or(FrontmatterError::NoFrontMatter)?;
    if first.trim_end() != "---" {
        return Err(FrontmatterError::NoFrontMatter);
    }
    let start = first.len();
    let mut end = start;
    let mut closed = false;
    for line in lines {
        if line.trim_end() == "---" {
            closed = true;
            break;
        }
        end += line.len();
    }
    if !closed {
        return Err(FrontmatterError::Unclosed);
    }
    let yaml = &md[start..end];
    if yaml.trim().is_empty() {
        return Ok(MarkdownFrontmatter::default());
    }
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options(yaml, options)
        .map_err(|e| FrontmatterError::Yaml(Box::new(e)))
}

/// Returns the template that renders a task type's report.
fn template_name(task_type: TaskType) -> &'static str {
    match task_type {
        TaskType::RequirementsDiscovery => "requirements-discovery.md.j2",
        TaskType::ErrorAnalysis => "error-analysis.md.j2",
        TaskType::ImplementationPlanning => "implementation-planning.md.j2",
        TaskType::Implementation => "implementation.md.j2",
        TaskType::FinalVerification => "final-verification.md.j2",
        TaskType::ReleaseHandoff => "release-handoff.md.j2",
    }
}

/// Returns the heading keyword of a consensus class.
fn class_heading(class: ConsensusClass) -> &'static str {
    match class {
        ConsensusClass::FullConsensus => "Full Consensus",
        ConsensusClass::PartialConsensus => "Partial Consensus",
        ConsensusClass::WorkerUnique => "Worker-Unique",
        ConsensusClass::Disputed => "Disputed",
    }
}

/// Returns the findings grouped by class, in report order, without empty groups; within a
/// group in id order (`F-2` before `F-10`), whatever order the data lists them in.
fn groups(findings: &[ReportFinding]) -> Vec<Group<'_>> {
    ConsensusClass::ALL
        .into_iter()
        .map(|class| {
            let mut group: Vec<&ReportFinding> =
                findings.iter().filter(|f| f.class == class).collect();
            group.sort_by(|a, b| id_order(&a.id).cmp(&id_order(&b.id)));
            Group {
                heading: class_heading(class),
                findings: group,
            }
        })
        .filter(|group| !group.findings.is_empty())
        .collect()
}

/// Returns the sort key of a finding id: `F-<n>` by its number, any other id after those.
fn id_order(id: &str) -> (bool, u64, &str) {
    let number = id.strip_prefix("F-").and_then(|n| n.parse::<u64>().ok());
    (number.is_none(), number.unwrap_or(0), id)
}

/// Returns the template environment for a report language: every template, the `h` heading
/// filter of that language, and the formatting filters.
fn environment(language: Language, catalog: Catalog) -> Result<Environment<'static>, RenderError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    let syntax = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
        .map_err(|e| RenderError::Syntax(Box::new(e)))?;
    env.set_syntax(syntax);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .map_err(|e| RenderError::Template {
                template: name,
                source: Box::new(e),
            })?;
    }
    env.add_filter("h", move |keyword: &str| {
        heading(&catalog, language, keyword)
    });
    env.add_filter("text", text);
    env.add_filter("verbatim", verbatim);
    env.add_filter("inline", inline);
    env.add_filter("cell", cell);
    env.add_filter("names", names);
    env.add_filter("agreed", agreed);
    env.add_filter("codes", codes);
    env.add_filter("num", num);
    env.add_filter("cost", cost);
    env.add_filter("duration", duration);
    env.add_filter("sha", sha);
    env.add_filter("code", code);
    env.add_filter("exit", exit);
    env.add_filter("indented", indented);
    Ok(env)
}

/// Returns free text as a markdown block: newlines normalized, trailing and outer blank space
/// trimmed, and no line that could open a heading, a fence or an HTML block (worker text must
/// not change the document's structure); `None.` when empty.
fn text(value: &str) -> String {
    let value = guard_block(value);
    if value.is_empty() {
        "None.".to_owned()
    } else {
        value
    }
}

/// Returns text to insert verbatim (the plan body): newlines normalized, leading blank lines
/// and trailing blank space trimmed.
fn verbatim(value: &str) -> String {
    value
        .replace("\r\n", "\n")
        .trim_start_matches('\n')
        .trim_end()
        .to_owned()
}

/// Returns text on one line: every run of whitespace becomes one space; `—` when empty.
fn inline(value: &str) -> String {
    let joined = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.is_empty() {
        DASH.to_owned()
    } else {
        joined
    }
}

/// Returns a table cell: one line with `|` escaped; `—` for none or empty.
fn cell(value: Option<String>) -> String {
    value.map_or_else(|| DASH.to_owned(), |v| inline(&v).replace('|', "\\|"))
}

/// Returns a list of names joined by `, `; `—` when empty.
#[expect(
    clippy::needless_pass_by_value,
    reason = "minijinja passes filter arguments owned"
)]
fn names(values: Vec<String>) -> String {
    if values.is_empty() {
        DASH.to_owned()
    } else {
        values.join(", ")
    }
}

/// Returns who agrees with a finding: those who answered AGREE, and for a `full-consensus`
/// finding its authors first, marked — writing a finding is agreeing with it, and a finding
/// every analyser wrote has no AGREE answers at all; `—` when nobody.
#[expect(
    clippy::needless_pass_by_value,
    reason = "minijinja passes filter arguments owned"
)]
fn agreed(agreed_by: Vec<String>, authors: Vec<String>, class: String) -> String {
    let mut who: Vec<String> = Vec::new();
    if class == ConsensusClass::FullConsensus.as_str() {
        who.extend(authors.iter().map(|a| format!("{a} (author)")));
    }
    who.extend(agreed_by.iter().filter(|w| !authors.contains(w)).cloned());
    names(who)
}

/// Returns `path:line` citations as code spans joined by `, `; `—` when empty.
#[expect(
    clippy::needless_pass_by_value,
    reason = "minijinja passes filter arguments owned"
)]
fn codes(values: Vec<String>) -> String {
    if values.is_empty() {
        return DASH.to_owned();
    }
    values
        .iter()
        .map(|v| {
            let v = inline(v);
            if v.contains('`') {
                format!("`` {v} ``")
            } else {
                format!("`{v}`")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Returns a commit id as a code span of its first 12 characters; `—` for none.
fn sha(value: Option<String>) -> String {
    value.map_or_else(
        || DASH.to_owned(),
        |v| format!("`{}`", v.get(..12).unwrap_or(&v)),
    )
}

/// Returns one line as a table cell's code span (`|` escaped); `—` when empty.
fn code(value: &str) -> String {
    let v = inline(value);
    if v == DASH {
        return v;
    }
    let v = v.replace('|', "\\|");
    if v.contains('`') {
        format!("`` {v} ``")
    } else {
        format!("`{v}`")
    }
}

/// Returns an exit code; `—` when the command did not finish.
fn exit(value: Option<i32>) -> String {
    value.map_or_else(|| DASH.to_owned(), |c| c.to_string())
}

/// Returns command output as an indented code block (four spaces on every line, so no line of
/// it can open a heading, a fence or an HTML block); `(no output)` when empty.
fn indented(value: &str) -> String {
    let value = value.replace("\r\n", "\n");
    let value = value.trim_matches('\n');
    if value.trim().is_empty() {
        return "    (no output)".to_owned();
    }
    value
        .lines()
        .map(|l| format!("    {}", l.trim_end()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Returns a token figure; `—` when the CLI did not report it (never 0 for unknown).
fn num(value: Option<u64>) -> String {
    value.map_or_else(|| DASH.to_owned(), |n| n.to_string())
}

/// Returns a cost in US dollars with four decimals; `—` when unknown.
fn cost(value: Option<f64>) -> String {
    value.map_or_else(|| DASH.to_owned(), |usd| format!("${usd:.4}"))
}

/// Returns a duration in milliseconds for people: `850ms`, `12.3s`, `4m 05s`, `1h 02m`; `—`
/// when unknown.
fn duration(value: Option<u64>) -> String {
    let Some(ms) = value else {
        return DASH.to_owned();
    };
    let secs = ms / 1000;
    if ms < 1000 {
        format!("{ms}ms")
    } else if secs < 60 {
        format!("{secs}.{}s", (ms % 1000) / 100)
    } else if secs < 3600 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h {:02}m", secs / 3600, (secs % 3600) / 60)
    }
}

#[cfg(test)]
mod tests;
