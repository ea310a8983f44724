//! Owns the test every committed JSON Schema (`crates/okstra-core/schemas/`) has: it must equal
//! the schema generated from its Rust type. With `OKSTRA_UPDATE_SCHEMAS=1` a stale one is
//! rewritten and the test still fails, naming it, so a rewrite is never silent.

use crate::env_vars::OKSTRA_UPDATE_SCHEMAS;

/// Returns the schema generated from `T` as it is committed: pretty JSON and a final newline.
pub(crate) fn generated<T: schemars::JsonSchema>() -> String {
    let mut text =
        serde_json::to_string_pretty(&schemars::schema_for!(T)).expect("a schema serializes");
    text.push('\n');
    text
}

/// Asserts that each `(file name under schemas/, committed text, generated text)` agrees;
/// rewrites the stale ones when `OKSTRA_UPDATE_SCHEMAS=1`, and fails naming them either way.
pub(crate) fn assert_committed(schemas: &[(&str, &str, String)]) {
    let update = std::env::var_os(OKSTRA_UPDATE_SCHEMAS).is_some_and(|v| v == "1");
    let mut rewritten = Vec::new();
    for (name, committed, generated) in schemas {
        if committed == generated {
            continue;
        }
        if update {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("schemas")
                .join(name);
            write(&path, generated);
            rewritten.push(format!("schemas/{name}"));
            continue;
        }
        assert_eq!(
            committed, generated,
            "schemas/{name} drifted from the Rust types: rerun this test with \
             {OKSTRA_UPDATE_SCHEMAS}=1 and commit the file"
        );
    }
    assert!(
        rewritten.is_empty(),
        "rewrote {}, which had drifted from the Rust types ({OKSTRA_UPDATE_SCHEMAS}=1); review \
         and commit them, then rerun without {OKSTRA_UPDATE_SCHEMAS}",
        rewritten.join(", ")
    );
}

#[expect(
    clippy::disallowed_methods,
    reason = "a test refreshing a committed file on request"
)]
fn write(path: &std::path::Path, text: &str) {
    std::fs::write(path, text).expect("the schema file is writable");
}
