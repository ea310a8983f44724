//! Owns section 1 of a plan (SPEC §7.2): the clarification items table (`id`, `question`,
//! `answer`, `Blocks`, `Status`), read from markdown; which items block approval; and the
//! line-splice edits of a markdown-only plan (answering an item, setting `approved`) in
//! `edit`. A section 1 that exists but cannot be read is [`Section1::Unparsable`], never "no
//! blockers".

mod edit;

use std::ops::Range;

use crate::plan::markdown::blocks::{header_names, is_section};
use crate::plan::markdown::doc::{Doc, Kind, cell_value, split_cells};
use crate::plan::markdown::text::cell_text;
use crate::report::data::Clarification;

pub use edit::{PlanEditError, set_clarification_answer, set_markdown_approved};

/// The columns section 1's table must have (matched case-insensitively; others are ignored).
pub const CLARIFICATION_COLUMNS: [&str; 5] = ["id", "question", "answer", "Blocks", "Status"];

/// Other names a hand-written (or Korean) section 1 gives each column, lowercase.
const COLUMN_ALIASES: [(&str, &[&str]); 5] = [
    ("id", &["#", "no", "no.", "번호", "item"]),
    ("question", &["질문", "clarification", "item question"]),
    ("answer", &["답변", "답", "resolution", "decision"]),
    ("blocks", &["blocking", "blocks?", "차단"]),
    ("status", &["상태", "state"]),
];

/// Returns whether a table header cell (lowercased) names the column `name`: the name itself,
/// the name with a translation after it (`Question (질문)`), a translation with the name in
/// parentheses (`질문 (Question)`), or one of the column's known other names.
fn column_matches(header: &str, name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let header = header.trim();
    let head = header.split(" (").next().unwrap_or(header).trim();
    head == name
        || header.contains(&format!("({name})"))
        || COLUMN_ALIASES
            .iter()
            .filter(|(column, _)| *column == name)
            .any(|(_, aliases)| aliases.contains(&head))
}

/// Section 1 of a markdown plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Section1 {
    /// No heading (`#` or `##`, not a stage's or an option's) with `Clarification` in it.
    Absent,
    /// The table's rows, in order.
    Items(Vec<Clarification>),
    /// The section exists but cannot be read: where and why.
    Unparsable { line: u32, reason: String },
}

/// Returns the items that block approval: `Blocks` names `approval` (case-insensitively) and
/// the status is neither `resolved` nor `obsolete` (its first word).
pub fn approval_blockers(items: &[Clarification]) -> Vec<&Clarification> {
    items
        .iter()
        .filter(|item| {
            item.blocks.to_ascii_lowercase().contains("approval") && !is_settled(&item.status)
        })
        .collect()
}

/// Returns whether a status settles an item: its first word is `resolved` or `obsolete`
/// (case-insensitively, emphasis and punctuation ignored), so `Resolved (2026-06-10)` does.
fn is_settled(status: &str) -> bool {
    let first = status
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_ascii_lowercase();
    first == "resolved" || first == "obsolete"
}

/// Section 1's table as found in the document, with the raw position of every row.
pub(crate) struct Table {
    /// The index of each required column, in [`CLARIFICATION_COLUMNS`] order.
    pub(crate) columns: [usize; 5],
    /// Each body row: its line, the byte range of the line, and its cells' ranges (relative
    /// to the line).
    pub(crate) rows: Vec<(u32, Range<usize>, Vec<Range<usize>>)>,
}

/// Returns section 1 of a document and the line of each item.
pub(crate) fn parse_section_1(doc: &Doc<'_>) -> (Section1, Vec<u32>) {
    match find_table(doc) {
        Ok(None) => (Section1::Absent, Vec::new()),
        Err((line, reason)) => (Section1::Unparsable { line, reason }, Vec::new()),
        Ok(Some(table)) => {
            let mut items = Vec::with_capacity(table.rows.len());
            let mut lines = Vec::with_capacity(table.rows.len());
            for (line, range, cells) in &table.rows {
                let row = doc.text(range);
                let value = |column: usize| {
                    cells
                        .get(table.columns[column])
                        .map(|c| cell_text(&cell_value(row.get(c.clone()).unwrap_or(""))))
                        .unwrap_or_default()
                };
                let answer = value(2);
                items.push(Clarification {
                    id: value(0),
                    question: value(1),
                    answer: (!answer.is_empty()).then_some(answer),
                    blocks: value(3),
                    status: value(4),
                });
                lines.push(*line);
            }
            (Section1::Items(items), lines)
        }
    }
}

/// Returns section 1's table: `Ok(None)` when there is no section 1, `Err((line, reason))`
/// when it cannot be read.
pub(crate) fn find_table(doc: &Doc<'_>) -> Result<Option<Table>, (u32, String)> {
    let Some((start, level, heading_line)) =
        doc.blocks
            .iter()
            .enumerate()
            .find_map(|(i, b)| match &b.kind {
                Kind::Heading { level, text }
                    if *level <= 2 && is_section(text, "clarification") =>
                {
                    Some((i, *level, b.line))
                }
                _ => None,
            })
    else {
        return Ok(None);
    };
    let end = doc.section_end(start + 1, level);
    let blocks = &doc.blocks[start + 1..end];
    let Some(rows) = blocks.iter().find_map(|b| match &b.kind {
        Kind::Table { rows } => Some(rows),
        _ => None,
    }) else {
        let says_none = blocks.iter().all(|b| {
            matches!(b.kind, Kind::Paragraph) && {
                let text = doc
                    .text(&b.range)
                    .trim()
                    .trim_end_matches('.')
                    .to_lowercase();
                ["none", "no clarification items", "n/a"].contains(&text.as_str())
            }
        });
        return if says_none {
            Ok(Some(Table {
                columns: [0, 1, 2, 3, 4],
                rows: Vec::new(),
            }))
        } else {
            Err((
                heading_line,
                "section 1 has no clarification table (| id | question | answer | Blocks | \
                 Status |)"
                    .to_owned(),
            ))
        };
    };
    let Some(((header_range, header_line), body)) = rows.split_first() else {
        return Err((heading_line, "section 1's table is empty".to_owned()));
    };
    let header_text = doc.text(header_range);
    let header = header_names(header_text);
    let mut columns = [0usize; 5];
    for (slot, name) in columns.iter_mut().zip(CLARIFICATION_COLUMNS) {
        *slot = header
            .iter()
            .position(|h| column_matches(h, name))
            .ok_or_else(|| {
                (
                    *header_line,
                    format!(
                        "section 1's table has no `{name}` column (it needs | id | question | \
                         answer | Blocks | Status |)"
                    ),
                )
            })?;
    }
    let mut table_rows = Vec::with_capacity(body.len());
    for (range, line) in body {
        let cells = split_cells(doc.text(range));
        if cells.len() != header.len() {
            return Err((
                *line,
                format!(
                    "this row of section 1 has {} cells, its header has {}",
                    cells.len(),
                    header.len()
                ),
            ));
        }
        table_rows.push((*line, range.clone(), cells));
    }
    Ok(Some(Table {
        columns,
        rows: table_rows,
    }))
}

#[cfg(test)]
mod tests;
