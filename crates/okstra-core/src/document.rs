//! Owns reading the JSON documents okstra keeps and a user may edit by hand — project.json,
//! run manifests, the timeline, team state, convergence records, the registry, project meta,
//! replay fixtures and report data — so each `parse` reads them the same way: a UTF-8
//! byte-order mark (which some editors write) is dropped, an empty file is called empty, a
//! syntax error keeps its line and column, the `schemaVersion` is checked, and a value of the
//! wrong type is named by its field path (`runSeq`, `workers[0].pid`).

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::errors::DocumentError;
use crate::version::check_schema_version;

/// How a type error of the whole document names its place.
pub const TOP_LEVEL: &str = "(top level)";

/// The UTF-8 byte-order mark.
const BOM: &str = "\u{feff}";

/// Returns `text` without a leading UTF-8 byte-order mark.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix(BOM).unwrap_or(text)
}

/// Returns the JSON value of a document's text.
pub fn parse_json(text: &str) -> Result<Value, DocumentError> {
    let text = strip_bom(text);
    if text.trim().is_empty() {
        return Err(DocumentError::Empty);
    }
    serde_json::from_str(text).map_err(|e| DocumentError::from_json(&e))
}

/// Returns the JSON value of a document's bytes (report data, which is hashed as bytes).
pub fn parse_json_bytes(bytes: &[u8]) -> Result<Value, DocumentError> {
    let bytes = bytes.strip_prefix(BOM.as_bytes()).unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DocumentError::Empty);
    }
    serde_json::from_slice(bytes).map_err(|e| DocumentError::from_json(&e))
}

/// Returns a document whose `schemaVersion` is of `kind`: its text parsed, its version checked
/// (a newer major is refused), and its fields typed.
pub fn parse_versioned<T: DeserializeOwned>(text: &str, kind: &str) -> Result<T, DocumentError> {
    let value = parse_json(text)?;
    check_schema_version(kind, value.get("schemaVersion").and_then(Value::as_str))?;
    typed(value)
}

/// Returns `value` as a `T`. A value that does not fit is named by its path — dotted keys and
/// `[index]` (`runSeq`, `workers[0].pid`, `deadlines.error-analysis`) — or `(top level)` when
/// the document as a whole does not fit (a missing field, a list for an object).
pub fn typed<T: DeserializeOwned>(value: Value) -> Result<T, DocumentError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        DocumentError::Field {
            field: if path == "." {
                TOP_LEVEL.to_owned()
            } else {
                path
            },
            message: e.into_inner().to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::VersionError;

    #[test]
    fn a_byte_order_mark_is_dropped() {
        assert_eq!(strip_bom("\u{feff}{}"), "{}");
        assert_eq!(strip_bom("{}"), "{}");
        assert_eq!(parse_json("\u{feff}{\"a\": 1}").unwrap()["a"], 1);
        assert_eq!(parse_json_bytes(b"\xef\xbb\xbf{\"a\": 1}").unwrap()["a"], 1);
        // Only at the start: anywhere else it is a syntax error.
        assert!(matches!(
            parse_json("{\u{feff}}"),
            Err(DocumentError::Syntax { .. })
        ));
    }

    #[test]
    fn an_empty_document_is_called_empty() {
        for text in ["", "\u{feff}", " \n\t"] {
            assert!(
                matches!(parse_json(text), Err(DocumentError::Empty)),
                "{text:?}"
            );
            assert!(
                matches!(parse_json_bytes(text.as_bytes()), Err(DocumentError::Empty)),
                "{text:?}"
            );
        }
        assert_eq!(DocumentError::Empty.to_string(), "the file is empty");
    }

    #[test]
    fn a_versioned_document_is_checked_and_typed() {
        #[derive(serde::Deserialize)]
        struct Doc {
            n: u32,
        }
        let doc: Doc = parse_versioned("{\"schemaVersion\": \"doc/v1\", \"n\": 3}", "doc").unwrap();
        assert_eq!(doc.n, 3);
        assert!(matches!(
            parse_versioned::<Doc>("{\"schemaVersion\": \"doc/v2\", \"n\": 3}", "doc"),
            Err(DocumentError::Version(VersionError::TooNew {
                major: 2,
                ..
            }))
        ));
        assert!(matches!(
            parse_versioned::<Doc>("{\"n\": 3,}", "doc"),
            Err(DocumentError::Syntax { line: 1, .. })
        ));
    }

    #[test]
    fn a_type_error_names_its_field_path() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Worker {
            pid: u32,
        }
        #[derive(Debug, serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[allow(dead_code)]
        struct Doc {
            run_seq: u32,
            #[serde(default)]
            workers: Vec<Worker>,
        }
        let field = |text: &str| match parse_versioned::<Doc>(text, "doc") {
            Err(DocumentError::Field { field, message }) => format!("{field}: {message}"),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(r#"{"runSeq": "one"}"#),
            r#"runSeq: invalid type: string "one", expected u32"#
        );
        assert_eq!(
            field(r#"{"runSeq": 1, "workers": [{"pid": 2}, {"pid": -1}]}"#),
            "workers[1].pid: invalid value: integer `-1`, expected u32"
        );
        assert_eq!(
            field(r#"{"workers": []}"#),
            "(top level): missing field `runSeq`"
        );
    }
}
