//! Owns the two JSON helpers the adapters' stream parsers share: reading one output line as a
//! JSON object, and a number field as u64. What the fields mean is each adapter's business.

/// Parses a line as a JSON object, or `None` for non-JSON lines (banners, warnings).
pub(crate) fn json_line(line: &str) -> Option<serde_json::Value> {
    let t = line.trim();
    if !t.starts_with('{') {
        return None;
    }
    serde_json::from_str(t).ok()
}

/// Returns a JSON number as u64 when present.
pub(crate) fn num(v: &serde_json::Value, key: &str) -> Option<u64> {
    v.get(key).and_then(serde_json::Value::as_u64)
}
