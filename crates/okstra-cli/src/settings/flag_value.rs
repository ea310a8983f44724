//! Owns the value parsers of okstra's numeric flags (`--max-cost-usd`, `--max-rounds`,
//! `--deadline`). Their arguments take hyphen values (`allow_negative_numbers`,
//! `allow_hyphen_values`) so that `-1` reaches these parsers instead of being read as an
//! unknown flag; the parsers then refuse it with a message that names the value and says what
//! to give, and clap names the flag and exits 2.
//!
//! What the values mean for a run is core's (`RunSettings::resolve`); this file only reads
//! them.

use std::time::Duration;

use okstra_core::duration::parse_duration;

/// Returns an amount in US dollars: a finite number, 0 or more.
pub(crate) fn parse_usd(value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        Ok(v) if v < 0.0 => Err(format!(
            "{value:?} is negative; give an amount in USD of 0 or more (e.g. 2.50)"
        )),
        _ => Err(format!("{value:?} is not an amount in USD (e.g. 2.50)")),
    }
}

/// Returns a number of rounds: a whole number, 0 or more.
pub(crate) fn parse_rounds(value: &str) -> Result<u32, String> {
    let text = value.trim();
    if let Some(digits) = text.strip_prefix('-')
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
    {
        return Err(format!(
            "{value:?} is negative; give a number of rounds of 0 or more (e.g. 2)"
        ));
    }
    text.parse::<u32>()
        .map_err(|_| format!("{value:?} is not a number of rounds; give 0 or more (e.g. 2)"))
}

/// Returns a worker deadline (`500ms`, `2s`, `30m`, `1h`).
pub(crate) fn parse_deadline(value: &str) -> Result<Duration, String> {
    parse_duration(value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        assert_eq!(parse_usd("2.50"), Ok(2.5));
        assert_eq!(parse_usd("0"), Ok(0.0));
        assert_eq!(
            parse_usd("-1"),
            Err(r#""-1" is negative; give an amount in USD of 0 or more (e.g. 2.50)"#.into())
        );
        assert_eq!(
            parse_usd("lots"),
            Err(r#""lots" is not an amount in USD (e.g. 2.50)"#.into())
        );
        assert!(parse_usd("inf").is_err());
        assert!(parse_usd("NaN").is_err());
    }

    #[test]
    fn rounds() {
        assert_eq!(parse_rounds("2"), Ok(2));
        assert_eq!(parse_rounds("0"), Ok(0));
        assert_eq!(
            parse_rounds("-1"),
            Err(r#""-1" is negative; give a number of rounds of 0 or more (e.g. 2)"#.into())
        );
        assert_eq!(
            parse_rounds("1.5"),
            Err(r#""1.5" is not a number of rounds; give 0 or more (e.g. 2)"#.into())
        );
    }

    #[test]
    fn deadlines() {
        assert_eq!(parse_deadline("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(
            parse_deadline("-5s"),
            Err(r#""-5s" is not a duration; write e.g. 500ms, 2s, 30m or 1h"#.into())
        );
    }
}
