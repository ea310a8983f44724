//! Owns reading a whole markdown plan: the front matter's `approved`, section 1, the heading
//! keywords, the plan sections around the Stage Map (Requirement Coverage, Option Candidates
//! with their Trade-offs, Recommended Option, Validation Checklist) and the exact Stage Map
//! heading (S1). The stages themselves are read by `stage`.

use std::ops::Range;

use crate::plan::check::{At, Rule, Violation};
use crate::plan::clarifications::{Section1, parse_section_1};
use crate::plan::keywords::missing_keywords_in;
use crate::plan::markdown::blocks::{
    Heading, between, has, header_names, headings, is_section, items, paragraphs,
};
use crate::plan::markdown::doc::{Doc, Kind, cell_value, split_cells};
use crate::plan::markdown::locate::{OptionLines, PlanLines};
use crate::plan::markdown::parsed::MarkdownPlan;
use crate::plan::markdown::stage::{is_exact_stage_map, read_stages};
use crate::plan::markdown::text::{
    cell_text, label_value, numbered_heading, one_line, parse_depends_on, says_none,
    take_code_span, unguard_block, unguard_line,
};
use crate::plan::model::{
    OptionCandidate, PlanBody, RecommendedOption, RequirementCoverage, ValidationItem,
};
use crate::report::render::{FrontmatterError, parse_markdown_frontmatter};

/// Returns what a missing heading keyword's section is for, when the plan format says where
/// it goes.
fn keyword_hint(keyword: &str) -> Option<&'static str> {
    Some(match keyword {
        "Option Candidates" => "`## 5.2 Option Candidates` holds the options",
        "Trade-off" => "each option has a `#### Trade-off` list",
        "Recommended Option" => "`## 5.3 Recommended Option` names `Option <n>`",
        "Stage Map" => "`## 5.5 Stage Map` holds the stages",
        "Stage Exit Contract" => "every stage needs a `### Stage Exit Contract` subsection",
        "Stage Validation" => "every stage needs a `### Stage Validation` subsection",
        "Dependency" => "`### Dependency Graph` under the Stage Map",
        "Validation Checklist" => "`## 5.6 Validation Checklist` lists the task's commands",
        "Rollback" => "every stage needs a `### Rollback` subsection",
        "Requirement Coverage" => "`## 5.1 Requirement Coverage` maps requirements to stages",
        _ => return None,
    })
}

pub(crate) fn parse(md: &str) -> MarkdownPlan {
    let mut problems = Vec::new();
    let approved = match parse_markdown_frontmatter(md) {
        Ok(fm) => fm.approved,
        Err(FrontmatterError::NoFrontMatter) => None,
        Err(e) => {
            let cause = match &e {
                FrontmatterError::Yaml(yaml) => {
                    let text = yaml.to_string();
                    let first = text.lines().next().unwrap_or("").trim();
                    format!(": {}", first.strip_prefix("error: ").unwrap_or(first))
                }
                FrontmatterError::NoFrontMatter | FrontmatterError::Unclosed => String::new(),
            };
            let hint = if cause.contains("boolean") {
                " (write `approved: true` or `approved: false`)"
            } else {
                ""
            };
            problems.push(Violation {
                rule: Rule::Frontmatter,
                at: At::Line(1),
                message: format!("{e}{cause}{hint}"),
            });
            None
        }
    };
    let doc = Doc::parse(md);
    let (section_1, clarification_lines) = parse_section_1(&doc);
    if let Section1::Unparsable { line, reason } = &section_1 {
        problems.push(Violation {
            rule: Rule::Section1,
            at: At::Line(*line),
            message: reason.clone(),
        });
    }
    let headings = headings(&doc);
    let plan_line = headings
        .iter()
        .find(|h| h.level <= 2 && (h.text.starts_with("5.") || h.text.starts_with("5 ")))
        .map_or(1, |h| h.line);
    let missing = missing_keywords_in(headings.iter().map(|h| h.text));
    for keyword in &missing {
        problems.push(Violation {
            rule: Rule::Keyword,
            at: At::Line(plan_line),
            message: match keyword_hint(keyword) {
                Some(hint) => format!("no heading has the keyword `{keyword}` ({hint})"),
                None => format!("no heading has the keyword `{keyword}`"),
            },
        });
    }
    let mut lines = PlanLines {
        plan: plan_line,
        clarifications: clarification_lines,
        has_trade_off_heading: !missing.contains(&"Trade-off"),
        ..PlanLines::default()
    };
    let mut body = PlanBody::default();
    read_options(&doc, &headings, &mut body, &mut lines);
    read_recommended(&doc, &headings, &mut body, &mut lines);
    read_coverage(&doc, &headings, &mut body);
    read_checklist(&doc, &headings, &mut body);
    check_stage_map_heading(&headings, &mut lines, &mut problems);
    read_stages(
        &doc,
        &headings,
        &missing,
        &mut body,
        &mut lines,
        &mut problems,
    );
    MarkdownPlan {
        approved,
        section_1,
        body,
        lines,
        problems,
    }
}

fn read_options(
    doc: &Doc<'_>,
    headings: &[Heading<'_>],
    body: &mut PlanBody,
    lines: &mut PlanLines,
) {
    lines.options = headings
        .iter()
        .find(|h| is_section(h.text, "Option Candidates"))
        .map(|h| h.line);
    let options: Vec<(usize, Heading<'_>)> = headings
        .iter()
        .enumerate()
        .filter(|(_, h)| numbered_heading(h.text, "Option", true).is_some())
        .map(|(i, h)| (i, *h))
        .collect();
    for (k, (index, heading)) in options.iter().enumerate() {
        let next_option = options
            .get(k + 1)
            .map_or(doc.blocks.len(), |(_, h)| h.block);
        let end = doc
            .section_end(heading.block + 1, heading.level)
            .min(next_option);
        let title = numbered_heading(heading.text, "Option", true)
            .map(|n| n.title)
            .unwrap_or_default();
        let first_sub = headings[index + 1..]
            .iter()
            .find(|h| h.block < end)
            .map_or(end, |h| h.block);
        let summary = unguard_block(between(doc, heading.block, first_sub));
        let trade = headings[index + 1..]
            .iter()
            .take_while(|h| h.block < end)
            .find(|h| has(h.text, "trade-off") || has(h.text, "tradeoff"));
        let mut trade_offs = Vec::new();
        if let Some(trade) = trade {
            let trade_end = headings
                .iter()
                .find(|h| h.block > trade.block)
                .map_or(end, |h| h.block.min(end));
            trade_offs = items(doc, trade.block + 1..trade_end)
                .into_iter()
                .map(|(text, _)| text)
                .collect();
            if trade_offs.is_empty() {
                trade_offs = paragraphs(doc, trade.block + 1..trade_end);
            }
            trade_offs.retain(|t| !says_none(t));
        }
        let mut trade_line = trade.map(|h| h.line);
        if trade.is_none() {
            let (labelled, line) = labelled_trade_offs(doc, heading.block + 1..first_sub);
            trade_offs = labelled;
            trade_line = line;
        }
        lines.option.push(OptionLines {
            heading: heading.line,
            trade_off: trade_line,
        });
        body.options.push(OptionCandidate {
            title,
            summary,
            trade_offs,
        });
    }
    shared_trade_offs(doc, headings, &options, body, lines);
}

/// The labels a hand-written option may give its trade-offs with, longest first.
const TRADE_OFF_LABELS: [&str; 4] = ["Trade-offs", "Trade-off", "Tradeoffs", "Tradeoff"];

/// Returns the value of a `Trade-off: …` label line (bold or in a list item tolerated).
fn trade_off_label(line: &str) -> Option<&str> {
    TRADE_OFF_LABELS
        .iter()
        .find_map(|label| label_value(line, label))
}

/// Returns the trade-offs an option without a `Trade-off` heading gives in its own text: the
/// value of each `Trade-off: …` paragraph or list item, and the list right after a bare
/// `**Trade-offs:**` line; with the line of the first.
fn labelled_trade_offs(doc: &Doc<'_>, blocks: Range<usize>) -> (Vec<String>, Option<u32>) {
    let mut found = Vec::new();
    let mut first = None;
    let mut list_follows = false;
    for index in blocks {
        let Some(block) = doc.blocks.get(index) else {
            break;
        };
        match &block.kind {
            Kind::Paragraph => {
                list_follows = false;
                let text = one_line(doc.text(&block.range));
                if let Some(value) = trade_off_label(&text) {
                    first = first.or(Some(block.line));
                    if value.is_empty() {
                        list_follows = true;
                    } else {
                        found.push(unguard_line(value).into_owned());
                    }
                }
            }
            Kind::List { .. } => {
                for (text, line) in items(doc, index..index + 1) {
                    if list_follows {
                        found.push(text);
                    } else if let Some(value) = trade_off_label(&text) {
                        first = first.or(Some(line));
                        found.push(value.to_owned());
                    }
                }
                list_follows = false;
            }
            _ => list_follows = false,
        }
    }
    found.retain(|t| !t.trim().is_empty() && !says_none(t));
    (found, first)
}

/// Gives the options that have no trade-off of their own the entries of a shared `Trade-off`
/// section (a heading outside every option, as older plans wrote `## 5.2 Trade-off`) that
/// name them: list items and table rows that start with the option's label (`Option B`, `B:`,
/// `2)` …) or mention its title.
fn shared_trade_offs(
    doc: &Doc<'_>,
    headings: &[Heading<'_>],
    options: &[(usize, Heading<'_>)],
    body: &mut PlanBody,
    lines: &mut PlanLines,
) {
    let inside_an_option = |block: usize| {
        options
            .iter()
            .any(|(_, o)| block > o.block && block < doc.section_end(o.block + 1, o.level))
    };
    let Some(shared) = headings
        .iter()
        .find(|h| is_section(h.text, "Trade-off") && !inside_an_option(h.block))
    else {
        return;
    };
    let end = doc.section_end(shared.block + 1, shared.level);
    let mut entries = items(doc, shared.block + 1..end);
    for block in doc.blocks.get(shared.block + 1..end).unwrap_or(&[]) {
        if let Kind::Table { rows } = &block.kind {
            for (range, line) in rows.iter().skip(1) {
                let row = doc.text(range);
                let cells: Vec<String> = split_cells(row)
                    .into_iter()
                    .map(|r| cell_text(&cell_value(row.get(r).unwrap_or(""))))
                    .filter(|c| !c.is_empty())
                    .collect();
                entries.push((cells.join(": "), *line));
            }
        }
    }
    for (number, option) in (1u32..).zip(body.options.iter_mut()) {
        if !option.trade_offs.is_empty() {
            continue;
        }
        let named: Vec<&(String, u32)> = entries
            .iter()
            .filter(|(text, _)| names_option(text, number, &option.title))
            .collect();
        if let (Some((_, line)), Some(slot)) =
            (named.first(), lines.option.get_mut(number as usize - 1))
        {
            slot.trade_off = Some(*line);
        }
        option.trade_offs = named.into_iter().map(|(text, _)| text.clone()).collect();
    }
}

/// Returns whether a shared trade-off entry is about option `number`: it starts with `Option
/// <n|letter>` or with the bare label followed by `:`, `)`, `.` or ` -`, or it mentions the
/// option's title (a title of at least 4 characters).
fn names_option(text: &str, number: u32, title: &str) -> bool {
    let text = text.trim().trim_start_matches(['*', '_']);
    if numbered_heading(text, "Option", true).is_some_and(|n| n.number == number) {
        return true;
    }
    let letter = char::from_u32(u32::from('A') + number - 1).unwrap_or('?');
    let labels = [number.to_string(), letter.to_string()];
    let starts_with_label = labels.iter().any(|label| {
        text.strip_prefix(label.as_str()).is_some_and(|rest| {
            let rest = rest.trim_start_matches(['*', '_']);
            [":", ")", ".", " -", " —", " –"]
                .iter()
                .any(|sep| rest.starts_with(sep))
        })
    });
    let title = title.trim();
    starts_with_label
        || (title.chars().count() >= 4 && text.to_lowercase().contains(&title.to_lowercase()))
}

fn read_recommended(
    doc: &Doc<'_>,
    headings: &[Heading<'_>],
    body: &mut PlanBody,
    lines: &mut PlanLines,
) {
    let Some(heading) = headings
        .iter()
        .find(|h| is_section(h.text, "Recommended Option"))
    else {
        return;
    };
    lines.recommended = Some(heading.line);
    let end = doc.section_end(heading.block + 1, heading.level);
    let text = between(doc, heading.block, end).trim();
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let first = first.trim().trim_start_matches(['*', '_']);
    let option = numbered_heading(first, "Option", true).map_or(0, |n| n.number);
    body.recommended_option = RecommendedOption {
        option,
        rationale: unguard_block(rest),
    };
}

fn read_coverage(doc: &Doc<'_>, headings: &[Heading<'_>], body: &mut PlanBody) {
    let Some(heading) = headings
        .iter()
        .find(|h| is_section(h.text, "Requirement Coverage"))
    else {
        return;
    };
    let end = doc.section_end(heading.block + 1, heading.level);
    let Some(rows) = doc.blocks[heading.block + 1..end]
        .iter()
        .find_map(|b| match &b.kind {
            Kind::Table { rows } => Some(rows),
            _ => None,
        })
    else {
        return;
    };
    let Some(((header, _), rows)) = rows.split_first() else {
        return;
    };
    let header = header_names(doc.text(header));
    let column =
        |name: &str, fallback: usize| header.iter().position(|h| h == name).unwrap_or(fallback);
    let (requirement, stages, note) = (
        column("requirement", 0),
        column("stages", 1),
        column("note", 2),
    );
    for (range, _) in rows {
        let row = doc.text(range);
        let cells = split_cells(row);
        let value = |i: usize| {
            cells
                .get(i)
                .map(|c| cell_text(&cell_value(row.get(c.clone()).unwrap_or(""))))
                .unwrap_or_default()
        };
        body.requirement_coverage.push(RequirementCoverage {
            requirement: value(requirement),
            stages: parse_depends_on(&value(stages)).0,
            note: value(note),
        });
    }
}

fn read_checklist(doc: &Doc<'_>, headings: &[Heading<'_>], body: &mut PlanBody) {
    let Some(heading) = headings
        .iter()
        .find(|h| is_section(h.text, "Validation Checklist"))
    else {
        return;
    };
    let end = doc.section_end(heading.block + 1, heading.level);
    for (text, _) in items(doc, heading.block + 1..end) {
        let item = match take_code_span(&text) {
            Some((command, rest)) => {
                let rest = rest.trim_start();
                let purpose = ["—", "–", "-", ":"]
                    .iter()
                    .find_map(|sep| rest.strip_prefix(sep))
                    .unwrap_or(rest);
                ValidationItem {
                    command,
                    purpose: purpose.trim().to_owned(),
                }
            }
            None => ValidationItem {
                command: text,
                purpose: String::new(),
            },
        };
        body.validation_checklist.push(item);
    }
    for block in &doc.blocks[heading.block + 1..end] {
        if let Kind::Code { text } = &block.kind {
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                body.validation_checklist.push(ValidationItem {
                    command: line.to_owned(),
                    purpose: String::new(),
                });
            }
        }
    }
}

/// S1: the Stage Map heading must be exactly `## 5.5 Stage Map` (a translation in parentheses
/// may follow). A plan with no Stage Map heading at all breaks the keyword rule instead.
fn check_stage_map_heading(
    headings: &[Heading<'_>],
    lines: &mut PlanLines,
    problems: &mut Vec<Violation>,
) {
    let candidates: Vec<&Heading<'_>> = headings
        .iter()
        .filter(|h| is_section(h.text, "Stage Map"))
        .collect();
    if let Some(exact) = candidates.iter().find(|h| is_exact_stage_map(h)) {
        lines.stage_map = Some(exact.line);
        return;
    }
    if let Some(first) = candidates.first() {
        lines.stage_map = Some(first.line);
        let hashes = "#".repeat(usize::from(first.level));
        problems.push(Violation {
            rule: Rule::S1,
            at: At::Line(first.line),
            message: format!(
                "the Stage Map heading must be exactly `## 5.5 Stage Map` (a translation in \
                 parentheses may follow), not `{hashes} {}`",
                first.text
            ),
        });
    }
}
