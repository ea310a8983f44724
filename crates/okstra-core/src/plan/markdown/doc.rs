//! Owns the first pass over a markdown document: pulldown-cmark's events with their byte
//! offsets become a flat list of top-level blocks (headings, paragraphs, lists, tables, code),
//! each with its 1-based line. Headings nested in a list item or a block quote are not
//! top-level blocks, so text inside them can never open a plan section.
//!
//! Table rows keep their raw line: cells are split here by unescaped `|` the way GFM does, so a
//! row with the wrong number of cells can be told apart (pulldown-cmark pads or drops cells).

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// A markdown document split into top-level blocks.
pub(crate) struct Doc<'a> {
    pub(crate) src: &'a str,
    /// The byte offset where each line starts.
    starts: Vec<usize>,
    pub(crate) blocks: Vec<Block>,
}

/// One top-level block.
#[derive(Debug)]
pub(crate) struct Block {
    pub(crate) kind: Kind,
    pub(crate) range: Range<usize>,
    pub(crate) line: u32,
}

/// What a top-level block is.
#[derive(Debug)]
pub(crate) enum Kind {
    /// A heading: its level (1–6) and its text as written (markers and closing `#`s removed).
    Heading {
        level: u8,
        text: String,
    },
    Paragraph,
    /// A list: each item's content (without its marker) and line.
    List {
        items: Vec<(Range<usize>, u32)>,
    },
    /// A table: the header row then each body row, as the raw range of their line.
    Table {
        rows: Vec<(Range<usize>, u32)>,
    },
    /// A code block and its text.
    Code {
        text: String,
    },
    /// Anything else (quotes, HTML, front matter, rules).
    Other,
}

/// The block being collected.
struct Open {
    kind: Kind,
    start: usize,
    /// The span of the inner events of a heading, or of the current list item.
    inner: Option<Range<usize>>,
}

fn widen(span: &mut Option<Range<usize>>, range: &Range<usize>) {
    *span = Some(match span.take() {
        Some(s) => s.start.min(range.start)..s.end.max(range.end),
        None => range.clone(),
    });
}

impl<'a> Doc<'a> {
    /// Returns the blocks of `src`.
    pub(crate) fn parse(src: &'a str) -> Doc<'a> {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        let mut doc = Doc {
            src,
            starts,
            blocks: Vec::new(),
        };
        let options = Options::ENABLE_TABLES | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
        let mut depth = 0usize;
        let mut open: Option<Open> = None;
        for (event, range) in Parser::new_ext(src, options).into_offset_iter() {
            match event {
                Event::Start(tag) => {
                    if depth == 0 {
                        open = Some(Open {
                            kind: start_kind(&tag),
                            start: range.start,
                            inner: None,
                        });
                    } else if let Some(block) = open.as_mut() {
                        doc.inner_start(block, depth, &tag, &range);
                    }
                    depth += 1;
                }
                Event::End(tag) => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        if let Some(block) = open.take() {
                            doc.close(block, &range);
                        }
                    } else if let Some(block) = open.as_mut() {
                        Doc::inner_end(block, depth, tag, &range);
                    }
                }
                other => {
                    if let Some(block) = open.as_mut() {
                        if let (Kind::Code { text }, Event::Text(t)) = (&mut block.kind, &other) {
                            text.push_str(t);
                        }
                        widen(&mut block.inner, &range);
                    }
                }
            }
        }
        doc
    }

    fn inner_start(&self, block: &mut Open, depth: usize, tag: &Tag<'_>, range: &Range<usize>) {
        match (&mut block.kind, tag) {
            (Kind::List { items }, Tag::Item) if depth == 1 => {
                items.push((range.clone(), self.line(range.start)));
                block.inner = None;
            }
            (Kind::Table { rows }, Tag::TableHead | Tag::TableRow) if depth == 1 => {
                let line = self.line(range.start);
                rows.push((self.line_range(line), line));
            }
            _ => widen(&mut block.inner, range),
        }
    }

    fn inner_end(block: &mut Open, depth: usize, tag: TagEnd, range: &Range<usize>) {
        if let (Kind::List { items }, TagEnd::Item, 1) = (&mut block.kind, tag, depth) {
            if let Some(item) = items.last_mut() {
                // An empty item has no inner events: its content is empty.
                item.0 = block.inner.take().unwrap_or(range.end..range.end);
            }
        } else {
            widen(&mut block.inner, range);
        }
    }

    fn close(&mut self, mut block: Open, range: &Range<usize>) {
        if let Kind::Heading { text, .. } = &mut block.kind {
            let raw = self.src.get(block.start..range.end).unwrap_or("");
            *text = heading_text(raw)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
        }
        self.blocks.push(Block {
            line: self.line(block.start),
            kind: block.kind,
            range: block.start..range.end,
        });
    }

    /// Returns the 1-based line of a byte offset.
    pub(crate) fn line(&self, offset: usize) -> u32 {
        let line = self.starts.partition_point(|&s| s <= offset);
        u32::try_from(line).unwrap_or(u32::MAX)
    }

    /// Returns the byte range of a 1-based line, without its line ending.
    pub(crate) fn line_range(&self, line: u32) -> Range<usize> {
        let index = usize::try_from(line)
            .unwrap_or(usize::MAX)
            .saturating_sub(1);
        let start = self.starts.get(index).copied().unwrap_or(self.src.len());
        let end = self
            .starts
            .get(index + 1)
            .map_or(self.src.len(), |next| next.saturating_sub(1));
        let text = self.src.get(start..end).unwrap_or("");
        start..start + text.trim_end_matches('\r').len()
    }

    /// Returns the source text of a range ("" if the range is not on char boundaries, which
    /// ranges from the parser always are).
    pub(crate) fn text(&self, range: &Range<usize>) -> &'a str {
        self.src.get(range.clone()).unwrap_or("")
    }

    /// Returns the index of the first block at or after `from` that is a heading of level
    /// `level` or higher (a smaller number), or the number of blocks.
    pub(crate) fn section_end(&self, from: usize, level: u8) -> usize {
        self.blocks
            .iter()
            .enumerate()
            .skip(from)
            .find(|(_, b)| matches!(b.kind, Kind::Heading { level: l, .. } if l <= level))
            .map_or(self.blocks.len(), |(i, _)| i)
    }
}

/// Returns a heading's text as written: an ATX heading without its opening and closing `#`
/// sequences, a setext heading without its underline.
fn heading_text(raw: &str) -> &str {
    let raw = raw.trim_end_matches(['\n', '\r']);
    let trimmed = raw.trim_start_matches(' ');
    if trimmed.starts_with('#') {
        let rest = trimmed.trim_start_matches('#').trim();
        let without = rest.trim_end_matches('#');
        if without.is_empty() {
            ""
        } else if without.ends_with([' ', '\t']) {
            without.trim_end()
        } else {
            rest
        }
    } else {
        raw.rfind('\n').map_or(raw, |i| &raw[..i]).trim()
    }
}

fn start_kind(tag: &Tag<'_>) -> Kind {
    match tag {
        Tag::Heading { level, .. } => Kind::Heading {
            level: u8::try_from(*level as usize).unwrap_or(6),
            text: String::new(),
        },
        Tag::Paragraph => Kind::Paragraph,
        Tag::List(_) => Kind::List { items: Vec::new() },
        Tag::Table(_) => Kind::Table { rows: Vec::new() },
        Tag::CodeBlock(_) => Kind::Code {
            text: String::new(),
        },
        _ => Kind::Other,
    }
}

/// Returns the byte ranges (relative to `row`) of the cells of a raw table row: split at every
/// `|` not escaped by a backslash, without the optional leading and trailing pipes.
pub(crate) fn split_cells(row: &str) -> Vec<Range<usize>> {
    let mut pipes = Vec::new();
    let mut escaped = false;
    for (i, c) in row.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '|' => pipes.push(i),
            _ => {}
        }
    }
    let body_start = row.len() - row.trim_start().len();
    let body_end = row.trim_end().len();
    let mut start = body_start;
    let mut end = body_end;
    if pipes.first() == Some(&body_start) {
        pipes.remove(0);
        start += 1;
    }
    if body_end > start && pipes.last() == Some(&(body_end - 1)) {
        pipes.pop();
        end -= 1;
    }
    let mut cells = Vec::with_capacity(pipes.len() + 1);
    let mut at = start;
    for pipe in pipes {
        cells.push(at..pipe);
        at = pipe + 1;
    }
    cells.push(at..end.max(at));
    cells
}

/// Returns a raw cell's value: trimmed, with `\|` unescaped.
pub(crate) fn cell_value(raw: &str) -> String {
    raw.trim().replace("\\|", "|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_have_lines_and_nested_headings_are_not_blocks() {
        let md = "---\na: 1\n---\n# Title \\#\n\ntext\n- one\n- # two\n\n| a | b |\n|---|---|\n| 1 | 2 \\| 3 |\n";
        let doc = Doc::parse(md);
        let kinds: Vec<String> = doc
            .blocks
            .iter()
            .map(|b| format!("{}:{:?}", b.line, b.kind))
            .collect();
        assert!(kinds[0].starts_with("1:Other"), "{kinds:?}");
        assert_eq!(kinds[1], "4:Heading { level: 1, text: \"Title \\\\#\" }");
        assert_eq!(heading_text("## a #  \n"), "a");
        assert_eq!(heading_text("a\nb\n---\n"), "a\nb");
        assert!(kinds[2].starts_with("6:Paragraph"));
        let Kind::List { items } = &doc.blocks[3].kind else {
            panic!("a list: {kinds:?}")
        };
        let contents: Vec<&str> = items.iter().map(|(r, _)| doc.text(r).trim()).collect();
        assert_eq!(contents, ["one", "# two"]);
        let Kind::Table { rows } = &doc.blocks[4].kind else {
            panic!("a table")
        };
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].1, 12);
        let row = doc.text(&rows[1].0);
        let cells: Vec<String> = split_cells(row)
            .into_iter()
            .map(|r| cell_value(&row[r]))
            .collect();
        assert_eq!(cells, ["1", "2 | 3"]);
    }

    #[test]
    fn cells_split_like_gfm() {
        let split = |row: &str| -> Vec<String> {
            split_cells(row)
                .into_iter()
                .map(|r| cell_value(&row[r]))
                .collect()
        };
        assert_eq!(split("| a | b |"), ["a", "b"]);
        assert_eq!(split("a | b"), ["a", "b"]);
        assert_eq!(split("| a \\| b |"), ["a | b"]);
        assert_eq!(split("| a | b | c"), ["a", "b", "c"]);
        assert_eq!(split("|"), [""]);
        assert_eq!(split(""), [""]);
        assert_eq!(split("| é |"), ["é"]);
    }
}
