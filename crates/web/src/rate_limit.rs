//! Limits on credential guessing: attempts per client IP and per email address, in memory.
//! Per-process limits are enough here: each process is a separate brake, and attackers are
//! slowed by whichever they hit. (Pacing of LinkedIn sends, which must hold across processes,
//! lives in the database instead.)

use crate::error::ApiError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// Keyed limiters for login-like endpoints.
pub struct LoginLimiter {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_email: DefaultKeyedRateLimiter<String>,
}

impl LoginLimiter {
    /// `ip_burst` attempts per IP refilling one every `ip_period`; likewise per email.
    pub fn new(
        ip_burst: u32,
        ip_period: Duration,
        email_burst: u32,
        email_period: Duration,
    ) -> Self {
        let quota = |burst: u32, period: Duration| {
            Quota::with_period(period)
                .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
                .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
        };
        Self {
            per_ip: RateLimiter::keyed(quota(ip_burst, ip_period)),
            per_email: RateLimiter::keyed(quota(email_burst, email_period)),
        }
    }

    /// Counts one attempt from `ip` (and for `email`, when given); 429 once either is spent.
    pub fn check(&self, ip: IpAddr, email: Option<&str>) -> Result<(), ApiError> {
        let wait = |not_until: governor::NotUntil<_>| {
            let secs = not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs_f64()
                .ceil() as u64;
            ApiError::rate_limited(secs)
        };
        self.per_ip.check_key(&ip).map_err(wait)?;
        if let Some(email) = email {
            self.per_email
                .check_key(&email.trim().to_lowercase())
                .map_err(wait)?;
        }
        if self.per_ip.len() > 10_000 {
            self.per_ip.retain_recent();
            self.per_email.retain_recent();
        }
        Ok(())
    }
}

impl Default for LoginLimiter {
    /// 20 attempts per IP (then one every 3 s) and 10 per email (then one every 90 s).
    fn default() -> Self {
        Self::new(20, Duration::from_secs(3), 10, Duration::from_secs(90))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_email_across_ips() {
        let l = LoginLimiter::new(100, Duration::from_secs(1), 3, Duration::from_secs(60));
        for i in 0..3u8 {
            l.check(IpAddr::from([10, 0, 0, i]), Some("a@x.com"))
                .unwrap();
        }
        assert!(
            l.check(IpAddr::from([10, 0, 0, 9]), Some("A@x.com"))
                .is_err()
        );
        l.check(IpAddr::from([10, 0, 0, 9]), Some("b@x.com"))
            .unwrap();
    }

    #[test]
    fn limits_per_ip() {
        let l = LoginLimiter::new(2, Duration::from_secs(60), 100, Duration::from_secs(1));
        let ip = IpAddr::from([127, 0, 0, 1]);
        l.check(ip, None).unwrap();
        l.check(ip, None).unwrap();
        assert!(l.check(ip, None).is_err());
    }
}
