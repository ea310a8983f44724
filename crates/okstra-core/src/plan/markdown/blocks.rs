//! Owns what the readers of a markdown plan share over a document's top-level blocks: its
//! headings, whether a heading opens a plan section (never a `Stage N` or `Option N` heading,
//! whose title may say anything), the source between two blocks, and the list items,
//! paragraphs and table header names of a range of blocks. `body`, `stage` and section 1
//! (`plan::clarifications`) all read with these; this file imports only `doc` and `text`.

use std::ops::Range;

use crate::plan::markdown::doc::{Doc, Kind, cell_value, split_cells};
use crate::plan::markdown::text::{numbered_heading, one_line, unguard_line};

/// A top-level heading: its block index, level, text and line.
#[derive(Clone, Copy)]
pub(crate) struct Heading<'d> {
    pub(crate) block: usize,
    pub(crate) level: u8,
    pub(crate) text: &'d str,
    pub(crate) line: u32,
}

/// Returns the top-level headings of a document.
pub(crate) fn headings<'d>(doc: &'d Doc<'_>) -> Vec<Heading<'d>> {
    doc.blocks
        .iter()
        .enumerate()
        .filter_map(|(block, b)| match &b.kind {
            Kind::Heading { level, text } => Some(Heading {
                block,
                level: *level,
                text,
                line: b.line,
            }),
            _ => None,
        })
        .collect()
}

/// Returns whether a heading's text contains `keyword`, case-insensitively.
pub(crate) fn has(text: &str, keyword: &str) -> bool {
    text.to_lowercase().contains(&keyword.to_lowercase())
}

/// Returns whether a heading opens the plan section named by `keyword`: it contains the
/// keyword (case-insensitively) and is not a `Stage N` or `Option N` heading, whose title may
/// say anything.
pub(crate) fn is_section(text: &str, keyword: &str) -> bool {
    has(text, keyword) && !is_item_heading(text)
}

/// Returns whether a heading is a `Stage N` or `Option N` heading.
pub(crate) fn is_item_heading(text: &str) -> bool {
    numbered_heading(text, "Stage", false).is_some()
        || numbered_heading(text, "Option", true).is_some()
}

/// Returns the source between the end of block `from` and the start of block `to` (or the
/// end of the document).
pub(crate) fn between<'a>(doc: &Doc<'a>, from: usize, to: usize) -> &'a str {
    let start = doc.blocks.get(from).map_or(doc.src.len(), |b| b.range.end);
    let end = doc.blocks.get(to).map_or(doc.src.len(), |b| b.range.start);
    doc.src.get(start..end.max(start)).unwrap_or("")
}

/// Returns the text of each list item of `blocks` on one line, unguarded, with its line.
pub(crate) fn items(doc: &Doc<'_>, blocks: Range<usize>) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    for block in doc.blocks.get(blocks).unwrap_or(&[]) {
        if let Kind::List { items } = &block.kind {
            for (range, line) in items {
                out.push((unguard_line(&one_line(doc.text(range))).into_owned(), *line));
            }
        }
    }
    out
}

/// Returns each paragraph of `blocks` on one line, unguarded.
pub(crate) fn paragraphs(doc: &Doc<'_>, blocks: Range<usize>) -> Vec<String> {
    doc.blocks
        .get(blocks)
        .unwrap_or(&[])
        .iter()
        .filter(|b| matches!(b.kind, Kind::Paragraph))
        .map(|b| unguard_line(&one_line(doc.text(&b.range))).into_owned())
        .collect()
}

/// Returns a table header's column names, lowercased, without emphasis.
pub(crate) fn header_names(row: &str) -> Vec<String> {
    split_cells(row)
        .into_iter()
        .map(|r| {
            cell_value(row.get(r).unwrap_or(""))
                .trim_matches(['*', '_', '`'])
                .trim()
                .to_lowercase()
        })
        .collect()
}
