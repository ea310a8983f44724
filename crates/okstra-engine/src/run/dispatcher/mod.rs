//! Owns dispatching a round of workers: one dispatcher, the only writer of team state, manifest
//! events and worker artifacts (prompts, result files, audit, errors log, transcript), starts
//! every worker of the round concurrently, receives its executors' events, decides terminal
//! statuses and the one re-dispatch of SPEC §5.4 (into `-a2` files that never overwrite attempt
//! 1's), and makes each group of completions durable together.

mod attempt;
mod imp;
mod record;
mod reuse;
mod sidecars;

pub(crate) use imp::PlannedWorker;
