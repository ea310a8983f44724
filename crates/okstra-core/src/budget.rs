//! Owns the budget of a run (SPEC §11): a token and a cost limit, and the check that says it is
//! reached — once it is, okstra starts no new round or worker, and the report says so.

use std::fmt;

use crate::tokens::TokenUsage;

/// The budget of a run; `None` is no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Budget {
    pub max_tokens: Option<u64>,
    pub max_cost_usd: Option<f64>,
}

/// Why a budget is reached.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BudgetReached {
    /// Input plus output tokens used, against the limit.
    Tokens { used: u64, max: u64 },
    /// USD spent as the CLIs reported it, against the limit.
    Cost { spent: f64, max: f64 },
}

impl fmt::Display for BudgetReached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BudgetReached::Tokens { used, max } => {
                write!(f, "{used} tokens used of a budget of {max}")
            }
            BudgetReached::Cost { spent, max } => {
                write!(f, "${spent:.4} spent of a budget of ${max:.4}")
            }
        }
    }
}

impl Budget {
    /// Returns whether any limit is set.
    pub fn is_set(&self) -> bool {
        self.max_tokens.is_some() || self.max_cost_usd.is_some()
    }

    /// Returns why the budget is reached by `used`, if it is. Figures a CLI did not report
    /// count as nothing: an unknown cost never reaches a cost budget.
    pub fn reached(&self, used: &TokenUsage) -> Option<BudgetReached> {
        if let (Some(max), Some(used)) = (self.max_tokens, used.total())
            && used >= max
        {
            return Some(BudgetReached::Tokens { used, max });
        }
        if let (Some(max), Some(spent)) = (self.max_cost_usd, used.cost_usd)
            && spent >= max
        {
            return Some(BudgetReached::Cost { spent, max });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(input: Option<u64>, output: Option<u64>, cost: Option<f64>) -> TokenUsage {
        TokenUsage {
            input_total: input,
            output,
            cost_usd: cost,
            ..TokenUsage::default()
        }
    }

    #[test]
    fn no_limit_is_never_reached() {
        let b = Budget::default();
        assert!(!b.is_set());
        assert_eq!(b.reached(&usage(Some(u64::MAX), None, Some(1e9))), None);
    }

    #[test]
    fn tokens_count_input_plus_output() {
        let b = Budget {
            max_tokens: Some(100),
            max_cost_usd: None,
        };
        assert_eq!(b.reached(&usage(Some(60), Some(39), None)), None);
        let hit = b.reached(&usage(Some(60), Some(40), None)).unwrap();
        assert_eq!(
            hit,
            BudgetReached::Tokens {
                used: 100,
                max: 100
            }
        );
        assert_eq!(hit.to_string(), "100 tokens used of a budget of 100");
        assert_eq!(
            b.reached(&TokenUsage::default()),
            None,
            "unknown is not zero"
        );
    }

    #[test]
    fn cost_is_what_the_clis_reported() {
        let b = Budget {
            max_tokens: None,
            max_cost_usd: Some(0.5),
        };
        assert_eq!(b.reached(&usage(Some(10), Some(10), None)), None);
        assert_eq!(b.reached(&usage(None, None, Some(0.4999))), None);
        let hit = b.reached(&usage(None, None, Some(0.5))).unwrap();
        assert_eq!(hit.to_string(), "$0.5000 spent of a budget of $0.5000");
    }

    #[test]
    fn tokens_are_checked_first() {
        let b = Budget {
            max_tokens: Some(1),
            max_cost_usd: Some(0.0),
        };
        assert!(matches!(
            b.reached(&usage(Some(1), None, Some(1.0))),
            Some(BudgetReached::Tokens { .. })
        ));
    }
}
