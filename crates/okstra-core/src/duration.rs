//! Owns the duration syntax of flags and `project.json` (`500ms`, `2s`, `30m`, `1h`) and its
//! display.

use std::time::Duration;

use crate::errors::DurationError;

/// Returns the duration a `<number><unit>` text names; units `ms`, `s`, `m`, `h`.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| DurationError {
            value: text.to_owned(),
        })?;
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| DurationError {
        value: text.to_owned(),
    })?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        _ => {
            return Err(DurationError {
                value: text.to_owned(),
            });
        }
    };
    if d.is_zero() {
        return Err(DurationError {
            value: text.to_owned(),
        });
    }
    Ok(d)
}

/// Returns the shortest exact text for a duration in the same syntax (`30m`, `1500ms`).
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(3_600_000) && ms > 0 {
        format!("{}h", ms / 3_600_000)
    } else if ms.is_multiple_of(60_000) && ms > 0 {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) && ms > 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// Returns a compact human display with one decimal for seconds (`1.2s`, `3m04s`).
pub fn display_elapsed(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_spec_examples() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        for bad in ["", "5", "m", "5x", "-1s", "0s", "1.5s", "s5"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for text in ["500ms", "2s", "30m", "1h", "90s"] {
            assert_eq!(format_duration(parse_duration(text).unwrap()), text);
        }
        assert_eq!(display_elapsed(Duration::from_millis(1234)), "1.2s");
        assert_eq!(display_elapsed(Duration::from_secs(184)), "3m04s");
    }
}
