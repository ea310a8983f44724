//! Owns reading the stages of a markdown plan's Stage Map: each `Stage N` heading (at `##` or
//! `###`, with `:` or `—`), its `depends-on:`, `Slice value:`, `Acceptance:` and
//! `TDD exemption:` lines, and its four subsections (Stepwise Execution Order, Stage
//! Validation, Stage Exit Contract, Rollback), with the line of each. The markdown-only stage
//! rules are found here: S2's heading number, S3, and `depends-on` entries that are not numbers.

use std::ops::Range;

use crate::plan::check::{At, Rule, Violation};
use crate::plan::markdown::blocks::{Heading, between, has, header_names, items, paragraphs};
use crate::plan::markdown::doc::{Doc, Kind, cell_value, split_cells};
use crate::plan::markdown::locate::{PlanLines, StageLines};
use crate::plan::markdown::text::{
    cell_text, label_value, numbered_heading, one_line, parse_depends_on, says_none, uncode,
    unguard_block, unguard_line,
};
use crate::plan::model::{PlanBody, Stage, Step};

/// A stage's subsection.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sub {
    Steps,
    Validation,
    Exit,
    Rollback,
}

impl Sub {
    const ALL: [Sub; 4] = [Sub::Steps, Sub::Validation, Sub::Exit, Sub::Rollback];

    fn of(text: &str) -> Option<Sub> {
        if has(text, "Execution Order") {
            Some(Sub::Steps)
        } else if has(text, "Stage Validation") {
            Some(Sub::Validation)
        } else if has(text, "Exit Contract") {
            Some(Sub::Exit)
        } else if has(text, "Rollback") {
            Some(Sub::Rollback)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Sub::Steps => "Stepwise Execution Order",
            Sub::Validation => "Stage Validation",
            Sub::Exit => "Stage Exit Contract",
            Sub::Rollback => "Rollback",
        }
    }
}

/// Returns whether a heading is exactly `## 5.5 Stage Map`, a translation in parentheses
/// allowed after it.
pub(crate) fn is_exact_stage_map(heading: &Heading<'_>) -> bool {
    let Some(rest) = heading.text.strip_prefix("5.5 Stage Map") else {
        return false;
    };
    let rest = rest.trim();
    heading.level == 2 && (rest.is_empty() || (rest.starts_with('(') && rest.ends_with(')')))
}

pub(crate) fn read_stages(
    doc: &Doc<'_>,
    headings: &[Heading<'_>],
    missing_keywords: &[&str],
    body: &mut PlanBody,
    lines: &mut PlanLines,
    problems: &mut Vec<Violation>,
) {
    let stages: Vec<usize> = headings
        .iter()
        .enumerate()
        .filter(|(_, h)| numbered_heading(h.text, "Stage", false).is_some())
        .map(|(i, _)| i)
        .collect();
    for (k, &index) in stages.iter().enumerate() {
        let heading = headings[index];
        let next_stage = stages.get(k + 1).copied().unwrap_or(headings.len());
        // The stage ends at the next stage, or at a heading as high as its own that is not
        // one of its subsections.
        let last = headings[index + 1..next_stage]
            .iter()
            .position(|h| h.level <= heading.level && Sub::of(h.text).is_none())
            .map_or(next_stage, |p| index + 1 + p);
        let end_block = headings.get(last).map_or(doc.blocks.len(), |h| h.block);
        let (stage, stage_lines) = read_stage(
            doc,
            &headings[index..last],
            end_block,
            missing_keywords,
            problems,
        );
        body.stages.push(stage);
        lines.stages.push(stage_lines);
    }
}

fn read_stage(
    doc: &Doc<'_>,
    headings: &[Heading<'_>],
    end_block: usize,
    missing_keywords: &[&str],
    problems: &mut Vec<Violation>,
) -> (Stage, StageLines) {
    let heading = headings[0];
    let numbered = numbered_heading(heading.text, "Stage", false).unwrap_or_else(|| {
        crate::plan::markdown::text::Numbered {
            section: None,
            number: 0,
            title: String::new(),
        }
    });
    let n = numbered.number;
    if let Some(section) = &numbered.section {
        let parts: Vec<&str> = section.split('.').collect();
        if let [_, _, index, ..] = parts.as_slice()
            && index.parse::<u32>().ok() != Some(n)
        {
            {
                problems.push(Violation {
                    rule: Rule::S2,
                    at: At::Line(heading.line),
                    message: format!(
                        "the heading numbers section {section} but names Stage {n}: the two \
                         numbers must match"
                    ),
                });
            }
        }
    }
    let mut stage = Stage {
        number: n,
        title: numbered.title,
        ..Stage::default()
    };
    let mut at = StageLines {
        heading: heading.line,
        ..StageLines::default()
    };
    // Subsections: (kind, heading, first block, end block).
    let mut subs: Vec<(Sub, &Heading<'_>, usize, usize)> = Vec::new();
    for (i, h) in headings.iter().enumerate().skip(1) {
        if let Some(sub) = Sub::of(h.text) {
            let end = headings[i + 1..]
                .iter()
                .find(|next| Sub::of(next.text).is_some() || next.level <= h.level)
                .map_or(end_block, |next| next.block);
            subs.push((sub, h, h.block + 1, end));
        }
    }
    let preamble_end = subs.first().map_or(end_block, |s| s.1.block);
    let steps_range = subs.iter().find(|s| s.0 == Sub::Steps).map(|s| s.2..s.3);
    read_labels(
        doc,
        heading.block + 1..preamble_end,
        &mut stage,
        &mut at,
        problems,
    );
    if let Some(range) = &steps_range {
        read_labels(doc, range.clone(), &mut stage, &mut at, problems);
    }
    if at.depends_on.is_none() {
        problems.push(Violation {
            rule: Rule::S5,
            at: At::Line(heading.line),
            message: format!(
                "Stage {n} has no `depends-on:` line (write `depends-on: (none)` when it needs \
                 no other stage)"
            ),
        });
    }
    let steps_from = steps_range.unwrap_or(heading.block + 1..preamble_end);
    read_steps(doc, steps_from, &mut stage, &mut at);
    for &(sub, h, from, to) in &subs {
        match sub {
            Sub::Steps => at.stepwise = at.stepwise.or(Some(h.line)),
            Sub::Validation if at.validation.is_none() => {
                at.validation = Some(h.line);
                stage.validation = commands(doc, from..to);
            }
            Sub::Exit if at.exit_contract.is_none() => {
                at.exit_contract = Some(h.line);
                let mut entries: Vec<String> =
                    items(doc, from..to).into_iter().map(|(t, _)| t).collect();
                entries.extend(paragraphs(doc, from..to));
                entries.retain(|e| !says_none(e));
                stage.exit_contract = entries;
            }
            Sub::Rollback if at.rollback.is_none() => {
                at.rollback = Some(h.line);
                let text = unguard_block(between(doc, from - 1, to));
                stage.rollback = if says_none(&text) {
                    String::new()
                } else {
                    text
                };
            }
            _ => {}
        }
    }
    for sub in Sub::ALL {
        let present =
            subs.iter().any(|s| s.0 == sub) || (sub == Sub::Steps && stage.tdd_exemption.is_some());
        // A subsection no stage has is one heading-keyword violation, not one S3 per stage.
        if !present && !missing_keywords.contains(&sub.name()) {
            problems.push(Violation {
                rule: Rule::S3,
                at: At::Line(heading.line),
                message: format!("Stage {n} has no `{}` subsection", sub.name()),
            });
        }
    }
    (stage, at)
}

/// Reads the `depends-on:`, `Slice value:`, `Acceptance:` and `TDD exemption:` lines of the
/// paragraphs and lists in `blocks`; the first of each wins.
fn read_labels(
    doc: &Doc<'_>,
    blocks: Range<usize>,
    stage: &mut Stage,
    at: &mut StageLines,
    problems: &mut Vec<Violation>,
) {
    for block in doc.blocks.get(blocks).unwrap_or(&[]) {
        if !matches!(block.kind, Kind::Paragraph | Kind::List { .. }) {
            continue;
        }
        for (offset, line) in doc.text(&block.range).lines().enumerate() {
            let line_no = block
                .line
                .saturating_add(u32::try_from(offset).unwrap_or(0));
            if at.depends_on.is_none()
                && let Some(value) =
                    label_value(line, "depends-on").or_else(|| label_value(line, "depends on"))
            {
                {
                    at.depends_on = Some(line_no);
                    let (numbers, bad) = parse_depends_on(value);
                    stage.depends_on = numbers;
                    for entry in bad {
                        problems.push(Violation {
                            rule: Rule::S5,
                            at: At::Line(line_no),
                            message: format!(
                                "Stage {}: `depends-on` entry `{entry}` is not a stage number \
                                 (write `depends-on: 1, 2` or `depends-on: (none)`)",
                                stage.number
                            ),
                        });
                    }
                    continue;
                }
            }
            let slots: [(&str, &mut Option<u32>); 3] = [
                ("Slice value", &mut at.slice_value),
                ("Acceptance", &mut at.acceptance),
                ("TDD exemption", &mut at.tdd_exemption),
            ];
            for (label, slot) in slots {
                if slot.is_some() {
                    continue;
                }
                if let Some(value) = label_value(line, label) {
                    *slot = Some(line_no);
                    let value = value.to_owned();
                    match label {
                        "Slice value" => stage.slice_value = value,
                        "Acceptance" => stage.acceptance = value,
                        _ => stage.tdd_exemption = Some(value),
                    }
                    break;
                }
            }
        }
    }
}

/// Reads the steps: the first table of `blocks` (its `action` and `files` columns), or else
/// its list items.
fn read_steps(doc: &Doc<'_>, blocks: Range<usize>, stage: &mut Stage, at: &mut StageLines) {
    let blocks_slice = doc.blocks.get(blocks.clone()).unwrap_or(&[]);
    let table = blocks_slice.iter().find_map(|b| match &b.kind {
        Kind::Table { rows } => Some(rows),
        _ => None,
    });
    let Some(rows) = table else {
        for (text, line) in items(doc, blocks) {
            stage.steps.push(Step {
                action: text,
                files: Vec::new(),
            });
            at.steps.push(line);
        }
        return;
    };
    let Some(((header, _), rows)) = rows.split_first() else {
        return;
    };
    let header = header_names(doc.text(header));
    let action = header
        .iter()
        .position(|h| h == "action")
        .unwrap_or(usize::from(header.len() > 1));
    let files = header.iter().position(|h| h == "files" || h == "file");
    for (range, line) in rows {
        let row = doc.text(range);
        let cells = split_cells(row);
        let value = |i: usize| {
            cells
                .get(i)
                .map(|c| cell_text(&cell_value(row.get(c.clone()).unwrap_or(""))))
                .unwrap_or_default()
        };
        let files = files.map(&value).unwrap_or_default();
        stage.steps.push(Step {
            action: value(action),
            files: files
                .split(',')
                .map(uncode)
                .filter(|f| !f.is_empty())
                .collect(),
        });
        at.steps.push(*line);
    }
}

/// Returns the commands of a Stage Validation: list items (a whole code span is unwrapped),
/// the lines of code blocks, and paragraph lines that are a whole code span.
fn commands(doc: &Doc<'_>, blocks: Range<usize>) -> Vec<String> {
    let mut out = Vec::new();
    for block in doc.blocks.get(blocks).unwrap_or(&[]) {
        match &block.kind {
            Kind::List { items } => {
                for (range, _) in items {
                    let text = unguard_line(&one_line(doc.text(range))).into_owned();
                    out.push(uncode(&text));
                }
            }
            Kind::Code { text } => {
                out.extend(
                    text.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned),
                );
            }
            Kind::Paragraph => {
                for line in doc.text(&block.range).lines() {
                    let line = line.trim();
                    if line.starts_with('`') && uncode(line) != line {
                        out.push(uncode(line));
                    }
                }
            }
            _ => {}
        }
    }
    out.retain(|c| !c.trim().is_empty());
    out
}
