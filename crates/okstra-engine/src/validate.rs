//! Owns the run validator (SPEC §7.4): the manifest; every prompt (anchor headers); a result
//! file with a valid header for every completed worker; the report data against its schema; the
//! markdown present, its `dataSha256` equal to the data's hash and its bytes equal to what the
//! data renders to; the report's classes equal to those recomputed from the convergence record;
//! every field okstra fills itself, assembled again from the run's state files and compared;
//! and, for plans, the approval mirror, the required heading keywords, the plan-body gate
//! record and the Stage Map rules (`validate/plan.rs`; an imported plan, which has no workers
//! and no data, is validated from its markdown); for implementation runs, the stage's
//! evidence, decision, carry and ledger rows (`validate/implementation.rs`); for final
//! verifications, the verdict record (`validate/final_verification.rs`); for release hand-offs,
//! the PR body and the verification it rests on (`validate/handoff.rs`). Every failure
//! names its path, and every check made is kept with the file it concerns, so a caller can
//! show what passed too.

use std::path::{Path, PathBuf};

use okstra_core::TaskType;
use okstra_core::document::parse_json_bytes;
use okstra_core::findings::converge::ConvergenceState;
use okstra_core::manifest::RunManifest;
use okstra_core::plan::missing_plan_keywords;
use okstra_core::prompt::has_anchor_headers;
use okstra_core::report::{
    ReportData, bookkeeping_differences, parse_markdown_frontmatter, render_markdown, sha256_hex,
    validate_report_value,
};
use okstra_core::result_header::{HeaderExpectation, check_result};
use okstra_core::run_paths::RunPaths;
use okstra_core::status::WorkerStatus;
use okstra_core::team_state::TeamState;

mod final_verification;
mod handoff;
mod html;
mod implementation;
mod plan;

/// One failed check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationFailure {
    pub path: PathBuf,
    /// The check's name (`manifest`, `prompt`, `result-header`, `report-schema`, …).
    pub check: &'static str,
    pub message: String,
}

impl std::fmt::Display for ValidationFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: [{}] {}",
            self.path.display(),
            self.check,
            self.message
        )
    }
}

/// One check the validator made on one file: passed when it has no failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationCheck {
    pub path: PathBuf,
    /// The check's name, as in [`ValidationFailure::check`].
    pub check: &'static str,
    /// What failed, in the order found; empty when the check passed.
    pub failures: Vec<String>,
}

impl ValidationCheck {
    /// Returns whether the check passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The checks made so far (each file and check once, in the order first made) and the
/// failures found, in order.
#[derive(Default)]
struct Checks {
    made: Vec<(PathBuf, &'static str)>,
    failures: Vec<ValidationFailure>,
}

impl Checks {
    /// Records that `check` is made on `path` (once).
    fn check(&mut self, path: &Path, check: &'static str) {
        if !self.made.iter().any(|(p, c)| p == path && *c == check) {
            self.made.push((path.to_path_buf(), check));
        }
    }

    fn fail(&mut self, path: &Path, check: &'static str, message: impl Into<String>) {
        self.check(path, check);
        self.failures.push(ValidationFailure {
            path: path.to_path_buf(),
            check,
            message: message.into(),
        });
    }

    /// Returns every check made, with its failures.
    fn into_checks(self) -> Vec<ValidationCheck> {
        let failures = self.failures;
        self.made
            .into_iter()
            .map(|(path, check)| ValidationCheck {
                failures: failures
                    .iter()
                    .filter(|f| f.path == path && f.check == check)
                    .map(|f| f.message.clone())
                    .collect(),
                path,
                check,
            })
            .collect()
    }

    fn read(&mut self, path: &Path, check: &'static str) -> Option<Vec<u8>> {
        self.check(path, check);
        match fs_err::read(path) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                self.fail(path, check, format!("cannot read it: {e}"));
                None
            }
        }
    }
}

/// Validates the run a manifest describes; returns its failures.
pub fn validate_run(manifest: &RunManifest) -> Vec<ValidationFailure> {
    validate_run_dir(&manifest.paths(), manifest)
}

/// Validates the run a manifest describes; returns every check made, passed or failed, in
/// order. A check that could not be made (the report data is missing, so its schema is not
/// checked) is not in the list.
pub fn validate_run_checks(manifest: &RunManifest) -> Vec<ValidationCheck> {
    run_checks(&manifest.paths(), manifest).into_checks()
}

/// Validates the run at `paths` whose manifest (as okstra holds it) is `manifest`.
pub(crate) fn validate_run_dir(paths: &RunPaths, manifest: &RunManifest) -> Vec<ValidationFailure> {
    run_checks(paths, manifest).failures
}

fn run_checks(paths: &RunPaths, manifest: &RunManifest) -> Checks {
    let mut c = Checks::default();
    let root = PathBuf::from(&manifest.project_root);
    let manifest_path = paths.manifest();
    if let Some(bytes) = c.read(&manifest_path, "manifest") {
        match RunManifest::parse(&String::from_utf8_lossy(&bytes)) {
            Ok(m) if m.run_id != manifest.run_id => {
                c.fail(
                    &manifest_path,
                    "manifest",
                    format!("names run {} instead of {}", m.run_id, manifest.run_id),
                );
            }
            Ok(_) => {}
            Err(e) => c.fail(&manifest_path, "manifest", e.to_string()),
        }
    }
    if manifest.is_imported() {
        plan::check_imported(&mut c, paths);
        return c;
    }
    let run_id = manifest.run_id.to_string();
    let team_path = paths.team_state();
    let team = c.read(&team_path, "team-state").and_then(|bytes| {
        match TeamState::parse(&String::from_utf8_lossy(&bytes)) {
            Ok(t) => Some(t),
            Err(e) => {
                c.fail(&team_path, "team-state", e.to_string());
                None
            }
        }
    });
    if let Some(team) = &team {
        for row in &team.workers {
            for attempt in &row.attempts {
                if let Some(prompt) = &attempt.prompt_path {
                    let path = root.join(prompt);
                    if let Some(bytes) = c.read(&path, "prompt")
                        && !has_anchor_headers(&String::from_utf8_lossy(&bytes))
                    {
                        c.fail(
                            &path,
                            "prompt",
                            "does not start with the five anchor headers",
                        );
                    }
                }
            }
            if row.status() != WorkerStatus::Completed {
                continue;
            }
            let Some(last) = row.attempts.last() else {
                c.fail(
                    &team_path,
                    "result-header",
                    format!("{} is completed but has no attempt", row.worker),
                );
                continue;
            };
            let Some(result) = last.result_path.as_ref() else {
                c.fail(
                    &team_path,
                    "result-header",
                    format!("{} is completed but has no result path", row.worker),
                );
                continue;
            };
            let path = root.join(result);
            if let Some(bytes) = c.read(&path, "result-header") {
                let expect = HeaderExpectation {
                    run_id: &run_id,
                    worker: row.worker.as_str(),
                    round: row.round,
                    attempt: last.attempt,
                };
                match check_result(&String::from_utf8_lossy(&bytes), &expect) {
                    Ok(h) if h.status != WorkerStatus::Completed => {
                        c.fail(
                            &path,
                            "result-header",
                            format!("status is {}, team state says completed", h.status),
                        );
                    }
                    Ok(_) => {}
                    Err(e) => c.fail(&path, "result-header", e.to_string()),
                }
            }
        }
    }
    let data_path = paths.report_data();
    let Some(data_bytes) = c.read(&data_path, "report-data") else {
        return c;
    };
    let value: serde_json::Value = match parse_json_bytes(&data_bytes) {
        Ok(v) => v,
        Err(e) => {
            c.fail(&data_path, "report-data", format!("not JSON: {e}"));
            return c;
        }
    };
    c.check(&data_path, "report-schema");
    if let Err(violations) = validate_report_value(&value) {
        for v in violations {
            c.fail(
                &data_path,
                "report-schema",
                format!(
                    "{}: {}",
                    if v.path.is_empty() { "/" } else { &v.path },
                    v.message
                ),
            );
        }
        return c;
    }
    let data: ReportData = match serde_json::from_value(value) {
        Ok(d) => d,
        Err(e) => {
            c.fail(&data_path, "report-data", e.to_string());
            return c;
        }
    };
    if data.frontmatter.run_id != run_id {
        c.fail(
            &data_path,
            "report-data",
            format!("names run {}", data.frontmatter.run_id),
        );
    }
    let sha = sha256_hex(&data_bytes);
    let md_path = paths.report_markdown();
    if let Some(md_bytes) = c.read(&md_path, "report-markdown") {
        let md = String::from_utf8_lossy(&md_bytes);
        match parse_markdown_frontmatter(&md) {
            Ok(front) => {
                if front.data_sha256.as_deref() != Some(sha.as_str()) {
                    c.fail(
                        &md_path,
                        "report-markdown",
                        format!(
                            "dataSha256 is {}, the data's hash is {sha}",
                            front.data_sha256.as_deref().unwrap_or("missing")
                        ),
                    );
                } else if front.approved != data.frontmatter.approved {
                    c.fail(
                        &md_path,
                        "report-markdown",
                        "its approved differs from the data.json's: use `okstra approve`",
                    );
                } else {
                    match render_markdown(&data, &sha) {
                        Ok(expected) if expected == md => {}
                        Ok(_) => c.fail(&md_path, "report-markdown", "was edited: it differs from what its data renders to (`okstra render` re-renders it)"),
                        Err(e) => c.fail(&data_path, "report-render", e.to_string()),
                    }
                }
            }
            Err(e) => c.fail(&md_path, "report-markdown", format!("front matter: {e}")),
        }
        html::check_html(&mut c, paths, (&data_path, &data_bytes, &data), &sha);
        if data.frontmatter.task_type == TaskType::ImplementationPlanning {
            c.check(&md_path, "plan-headings");
            for keyword in missing_plan_keywords(&md) {
                c.fail(
                    &md_path,
                    "plan-headings",
                    format!("no heading contains {keyword:?}"),
                );
            }
        }
    }
    if data.frontmatter.task_type == TaskType::ImplementationPlanning {
        plan::check_plan_data(&mut c, paths, &data_path, &data);
    }
    if data.frontmatter.task_type == TaskType::FinalVerification {
        final_verification::check_final_verification(&mut c, paths, manifest, &data_path, &data);
    }
    let conv_path = paths.convergence();
    if data.frontmatter.task_type == TaskType::Implementation {
        // A stage run has no convergence: its own records are checked instead.
        implementation::check_stage(&mut c, paths, manifest, &data_path, &data, team.as_ref());
    } else if data.frontmatter.task_type == TaskType::ReleaseHandoff {
        // A hand-off has no convergence: its PR body and the verification it rests on are
        // checked instead.
        handoff::check_handoff(&mut c, paths, &data_path, &data);
    } else if let Some(bytes) = c.read(&conv_path, "convergence") {
        match ConvergenceState::parse(&String::from_utf8_lossy(&bytes)) {
            Ok(state) => {
                if let Some(expected) = &data.integrity.convergence_sha256
                    && *expected != sha256_hex(&bytes)
                {
                    c.fail(&conv_path, "convergence", "changed after the report was written (its hash differs from the report's record)");
                }
                let classes = state.compute_classes();
                c.check(&data_path, "classes");
                for f in &data.findings {
                    match classes.get(&f.id) {
                        Some(class) if *class == f.class => {}
                        Some(class) => c.fail(
                            &data_path,
                            "classes",
                            format!(
                                "{} is {} in the report but {} by the convergence record",
                                f.id, f.class, class
                            ),
                        ),
                        None => c.fail(
                            &data_path,
                            "classes",
                            format!("{} is not in the convergence record", f.id),
                        ),
                    }
                }
                if let Some(team) = &team {
                    c.check(&data_path, "bookkeeping");
                    for d in bookkeeping_differences(&data, manifest, &state, team) {
                        c.fail(
                            &data_path,
                            "bookkeeping",
                            format!(
                                "{} is {} in the report, but the run's state files give {}",
                                d.pointer, d.found, d.expected
                            ),
                        );
                    }
                }
                if classes.len() != data.findings.len() {
                    c.fail(
                        &conv_path,
                        "classes",
                        format!(
                            "{} findings recorded, {} in the report",
                            classes.len(),
                            data.findings.len()
                        ),
                    );
                }
            }
            Err(e) => c.fail(&conv_path, "convergence", e.to_string()),
        }
    }
    for (rel, expected) in &data.integrity.state {
        let path = root.join(rel);
        if let Some(bytes) = c.read(&path, "state-file")
            && sha256_hex(&bytes) != *expected
        {
            c.fail(
                &path,
                "state-file",
                "changed after the report was written (its hash differs from the report's record)",
            );
        }
    }
    for (rel, expected) in &data.integrity.results {
        let path = root.join(rel);
        if let Some(bytes) = c.read(&path, "result-header")
            && sha256_hex(&bytes) != *expected
        {
            c.fail(
                &path,
                "result-header",
                "changed after the report was written (its hash differs from the report's record)",
            );
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_file_and_check_is_kept_once_with_its_failures_in_order() {
        let mut c = Checks::default();
        let (a, b) = (Path::new("/r/a.json"), Path::new("/r/b.md"));
        c.check(a, "report-schema");
        c.fail(b, "report-markdown", "first");
        c.check(a, "report-schema");
        c.fail(b, "report-markdown", "second");
        c.check(b, "plan-headings");
        let checks = c.into_checks();
        let shown: Vec<_> = checks
            .iter()
            .map(|k| {
                (
                    k.path.to_str().unwrap(),
                    k.check,
                    k.passed(),
                    k.failures.clone(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("/r/a.json", "report-schema", true, vec![]),
                (
                    "/r/b.md",
                    "report-markdown",
                    false,
                    vec!["first".to_owned(), "second".to_owned()]
                ),
                ("/r/b.md", "plan-headings", true, vec![]),
            ]
        );
    }
}
