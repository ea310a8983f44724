//! Owns the carry folder as the repair sees it: which file names are carry sidecars (the
//! original's glob `stage-*.json`), in which order they are taken (sorted by name, as the
//! original's `sorted(glob(...))`), and each file probed once for every reader.

use crate::carry::facts::CarryFacts;
use crate::carry::probe::{ProbeError, probe_carry};

/// A carry file as the engine found it: its name in the carry folder and its text, or why it
/// could not be read (an I/O error, not UTF-8, a folder).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CarryFile {
    pub name: String,
    pub text: Result<String, String>,
}

/// A carry file, probed: its facts, or why it gives none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbedCarry {
    pub name: String,
    pub facts: Result<CarryFacts, CarryUnreadable>,
}

/// Why a carry file gives no carry.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CarryUnreadable {
    Io(String),
    Json(ProbeError),
}

impl std::fmt::Display for CarryUnreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CarryUnreadable::Io(e) => write!(f, "unreadable ({e})"),
            CarryUnreadable::Json(e) => e.fmt(f),
        }
    }
}

/// Returns whether a file name matches the original's glob `stage-*.json`.
pub fn is_carry_file_name(name: &str) -> bool {
    name.len() >= "stage-.json".len() && name.starts_with("stage-") && name.ends_with(".json")
}

/// Probes carry files, returning them sorted by name.
pub fn probe_carries(files: Vec<CarryFile>) -> Vec<ProbedCarry> {
    let mut out: Vec<ProbedCarry> = files
        .into_iter()
        .map(|file| ProbedCarry::from_text(file.name, file.text.as_deref().map_err(Clone::clone)))
        .collect();
    sort_carries(&mut out);
    out
}

/// Sorts probed carries by file name: the order the repair takes them in. A probe is a few
/// hundred bytes, so the order is found over indices and each carry moved once.
pub fn sort_carries(carries: &mut Vec<ProbedCarry>) {
    let mut order: Vec<usize> = (0..carries.len()).collect();
    order.sort_unstable_by(|&a, &b| carries[a].name.cmp(&carries[b].name));
    let mut slots: Vec<Option<ProbedCarry>> = carries.drain(..).map(Some).collect();
    carries.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

impl ProbedCarry {
    /// Probes one carry file's text (or keeps why it could not be read).
    pub fn from_text(name: String, text: Result<&str, String>) -> Self {
        Self {
            facts: match text {
                Ok(text) => probe_carry(text)
                    .map(|probe| CarryFacts::of(&probe, &name))
                    .map_err(CarryUnreadable::Json),
                Err(e) => Err(CarryUnreadable::Io(e)),
            },
            name,
        }
    }

    /// Returns the stage the carry names (see [`CarryFacts::stage`]), when it is readable.
    pub fn stage(&self) -> Option<i64> {
        self.facts.as_ref().ok()?.stage
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carry_names_follow_the_glob_and_sort_by_name() {
        for name in [
            "stage-1.json",
            "stage-.json",
            "stage-x.json",
            "stage-10.json",
        ] {
            assert!(is_carry_file_name(name), "{name}");
        }
        for name in [
            "stage-1.json.tmp",
            "Stage-1.json",
            "stage1.json",
            "x-stage-1.json",
        ] {
            assert!(!is_carry_file_name(name), "{name}");
        }
        let file = |name: &str, text: &str| CarryFile {
            name: name.into(),
            text: Ok(text.into()),
        };
        let probed = probe_carries(vec![
            file("stage-2.json", "{}"),
            file("stage-10.json", "{}"),
            file("stage-1.json", "[]"),
            CarryFile {
                name: "stage-3.json".into(),
                text: Err("Is a directory".into()),
            },
        ]);
        let names: Vec<&str> = probed.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "stage-1.json",
                "stage-10.json",
                "stage-2.json",
                "stage-3.json"
            ]
        );
        assert_eq!(
            probed[0].facts,
            Err(CarryUnreadable::Json(ProbeError::NotAnObject))
        );
        assert_eq!(probed[1].stage(), Some(10));
        assert_eq!(probed[3].stage(), None);
    }
}
