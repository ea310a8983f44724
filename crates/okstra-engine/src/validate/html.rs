//! Owns the run validator's check of a report's page (`final-report-<type>-<seq>.html`): it
//! records the hash of the data.json it was rendered from, which must be the data's. A run
//! made before okstra wrote pages has none, which is not a failure.

use okstra_core::report::html::html_data_sha256;
use okstra_core::run_paths::RunPaths;

use super::Checks;

/// The check of the page.
const HTML: &str = "report-html";

/// Checks that the page, when there is one, records `sha`, the data.json's hash.
pub(super) fn check_html(c: &mut Checks, paths: &RunPaths, sha: &str) {
    let path = paths.report_html();
    if !path.exists() {
        return;
    }
    let Some(bytes) = c.read(&path, HTML) else {
        return;
    };
    let html = String::from_utf8_lossy(&bytes);
    match html_data_sha256(&html) {
        Some(recorded) if recorded == sha => {}
        Some(recorded) => c.fail(
            &path,
            HTML,
            format!(
                "dataSha256 is {recorded}, the data's hash is {sha} (`okstra render` re-renders it)"
            ),
        ),
        None => c.fail(
            &path,
            HTML,
            "it records no dataSha256 (`okstra render` re-renders it)",
        ),
    }
}
