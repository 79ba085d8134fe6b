//! Failed sign-ins counted per client address. The account lock (5 failures, 10 minutes) stops
//! guessing one account's password; this stops one client from trying a few passwords on many
//! accounts, and refuses it before any password hash is computed, so a flood of sign-ins
//! cannot keep the CPU busy with argon2 either.
//!
//! Kept in memory: a restart forgets the counts, which costs an attacker nothing they could
//! not get by waiting for the window, and keeps the database free of client addresses.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::{AppState, Backend};

/// Addresses followed at most; past this the oldest windows are dropped first.
const MAX_CLIENTS: usize = 100_000;

/// The client's address: the connection's peer, or the address a trusted reverse proxy put in
/// the configured header (its last entry, the one the proxy itself added). `None` when neither
/// is known (requests made in-process).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<B: Backend> FromRequestParts<AppState<B>> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<B>,
    ) -> Result<ClientAddr, Self::Rejection> {
        if let Some(name) = state.config.client_addr_header.as_deref() {
            let forwarded = parts
                .headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|a| a.trim().parse::<IpAddr>().ok())
                .next_back();
            return Ok(ClientAddr(forwarded));
        }
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// The key an address is counted under: IPv6 by its /64 (one subscriber's network, which
/// hands its owner billions of addresses), IPv4 (also mapped in IPv6) as itself.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    }
}

#[derive(Clone, Copy, Debug)]
struct Window {
    started_ms: i64,
    failures: u32,
    /// Whether the refusal that ends this window was already audited (once per window, so a
    /// flood cannot fill the audit log).
    refusal_audited: bool,
}

/// What the throttle says of a sign-in attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Refused until this instant (Unix ms); `first` for the first refusal of the window.
    Refused {
        until_ms: i64,
        first: bool,
    },
}

/// Per-address failure windows: at most `limit` failures per `window_ms`.
#[derive(Debug)]
pub struct SignInThrottle {
    limit: u32,
    window_ms: i64,
    clients: Mutex<HashMap<IpAddr, Window>>,
}

impl SignInThrottle {
    /// `limit` 0 turns the throttle off.
    pub fn new(limit: u32, window_ms: i64) -> SignInThrottle {
        SignInThrottle {
            limit,
            window_ms,
            clients: Mutex::new(HashMap::new()),
        }
    }

    fn clients(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Window>> {
        // A panic elsewhere while holding the lock leaves counts that are still valid.
        self.clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether `client` may try to sign in at `now_ms`.
    pub fn check(&self, client: Option<IpAddr>, now_ms: i64) -> Verdict {
        let Some(ip) = client.filter(|_| self.limit > 0).map(client_key) else {
            return Verdict::Allowed;
        };
        let mut clients = self.clients();
        let Some(window) = clients.get_mut(&ip) else {
            return Verdict::Allowed;
        };
        let until_ms = window.started_ms + self.window_ms;
        if now_ms >= until_ms {
            clients.remove(&ip);
            return Verdict::Allowed;
        }
        if window.failures < self.limit {
            return Verdict::Allowed;
        }
        let first = !window.refusal_audited;
        window.refusal_audited = true;
        Verdict::Refused { until_ms, first }
    }

    /// Counts a failed sign-in from `client` at `now_ms`.
    pub fn record_failure(&self, client: Option<IpAddr>, now_ms: i64) {
        let Some(ip) = client.filter(|_| self.limit > 0).map(client_key) else {
            return;
        };
        let mut clients = self.clients();
        if clients.len() >= MAX_CLIENTS && !clients.contains_key(&ip) {
            let window_ms = self.window_ms;
            clients.retain(|_, w| now_ms < w.started_ms + window_ms);
            if clients.len() >= MAX_CLIENTS
                && let Some(oldest) = clients
                    .iter()
                    .min_by_key(|(_, w)| w.started_ms)
                    .map(|(ip, _)| *ip)
            {
                clients.remove(&oldest);
            }
        }
        let window = clients.entry(ip).or_insert(Window {
            started_ms: now_ms,
            failures: 0,
            refusal_audited: false,
        });
        if now_ms >= window.started_ms + self.window_ms {
            *window = Window {
                started_ms: now_ms,
                failures: 0,
                refusal_audited: false,
            };
        }
        window.failures = window.failures.saturating_add(1);
    }

    #[cfg(test)]
    fn followed(&self) -> usize {
        self.clients().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([192, 0, 2, last]))
    }

    #[test]
    fn refuses_after_the_limit_until_the_window_ends() {
        let throttle = SignInThrottle::new(3, 10 * MINUTE);
        for minute in 0..3 {
            assert_eq!(throttle.check(ip(1), minute * MINUTE), Verdict::Allowed);
            throttle.record_failure(ip(1), minute * MINUTE);
        }
        assert_eq!(
            throttle.check(ip(1), 3 * MINUTE),
            Verdict::Refused {
                until_ms: 10 * MINUTE,
                first: true
            }
        );
        assert_eq!(
            throttle.check(ip(1), 9 * MINUTE),
            Verdict::Refused {
                until_ms: 10 * MINUTE,
                first: false
            }
        );
        // Other clients are not affected; unknown addresses are never throttled.
        assert_eq!(throttle.check(ip(2), 3 * MINUTE), Verdict::Allowed);
        assert_eq!(throttle.check(None, 3 * MINUTE), Verdict::Allowed);
        // The window ends: a fresh start.
        assert_eq!(throttle.check(ip(1), 10 * MINUTE), Verdict::Allowed);
        throttle.record_failure(ip(1), 10 * MINUTE);
        assert_eq!(throttle.check(ip(1), 11 * MINUTE), Verdict::Allowed);
    }

    #[test]
    fn an_ipv6_network_counts_as_one_client() {
        let throttle = SignInThrottle::new(2, MINUTE);
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        throttle.record_failure(Some(a), 0);
        throttle.record_failure(Some(b), 0);
        assert!(matches!(
            throttle.check(Some(b), 1),
            Verdict::Refused { .. }
        ));
        assert_eq!(throttle.check(Some(other), 1), Verdict::Allowed);
        // An IPv4 address seen as IPv4-mapped IPv6 is the same client.
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        throttle.record_failure(Some(v4), 0);
        throttle.record_failure(Some(mapped), 0);
        assert!(matches!(
            throttle.check(Some(v4), 1),
            Verdict::Refused { .. }
        ));
    }

    #[test]
    fn limit_zero_is_off() {
        let throttle = SignInThrottle::new(0, MINUTE);
        for _ in 0..100 {
            throttle.record_failure(ip(1), 0);
        }
        assert_eq!(throttle.check(ip(1), 1), Verdict::Allowed);
        assert_eq!(throttle.followed(), 0);
    }

    #[test]
    fn memory_is_bounded() {
        let throttle = SignInThrottle::new(1, MINUTE);
        for n in 0..(MAX_CLIENTS as u32 + 10) {
            let addr = IpAddr::from((0x0a00_0000u32 + n).to_be_bytes());
            throttle.record_failure(Some(addr), i64::from(n));
        }
        assert!(throttle.followed() <= MAX_CLIENTS);
        // The newest is still followed.
        let newest = IpAddr::from((0x0a00_0000u32 + MAX_CLIENTS as u32 + 9).to_be_bytes());
        assert!(matches!(
            throttle.check(Some(newest), 1),
            Verdict::Refused { .. }
        ));
    }
}
