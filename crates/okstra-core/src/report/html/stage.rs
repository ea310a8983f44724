//! Owns the parts of a page about code: an implementation stage (its commits with RED / GREEN
//! / REFACTOR marked, the TDD proof, the validation evidence with exit codes, okstra's and the
//! verifier's findings, okstra's decision), a final verification (the evidence table and the
//! verdict) and a hand-off (the PR, the push).

use std::fmt::Write as _;

use serde::Serialize;

use crate::carry::sidecar::Verdict;
use crate::evidence::{CommandEvidence, DiffFinding, TddVerdict};
use crate::final_verification::FinalVerificationRecord;
use crate::report::data::ReportData;
use crate::report::html::escape::esc;
use crate::report::html::labels::Labels;

/// Returns a value's serde spelling (`pass`, `rejected` …).
fn word<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other["status"].as_str().unwrap_or_default().to_owned(),
        Err(_) => String::new(),
    }
}

fn short(sha: &str) -> &str {
    sha.get(..10).unwrap_or(sha)
}

/// The implementation stage.
pub(crate) fn implementation(data: &ReportData, l: &Labels, out: &mut String) {
    let Some(s) = &data.implementation else {
        return;
    };
    let class = if s.outcome == Verdict::Pass {
        "x-ok"
    } else {
        "x-bad"
    };
    let _ = write!(
        out,
        "<section id=\"stage\"><h2>{} {} — {}</h2><p><span class=\"chip {class}\">{}</span> {} · {} · <code>{}</code></p>",
        l.stage,
        s.stage,
        esc(&s.title),
        s.outcome.as_str(),
        esc(&s.mode),
        esc(&s.execution),
        esc(s.branch.as_deref().unwrap_or("—")),
    );
    for reason in &s.reasons {
        let _ = write!(out, "<p class=\"x-bad\">{}</p>", esc(reason));
    }
    let _ = write!(
        out,
        "<h3>{}</h3><div class=\"scroll\"><table><tbody>",
        l.commits
    );
    for c in &s.commits {
        let action = c.action.as_deref().unwrap_or("");
        let chip = if action.is_empty() {
            String::new()
        } else {
            format!("<span class=\"chip t-{a}\">{a}</span>", a = esc(action))
        };
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{chip}</td><td>{}{}</td></tr>",
            esc(short(&c.sha)),
            esc(&c.subject),
            if c.by_okstra { " <i>(okstra)</i>" } else { "" }
        );
    }
    out.push_str("</tbody></table></div>");
    if let Some(tdd) = &s.tdd_proof {
        let v = word(&tdd.verdict);
        let class = match tdd.verdict {
            TddVerdict::Proven | TddVerdict::Exempt => "x-ok",
            _ => "x-bad",
        };
        let _ = write!(
            out,
            "<h3>{}</h3><p><span class=\"chip {class}\">{}</span> {}</p>",
            l.tdd,
            esc(&v),
            esc(&tdd.reason)
        );
        evidence_table(&tdd.at_red, out);
    }
    let _ = write!(out, "<h3>{}</h3>", l.evidence);
    if let Some(e) = &s.evidence_error {
        let _ = write!(out, "<p class=\"x-bad\">{}</p>", esc(e));
    }
    evidence_table(&s.validation, out);
    let (class, verdict) = match s.verifier.verdict {
        Some(Verdict::Pass) => ("x-ok", "PASS"),
        Some(Verdict::Fail) => ("x-bad", "FAIL"),
        None => ("v-none", "—"),
    };
    let _ = write!(
        out,
        "<h3>{}</h3><p><span class=\"chip {class}\">{verdict}</span> {} {}</p>",
        l.verifier,
        esc(&s.verifier.status),
        esc(s.verifier.reason.as_deref().unwrap_or(""))
    );
    diff_findings(&s.okstra_findings, out);
    diff_findings(&s.verifier.findings, out);
    out.push_str("</section>");
}

/// Commands okstra ran, with their exit codes.
fn evidence_table(commands: &[CommandEvidence], out: &mut String) {
    if commands.is_empty() {
        return;
    }
    out.push_str("<div class=\"scroll\"><table><thead><tr><th>exit</th><th>command</th><th>ms</th><th>commit</th></tr></thead><tbody>");
    for c in commands {
        let (class, exit) = match c.exit_code {
            Some(0) => ("x-ok", "0".to_owned()),
            Some(n) => ("x-bad", n.to_string()),
            None => ("x-bad", c.note.clone().unwrap_or_else(|| "—".to_owned())),
        };
        let _ = write!(
            out,
            "<tr><td><span class=\"chip {class}\">{}</span></td><td><code>{}</code></td><td>{}</td><td><code>{}</code></td></tr>",
            esc(&exit),
            esc(&c.command),
            c.duration_ms,
            esc(short(&c.commit))
        );
    }
    out.push_str("</tbody></table></div>");
}

fn diff_findings(findings: &[DiffFinding], out: &mut String) {
    if findings.is_empty() {
        return;
    }
    out.push_str("<ul>");
    for f in findings {
        let _ = write!(
            out,
            "<li><span class=\"chip\">{}</span> <code>{}</code> {} — {}</li>",
            esc(&word(&f.severity)),
            esc(&f.at),
            esc(&f.message),
            esc(&f.fix)
        );
    }
    out.push_str("</ul>");
}

/// The final verification: the verdict and the evidence table.
pub(crate) fn final_verification(fv: &FinalVerificationRecord, l: &Labels, out: &mut String) {
    let v = fv.verdict.as_str();
    let class = if v == "accepted" { "x-ok" } else { "x-bad" };
    let _ = write!(
        out,
        "<section id=\"verdict\"><h2>{}</h2><p><span class=\"chip {class}\">{v}</span> <code>{}</code> @ <code>{}</code></p>",
        l.verdict,
        esc(&fv.task_branch),
        esc(short(&fv.verified_head))
    );
    for r in &fv.reasons {
        let _ = write!(out, "<p class=\"x-bad\">{}</p>", esc(r));
    }
    for w in &fv.warnings {
        let _ = write!(out, "<p>⚠ {}</p>", esc(w));
    }
    let _ = write!(out, "<h3>{}</h3>", l.evidence);
    evidence_table(&fv.commands, out);
    out.push_str("</section>");
}

/// The hand-off: the PR title, branch, head, push and PR.
pub(crate) fn handoff(data: &ReportData, l: &Labels, out: &mut String) {
    let Some(h) = &data.handoff else { return };
    let _ = write!(
        out,
        "<section id=\"handoff\"><h2>{}</h2><p><b>{}</b></p><dl class=\"meta\"><dt>branch</dt><dd><code>{}</code></dd><dt>head</dt><dd><code>{}</code></dd><dt>push</dt><dd>{}</dd><dt>PR</dt><dd>{}</dd></dl><div class=\"card text\">{}</div></section>",
        l.handoff,
        esc(&h.title),
        esc(&h.task_branch),
        esc(short(&h.head)),
        esc(&word(&h.push)),
        esc(&word(&h.pr)),
        esc(&h.pr_body)
    );
}
