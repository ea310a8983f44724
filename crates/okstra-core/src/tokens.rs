//! Owns token accounting figures (SPEC §5.3 `tokens`): `inputTotal` (including cached input,
//! for every CLI), `cacheRead`, `cacheWrite`, `output`, `reasoning`, `costUsd` — each `None`
//! when the CLI did not report it, never 0 for unknown — and how figures add up across
//! attempts, workers, rounds and runs.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Token usage of one worker attempt (or a sum of several); `null` means the CLI did not report
/// the figure (never 0 for unknown).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct TokenUsage {
    /// Input tokens including cached input.
    pub input_total: Option<u64>,
    pub cache_read: Option<u64>,
    pub cache_write: Option<u64>,
    pub output: Option<u64>,
    pub reasoning: Option<u64>,
    pub cost_usd: Option<f64>,
}

/// Adds two figures, either of which may be unknown. Counts come from worker output (untrusted),
/// so token sums saturate at `u64::MAX` rather than overflow.
fn add_opt<T>(a: Option<T>, b: Option<T>, add: fn(T, T) -> T) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(add(a, b)),
        (a, None) => a,
        (None, b) => b,
    }
}

fn add_tokens(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    add_opt(a, b, u64::saturating_add)
}

impl TokenUsage {
    /// Returns whether no figure is known.
    pub fn is_unknown(&self) -> bool {
        *self == TokenUsage::default()
    }

    /// Returns the figure-by-figure sum; a figure unknown on one side takes the other's.
    #[must_use]
    pub fn plus(&self, other: &TokenUsage) -> TokenUsage {
        TokenUsage {
            input_total: add_tokens(self.input_total, other.input_total),
            cache_read: add_tokens(self.cache_read, other.cache_read),
            cache_write: add_tokens(self.cache_write, other.cache_write),
            output: add_tokens(self.output, other.output),
            reasoning: add_tokens(self.reasoning, other.reasoning),
            cost_usd: add_opt(self.cost_usd, other.cost_usd, |a, b| a + b),
        }
    }

    /// Returns `self - earlier`, for CLIs whose figures accumulate over a resumed thread
    /// (Codex `turn.completed.usage`).
    #[must_use]
    pub fn minus(&self, earlier: &TokenUsage) -> TokenUsage {
        let sub = |a: Option<u64>, b: Option<u64>| a.map(|a| a.saturating_sub(b.unwrap_or(0)));
        TokenUsage {
            input_total: sub(self.input_total, earlier.input_total),
            cache_read: sub(self.cache_read, earlier.cache_read),
            cache_write: sub(self.cache_write, earlier.cache_write),
            output: sub(self.output, earlier.output),
            reasoning: sub(self.reasoning, earlier.reasoning),
            cost_usd: self
                .cost_usd
                .map(|a| (a - earlier.cost_usd.unwrap_or(0.0)).max(0.0)),
        }
    }

    /// Returns input plus output, the figure budgets count; `None` when neither is known.
    pub fn total(&self) -> Option<u64> {
        add_tokens(self.input_total, self.output)
    }

    /// Returns a short display: `12.3k tok` / `-`.
    pub fn display_short(&self) -> String {
        match self.total() {
            None => "-".to_owned(),
            Some(n) if n >= 10_000 => format!("{}.{}k tok", n / 1000, (n % 1000) / 100),
            Some(n) => format!("{n} tok"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_is_not_zero() {
        let a = TokenUsage {
            input_total: Some(10),
            output: Some(2),
            ..TokenUsage::default()
        };
        let b = TokenUsage::default();
        let sum = a.plus(&b);
        assert_eq!(sum.input_total, Some(10));
        assert_eq!(sum.reasoning, None);
        assert_eq!(
            serde_json::to_string(&b).unwrap(),
            r#"{"inputTotal":null,"cacheRead":null,"cacheWrite":null,"output":null,"reasoning":null,"costUsd":null}"#
        );
        assert_eq!(b.display_short(), "-");
        assert_eq!(sum.display_short(), "12 tok");
    }

    #[test]
    fn huge_counts_saturate_instead_of_overflowing() {
        let huge = TokenUsage {
            input_total: Some(u64::MAX - 1),
            output: Some(u64::MAX),
            reasoning: Some(u64::MAX),
            ..TokenUsage::default()
        };
        assert_eq!(huge.total(), Some(u64::MAX));
        let sum = huge.plus(&huge);
        assert_eq!(
            (sum.input_total, sum.output, sum.reasoning),
            (Some(u64::MAX), Some(u64::MAX), Some(u64::MAX))
        );
    }

    #[test]
    fn deaccumulate() {
        let first = TokenUsage {
            input_total: Some(13),
            output: Some(6),
            ..TokenUsage::default()
        };
        let cumulative = TokenUsage {
            input_total: Some(26),
            output: Some(12),
            ..TokenUsage::default()
        };
        assert_eq!(cumulative.minus(&first), first);
    }
}
