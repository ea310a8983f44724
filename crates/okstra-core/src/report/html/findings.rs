//! Owns the parts every report page has about what was found: the narrative (summary,
//! analysis, recommendations — worker-written text, shown escaped, never as markup), the
//! findings grouped by consensus class with colour chips, and the consensus matrix: one row
//! per finding, one column per analyser, each cell who wrote it or how they answered.

use std::fmt::Write as _;

use crate::findings::model::ConsensusClass;
use crate::report::data::{ReportData, ReportFinding};
use crate::report::html::escape::esc;
use crate::report::html::labels::Labels;
use crate::run_paths::RoundTag;
use crate::status::WorkerStatus;
use crate::worker_name::Role;

/// The narrative: summary, analysis and recommendations.
pub(crate) fn narrative(data: &ReportData, l: &Labels, out: &mut String) {
    let n = &data.narrative;
    let _ = write!(
        out,
        "<section id=\"summary\"><h2>{}</h2><p class=\"text\">{}</p>",
        l.summary,
        esc(&n.summary)
    );
    if !n.analysis.trim().is_empty() {
        let _ = write!(
            out,
            "<h3>{}</h3><div class=\"card text\">{}</div>",
            l.analysis,
            esc(&n.analysis)
        );
    }
    if !n.recommendations.is_empty() {
        let _ = write!(out, "<h3>{}</h3><ul>", l.recommendations);
        for r in &n.recommendations {
            let _ = write!(out, "<li>{}</li>", esc(r));
        }
        out.push_str("</ul>");
    }
    out.push_str("</section>");
}

/// The findings, grouped by consensus class in report order, each with its chip.
pub(crate) fn findings(data: &ReportData, l: &Labels, out: &mut String) {
    let _ = write!(out, "<section id=\"findings\"><h2>{}</h2>", l.findings);
    if data.findings.is_empty() {
        let _ = write!(out, "<p>{}</p></section>", l.no_findings);
        return;
    }
    out.push_str("<div class=\"legend\">");
    for class in ConsensusClass::ALL {
        let _ = write!(
            out,
            "<span class=\"chip c-{c}\">{c} {}</span>",
            data.class_counts.of(class),
            c = class.as_str()
        );
    }
    out.push_str("</div>");
    for class in ConsensusClass::ALL {
        let group: Vec<&ReportFinding> =
            data.findings.iter().filter(|f| f.class == class).collect();
        if group.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "<h3><span class=\"chip c-{c}\">{c}</span></h3>",
            c = class.as_str()
        );
        for f in group {
            finding(f, out);
        }
    }
    out.push_str("</section>");
}

fn finding(f: &ReportFinding, out: &mut String) {
    let _ = write!(
        out,
        "<details class=\"finding card\" id=\"{id}\"><summary><b>{id}</b> <span class=\"chip\">{sev}</span> {title}</summary><p class=\"text\">{claim}</p><p class=\"text\">{reasoning}</p>",
        id = esc(&f.id),
        sev = f.severity.as_str(),
        title = esc(&f.title),
        claim = esc(&f.claim),
        reasoning = esc(&f.reasoning),
    );
    if !f.evidence.is_empty() {
        out.push_str("<ul>");
        for e in &f.evidence {
            let _ = write!(out, "<li><code>{}</code></li>", esc(e));
        }
        out.push_str("</ul>");
    }
    let _ = write!(out, "<p class=\"meta\">{}</p>", esc(&f.authors.join(", ")));
    for v in &f.verdicts {
        let _ = write!(
            out,
            "<p><span class=\"chip v-{}\">{}</span> {} (round {}): {}</p>",
            v.verdict.as_str().to_ascii_lowercase(),
            v.verdict.as_str(),
            esc(&v.worker),
            v.round,
            esc(&v.reason)
        );
    }
    out.push_str("</details>");
}

/// The analysers of the run, as matrix columns: every analysis worker in the order they
/// appear, then anyone else named by a finding.
pub(crate) fn analysers(data: &ReportData) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    };
    for w in data.workers.iter().filter(|w| w.role == Role::Analysis) {
        add(&w.worker);
    }
    for f in &data.findings {
        for name in f
            .authors
            .iter()
            .chain(&f.agreed_by)
            .chain(&f.disagreed_by)
            .chain(&f.unsure_by)
        {
            add(name);
        }
    }
    names
}

/// What `worker` is to finding `f`: `author`, `AGREE`, `DISAGREE`, `UNSURE`,
/// `verification-error` (its reverify of a round that carried the finding failed), or `None`
/// for no answer.
pub(crate) fn cell(data: &ReportData, f: &ReportFinding, worker: &str) -> Option<&'static str> {
    let has = |list: &[String]| list.iter().any(|n| n == worker);
    if has(&f.authors) {
        return Some("author");
    }
    if has(&f.agreed_by) {
        return Some("AGREE");
    }
    if has(&f.disagreed_by) {
        return Some("DISAGREE");
    }
    if has(&f.unsure_by) {
        return Some("UNSURE");
    }
    let failed = data
        .rounds
        .iter()
        .filter(|r| r.queue.contains(&f.id))
        .any(|r| {
            data.workers.iter().any(|w| {
                w.worker == worker
                    && w.status == WorkerStatus::VerificationError
                    && w.round == RoundTag::Round(r.round)
            })
        });
    failed.then_some("verification-error")
}

/// The consensus matrix.
pub(crate) fn matrix(data: &ReportData, l: &Labels, out: &mut String) {
    if data.findings.is_empty() {
        return;
    }
    let columns = analysers(data);
    let _ = write!(
        out,
        "<section id=\"consensus\"><h2>{}</h2><div class=\"legend\">",
        l.consensus
    );
    for (class, word) in [
        ("author", "author"),
        ("agree", "AGREE"),
        ("disagree", "DISAGREE"),
        ("unsure", "UNSURE"),
        ("verification-error", "verification-error"),
        ("none", l.no_answer),
    ] {
        let _ = write!(out, "<span class=\"chip v-{class}\">{word}</span>");
    }
    out.push_str("</div><div class=\"scroll\"><table class=\"matrix\"><thead><tr><th></th>");
    for c in &columns {
        let _ = write!(out, "<th>{}</th>", esc(c));
    }
    out.push_str("</tr></thead><tbody>");
    for f in &data.findings {
        let _ = write!(
            out,
            "<tr><td><a href=\"#{id}\">{id}</a> <span class=\"chip c-{c}\">{c}</span> {t}</td>",
            id = esc(&f.id),
            c = f.class.as_str(),
            t = esc(&f.title)
        );
        for c in &columns {
            match cell(data, f, c) {
                Some(word) => {
                    let class = word.to_ascii_lowercase();
                    let _ = write!(out, "<td><span class=\"chip v-{class}\">{word}</span></td>");
                }
                None => {
                    let _ = write!(
                        out,
                        "<td><span class=\"chip v-none\">{}</span></td>",
                        l.no_answer
                    );
                }
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div></section>");
}
