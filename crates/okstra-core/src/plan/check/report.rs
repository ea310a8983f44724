//! Owns checking the plan of a whole report data (a data.json): its structured plan under
//! `/narrative/plan`, the clarification rows under `/narrative/clarifications/<i>`, and — for a
//! report from an older okstra that has only the markdown `planBody` — that markdown, with lines
//! counted within the string.

use crate::plan::check::{At, Rule, Violation, check_plan_body, sort_violations};
use crate::plan::markdown::parse_markdown_plan;
use crate::report::data::{Clarification, ReportData};

/// The statuses a clarification item can have.
pub const CLARIFICATION_STATUSES: [&str; 3] = ["open", "resolved", "obsolete"];

/// Where the structured plan sits in a data.json.
const PLAN_POINTER: &str = "/narrative/plan";
/// Where an older okstra's markdown plan sits in a data.json.
const PLAN_BODY_POINTER: &str = "/narrative/planBody";

/// Returns the violations of clarification items (section 1 rows): an empty id, an id used
/// twice, a status other than open / resolved / obsolete. `place(i, field)` says where row `i`'s
/// field (`id`, `status`) is.
pub fn check_clarifications(
    items: &[Clarification],
    place: &dyn Fn(usize, &str) -> At,
) -> Vec<Violation> {
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let id = item.id.trim();
        if id.is_empty() {
            out.push(Violation {
                rule: Rule::Section1,
                at: place(i, "id"),
                message: format!("clarification item {} has no id", i + 1),
            });
        } else if items[..i].iter().any(|other| other.id.trim() == id) {
            out.push(Violation {
                rule: Rule::Section1,
                at: place(i, "id"),
                message: format!("clarification item id `{id}` is used twice"),
            });
        }
        let status = item.status.trim().to_lowercase();
        if !CLARIFICATION_STATUSES.contains(&status.as_str()) {
            let name = if id.is_empty() { "the item" } else { id };
            out.push(Violation {
                rule: Rule::Section1,
                at: place(i, "status"),
                message: format!(
                    "{name} has status `{}`: use open, resolved or obsolete",
                    item.status.trim()
                ),
            });
        }
    }
    out
}

/// Returns every violation of the plan in a report's data, sorted: the structured
/// `narrative.plan` (JSON pointers under `/narrative/plan`) and the clarification rows; for a
/// report that has only an older okstra's markdown `narrative.planBody`, every rule on that
/// markdown, placed as `/narrative/planBody:<line within the string>`. A report with neither
/// is one `no-plan` violation.
pub fn check_report_plan(data: &ReportData) -> Vec<Violation> {
    let narrative = &data.narrative;
    let mut out = check_clarifications(&narrative.clarifications, &|i, field| {
        At::Pointer(format!("/narrative/clarifications/{i}/{field}"))
    });
    if let Some(plan) = &narrative.plan {
        out.extend(check_plan_body(plan, PLAN_POINTER));
    } else if let Some(md) = narrative
        .plan_body
        .as_deref()
        .filter(|md| !md.trim().is_empty())
    {
        out.extend(
            parse_markdown_plan(md)
                .violations()
                .into_iter()
                .map(|v| Violation {
                    at: match v.at {
                        At::Line(line) => At::Within {
                            pointer: PLAN_BODY_POINTER.to_owned(),
                            line,
                        },
                        other => other,
                    },
                    ..v
                }),
        );
    } else {
        out.push(Violation {
            rule: Rule::NoPlan,
            at: At::Pointer(PLAN_POINTER.to_owned()),
            message: "the report has no plan (neither `narrative.plan` nor \
                      `narrative.planBody`): run implementation-planning again, or bring a \
                      hand-written plan in with `okstra plan import`"
                .to_owned(),
        });
    }
    sort_violations(&mut out);
    out
}

#[cfg(test)]
mod tests;
