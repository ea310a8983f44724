//! Owns running one worker attempt — the executor side of the runner: spawning its process (or
//! answering from a replay fixture), feeding its output to the adapter's parser, enforcing its
//! deadline, stall window and retry limit, and killing and reaping every descendant when it
//! ends. It reports `AttemptEvent`s over a channel; the dispatcher decides what they mean and
//! writes every file.

mod attempt;
mod executor;
mod replay;
mod spawn;
pub(crate) mod unix;

pub(crate) use attempt::{
    AttemptEnd, AttemptEvent, AttemptSpec, Envelope, Launch, ProcessLaunch, ReplayLaunch,
};
pub(crate) use executor::run_attempt;
