//! Owns checking a JSON value against a JSON Schema (draft detected from `$schema`, 2020-12 for
//! schemars output) and turning every failure into a [`SchemaViolation`] that names the JSON
//! pointer of the offending value.
//!
//! Formats (`date-time` …) are validated, not just annotated; formats the validator does not
//! know (schemars' `uint32`, `double`) are ignored.
//!
//! It compiles the schema on each call: okstra checks a handful of documents per command, so a
//! cache would buy nothing. It deliberately resolves no remote `$ref`s (`jsonschema` is built
//! without its network features); schemas are embedded in the binary.

use std::fmt;

/// The longest message kept; `jsonschema` prints the offending value, which can be a whole
/// document.
const MAX_MESSAGE_CHARS: usize = 300;

/// One place where a value breaks its schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaViolation {
    /// The JSON pointer of the offending value, e.g. `/findings/0/severity`; empty for the
    /// document root.
    pub path: String,
    /// What is wrong, e.g. `"bogus" is not one of ["critical","high",…]`.
    pub message: String,
}

impl fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(root)"
        } else {
            &self.path
        };
        write!(f, "{path}: {}", self.message)
    }
}

/// Checks `value` against the JSON Schema text `schema_json`.
///
/// Returns every violation, in the order the validator finds them. A schema that is not JSON,
/// or that does not compile, is reported as one violation at the root whose message starts
/// with `invalid schema:` — for okstra's embedded schemas that is a bug the tests catch.
pub fn check_against(
    schema_json: &str,
    value: &serde_json::Value,
) -> Result<(), Vec<SchemaViolation>> {
    let schema: serde_json::Value = serde_json::from_str(schema_json).map_err(|e| {
        vec![SchemaViolation {
            path: String::new(),
            message: format!("invalid schema: not JSON: {e}"),
        }]
    })?;
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| {
            vec![SchemaViolation {
                path: String::new(),
                message: format!("invalid schema: {}", shorten(&e.to_string())),
            }]
        })?;
    let violations: Vec<SchemaViolation> = validator
        .iter_errors(value)
        .map(|error| SchemaViolation {
            path: error.instance_path().as_str().to_owned(),
            message: shorten(&error.to_string()),
        })
        .collect();
    if violations.is_empty() {
        Ok(())
    } else {
        Err(violations)
    }
}

/// Returns violations on one line as an answer's refusal says them: `<pointer>: <message>`
/// (the root written `/`), joined by `; `.
pub fn join_violations(violations: &[SchemaViolation]) -> String {
    violations
        .iter()
        .map(|v| {
            let at = if v.path.is_empty() {
                "/"
            } else {
                v.path.as_str()
            };
            format!("{at}: {}", v.message)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Returns `message` cut to [`MAX_MESSAGE_CHARS`] characters, marked with `…` when cut.
fn shorten(message: &str) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        None => message.to_owned(),
        Some((cut, _)) => format!("{}…", &message[..cut]),
    }
}

#[cfg(test)]
pub(crate) mod drift;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const SCHEMA: &str = r##"{
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}}
        },
        "required": ["items"],
        "$defs": {
            "Item": {
                "type": "object",
                "properties": {"level": {"enum": ["low", "high"]}},
                "required": ["level"],
                "additionalProperties": false
            }
        }
    }"##;

    #[test]
    fn valid_value_passes() {
        assert_eq!(
            check_against(SCHEMA, &json!({"items": [{"level": "low"}]})),
            Ok(())
        );
    }

    #[test]
    fn violations_name_their_paths() {
        let value = json!({"items": [{"level": "low"}, {"level": "mid", "extra": 1}, {}]});
        let mut violations = check_against(SCHEMA, &value).expect_err("three problems");
        violations.sort_by(|a, b| a.path.cmp(&b.path));
        let paths: Vec<&str> = violations.iter().map(|v| v.path.as_str()).collect();
        assert_eq!(paths, ["/items/1", "/items/1/level", "/items/2"]);
        assert!(violations[0].message.contains("extra"), "{violations:?}");
        assert!(violations[1].message.contains("\"mid\""), "{violations:?}");
        assert!(
            violations[2].message.contains("\"level\""),
            "{violations:?}"
        );
        assert_eq!(
            violations[1].to_string(),
            format!("/items/1/level: {}", violations[1].message)
        );

        let root = check_against(SCHEMA, &json!({})).expect_err("missing items");
        assert_eq!(root[0].path, "");
        assert!(root[0].to_string().starts_with("(root): "), "{root:?}");
    }

    #[test]
    fn a_broken_schema_is_one_root_violation() {
        let not_json = check_against("{", &json!(1)).expect_err("not JSON");
        assert_eq!(not_json.len(), 1);
        assert!(not_json[0].message.starts_with("invalid schema: not JSON"));
        let bad = check_against(r#"{"type": 12}"#, &json!(1)).expect_err("does not compile");
        assert!(bad[0].message.starts_with("invalid schema:"), "{bad:?}");
    }

    #[test]
    fn long_messages_are_shortened() {
        let long = "x".repeat(MAX_MESSAGE_CHARS + 10);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(short.ends_with('…'));
        assert_eq!(shorten("short"), "short");
    }
}
