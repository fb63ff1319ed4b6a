//! The login throttle: after too many failed logins within a window, for one account or
//! from one client address, further attempts are refused (429 with Retry-After) until
//! the oldest failure leaves the window. Per account stops guessing one password from
//! many addresses; per address stops trying many accounts from one.
//!
//! Failures are kept in memory: a restart forgets them, which costs an attacker a
//! restart of the service they cannot cause.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts failed logins per account and per client address.
#[derive(Debug)]
pub struct Throttle {
    per_account: u32,
    per_address: u32,
    window: Duration,
    failures: Mutex<Failures>,
}

#[derive(Debug, Default)]
struct Failures {
    accounts: HashMap<String, VecDeque<Instant>>,
    addresses: HashMap<IpAddr, VecDeque<Instant>>,
}

impl Throttle {
    pub fn new(per_account: u32, per_address: u32, window: Duration) -> Throttle {
        Throttle { per_account, per_address, window, failures: Mutex::new(Failures::default()) }
    }

    /// `Err(seconds)` when this attempt must wait; checked before the password is, so a
    /// throttled attempt costs no hashing and tells nothing.
    pub fn check(&self, account: &str, address: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let account_wait =
            wait(failures.accounts.get_mut(&account_key(account)), self.per_account, self.window, now);
        let address_wait = wait(failures.addresses.get_mut(&address), self.per_address, self.window, now);
        match account_wait.max(address_wait) {
            Some(wait) => Err(wait.as_secs().max(1)),
            None => Ok(()),
        }
    }

    /// Records a failed login.
    pub fn failed(&self, account: &str, address: IpAddr) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.accounts.entry(account_key(account)).or_default().push_back(now);
        failures.addresses.entry(address).or_default().push_back(now);
        // Forget windows that ended, so guessing random usernames cannot grow the map
        // without bound.
        let window = self.window;
        failures.accounts.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < window));
        failures.addresses.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < window));
    }

    /// A successful login clears the account's failures (not the address's: one right
    /// password must not reset a spray across accounts).
    pub fn succeeded(&self, account: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.accounts.remove(&account_key(account));
    }
}

/// Usernames are matched case-insensitively at login, so the throttle counts them so too.
fn account_key(account: &str) -> String {
    account.trim().to_lowercase()
}

/// How long until fewer than `limit` failures are in the window, if that many are now.
fn wait(
    times: Option<&mut VecDeque<Instant>>,
    limit: u32,
    window: Duration,
    now: Instant,
) -> Option<Duration> {
    let times = times?;
    while times.front().is_some_and(|t| now.duration_since(*t) >= window) {
        times.pop_front();
    }
    if (times.len() as u32) < limit {
        return None;
    }
    // The attempt may go ahead once enough of the oldest failures have left the window.
    let oldest_that_must_leave = times[times.len() - limit as usize];
    Some(window.saturating_sub(now.duration_since(oldest_that_must_leave)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn an_account_is_refused_after_its_limit_and_another_is_not() {
        let throttle = Throttle::new(3, 100, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(throttle.check("jan", HOME).is_ok());
            throttle.failed("jan", HOME);
        }
        let wait = throttle.check("Jan", HOME).expect_err("throttled");
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(throttle.check("piet", HOME).is_ok());
    }

    #[test]
    fn an_address_is_refused_after_its_limit_across_accounts() {
        let throttle = Throttle::new(100, 2, Duration::from_secs(60));
        throttle.failed("a", HOME);
        throttle.failed("b", HOME);
        assert!(throttle.check("c", HOME).is_err());
        let elsewhere: IpAddr = "192.0.2.1".parse().expect("address");
        assert!(throttle.check("c", elsewhere).is_ok());
    }

    #[test]
    fn a_success_clears_the_accounts_failures() {
        let throttle = Throttle::new(2, 100, Duration::from_secs(60));
        throttle.failed("jan", HOME);
        throttle.succeeded("jan");
        throttle.failed("jan", HOME);
        assert!(throttle.check("jan", HOME).is_ok());
    }
}
