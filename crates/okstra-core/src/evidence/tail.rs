//! Owns the output tail of a command okstra ran: the bytes it keeps while reading (a window
//! wider than the tail, so a secret across the final cut is still whole when it is redacted),
//! then redaction, then the cut to [`OUTPUT_TAIL_BYTES`] on a character boundary — always valid
//! UTF-8, whatever the command printed.

use crate::redact::Redactor;

use super::model::OUTPUT_TAIL_BYTES;

/// The most bytes of output the engine keeps while a command runs: four tails, so any secret
/// shorter than three tails that reaches into the kept tail is redacted whole.
pub const OUTPUT_WINDOW_BYTES: usize = 4 * OUTPUT_TAIL_BYTES;

/// Returns the tail of a command's output from the last bytes it printed: decoded (invalid
/// UTF-8, such as a character the window cut, becomes U+FFFD), redacted, then cut to at most
/// [`OUTPUT_TAIL_BYTES`] bytes without splitting a character.
pub fn output_tail(window: &[u8], redactor: &Redactor) -> String {
    let text = String::from_utf8_lossy(window);
    let text = redactor.redact(&text);
    let mut start = text.len().saturating_sub(OUTPUT_TAIL_BYTES);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_owned()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn the_tail_is_bounded_redacted_and_valid_utf8() {
        let redactor = Redactor::from_env(&BTreeMap::from([(
            "GH_TOKEN".to_owned(),
            "ghp_secret_value".to_owned(),
        )]));
        // A secret straddling the last OUTPUT_TAIL_BYTES: redacted before the cut.
        let mut out = "x"
            .repeat(OUTPUT_WINDOW_BYTES - OUTPUT_TAIL_BYTES - 5)
            .into_bytes();
        out.extend_from_slice(b"ghp_secret_value");
        out.extend(std::iter::repeat_n(b'y', OUTPUT_TAIL_BYTES - 11));
        let tail = output_tail(&out, &redactor);
        assert!(tail.len() <= OUTPUT_TAIL_BYTES);
        assert!(
            !tail.contains("value") && !tail.contains("ghp"),
            "{tail:.40}"
        );
        assert!(tail.ends_with('y'));

        // A cut inside a three-byte character: still valid, still bounded.
        let mut out = "한".repeat(OUTPUT_TAIL_BYTES).into_bytes();
        out.drain(..1);
        let tail = output_tail(&out, &Redactor::default());
        assert!(tail.len() <= OUTPUT_TAIL_BYTES && tail.len() > OUTPUT_TAIL_BYTES - 3);
        assert!(tail.chars().all(|c| c == '한'));
        assert_eq!(output_tail(b"ok\n", &Redactor::default()), "ok\n");
        assert_eq!(output_tail(b"\xff", &Redactor::default()), "\u{fffd}");
    }
}
