//! Owns the rules that hold for every plan source, run over the model once: S2 (numbering),
//! S4 (at most 6 steps), S5 (dependencies exist), S6 (no cycle), S7 (validation command), S8
//! (exit contract), S9 (rollback), S10 (vertical slice, test-first steps) and the option rules.
//! Where each violation is comes from the source's [`Locate`]; this file never guesses a line.

use std::collections::HashMap;

use crate::plan::check::{Locate, Part, Rule, Violation};
use crate::plan::model::{PlanBody, Stage};

/// At most this many effective steps per stage (S4).
pub const MAX_STEPS: usize = 6;

/// The prefixes every step action starts with (S10).
pub const ACTION_PREFIXES: [&str; 3] = ["RED:", "GREEN:", "REFACTOR:"];

/// Collects violations, placing each through the source's locator.
struct Sink<'a> {
    locate: &'a dyn Locate,
    out: Vec<Violation>,
}

impl Sink<'_> {
    fn push(&mut self, part: Part, rule: Rule, message: String) {
        if let Some(at) = self.locate.locate(part) {
            self.out.push(Violation { rule, at, message });
        }
    }
}

/// Returns every violation of S2, S4–S10 and the option rules in `body`, unsorted, placed by
/// `locate`.
pub fn check_plan_body_at(body: &PlanBody, locate: &dyn Locate) -> Vec<Violation> {
    let mut sink = Sink {
        locate,
        out: Vec::new(),
    };
    check_options(body, &mut sink);
    check_numbering(body, &mut sink);
    let index = stage_index(&body.stages);
    for (i, stage) in body.stages.iter().enumerate() {
        check_dependencies(i, stage, &index, &mut sink);
        check_sections(i, stage, &mut sink);
        check_slice(i, stage, &mut sink);
    }
    check_cycles(body, &index, &mut sink);
    sink.out
}

fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// Returns a title for a message: on one line, at most 60 characters, `untitled` when blank.
fn title_of(title: &str) -> String {
    let one: String = title.split_whitespace().collect::<Vec<_>>().join(" ");
    match one.char_indices().nth(60) {
        _ if one.is_empty() => "untitled".to_owned(),
        Some((cut, _)) => format!("{}…", &one[..cut]),
        None => one,
    }
}

fn check_options(body: &PlanBody, sink: &mut Sink<'_>) {
    let count = body.options.len();
    if count < 2 {
        sink.push(
            Part::Options,
            Rule::Options,
            format!("at least 2 option candidates are needed, found {count}"),
        );
    }
    for (i, option) in body.options.iter().enumerate() {
        if option.trade_offs.iter().all(|t| is_blank(t)) {
            sink.push(
                Part::TradeOffs(i),
                Rule::Options,
                format!(
                    "Option {} ({}) has no trade-off (give it a `Trade-off` list)",
                    i + 1,
                    title_of(&option.title)
                ),
            );
        }
    }
    let recommended = body.recommended_option.option;
    let exists = usize::try_from(recommended).is_ok_and(|n| n >= 1 && n <= count);
    if recommended == 0 {
        sink.push(
            Part::Recommended,
            Rule::Options,
            "no recommended option is named (write `Option <n>`)".to_owned(),
        );
    } else if !exists {
        let range = match count {
            0 => "there are no options".to_owned(),
            1 => "the only option is Option 1".to_owned(),
            n => format!("options are numbered 1..{n}"),
        };
        sink.push(
            Part::Recommended,
            Rule::Options,
            format!("the recommended option {recommended} does not exist ({range})"),
        );
    }
}

fn check_numbering(body: &PlanBody, sink: &mut Sink<'_>) {
    if body.stages.is_empty() {
        sink.push(
            Part::Stages,
            Rule::S2,
            "the Stage Map has no stages".to_owned(),
        );
    }
    for (i, stage) in body.stages.iter().enumerate() {
        let expected = i + 1;
        if usize::try_from(stage.number).ok() != Some(expected) {
            sink.push(
                Part::Number(i),
                Rule::S2,
                format!(
                    "Stage {} is stage number {expected} of the Stage Map: stages are \
                     numbered 1..n without gaps",
                    stage.number
                ),
            );
        }
    }
}

/// Returns the position of each stage number (the first stage that has it).
fn stage_index(stages: &[Stage]) -> HashMap<u32, usize> {
    let mut index = HashMap::with_capacity(stages.len());
    for (i, stage) in stages.iter().enumerate() {
        index.entry(stage.number).or_insert(i);
    }
    index
}

fn check_dependencies(i: usize, stage: &Stage, index: &HashMap<u32, usize>, sink: &mut Sink<'_>) {
    for (k, dependency) in stage.depends_on.iter().enumerate() {
        if *dependency == stage.number {
            sink.push(
                Part::Dependency(i, k),
                Rule::S5,
                format!("Stage {} depends on itself", stage.number),
            );
        } else if !index.contains_key(dependency) {
            sink.push(
                Part::Dependency(i, k),
                Rule::S5,
                format!(
                    "Stage {} depends on Stage {dependency}, which does not exist",
                    stage.number
                ),
            );
        }
    }
}

fn check_sections(i: usize, stage: &Stage, sink: &mut Sink<'_>) {
    let n = stage.number;
    let steps = stage.steps.iter().filter(|s| !is_blank(&s.action)).count();
    if steps > MAX_STEPS {
        sink.push(
            Part::Steps(i),
            Rule::S4,
            format!("Stage {n} has {steps} steps: at most {MAX_STEPS} per stage (split the stage)"),
        );
    }
    if stage.validation.iter().all(|c| is_blank(c)) {
        sink.push(
            Part::Validation(i),
            Rule::S7,
            format!("Stage {n} has no Stage Validation command"),
        );
    }
    if stage.exit_contract.iter().all(|c| is_blank(c)) {
        sink.push(
            Part::ExitContract(i),
            Rule::S8,
            format!("Stage {n} has an empty Stage Exit Contract"),
        );
    }
    if is_blank(&stage.rollback) {
        sink.push(
            Part::Rollback(i),
            Rule::S9,
            format!("Stage {n} has an empty Rollback"),
        );
    }
}

fn check_slice(i: usize, stage: &Stage, sink: &mut Sink<'_>) {
    let n = stage.number;
    if is_blank(&stage.slice_value) {
        sink.push(
            Part::SliceValue(i),
            Rule::S10,
            format!("Stage {n} has no `Slice value:`"),
        );
    }
    if is_blank(&stage.acceptance) {
        sink.push(
            Part::Acceptance(i),
            Rule::S10,
            format!("Stage {n} has no `Acceptance:`"),
        );
    }
    match &stage.tdd_exemption {
        Some(reason) if !is_blank(reason) => return,
        Some(_) => sink.push(
            Part::TddExemption(i),
            Rule::S10,
            format!("Stage {n} has a `TDD exemption:` without a reason"),
        ),
        None => {}
    }
    let mut red = false;
    let mut green = false;
    for (j, step) in stage.steps.iter().enumerate() {
        let action = step.action.trim_start();
        if action.is_empty() {
            continue;
        }
        red |= action.starts_with("RED:");
        green |= action.starts_with("GREEN:");
        if !ACTION_PREFIXES.iter().any(|p| action.starts_with(p)) {
            sink.push(
                Part::Step(i, j),
                Rule::S10,
                format!(
                    "Stage {n} step {} does not start with RED:, GREEN: or REFACTOR:",
                    j + 1
                ),
            );
        }
    }
    for (seen, prefix) in [(red, "RED:"), (green, "GREEN:")] {
        if !seen {
            sink.push(
                Part::Steps(i),
                Rule::S10,
                format!(
                    "Stage {n} has no {prefix} step (test first, or a \
                     `TDD exemption: <reason>` line)"
                ),
            );
        }
    }
}

/// Reports each cycle of the dependency graph once (S6): per strongly connected component of
/// two or more stages, the shortest cycle through its first stage. Self-dependencies are S5's.
fn check_cycles(body: &PlanBody, index: &HashMap<u32, usize>, sink: &mut Sink<'_>) {
    let edges: Vec<Vec<usize>> = body
        .stages
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let mut to: Vec<usize> = stage
                .depends_on
                .iter()
                .filter_map(|d| index.get(d).copied())
                .filter(|&j| j != i)
                .collect();
            to.sort_unstable();
            to.dedup();
            to
        })
        .collect();
    for component in components(&edges) {
        if component.len() < 2 {
            continue;
        }
        let start = component[0];
        let Some(cycle) = shortest_cycle(&edges, &component, start) else {
            continue;
        };
        let names: Vec<String> = cycle
            .iter()
            .chain(std::iter::once(&start))
            .map(|&i| format!("Stage {}", body.stages[i].number))
            .collect();
        sink.push(
            Part::DependsOn(start),
            Rule::S6,
            format!("the dependency graph has a cycle: {}", names.join(" → ")),
        );
    }
}

/// Returns the strongly connected components of a graph (Kosaraju, iterative so that no input
/// can overflow the stack), each sorted, in order of their smallest node.
fn components(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut order = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    for root in 0..n {
        if seen[root] {
            continue;
        }
        seen[root] = true;
        let mut stack = vec![(root, 0usize)];
        while let Some((node, next)) = stack.pop() {
            if let Some(&to) = edges[node].get(next) {
                stack.push((node, next + 1));
                if !seen[to] {
                    seen[to] = true;
                    stack.push((to, 0));
                }
            } else {
                order.push(node);
            }
        }
    }
    let mut reverse = vec![Vec::new(); n];
    for (from, tos) in edges.iter().enumerate() {
        for &to in tos {
            reverse[to].push(from);
        }
    }
    let mut component_of = vec![usize::MAX; n];
    let mut components: Vec<Vec<usize>> = Vec::new();
    for &root in order.iter().rev() {
        if component_of[root] != usize::MAX {
            continue;
        }
        let id = components.len();
        component_of[root] = id;
        let mut members = vec![root];
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            for &from in &reverse[node] {
                if component_of[from] == usize::MAX {
                    component_of[from] = id;
                    members.push(from);
                    stack.push(from);
                }
            }
        }
        members.sort_unstable();
        components.push(members);
    }
    components.sort_by_key(|c| c[0]);
    components
}

/// Returns the shortest path `start → … → x` inside `component` such that `x → start` is an
/// edge (breadth-first), as the list of nodes from `start` to `x`.
fn shortest_cycle(edges: &[Vec<usize>], component: &[usize], start: usize) -> Option<Vec<usize>> {
    let inside = |node: usize| component.binary_search(&node).is_ok();
    let mut parent: HashMap<usize, usize> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &to in &edges[node] {
            if to == start {
                let mut path = vec![node];
                let mut at = node;
                while at != start {
                    at = *parent.get(&at)?;
                    path.push(at);
                }
                path.reverse();
                return Some(path);
            }
            if inside(to) && !parent.contains_key(&to) {
                parent.insert(to, node);
                queue.push_back(to);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests;
