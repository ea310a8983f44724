//! Owns escaping text for HTML and SVG: every string from a report (worker-written text
//! included) goes through [`esc`] before it reaches a page, in text and in attributes alike.

/// Returns `text` with `& < > " '` escaped, safe in element text and quoted attributes.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than newline and tab have no place in a page (and are
            // not allowed in XML, which the SVG parts must be).
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Returns `text` cut to `max` characters, with `…` when cut (for labels in fixed boxes).
pub(crate) fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
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
    fn clipping_counts_characters_not_bytes() {
        assert_eq!(clip("검증 단계입니다", 4), "검증 …");
        assert_eq!(clip("short", 10), "short");
    }
}
