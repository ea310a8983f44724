//! Owns the decision made under the task lock when an implementation run takes its stage (SPEC
//! §8): which stage — a ready one (`--stage auto|N`), or for `--retry` a started one whose run
//! failed or died, for `--redo` / `--reverify` a done or stale one — and its base: the
//! implementation base (fixed in the registry at the first selection that needs it), the one
//! dependency's `done` head, or the merge of several (`git::merge`, a conflict naming its
//! files); a reopened stage keeps its recorded base. In a project root (no stage worktree) a
//! stage is refused while another stage's run is going there.
//!
//! It changes nothing but the registry's implementation base; the caller appends the row.

use std::path::{Path, PathBuf};

use okstra_core::ledger::{
    SelectError, StageBook, StageChoice, StageEntry, StageState, select_stage,
};
use okstra_core::run_paths::TaskPaths;
use okstra_core::stage_record::StageMode;
use okstra_core::{RunId, Stage};

use super::stage_error::StageError;
use crate::git::GitCommand;
use crate::git::merge::{MergeOutcome, merge_heads};
use crate::home::Home;
use crate::ledger::{Claim, LedgerError, RunLiveness, run_liveness};
use crate::registry::with_registry;

/// How long after its `started` row a run without a manifest is taken to be still preparing.
const PREPARING: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);

/// How a started stage is held by its run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Occupied {
    Running,
    Prepared,
    Preparing,
}

/// Where the stage runs, as the claim needs it.
#[derive(Clone, Debug)]
pub(crate) enum Place {
    /// A repository with the task worktree: the stage gets its own worktree and branch.
    Git {
        /// Runs git in the task worktree.
        git: GitCommand,
        /// The task's registry key.
        registry_key: String,
        task_worktree: PathBuf,
    },
    /// The project root (outside git, or a nested worktree): one stage run at a time, no
    /// branch of its own. `head` is the root's HEAD when it is in git.
    Root { head: Option<String> },
}

/// What the claim decided beside the row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Decided {
    pub(crate) stage: Stage,
    /// The stage's base (`None` in a project root outside git).
    pub(crate) base: Option<String>,
    /// Where the stage branch goes: `None` resets it to the base, `Some(head)` keeps it at
    /// `head` (`--reverify`).
    pub(crate) keep_head: Option<String>,
}

/// What the decision is made with.
pub(crate) struct Decide<'a> {
    pub(crate) home: &'a Home,
    pub(crate) task: &'a TaskPaths,
    pub(crate) place: &'a Place,
    pub(crate) choice: StageChoice,
    pub(crate) mode: StageMode,
    pub(crate) run_id: RunId,
}

impl Decide<'_> {
    /// Decides the stage and its base from the plan's stage book.
    pub(crate) fn decide(&self, book: &StageBook) -> Result<(Claim, Decided), StageError> {
        if self.mode != StageMode::New
            && let Some(conflict) = &book.conflict
        {
            return Err(select(SelectError::Conflict {
                plan: book.plan_run_id.clone().unwrap_or_default(),
                conflict: conflict.clone(),
            }));
        }
        if let Place::Root { .. } = self.place {
            self.refuse_a_second_run_in_the_root(book)?;
        }
        let decided = match self.mode {
            StageMode::New => {
                let selected = select_stage(book, self.choice).map_err(select)?;
                let heads: Vec<(u32, String)> = selected.dependency_heads;
                Decided {
                    stage: stage_of(selected.stage),
                    base: self.base_from(selected.stage, &heads)?,
                    keep_head: None,
                }
            }
            StageMode::Retry => {
                let entry = self.pick(book, "started, failed or died", |e| {
                    matches!(e.state, StageState::Started { .. }) && self.retryable(e).is_ok()
                })?;
                self.retryable(entry)?;
                let StageState::Started { base, .. } = &entry.state else {
                    return Err(self.wrong(entry, "started"));
                };
                let base = match self.place {
                    Place::Root { head } => base.clone().filter(|b| !b.is_empty()).or(head.clone()),
                    Place::Git { .. } => Some(base.clone().filter(|b| !b.is_empty()).ok_or(
                        StageError::NoBase {
                            mode: self.mode,
                            stage: entry.stage,
                        },
                    )?),
                };
                Decided {
                    stage: stage_of(entry.stage),
                    base,
                    keep_head: None,
                }
            }
            StageMode::Redo | StageMode::Reverify => {
                let entry = self.pick(book, "done or stale", |e| {
                    matches!(e.state, StageState::Done(_) | StageState::Stale { .. })
                })?;
                let head = match &entry.state {
                    StageState::Done(done) | StageState::Stale { done, .. } => done.head.clone(),
                    _ => return Err(self.wrong(entry, "done or stale")),
                };
                let base = match recorded_base(self.task, entry.stage) {
                    Some(base) => Some(base),
                    None => self.base_from(entry.stage, &dependency_heads(book, entry)?)?,
                };
                let keep_head = (self.mode == StageMode::Reverify)
                    .then(|| head.or_else(|| base.clone()))
                    .flatten();
                Decided {
                    stage: stage_of(entry.stage),
                    base,
                    keep_head,
                }
            }
        };
        let claim = Claim {
            stage: decided.stage.get(),
            base: decided.base.clone().unwrap_or_default(),
        };
        Ok((claim, decided))
    }

    /// Returns the stage `--stage` names, in a state `fits` accepts; `auto` takes the lowest
    /// such stage.
    fn pick<'b>(
        &self,
        book: &'b StageBook,
        wanted: &'static str,
        fits: impl Fn(&StageEntry) -> bool,
    ) -> Result<&'b StageEntry, StageError> {
        match self.choice {
            StageChoice::Stage(n) => {
                let entry = book.stage(n).ok_or_else(|| {
                    select(SelectError::NoSuchStage {
                        stage: n,
                        count: book.stages.len(),
                    })
                })?;
                if fits(entry) {
                    Ok(entry)
                } else if self.mode == StageMode::Retry
                    && matches!(entry.state, StageState::Started { .. })
                {
                    // The state is right; the run is not: say why.
                    self.retryable(entry).map(|()| entry)
                } else {
                    Err(self.wrong(entry, wanted))
                }
            }
            StageChoice::Auto => book
                .stages
                .iter()
                .filter(|e| fits(e))
                .min_by_key(|e| e.stage)
                .ok_or_else(|| StageError::NoneFor {
                    mode: self.mode,
                    wanted,
                    summary: summary(book),
                }),
        }
    }

    fn wrong(&self, entry: &StageEntry, wanted: &'static str) -> StageError {
        StageError::WrongState {
            mode: self.mode,
            stage: entry.stage,
            wanted,
            state: entry.state.to_string(),
        }
    }

    /// Refuses `--retry` of a started stage whose run is still going, being prepared, or
    /// prepared and not started.
    fn retryable(&self, entry: &StageEntry) -> Result<(), StageError> {
        let StageState::Started { run_id, .. } = &entry.state else {
            return Err(self.wrong(entry, "started"));
        };
        let Some(run_id) = run_id else {
            return Ok(());
        };
        match self.occupancy(entry) {
            Some(Occupied::Running | Occupied::Preparing) => Err(StageError::StillRunning {
                stage: entry.stage,
                run_id: run_id.clone(),
            }),
            Some(Occupied::Prepared) => Err(StageError::Prepared {
                stage: entry.stage,
                run_id: run_id.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Returns whether the run that started `entry` still holds it: running, prepared and not
    /// started, or being prepared — its row is written before its manifest, so a row younger
    /// than [`PREPARING`] whose run has no manifest yet is taken for one in flight (a run that
    /// died there is free once the row is older).
    fn occupancy(&self, entry: &StageEntry) -> Option<Occupied> {
        let StageState::Started {
            run_id: Some(run_id),
            started_at,
            ..
        } = &entry.state
        else {
            return None;
        };
        match run_liveness(self.task, stage_of(entry.stage), run_id) {
            RunLiveness::Running => Some(Occupied::Running),
            RunLiveness::Prepared => Some(Occupied::Prepared),
            RunLiveness::NoManifest => {
                let at = started_at.as_deref()?.parse::<jiff::Timestamp>().ok()?;
                let age = jiff::Timestamp::now().duration_since(at);
                (age < PREPARING).then_some(Occupied::Preparing)
            }
            RunLiveness::Dead | RunLiveness::Ended(_) => None,
        }
    }

    /// Refuses a stage run in the project root while another stage's run is going there.
    fn refuse_a_second_run_in_the_root(&self, book: &StageBook) -> Result<(), StageError> {
        for entry in &book.stages {
            let StageState::Started {
                run_id: Some(run_id),
                ..
            } = &entry.state
            else {
                continue;
            };
            if *run_id == self.run_id.to_string() {
                continue;
            }
            let why = match self.occupancy(entry) {
                Some(Occupied::Running) => "its okstra is running",
                Some(Occupied::Prepared) => "it is prepared and not started",
                Some(Occupied::Preparing) => "it is being prepared",
                None => continue,
            };
            return Err(StageError::OneAtATime {
                running: entry.stage,
                run_id: run_id.clone(),
                why,
            });
        }
        Ok(())
    }

    /// Returns the base of `stage` from its dependencies' `done` heads: none — the
    /// implementation base; one — its head; several — their merge.
    fn base_from(&self, stage: u32, heads: &[(u32, String)]) -> Result<Option<String>, StageError> {
        let (git, registry_key, task_worktree) = match self.place {
            Place::Root { head } => return Ok(head.clone()),
            Place::Git {
                git,
                registry_key,
                task_worktree,
            } => (git, registry_key, task_worktree),
        };
        match heads {
            [] => fix_implementation_base(self.home, registry_key, task_worktree).map(Some),
            [(_, head)] => Ok(Some(head.clone())),
            several => {
                let commits: Vec<String> = several.iter().map(|(_, h)| h.clone()).collect();
                let deps: Vec<u32> = several.iter().map(|(d, _)| *d).collect();
                let message = format!(
                    "okstra: merge stages {} into the base of stage {stage}",
                    deps.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                match merge_heads(git, &commits, &message)? {
                    MergeOutcome::Merged(commit) => Ok(Some(commit)),
                    MergeOutcome::Conflict(files) => Err(StageError::MergeConflict {
                        stage,
                        dependencies: deps,
                        files,
                    }),
                }
            }
        }
    }
}

/// Returns the task's implementation base, fixing it now — to the task worktree's HEAD — when
/// this is the first selection that needs it. Takes the registry lock (inside the task lock).
pub(crate) fn fix_implementation_base(
    home: &Home,
    registry_key: &str,
    task_worktree: &Path,
) -> Result<String, StageError> {
    with_registry(home, |registry| {
        let Some(entry) = registry.task_mut(registry_key) else {
            return Err(StageError::NoTaskHead {
                path: task_worktree.to_path_buf(),
            });
        };
        if let Some(base) = &entry.implementation_base {
            return Ok((base.clone(), false));
        }
        let head = GitCommand::new(task_worktree)
            .resolve_commit("HEAD")?
            .ok_or_else(|| StageError::NoTaskHead {
                path: task_worktree.to_path_buf(),
            })?;
        entry.implementation_base = Some(head.clone());
        Ok((head, true))
    })
}

/// Returns the `done` heads of the stages `entry` depends on (a dependency not done blocks).
fn dependency_heads(
    book: &StageBook,
    entry: &StageEntry,
) -> Result<Vec<(u32, String)>, StageError> {
    let mut deps = entry.depends_on.clone();
    deps.sort_unstable();
    deps.dedup();
    let mut heads = Vec::new();
    let mut blocked = Vec::new();
    for dep in deps {
        match book.stage(dep).map(|d| &d.state) {
            Some(StageState::Done(done)) => match &done.head {
                Some(head) => heads.push((dep, head.clone())),
                None => return Err(select(SelectError::NoDependencyHead { dependency: dep })),
            },
            _ => blocked.push(dep),
        }
    }
    if blocked.is_empty() {
        Ok(heads)
    } else {
        Err(select(SelectError::Blocked {
            stage: entry.stage,
            by: blocked,
        }))
    }
}

/// Returns the base a stage's carry records (`stageCommitRange.base`), if any.
fn recorded_base(task: &TaskPaths, stage: u32) -> Option<String> {
    let text = crate::fs_atomic::read_optional(&task.carry(stage_of(stage)))
        .ok()
        .flatten()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value
        .get("stageCommitRange")?
        .get("base")?
        .as_str()
        .filter(|b| !b.is_empty())
        .map(str::to_owned)
}

/// Returns where the plan's stages stand, in one line: `1 done, 2 started (2, 3)`.
fn summary(book: &StageBook) -> String {
    let mut parts = Vec::new();
    for word in ["done", "stale", "started", "reserved", "ready", "blocked"] {
        let stages: Vec<String> = book
            .stages
            .iter()
            .filter(|s| s.state.word() == word)
            .map(|s| s.stage.to_string())
            .collect();
        if !stages.is_empty() {
            parts.push(format!("{} {word} ({})", stages.len(), stages.join(", ")));
        }
    }
    if parts.is_empty() {
        "the plan has no stages".to_owned()
    } else {
        parts.join(", ")
    }
}

fn select(err: SelectError) -> StageError {
    StageError::Ledger(LedgerError::Select(err))
}

/// Returns the stage of a plan's stage number. Plan stages are numbered from 1 (the plan check
/// refuses any other, and it passed), so the fallback is never taken.
pub(crate) fn stage_of(number: u32) -> Stage {
    Stage::new(number).unwrap_or(Stage::FIRST)
}
