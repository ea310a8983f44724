//! Owns the run validator's check of a report's page (`final-report-<type>-<seq>.html`): it
//! records the hash of the data.json it was rendered from, which must be the data's, and it is
//! exactly what that data (with the run's records beside it) renders to — a page edited by hand
//! fails, as an edited markdown does. A run made before okstra wrote pages has none, which is
//! not a failure (`okstra render` writes it).

use std::path::Path;

use okstra_core::report::ReportData;
use okstra_core::report::html::html_data_sha256;
use okstra_core::run_paths::RunPaths;

use super::Checks;
use crate::report_file::render_page;

/// The check of the page.
const HTML: &str = "report-html";

/// Checks the page, when there is one, against the report's data (`data_path`, its bytes, the
/// data) whose hash is `sha`.
pub(super) fn check_html(
    c: &mut Checks,
    paths: &RunPaths,
    (data_path, bytes, data): (&Path, &[u8], &ReportData),
    sha: &str,
) {
    let path = paths.report_html();
    if !path.exists() {
        return;
    }
    let Some(page) = c.read(&path, HTML) else {
        return;
    };
    let page = String::from_utf8_lossy(&page);
    let hint = "`okstra render` re-renders it";
    match html_data_sha256(&page) {
        Some(recorded) if recorded != sha => c.fail(
            &path,
            HTML,
            format!("dataSha256 is {recorded}, the data's hash is {sha} ({hint})"),
        ),
        None => c.fail(&path, HTML, format!("it records no dataSha256 ({hint})")),
        Some(_) if render_page(data_path, bytes, data) != page => c.fail(
            &path,
            HTML,
            format!("was edited: it differs from what its data renders to ({hint})"),
        ),
        Some(_) => {}
    }
}
