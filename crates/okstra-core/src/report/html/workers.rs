//! Owns the parts of a page about the workers: the timeline — one lane per worker, one bar per
//! attempt from spawn to collect, labelled with its round, a re-dispatched attempt dashed, a
//! deadline that passed marked by a red end, colour by status — from the run's team state;
//! and tokens and cost per worker as bars, from the report's data.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::Timestamp;

use crate::report::data::ReportData;
use crate::report::html::escape::{clip, esc};
use crate::report::html::labels::Labels;
use crate::status::WorkerStatus;
use crate::team_state::TeamState;

const LANE_H: i64 = 26;
const LABEL_W: i64 = 150;
const PLOT_W: i64 = 720;

/// One attempt's bar.
struct Bar<'a> {
    lane: usize,
    start: i64,
    end: i64,
    round: String,
    attempt: u32,
    status: WorkerStatus,
    reason: Option<&'a str>,
}

/// The worker timeline, when the run's team state is known.
pub(crate) fn timeline(team: Option<&TeamState>, l: &Labels, out: &mut String) {
    let _ = write!(out, "<section id=\"timeline\"><h2>{}</h2>", l.timeline);
    let Some(team) = team else {
        let _ = write!(out, "<p>{}</p></section>", l.no_timeline);
        return;
    };
    let mut lanes: Vec<&str> = Vec::new();
    let mut bars = Vec::new();
    for w in &team.workers {
        let name = w.worker.as_str();
        let lane = lanes.iter().position(|n| *n == name).unwrap_or_else(|| {
            lanes.push(name);
            lanes.len() - 1
        });
        for a in &w.attempts {
            let Some(start) = a.started_at else { continue };
            let end = a.finished_at.unwrap_or(team.updated_at).max(start);
            bars.push(Bar {
                lane,
                start: millis(start),
                end: millis(end),
                round: w.round.to_string(),
                attempt: a.attempt,
                status: a.status,
                reason: a.reason.as_deref(),
            });
        }
    }
    if bars.is_empty() {
        let _ = write!(out, "<p>{}</p></section>", l.no_timeline);
        return;
    }
    let t0 = bars.iter().map(|b| b.start).min().unwrap_or(0);
    let t1 = bars.iter().map(|b| b.end).max().unwrap_or(t0).max(t0 + 1);
    let span = t1 - t0;
    let x = |t: i64| LABEL_W + (t - t0) * PLOT_W / span;
    let lanes_n = i64::try_from(lanes.len()).unwrap_or(i64::MAX);
    let height = lanes_n * LANE_H + 24;
    // Room on the right for the last axis label.
    let width = LABEL_W + PLOT_W + 48;
    let _ = write!(
        out,
        "<div class=\"scroll\"><svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" role=\"img\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\"><title>{}</title>",
        esc(l.timeline)
    );
    for (i, name) in lanes.iter().enumerate() {
        let y = i64::try_from(i).unwrap_or(0) * LANE_H;
        let _ = write!(
            out,
            "<rect class=\"lane\" x=\"0\" y=\"{y}\" width=\"{width}\" height=\"{}\"/><text x=\"4\" y=\"{}\">{}</text>",
            LANE_H - 2,
            y + 17,
            esc(&clip(name, 20))
        );
    }
    for tick in 0..=4 {
        let tx = LABEL_W + PLOT_W * tick / 4;
        let at = span * tick / 4;
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{tx}\" y1=\"0\" x2=\"{tx}\" y2=\"{}\"/><text class=\"axis\" x=\"{tx}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            lanes_n * LANE_H,
            lanes_n * LANE_H + 16,
            clock(at, span)
        );
    }
    for b in &bars {
        let y = i64::try_from(b.lane).unwrap_or(0) * LANE_H + 4;
        let (x1, x2) = (x(b.start), x(b.end).max(x(b.start) + 3));
        let retry = if b.attempt > 1 { " retry" } else { "" };
        let tip = format!(
            "round {} · attempt {} · {} · {}{}",
            b.round,
            b.attempt,
            b.status.as_str(),
            clock(b.end - b.start, b.end - b.start),
            b.reason.map(|r| format!(" · {r}")).unwrap_or_default()
        );
        let _ = write!(
            out,
            "<g class=\"s-{status}\"><title>{tip}</title><rect class=\"bar{retry}\" x=\"{x1}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"3\"/>",
            status = b.status.as_str(),
            tip = esc(&tip),
            w = x2 - x1,
            h = LANE_H - 10,
        );
        if x2 - x1 > 28 {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\">r{}</text>",
                x1 + 4,
                y + 12,
                esc(&b.round)
            );
        }
        if b.status == WorkerStatus::Timeout {
            let _ = write!(
                out,
                "<line class=\"deadline\" x1=\"{x2}\" y1=\"{}\" x2=\"{x2}\" y2=\"{}\"/>",
                y - 2,
                y + LANE_H - 8
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</svg></div></section>");
}

fn millis(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// `ms` milliseconds as `1.25s` when `scale` (the span shown) is under a minute, else `m:ss`
/// or `h:mm:ss`.
fn clock(ms: i64, scale: i64) -> String {
    if scale < 60_000 {
        return format!("{}.{:02}s", ms / 1000, ms % 1000 / 10);
    }
    let secs = ms / 1000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// Tokens and cost per worker, summed over its rounds, as bars.
pub(crate) fn tokens(data: &ReportData, l: &Labels, out: &mut String) {
    let mut per: BTreeMap<&str, (u64, Option<f64>)> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for w in &data.workers {
        let name = w.worker.as_str();
        if !per.contains_key(name) {
            order.push(name);
        }
        let slot = per.entry(name).or_insert((0, None));
        let t = &w.tokens;
        slot.0 += t.input_total.unwrap_or(0) + t.output.unwrap_or(0);
        if let Some(c) = t.cost_usd {
            slot.1 = Some(slot.1.unwrap_or(0.0) + c);
        }
    }
    if order.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<section id=\"tokens\"><h2>{}</h2><div class=\"bars\">",
        l.tokens
    );
    let max = per.values().map(|v| v.0).max().unwrap_or(0).max(1);
    for name in &order {
        let (n, _) = per[name];
        let _ = write!(
            out,
            "<span>{}</span><span class=\"track\"><span class=\"fill\" style=\"display:block;width:{}%\"></span></span><span class=\"mono\">{n}</span>",
            esc(name),
            n * 100 / max
        );
    }
    out.push_str("</div>");
    let costs: Vec<(&str, f64)> = order
        .iter()
        .filter_map(|n| per[n].1.map(|c| (*n, c)))
        .collect();
    if !costs.is_empty() {
        let max = costs.iter().map(|c| c.1).fold(0.0_f64, f64::max);
        let _ = write!(out, "<h3>{}</h3><div class=\"bars\">", l.cost);
        for (name, cost) in costs {
            let pct = if max > 0.0 {
                (cost / max * 100.0).round()
            } else {
                0.0
            };
            let _ = write!(
                out,
                "<span>{}</span><span class=\"track\"><span class=\"fill cost\" style=\"display:block;width:{pct}%\"></span></span><span class=\"mono\">{cost:.4}</span>",
                esc(name)
            );
        }
        out.push_str("</div>");
    }
    out.push_str("</section>");
}
