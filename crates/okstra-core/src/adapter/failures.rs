//! Owns recognising failures in CLI text: the stderr line that names a known failure (auth,
//! quota, rate limit, model not found, untrusted folder), the HTTP status a retry message names,
//! and the reason recorded when okstra cuts a retry storm. Deciding what a failure means for the
//! attempt is the adapters' and the engine's.

/// Returns the stderr line that names a known failure (not logged in, untrusted folder,
/// 401/403, quota, rate limit, model not found), if any.
pub fn known_failure(lines: &[String]) -> Option<String> {
    const MARKERS: &[&str] = &[
        "not logged in",
        "/login",
        "auth method",
        "authenticat",
        "unauthorized",
        "forbidden",
        "api key",
        "401",
        "403",
        "429",
        "rate limit",
        "quota",
        "model not found",
        "not found: model",
        "does not exist",
        "trusted directory",
        "untrusted",
        "not inside a trusted",
        "billing",
    ];
    lines.iter().rev().find_map(|line| {
        let lower = line.to_ascii_lowercase();
        MARKERS
            .iter()
            .any(|m| lower.contains(m))
            .then(|| line.trim().to_owned())
    })
}

/// Returns the HTTP status a retry message names (`status 429`, `(429)`, `429 Too Many`).
pub fn status_in(message: &str) -> Option<u16> {
    let bytes = message.as_bytes();
    (0..bytes.len().saturating_sub(2)).find_map(|i| {
        let window = &bytes[i..i + 3];
        let before_ok = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let after_ok = bytes.get(i + 3).is_none_or(|b| !b.is_ascii_alphanumeric());
        if before_ok && after_ok && window.iter().all(u8::is_ascii_digit) {
            let n: u16 = std::str::from_utf8(window).ok()?.parse().ok()?;
            (400..600).contains(&n).then_some(n)
        } else {
            None
        }
    })
}

/// Returns the reason okstra records when it cuts a retry storm; a notice without a status is
/// quoted.
pub fn retry_storm_reason(status: Option<u16>, message: &str) -> String {
    match status {
        Some(401) => "unauthorized (HTTP 401)".to_owned(),
        Some(403) => "forbidden (HTTP 403)".to_owned(),
        Some(429) => "rate limited (HTTP 429)".to_owned(),
        Some(s) if s >= 500 => format!("server error (HTTP {s})"),
        Some(s) => format!("request refused (HTTP {s})"),
        None => format!("the CLI kept retrying: {}", message.trim()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_extraction() {
        assert_eq!(
            status_in("Reconnecting... 2/5 (unexpected status 401 Unauthorized: x)"),
            Some(401)
        );
        assert_eq!(
            status_in("API Error: Request rejected (429) · slow down"),
            Some(429)
        );
        assert_eq!(
            status_in("Attempt 3 failed with status 503. Retrying"),
            Some(503)
        );
        assert_eq!(status_in("waiting for network 2/5"), None);
        assert_eq!(status_in("port 4290"), None);
        assert_eq!(status_in("200 OK"), None);
    }

    #[test]
    fn known_failures() {
        let lines = vec![
            "warning: x".to_owned(),
            "Not logged in · Please run /login".to_owned(),
        ];
        assert_eq!(
            known_failure(&lines).as_deref(),
            Some("Not logged in · Please run /login")
        );
        assert_eq!(known_failure(&["segfault".to_owned()]), None);
    }
}
