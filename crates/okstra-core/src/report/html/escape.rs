//! Owns escaping text for HTML and SVG: every string from a report (worker-written text
//! included) goes through [`esc`] before it reaches a page, in text and in attributes alike;
//! and clipping labels to the display columns a fixed box has room for.

/// Returns `text` with `& < > " '` escaped, safe in element text and quoted attributes.
/// Line ends are normalised as the markdown renderer does: `\r\n` becomes `\n`, and a lone
/// `\r` (an old Mac line end) becomes `\n` too, so CRLF worker text shows no replacement
/// character at every line end.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            // Control characters other than newline and tab have no place in a page (and are
            // not allowed in XML, which the SVG parts must be).
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Returns `text` cut to `max` display columns, with `…` when cut (for labels in fixed
/// boxes): an East Asian wide or fullwidth character (Hangul, CJK, kana, fullwidth forms,
/// most emoji) takes two columns, any other character one.
pub(crate) fn clip(text: &str, max: usize) -> String {
    if columns(text) <= max {
        return text.to_owned();
    }
    // Room for the ellipsis, which takes one column.
    let budget = max.saturating_sub(1);
    let mut used = 0;
    let mut cut = String::new();
    for c in text.chars() {
        used += width(c);
        if used > budget {
            break;
        }
        cut.push(c);
    }
    cut.push('…');
    cut
}

/// Returns the display columns of `text`.
pub(crate) fn columns(text: &str) -> usize {
    text.chars().map(width).sum()
}

/// Returns 2 for an East Asian wide or fullwidth character, else 1. The ranges are the wide
/// (W) and fullwidth (F) blocks of Unicode's `EastAsianWidth.txt`, coarsened to whole blocks:
/// a label only needs not to overflow, and erring wide clips a little early.
fn width(c: char) -> usize {
    let wide = matches!(
        u32::from(c),
        0x1100..=0x115F // Hangul Jamo initials
        | 0x2E80..=0x303E // CJK radicals, Kangxi, CJK symbols and punctuation
        | 0x3041..=0x33FF // kana, Bopomofo, Hangul compatibility Jamo, CJK compatibility
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xA000..=0xA4CF // Yi
        | 0xA960..=0xA97F // Hangul Jamo extended A
        | 0xAC00..=0xD7A3 // Hangul syllables
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0xFE10..=0xFE19 // vertical forms
        | 0xFE30..=0xFE6F // CJK compatibility forms, small form variants
        | 0xFF00..=0xFF60 // fullwidth forms
        | 0xFFE0..=0xFFE6 // fullwidth signs
        | 0x1F300..=0x1F64F // pictographs, emoticons
        | 0x1F900..=0x1F9FF // supplemental symbols and pictographs
        | 0x20000..=0x3FFFD // CJK extensions B and later
    );
    if wide { 2 } else { 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls_are_neutralised() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(esc("a\u{1b}[2Jb\n\tc"), "a\u{fffd}[2Jb\n\tc");
    }

    #[test]
    fn crlf_line_ends_are_plain_newlines_not_replacement_characters() {
        assert_eq!(esc("one\r\ntwo\r\n"), "one\ntwo\n");
        assert_eq!(esc("old\rmac\r"), "old\nmac\n");
        assert!(!esc("a\r\nb\rc\r\n\r\n").contains('\u{fffd}'));
    }

    #[test]
    fn clipping_counts_display_columns_not_characters_or_bytes() {
        // Hangul syllables take two columns: 검증 (4) + space (1) + … (1) = 6.
        assert_eq!(clip("검증 단계입니다", 6), "검증 …");
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("abcdefgh", 5), "abcd…");
        assert_eq!(columns("결제 a"), 6);
        // A clipped label never takes more columns than it was given.
        for text in [
            "결제 금액을 센트 단위 정수로 바꾸는 단계",
            "一二三四五六七八九十一二三",
            "ａｂｃｄｅｆｇｈｉｊｋｌ",
            "plain ascii words that go on",
        ] {
            for max in 1..30 {
                assert!(columns(&clip(text, max)) <= max, "{text} at {max}");
            }
        }
    }
}
