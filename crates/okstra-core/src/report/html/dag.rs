//! Owns the Stage Map as a picture: a layered layout of the stages' `depends-on` graph
//! (each stage one layer right of its latest dependency; within a layer, stages ordered by
//! the mean position of what they depend on, so edges cross less), and its SVG — one box per
//! stage, coloured by its state when one is known, one curve per dependency.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::plan::model::Stage;
use crate::report::html::escape::{clip, esc};

const BOX_W: u32 = 168;
const BOX_H: u32 = 40;
const GAP_X: u32 = 56;
const GAP_Y: u32 = 16;
const PAD: u32 = 8;

/// Where one stage sits: its layer (column) and its row in that layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Placed {
    pub number: u32,
    pub layer: u32,
    pub row: u32,
}

/// Returns the layered layout of `stages`: layer = the longest `depends-on` chain before the
/// stage; rows by the mean row of the stage's dependencies, ties by number. Dependencies on
/// stages not in the map are ignored; stages on a cycle (which a checked plan never has) go
/// one layer past the rest, in number order.
pub(crate) fn layout(stages: &[Stage]) -> Vec<Placed> {
    let known: BTreeMap<u32, &Stage> = stages.iter().map(|s| (s.number, s)).collect();
    let deps = |s: &Stage| -> Vec<u32> {
        let mut d: Vec<u32> = s
            .depends_on
            .iter()
            .copied()
            .filter(|n| *n != s.number && known.contains_key(n))
            .collect();
        d.sort_unstable();
        d.dedup();
        d
    };
    // Longest-path layering, in topological order (Kahn), smallest number first.
    let mut waiting: BTreeMap<u32, usize> =
        known.values().map(|s| (s.number, deps(s).len())).collect();
    let mut dependants: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for s in known.values() {
        for d in deps(s) {
            dependants.entry(d).or_default().push(s.number);
        }
    }
    let mut layer: BTreeMap<u32, u32> = BTreeMap::new();
    let mut ready: std::collections::BTreeSet<u32> = waiting
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(s, _)| *s)
        .collect();
    while let Some(n) = ready.pop_first() {
        let l = deps(known[&n])
            .iter()
            .filter_map(|d| layer.get(d))
            .map(|l| l + 1)
            .max()
            .unwrap_or(0);
        layer.insert(n, l);
        for m in dependants.get(&n).into_iter().flatten() {
            if let Some(w) = waiting.get_mut(m) {
                *w -= 1;
                if *w == 0 {
                    ready.insert(*m);
                }
            }
        }
    }
    let past = layer.values().max().map_or(0, |l| l + 1);
    for n in known.keys() {
        layer.entry(*n).or_insert(past);
    }
    // Rows: layer by layer, by the mean row of the dependencies already placed.
    let layers = layer.values().max().map_or(0, |l| l + 1);
    let mut row_of: BTreeMap<u32, u32> = BTreeMap::new();
    let mut placed = Vec::with_capacity(known.len());
    for l in 0..layers {
        let mut members: Vec<(u64, u32)> = layer
            .iter()
            .filter(|(_, ll)| **ll == l)
            .map(|(n, _)| {
                let rows: Vec<u32> = deps(known[n])
                    .iter()
                    .filter_map(|d| row_of.get(d))
                    .copied()
                    .collect();
                // Mean row ×1000 keeps the ordering integral (deterministic, no floats).
                let key = if rows.is_empty() {
                    u64::MAX
                } else {
                    rows.iter().map(|r| u64::from(*r) * 1000).sum::<u64>() / rows.len() as u64
                };
                (key, *n)
            })
            .collect();
        members.sort_unstable();
        for (row, (_, n)) in members.into_iter().enumerate() {
            let row = u32::try_from(row).unwrap_or(u32::MAX);
            row_of.insert(n, row);
            placed.push(Placed {
                number: n,
                layer: l,
                row,
            });
        }
    }
    placed
}

/// Returns the SVG of the Stage Map; `states` gives a stage's state word (`done`, `started`,
/// `ready`, `blocked`, `stale`, `reserved`) when known, which picks its colour.
pub(crate) fn render(stages: &[Stage], states: &BTreeMap<u32, String>, title: &str) -> String {
    let placed = layout(stages);
    let at: BTreeMap<u32, Placed> = placed.iter().map(|p| (p.number, *p)).collect();
    let layers = placed.iter().map(|p| p.layer + 1).max().unwrap_or(0);
    let rows = placed.iter().map(|p| p.row + 1).max().unwrap_or(0);
    let width = PAD * 2 + layers * BOX_W + layers.saturating_sub(1) * GAP_X;
    let height = PAD * 2 + rows * BOX_H + rows.saturating_sub(1) * GAP_Y;
    let x = |p: &Placed| PAD + p.layer * (BOX_W + GAP_X);
    let y = |p: &Placed| PAD + p.row * (BOX_H + GAP_Y);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"dag\" role=\"img\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\"><title>{}</title>",
        esc(title)
    );
    for s in stages {
        let Some(to) = at.get(&s.number) else {
            continue;
        };
        for d in &s.depends_on {
            let Some(from) = at.get(d) else { continue };
            if from.number == to.number {
                continue;
            }
            let (x1, y1) = (x(from) + BOX_W, y(from) + BOX_H / 2);
            let (x2, y2) = (x(to), y(to) + BOX_H / 2);
            let mid = u32::midpoint(x1, x2);
            let _ = write!(
                svg,
                "<path class=\"edge\" d=\"M{x1} {y1} C{mid} {y1} {mid} {y2} {x2} {y2}\"><title>{} → {}</title></path>",
                from.number, to.number
            );
        }
    }
    for s in stages {
        let Some(p) = at.get(&s.number) else { continue };
        let state = states.get(&s.number).map_or("none", String::as_str);
        let label = format!("{}. {}", s.number, s.title);
        let _ = write!(
            svg,
            "<g class=\"stage st-{state}\" data-stage=\"{n}\"><title>{tip}</title><rect x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"6\"/><text x=\"{tx}\" y=\"{ty}\">{text}</text>{state_text}</g>",
            n = s.number,
            tip = esc(&format!("{label} ({state})")),
            x = x(p),
            y = y(p),
            tx = x(p) + 8,
            ty = y(p) + 17,
            text = esc(&clip(&label, 24)),
            state_text = if state == "none" {
                String::new()
            } else {
                format!(
                    "<text class=\"state\" x=\"{}\" y=\"{}\">{state}</text>",
                    x(p) + 8,
                    y(p) + 32
                )
            },
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(number: u32, depends_on: &[u32]) -> Stage {
        Stage {
            number,
            title: format!("Stage {number}"),
            depends_on: depends_on.to_vec(),
            ..Stage::default()
        }
    }

    #[test]
    fn a_stage_sits_one_layer_right_of_its_latest_dependency() {
        let stages = [
            stage(1, &[]),
            stage(2, &[1]),
            stage(3, &[1]),
            stage(4, &[2, 3]),
            stage(5, &[]),
        ];
        let placed = layout(&stages);
        let layer = |n: u32| placed.iter().find(|p| p.number == n).unwrap().layer;
        assert_eq!(
            [layer(1), layer(2), layer(3), layer(4), layer(5)],
            [0, 1, 1, 2, 0]
        );
        // Two stages never share a slot.
        let mut slots: Vec<(u32, u32)> = placed.iter().map(|p| (p.layer, p.row)).collect();
        slots.sort_unstable();
        slots.dedup();
        assert_eq!(slots.len(), stages.len());
    }

    #[test]
    fn unknown_dependencies_and_cycles_still_place_every_stage() {
        let stages = [
            stage(1, &[9]),
            stage(2, &[3]),
            stage(3, &[2]),
            stage(4, &[4]),
        ];
        let placed = layout(&stages);
        assert_eq!(placed.len(), 4);
        let layer = |n: u32| placed.iter().find(|p| p.number == n).unwrap().layer;
        assert_eq!(layer(1), 0, "a dependency on no stage is ignored");
        assert_eq!(layer(4), 0, "a stage depending on itself is not a cycle");
        assert_eq!((layer(2), layer(3)), (1, 1), "a cycle goes past the rest");
    }

    #[test]
    fn the_svg_has_a_box_per_stage_and_a_curve_per_dependency() {
        let stages = [stage(1, &[]), stage(2, &[1]), stage(3, &[1, 2])];
        let states = BTreeMap::from([(1, "done".to_owned()), (2, "ready".to_owned())]);
        let svg = render(&stages, &states, "Stage Map");
        assert_eq!(svg.matches("<g class=\"stage").count(), 3);
        assert_eq!(svg.matches("<path class=\"edge\"").count(), 3);
        assert!(svg.contains("st-done") && svg.contains("st-ready") && svg.contains("st-none"));
    }
}
