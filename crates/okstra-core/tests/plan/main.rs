//! The plan check as its users meet it: the fixture plans under `tests/fixtures/plans/` (one
//! that passes, one per rule that fails with exactly its diagnostic), and property tests that
//! feed generated and mutated plans to the renderer, the parser and the rules.

mod fixtures;
mod proptests;
