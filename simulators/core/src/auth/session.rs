//! Cookie sessions with idle expiry on the device clock, and cookie header helpers.
//!
//! [`SessionStore`] is a plain struct the device holds inside its own state lock. A session is
//! alive while `now_ms - last_use_ms < idle_timeout_ms`: it expires exactly when it has been idle
//! for the timeout. Each successful [`SessionStore::lookup`] is a use. A timeout `<= 0` disables
//! idle expiry.

use std::collections::HashMap;

use super::random_hex;
use crate::error::{Error, Result};

#[derive(Debug, Clone)]
struct Entry<P> {
    principal: P,
    created_ms: i64,
    last_use_ms: i64,
    /// Creation order, so listings are stable.
    seq: u64,
}

/// Session tokens → principal, with idle expiry. See the module docs.
#[derive(Debug, Clone)]
pub struct SessionStore<P: Clone> {
    idle_timeout_ms: i64,
    sessions: HashMap<String, Entry<P>>,
    seq: u64,
}

/// What [`SessionStore::sessions`] reports about one live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo<P> {
    pub token: String,
    pub principal: P,
    pub created_ms: i64,
    pub last_use_ms: i64,
}

impl<P: Clone> SessionStore<P> {
    /// An empty store whose sessions expire after `idle_timeout_ms` without use (`<= 0`: never).
    pub fn new(idle_timeout_ms: i64) -> Self {
        SessionStore { idle_timeout_ms, sessions: HashMap::new(), seq: 0 }
    }

    pub fn idle_timeout_ms(&self) -> i64 {
        self.idle_timeout_ms
    }

    /// Changes the idle timeout; it applies to existing sessions from now on.
    pub fn set_idle_timeout(&mut self, idle_timeout_ms: i64) {
        self.idle_timeout_ms = idle_timeout_ms;
    }

    fn expired(&self, e: &Entry<P>, now_ms: i64) -> bool {
        self.idle_timeout_ms > 0 && now_ms.saturating_sub(e.last_use_ms) >= self.idle_timeout_ms
    }

    /// Opens a session for `principal` and returns its token: 32 lowercase hex characters
    /// (128 bits from the OS CSPRNG).
    pub fn create(&mut self, principal: P, now_ms: i64) -> String {
        let token = loop {
            let t = random_hex(16);
            if !self.sessions.contains_key(&t) {
                break t;
            }
        };
        self.put(token.clone(), principal, now_ms);
        token
    }

    /// Opens a session under a token chosen by the caller (deterministic seeds, doc replay).
    /// The token must be 1-256 characters allowed in a cookie value (RFC 6265 cookie-octet) and
    /// not in use by a live session.
    pub fn create_with_token(&mut self, token: &str, principal: P, now_ms: i64) -> Result<()> {
        if token.is_empty() || token.len() > 256 || !token.bytes().all(is_cookie_octet) {
            return Err(Error::invalid("session token must be 1-256 cookie-safe characters"));
        }
        if self.sessions.get(token).is_some_and(|e| !self.expired(e, now_ms)) {
            return Err(Error::conflict("session token already in use"));
        }
        self.put(token.to_owned(), principal, now_ms);
        Ok(())
    }

    fn put(&mut self, token: String, principal: P, now_ms: i64) {
        self.seq += 1;
        self.sessions
            .insert(token, Entry { principal, created_ms: now_ms, last_use_ms: now_ms, seq: self.seq });
    }

    /// The principal of a live session, marking it used at `now_ms`. An expired session is
    /// removed and gives `None`.
    pub fn lookup(&mut self, token: &str, now_ms: i64) -> Option<P> {
        let expired = self.expired(self.sessions.get(token)?, now_ms);
        if expired {
            self.sessions.remove(token);
            return None;
        }
        let e = self.sessions.get_mut(token)?;
        e.last_use_ms = now_ms;
        Some(e.principal.clone())
    }

    /// The principal of a live session without marking it used (`None` if absent or expired).
    pub fn peek(&self, token: &str, now_ms: i64) -> Option<&P> {
        self.sessions.get(token).filter(|e| !self.expired(e, now_ms)).map(|e| &e.principal)
    }

    /// Ends a session; `true` if it existed (expired or not).
    pub fn remove(&mut self, token: &str) -> bool {
        self.sessions.remove(token).is_some()
    }

    /// Ends every session (device restart).
    pub fn clear(&mut self) {
        self.sessions.clear();
    }

    /// Keeps only the sessions whose principal satisfies `keep` (e.g. drop a deleted user's).
    pub fn retain(&mut self, mut keep: impl FnMut(&P) -> bool) {
        self.sessions.retain(|_, e| keep(&e.principal));
    }

    /// Removes expired sessions; returns how many went.
    pub fn prune(&mut self, now_ms: i64) -> usize {
        let before = self.sessions.len();
        let timeout = self.idle_timeout_ms;
        if timeout > 0 {
            self.sessions.retain(|_, e| now_ms.saturating_sub(e.last_use_ms) < timeout);
        }
        before - self.sessions.len()
    }

    /// The principals of live sessions, oldest session first (prunes expired ones).
    pub fn live(&mut self, now_ms: i64) -> Vec<P> {
        self.sessions(now_ms).into_iter().map(|s| s.principal).collect()
    }

    /// The live sessions with their times, oldest first (prunes expired ones).
    pub fn sessions(&mut self, now_ms: i64) -> Vec<SessionInfo<P>> {
        self.prune(now_ms);
        let mut v: Vec<_> = self.sessions.iter().collect();
        v.sort_by_key(|(_, e)| e.seq);
        v.into_iter()
            .map(|(t, e)| SessionInfo {
                token: t.clone(),
                principal: e.principal.clone(),
                created_ms: e.created_ms,
                last_use_ms: e.last_use_ms,
            })
            .collect()
    }

    /// Sessions stored, including expired ones not yet pruned ([`SessionStore::prune`] first
    /// for an exact live count).
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }
}

/// RFC 6265 cookie-octet: printable ASCII except space, `"`, `,`, `;` and `\`.
fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e)
}

/// The values of every cookie pair, across all `Cookie` headers, whose name passes `accept`, in
/// header order. Tolerates odd spacing, empty pairs, pairs without `=` (skipped), double-quoted
/// values (quotes removed) and pairs that are not UTF-8 (skipped).
///
/// FortiRecorder-style use: `cookie_value(h, |n| n.eq_ignore_ascii_case("APSCOOKIE") ||
/// n.get(..10).is_some_and(|p| p.eq_ignore_ascii_case("APSCOOKIE_")))`.
pub fn cookie_value(headers: &::http::HeaderMap, accept: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for header in headers.get_all(::http::header::COOKIE) {
        for pair in header.as_bytes().split(|&b| b == b';') {
            let Ok(pair) = std::str::from_utf8(pair) else { continue };
            let Some((name, value)) = pair.split_once('=') else { continue };
            let name = name.trim();
            if name.is_empty() || !accept(name) {
                continue;
            }
            let value = value.trim();
            let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
            out.push(value.to_owned());
        }
    }
    out
}

/// A `Set-Cookie` value: `name=value; Path=/; HttpOnly`, plus `; Secure` when `secure` (send it
/// only on HTTPS responses: curl does not replay a Secure cookie over plain HTTP).
pub fn set_cookie(name: &str, value: &str, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly");
    if secure {
        c.push_str("; Secure");
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn created_token_is_32_lowercase_hex_and_unique() {
        let mut s = SessionStore::new(1000);
        let a = s.create("admin", 0);
        let b = s.create("admin", 0);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
        assert_ne!(a, b);
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn session_is_live_one_ms_before_the_timeout() {
        let mut s = SessionStore::new(1000);
        let t = s.create("admin", 0);
        assert_eq!(s.lookup(&t, 999), Some("admin"));
    }

    #[test]
    fn session_expires_exactly_at_the_timeout() {
        let mut s = SessionStore::new(1000);
        let t = s.create("admin", 0);
        assert_eq!(s.lookup(&t, 1000), None);
        assert!(s.is_empty(), "the expired session is removed");
        assert_eq!(s.lookup(&t, 0), None, "and stays gone even if the clock goes back");
    }

    #[test]
    fn lookup_touches_last_use() {
        let mut s = SessionStore::new(1000);
        let t = s.create("admin", 0);
        assert_eq!(s.lookup(&t, 900), Some("admin"));
        assert_eq!(s.lookup(&t, 1899), Some("admin"));
        assert_eq!(s.lookup(&t, 2899), None);
    }

    #[test]
    fn peek_does_not_touch_last_use() {
        let mut s = SessionStore::new(1000);
        let t = s.create("admin", 0);
        assert_eq!(s.peek(&t, 900), Some(&"admin"));
        assert_eq!(s.peek(&t, 1000), None);
        assert_eq!(s.lookup(&t, 1000), None);
    }

    #[test]
    fn unknown_token_is_none() {
        let mut s: SessionStore<u32> = SessionStore::new(1000);
        assert_eq!(s.lookup("nope", 0), None);
        assert!(!s.remove("nope"));
    }

    #[test]
    fn remove_and_clear_end_sessions() {
        let mut s = SessionStore::new(1000);
        let a = s.create(1, 0);
        let b = s.create(2, 0);
        assert!(s.remove(&a));
        assert_eq!(s.lookup(&a, 1), None);
        assert_eq!(s.lookup(&b, 1), Some(2));
        s.clear();
        assert_eq!(s.lookup(&b, 2), None);
        assert!(s.is_empty());
    }

    #[test]
    fn live_prunes_expired_and_lists_oldest_first() {
        let mut s = SessionStore::new(1000);
        let a = s.create("a", 0);
        s.create("b", 100);
        s.create("c", 200);
        assert_eq!(s.lookup(&a, 1050), None); // expired at 1000
        let _ = s.create("d", 1050);
        assert_eq!(s.live(1150), vec!["c", "d"]); // b idle since 100 ⇒ expired at 1100
        assert_eq!(s.len(), 2);
        let info = s.sessions(1150);
        assert_eq!(info[1].created_ms, 1050);
        assert_eq!(info[1].last_use_ms, 1050);
    }

    #[test]
    fn set_idle_timeout_applies_to_existing_sessions() {
        let mut s = SessionStore::new(1000);
        let t = s.create("a", 0);
        s.set_idle_timeout(5000);
        assert_eq!(s.idle_timeout_ms(), 5000);
        assert_eq!(s.lookup(&t, 4999), Some("a"));
        s.set_idle_timeout(10);
        assert_eq!(s.lookup(&t, 5009), None);
    }

    #[test]
    fn non_positive_timeout_never_expires() {
        let mut s = SessionStore::new(0);
        let t = s.create("a", 0);
        assert_eq!(s.lookup(&t, i64::MAX), Some("a"));
        assert_eq!(s.prune(i64::MAX), 0);
    }

    #[test]
    fn clock_going_backwards_keeps_session_alive() {
        let mut s = SessionStore::new(1000);
        let t = s.create("a", 10_000);
        assert_eq!(s.lookup(&t, 5_000), Some("a"));
        assert_eq!(s.lookup(&t, 5_999), Some("a"));
    }

    #[test]
    fn retain_drops_sessions_by_principal() {
        let mut s = SessionStore::new(1000);
        let a = s.create("alice", 0);
        let b = s.create("bob", 0);
        s.retain(|p| *p != "alice");
        assert_eq!(s.lookup(&a, 1), None);
        assert_eq!(s.lookup(&b, 1), Some("bob"));
    }

    #[test]
    fn create_with_token_validates_and_refuses_live_duplicates() {
        let mut s = SessionStore::new(1000);
        s.create_with_token("fixed-token_1", "a", 0).unwrap();
        assert_eq!(s.lookup("fixed-token_1", 1), Some("a"));
        assert_eq!(
            s.create_with_token("fixed-token_1", "b", 2).unwrap_err().kind,
            crate::ErrorKind::Conflict
        );
        assert_eq!(
            s.create_with_token("has space", "b", 0).unwrap_err().kind,
            crate::ErrorKind::InvalidArgument
        );
        assert!(s.create_with_token("semi;colon", "b", 0).is_err());
        assert!(s.create_with_token("", "b", 0).is_err());
        // Once the holder expired, the token may be reused.
        s.create_with_token("fixed-token_1", "c", 1001).unwrap();
        assert_eq!(s.lookup("fixed-token_1", 1002), Some("c"));
    }

    fn aps(name: &str) -> bool {
        name.eq_ignore_ascii_case("APSCOOKIE")
            || name.get(..10).is_some_and(|p| p.eq_ignore_ascii_case("APSCOOKIE_"))
    }

    fn headers(values: &[&[u8]]) -> ::http::HeaderMap {
        let mut h = ::http::HeaderMap::new();
        for v in values {
            h.append(::http::header::COOKIE, ::http::HeaderValue::from_bytes(v).unwrap());
        }
        h
    }

    #[test]
    fn cookie_value_accepts_any_case_and_suffix_across_headers() {
        let h = headers(&[
            b"APSCookie=one; other=x",
            b"  apscookie_ABC123_RESTFUL = two ;;  APSCOOKIE=\"three\" ; APSCOOKIEX=no; =empty; novalue",
        ]);
        assert_eq!(cookie_value(&h, aps), vec!["one", "two", "three"]);
        assert_eq!(cookie_value(&h, |n| n == "other"), vec!["x"]);
        assert!(cookie_value(&::http::HeaderMap::new(), aps).is_empty());
    }

    #[test]
    fn cookie_value_skips_non_utf8_pairs_but_keeps_the_rest() {
        let h = headers(&[b"APSCOOKIE=\xff\xfe; APSCOOKIE_1=ok"]);
        assert_eq!(cookie_value(&h, aps), vec!["ok"]);
    }

    #[test]
    fn set_cookie_adds_secure_only_when_asked() {
        assert_eq!(set_cookie("APSCOOKIE", "abc", false), "APSCOOKIE=abc; Path=/; HttpOnly");
        assert_eq!(set_cookie("APSCookie", "abc", true), "APSCookie=abc; Path=/; HttpOnly; Secure");
    }

    proptest! {
        #[test]
        fn cookie_parsing_never_panics(bytes in proptest::collection::vec(0x20u8..=0xff, 0..64)) {
            if let Ok(v) = ::http::HeaderValue::from_bytes(&bytes) {
                let mut h = ::http::HeaderMap::new();
                h.append(::http::header::COOKIE, v);
                let _ = cookie_value(&h, aps);
            }
        }

        #[test]
        fn session_lives_exactly_until_idle_timeout(timeout in 1i64..1_000_000, start in -1_000_000i64..1_000_000,
                                                   idle in 0i64..2_000_000) {
            let mut s = SessionStore::new(timeout);
            let t = s.create((), start);
            prop_assert_eq!(s.lookup(&t, start + idle).is_some(), idle < timeout);
        }
    }
}
