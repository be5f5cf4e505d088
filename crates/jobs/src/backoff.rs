//! Retry delays: exponential backoff with full jitter and a cap.

use std::time::Duration;

/// Exponential backoff with full jitter: attempt n waits a uniform random time in
/// `[0, min(cap, base * 2^(n-1))]`, which spreads retries of many failed jobs apart.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    /// The ceiling of the first retry's delay.
    pub base: Duration,
    /// The largest delay ever drawn.
    pub cap: Duration,
}

impl Default for Backoff {
    /// 5 s base, 1 h cap.
    fn default() -> Self {
        Self {
            base: Duration::from_secs(5),
            cap: Duration::from_secs(3600),
        }
    }
}

impl Backoff {
    /// The ceiling of the delay after failed attempt `attempt` (1-based).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(30));
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// A delay drawn for failed attempt `attempt`.
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.ceiling(attempt);
        let unit: f64 = rand::random();
        ceiling.mul_f64(unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_then_cap() {
        let b = Backoff {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(10),
        };
        let c: Vec<u64> = (1..=6).map(|n| b.ceiling(n).as_secs()).collect();
        assert_eq!(c, [1, 2, 4, 8, 10, 10]);
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(10));
    }

    #[test]
    fn delays_stay_under_the_ceiling_and_vary() {
        let b = Backoff {
            base: Duration::from_secs(8),
            cap: Duration::from_secs(60),
        };
        let draws: Vec<Duration> = (0..200).map(|_| b.delay(3)).collect();
        assert!(draws.iter().all(|d| *d <= Duration::from_secs(32)));
        let distinct: std::collections::BTreeSet<_> = draws.iter().collect();
        assert!(
            distinct.len() > 100,
            "full jitter draws should rarely repeat"
        );
    }
}
