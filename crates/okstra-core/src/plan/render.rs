//! Owns writing a structured plan ([`PlanBody`]) as the markdown of a plan's section 5 (SPEC
//! §7.2): Requirement Coverage, Option Candidates with their Trade-offs, the Recommended
//! Option, the `P-` deliverables, the Stage Map (dependency graph, then one `## 5.5.<i> Stage
//! <i>: <title>` section per stage with its four subsections) and the Validation Checklist.
//! Heading keywords are English; in `ko` their translation from `headings.json` follows in
//! parentheses.
//!
//! The output is what `plan::markdown` reads back to the same model: both use the text rules
//! of `plan::markdown::text`, and worker text can open no heading, fence or HTML block. The
//! report template inserts it as section 5; this file knows nothing of the rest of a report.

use crate::config::Language;
use crate::plan::markdown::text::{
    DASH, cell, code_span, guard_block, heading_title, inline, one_line,
};
use crate::plan::model::{PlanBody, Stage};
use crate::report::headings::{Catalog, RenderError, heading, heading_catalog};

/// Returns the markdown of a plan body (its section 5) in `language`, ending with one newline.
pub fn render_plan_markdown(body: &PlanBody, language: Language) -> Result<String, RenderError> {
    render_plan_with(body, language, &heading_catalog()?)
}

/// Writes the markdown of one plan.
struct Writer<'a> {
    out: String,
    language: Language,
    catalog: &'a Catalog,
}

impl Writer<'_> {
    fn h(&self, keyword: &str) -> Result<String, RenderError> {
        heading(self.catalog, self.language, keyword).map_err(|e| RenderError::Template {
            template: "plan",
            source: Box::new(e),
        })
    }

    /// Writes a block followed by a blank line.
    fn block(&mut self, text: &str) {
        self.out.push_str(text);
        self.out.push_str("\n\n");
    }

    fn heading(&mut self, hashes: &str, number: &str, keyword: &str) -> Result<(), RenderError> {
        let text = format!("{hashes} {number}{}", self.h(keyword)?);
        self.block(&text);
        Ok(())
    }

    /// Writes a list, or `None.` when it has no entry.
    fn list(&mut self, entries: impl IntoIterator<Item = String>) {
        let lines: Vec<String> = entries.into_iter().map(|e| format!("- {e}")).collect();
        if lines.is_empty() {
            self.block("None.");
        } else {
            self.block(&lines.join("\n"));
        }
    }

    /// Writes a table: its header, then one row per entry of cells.
    fn table(&mut self, header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
        let mut text = format!(
            "| {} |\n|{}",
            header.join(" | "),
            "---|".repeat(header.len())
        );
        for row in rows {
            text.push_str(&format!("\n| {} |", row.join(" | ")));
        }
        self.block(&text);
    }

    /// Writes free text, or `None.` when it is empty.
    fn text(&mut self, text: &str) {
        let text = guard_block(text);
        self.block(if text.is_empty() { "None." } else { &text });
    }
}

/// Returns the markdown of a plan body with a parsed heading catalog (the report renderer
/// parses it once per report).
pub(crate) fn render_plan_with(
    body: &PlanBody,
    language: Language,
    catalog: &Catalog,
) -> Result<String, RenderError> {
    let mut w = Writer {
        out: String::with_capacity(1024 + body.stages.len() * 1024),
        language,
        catalog,
    };
    w.heading("##", "5. ", "Implementation Plan")?;

    w.heading("##", "5.1 ", "Requirement Coverage")?;
    w.table(
        &["requirement", "stages", "note"],
        body.requirement_coverage.iter().map(|r| {
            vec![
                cell(&r.requirement),
                numbers(&r.stages, DASH),
                cell(&r.note),
            ]
        }),
    );

    w.heading("##", "5.2 ", "Option Candidates")?;
    if body.options.is_empty() {
        w.block("None.");
    }
    let trade_off = w.h("Trade-off")?;
    for (n, option) in (1u32..).zip(&body.options) {
        w.block(&format!("### Option {n}: {}", heading_title(&option.title)));
        let summary = guard_block(&option.summary);
        if !summary.is_empty() {
            w.block(&summary);
        }
        w.block(&format!("#### {trade_off}"));
        w.list(non_blank(&option.trade_offs).map(inline));
    }

    w.heading("##", "5.3 ", "Recommended Option")?;
    let recommended = &body.recommended_option;
    let title = usize::try_from(recommended.option)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| body.options.get(i))
        .map_or_else(|| DASH.to_owned(), |o| heading_title(&o.title));
    w.block(&format!("Option {}: {title}", recommended.option));
    let rationale = guard_block(&recommended.rationale);
    if !rationale.is_empty() {
        w.block(&rationale);
    }

    w.heading("##", "5.4 ", "Implementation Plan Deliverables")?;
    w.table(
        &["id", "kind", "item"],
        body.items()
            .into_iter()
            .map(|i| vec![i.id, i.kind.as_str().to_owned(), cell(&i.title)]),
    );

    w.heading("##", "5.5 ", "Stage Map")?;
    w.heading("###", "", "Dependency Graph")?;
    w.table(
        &["stage", "title", "depends-on"],
        body.stages.iter().map(|s| {
            vec![
                s.number.to_string(),
                cell(&s.title),
                numbers(&s.depends_on, "(none)"),
            ]
        }),
    );
    for (i, stage) in (1u32..).zip(&body.stages) {
        stage_section(&mut w, i, stage)?;
    }

    w.heading("##", "5.6 ", "Validation Checklist")?;
    w.list(
        body.validation_checklist
            .iter()
            .filter(|v| !v.command.trim().is_empty())
            .map(|v| {
                let purpose = one_line(&v.purpose);
                if purpose.is_empty() {
                    code_span(&v.command)
                } else {
                    format!("{} — {purpose}", code_span(&v.command))
                }
            }),
    );
    let len = w.out.trim_end().len();
    w.out.truncate(len);
    w.out.push('\n');
    Ok(w.out)
}

fn stage_section(w: &mut Writer<'_>, index: u32, stage: &Stage) -> Result<(), RenderError> {
    let n = stage.number;
    w.block(&format!(
        "## 5.5.{index} Stage {n}: {}",
        heading_title(&stage.title)
    ));
    let mut labels = vec![
        format!("depends-on: {}", numbers(&stage.depends_on, "(none)")),
        label("Slice value", &stage.slice_value),
        label("Acceptance", &stage.acceptance),
    ];
    labels.retain(|l| !l.is_empty());
    w.block(&labels.join("\n"));

    w.heading("###", "", "Stepwise Execution Order")?;
    if !stage.steps.is_empty() || stage.tdd_exemption.is_none() {
        w.table(
            &["#", "action", "files"],
            (1u32..).zip(&stage.steps).map(|(j, step)| {
                let files: Vec<String> = non_blank(&step.files).map(code_span).collect();
                vec![j.to_string(), cell(&step.action), cell(&files.join(", "))]
            }),
        );
    }
    if let Some(reason) = &stage.tdd_exemption {
        w.block(&label("TDD exemption", reason));
    }

    w.heading("###", "", "Stage Validation")?;
    w.list(non_blank(&stage.validation).map(code_span));
    w.heading("###", "", "Stage Exit Contract")?;
    w.list(non_blank(&stage.exit_contract).map(inline));
    w.heading("###", "", "Rollback")?;
    w.text(&stage.rollback);
    Ok(())
}

/// Returns a `Label: value` line (`Label:` alone when the value is empty).
fn label(name: &str, value: &str) -> String {
    let value = one_line(value);
    if value.is_empty() {
        format!("{name}:")
    } else {
        format!("{name}: {value}")
    }
}

/// Returns stage numbers joined by `, `, or `none` when there are none.
fn numbers(values: &[u32], none: &str) -> String {
    if values.is_empty() {
        none.to_owned()
    } else {
        values
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn non_blank(values: &[String]) -> impl Iterator<Item = &str> {
    values
        .iter()
        .map(String::as_str)
        .filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests;
