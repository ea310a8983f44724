//! Owns the wizard's steps, by theme in `task`, `plan`, `team`, `finish`, with `kit` (what they
//! share) and `dispatch` (which module a step belongs to).
mod dispatch;
mod finish;
mod kit;
mod plan;
mod task;
mod team;

pub(crate) use dispatch::{accept, applies, build};
pub(crate) use kit::Answer as StepAnswer;
pub(crate) use kit::Ctx;
