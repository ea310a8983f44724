//! Owns the HTML sibling of every report, `final-report-<type>-<seq>.html`: one
//! self-contained page (inline CSS and SVG, no script, no network), rendered from the same
//! report data as the markdown plus the run's team state (for the worker timeline) and, for
//! final verification and hand-off, the task's Stage Map with each stage's state. Pure and
//! deterministic; writing it is the engine's. Also a task's overview page (`overview`).

mod dag;
mod escape;
mod findings;
mod labels;
mod overview;
mod page;
mod plan;
mod stage;
mod style;
mod workers;

#[cfg(test)]
mod tests;

pub use overview::{OverviewInput, OverviewRun, latest_pages, render_overview};
pub use page::{DATA_SHA256_META, HtmlInput, html_data_sha256, render_html};
