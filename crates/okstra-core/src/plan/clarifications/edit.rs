//! Owns the two edits okstra makes to a markdown-only plan (one without a data.json, SPEC
//! §7.5): answering a clarification item (its row of the section 1 table) and setting
//! `approved` in the front matter. Each replaces or inserts one line; every other byte of the
//! file stays as it was. Reading and writing the file is the engine's job.

use thiserror::Error;

use crate::plan::check::CLARIFICATION_STATUSES;
use crate::plan::clarifications::find_table;
use crate::plan::markdown::doc::{Doc, cell_value};
use crate::plan::markdown::text::{cell, cell_text};
use crate::report::render::{FrontmatterError, parse_markdown_frontmatter};

/// Why a markdown plan cannot be edited.
#[derive(Debug, Error)]
pub enum PlanEditError {
    #[error("the plan has no section 1 (a heading with `Clarification Items` and its table)")]
    NoSection1,
    #[error("section 1 cannot be read (line {line}: {reason})")]
    Section1 { line: u32, reason: String },
    #[error("section 1 has no item `{id}` (its items: {known})")]
    UnknownItem { id: String, known: String },
    #[error("section 1 has item `{id}` more than once (lines {lines})")]
    DuplicateItem { id: String, lines: String },
    #[error("`{status}` is not a status (use open, resolved or obsolete)")]
    BadStatus { status: String },
    #[error("the front matter is not closed by a `---` line")]
    UnclosedFrontmatter,
    #[error("the front matter does not parse after setting `approved`")]
    Frontmatter(#[source] FrontmatterError),
}

/// Returns `md` with item `id` of section 1 answered: its `answer` cell set to `answer` (one
/// line, `|` escaped; `—` when empty) and, when `status` is given, its `Status` cell set to it
/// (`open`, `resolved` or `obsolete`). Only that row's line changes. The id is matched exactly
/// first, then case-insensitively.
pub fn set_clarification_answer(
    md: &str,
    id: &str,
    answer: &str,
    status: Option<&str>,
) -> Result<String, PlanEditError> {
    let status = match status {
        Some(s) if CLARIFICATION_STATUSES.contains(&s.trim().to_lowercase().as_str()) => {
            Some(s.trim().to_lowercase())
        }
        Some(s) => {
            return Err(PlanEditError::BadStatus {
                status: s.to_owned(),
            });
        }
        None => None,
    };
    let doc = Doc::parse(md);
    let table = match find_table(&doc) {
        Ok(Some(table)) => table,
        Ok(None) => return Err(PlanEditError::NoSection1),
        Err((line, reason)) => return Err(PlanEditError::Section1 { line, reason }),
    };
    let id_of = |(_, range, cells): &(u32, std::ops::Range<usize>, Vec<std::ops::Range<usize>>)| {
        let row = doc.text(range);
        cells
            .get(table.columns[0])
            .map(|c| cell_text(&cell_value(row.get(c.clone()).unwrap_or(""))))
            .unwrap_or_default()
    };
    let wanted = id.trim();
    let mut matches: Vec<_> = table.rows.iter().filter(|r| id_of(r) == wanted).collect();
    if matches.is_empty() {
        matches = table
            .rows
            .iter()
            .filter(|r| id_of(r).eq_ignore_ascii_case(wanted))
            .collect();
    }
    let row = match matches.as_slice() {
        [row] => *row,
        [] => {
            let known: Vec<String> = table.rows.iter().map(id_of).collect();
            return Err(PlanEditError::UnknownItem {
                id: wanted.to_owned(),
                known: if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                },
            });
        }
        many => {
            let lines: Vec<String> = many.iter().map(|r| r.0.to_string()).collect();
            return Err(PlanEditError::DuplicateItem {
                id: wanted.to_owned(),
                lines: lines.join(", "),
            });
        }
    };
    let (_, range, cells) = row;
    let line = doc.text(range);
    let mut edits = vec![(table.columns[2], format!(" {} ", cell(answer)))];
    if let Some(status) = status {
        edits.push((table.columns[4], format!(" {status} ")));
    }
    // Replace from the rightmost cell so the ranges of the others stay valid.
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut new_line = line.to_owned();
    for (column, text) in edits {
        if let Some(c) = cells.get(column) {
            new_line.replace_range(c.clone(), &text);
        }
    }
    let mut out = String::with_capacity(md.len() + answer.len());
    out.push_str(&md[..range.start]);
    out.push_str(&new_line);
    out.push_str(&md[range.end..]);
    Ok(out)
}

/// Returns `md` with `approved: <approved>` in its front matter: the top-level `approved:` line
/// replaced, or one added before the closing `---`, or a front matter holding only it added
/// when the file has none. The result is read back to prove the front matter parses.
pub fn set_markdown_approved(md: &str, approved: bool) -> Result<String, PlanEditError> {
    if matches!(
        parse_markdown_frontmatter(md),
        Err(FrontmatterError::Unclosed)
    ) {
        return Err(PlanEditError::UnclosedFrontmatter);
    }
    let value = format!("approved: {approved}");
    let mut lines = md.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    let out = if first.trim_end() == "---" {
        let newline = if first.ends_with("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        let mut at = first.len();
        let mut edited = None;
        for line in lines {
            let bare = line.trim_end_matches(['\n', '\r']);
            if bare.trim_end() == "---" {
                let mut out = String::with_capacity(md.len() + value.len() + 2);
                out.push_str(&md[..at]);
                out.push_str(&value);
                out.push_str(newline);
                out.push_str(&md[at..]);
                edited = Some(out);
                break;
            }
            if bare.starts_with("approved:") {
                let ending = &line[bare.len()..];
                let mut out = String::with_capacity(md.len() + value.len());
                out.push_str(&md[..at]);
                out.push_str(&value);
                out.push_str(ending);
                out.push_str(&md[at + line.len()..]);
                edited = Some(out);
                break;
            }
            at += line.len();
        }
        edited.ok_or(PlanEditError::UnclosedFrontmatter)?
    } else {
        format!("---\n{value}\n---\n{md}")
    };
    let read = parse_markdown_frontmatter(&out).map_err(PlanEditError::Frontmatter)?;
    debug_assert_eq!(read.approved, Some(approved));
    Ok(out)
}

#[cfg(test)]
mod tests;
