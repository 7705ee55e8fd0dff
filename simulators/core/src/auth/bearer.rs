//! Bearer tokens: named API tokens ([`TokenStore`]) and `Authorization: Bearer <token>` parsing
//! (RFC 6750). Tokens do not expire on their own; the device revokes them.

use std::collections::BTreeMap;

use super::{random_hex, strip_scheme};
use crate::error::{Error, Result};

#[derive(Debug, Clone)]
struct Entry<P> {
    name: String,
    principal: P,
}

/// Named API tokens → principal. Names are unique; so are tokens. A plain struct the device keeps
/// in its own state.
#[derive(Debug, Clone)]
pub struct TokenStore<P> {
    by_token: std::collections::HashMap<String, Entry<P>>,
    /// name → token.
    by_name: BTreeMap<String, String>,
}

impl<P> Default for TokenStore<P> {
    fn default() -> Self {
        TokenStore { by_token: Default::default(), by_name: BTreeMap::new() }
    }
}

impl<P> TokenStore<P> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates a token named `name` for `principal` and returns it: 40 lowercase hex characters
    /// (160 bits from the OS CSPRNG). Fails with `Conflict` if the name exists.
    pub fn create(&mut self, name: &str, principal: P) -> Result<String> {
        let token = loop {
            let t = random_hex(20);
            if !self.by_token.contains_key(&t) {
                break t;
            }
        };
        self.insert(name, &token, principal)?;
        Ok(token)
    }

    /// Registers a token chosen by the caller (seeded state, documented example tokens). The token
    /// must be RFC 6750 token68 syntax; fails with `Conflict` if the name or the token exists.
    pub fn insert(&mut self, name: &str, token: &str, principal: P) -> Result<()> {
        if name.is_empty() {
            return Err(Error::invalid("token name must not be empty"));
        }
        if !is_token68(token) {
            return Err(Error::invalid("bearer token must be token68 characters"));
        }
        if self.by_name.contains_key(name) {
            return Err(Error::conflict(format!("a token named {name:?} exists")));
        }
        if self.by_token.contains_key(token) {
            return Err(Error::conflict("token already registered"));
        }
        self.by_name.insert(name.to_owned(), token.to_owned());
        self.by_token.insert(token.to_owned(), Entry { name: name.to_owned(), principal });
        Ok(())
    }

    /// The principal a token stands for.
    pub fn lookup(&self, token: &str) -> Option<&P> {
        self.by_token.get(token).map(|e| &e.principal)
    }

    /// The name a token was registered under.
    pub fn name_of(&self, token: &str) -> Option<&str> {
        self.by_token.get(token).map(|e| e.name.as_str())
    }

    /// The token registered under `name`.
    pub fn token_of(&self, name: &str) -> Option<&str> {
        self.by_name.get(name).map(String::as_str)
    }

    /// Revokes a token; `true` if it existed.
    pub fn revoke(&mut self, token: &str) -> bool {
        match self.by_token.remove(token) {
            Some(e) => {
                self.by_name.remove(&e.name);
                true
            }
            None => false,
        }
    }

    /// Revokes the token named `name`; `true` if it existed.
    pub fn revoke_named(&mut self, name: &str) -> bool {
        match self.by_name.remove(name) {
            Some(t) => {
                self.by_token.remove(&t);
                true
            }
            None => false,
        }
    }

    /// Token names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    pub fn clear(&mut self) {
        self.by_token.clear();
        self.by_name.clear();
    }

    pub fn len(&self) -> usize {
        self.by_token.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_token.is_empty()
    }
}

/// RFC 7235 token68: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_token68(t: &str) -> bool {
    let body = t.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/'))
}

/// The token of an `Authorization` value `Bearer <token>` (scheme case-insensitive, surrounding
/// spaces tolerated); `None` for another scheme or a token that is not token68.
pub fn parse_bearer(header_value: &str) -> Option<&str> {
    let token = strip_scheme(header_value, "Bearer")?;
    is_token68(token).then_some(token)
}

/// The bearer token of the first `Authorization` header of `headers`, if any.
pub fn from_headers(headers: &::http::HeaderMap) -> Option<&str> {
    parse_bearer(headers.get(::http::header::AUTHORIZATION)?.to_str().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parse_bearer_accepts_token68_case_insensitively() {
        assert_eq!(parse_bearer("Bearer mF_9.B5f-4.1JqM"), Some("mF_9.B5f-4.1JqM"));
        assert_eq!(parse_bearer("  bearer   abc/+~==  "), Some("abc/+~=="));
    }

    #[test]
    fn parse_bearer_rejects_other_schemes_and_bad_tokens() {
        assert_eq!(parse_bearer("Basic abc"), None);
        assert_eq!(parse_bearer("Bearer"), None);
        assert_eq!(parse_bearer("Bearer "), None);
        assert_eq!(parse_bearer("Bearer a b"), None);
        assert_eq!(parse_bearer("Bearer ==="), None);
        assert_eq!(parse_bearer("Bearer a=b"), None);
        assert_eq!(parse_bearer("Bearerabc"), None);
        assert_eq!(parse_bearer("Bearer tok\"en"), None);
    }

    #[test]
    fn from_headers_reads_authorization() {
        let mut h = ::http::HeaderMap::new();
        assert_eq!(from_headers(&h), None);
        h.insert(::http::header::AUTHORIZATION, "Bearer xyz".parse().unwrap());
        assert_eq!(from_headers(&h), Some("xyz"));
    }

    #[test]
    fn created_token_looks_up_its_principal() {
        let mut s = TokenStore::new();
        let t = s.create("ci", "api-admin").unwrap();
        assert_eq!(t.len(), 40);
        assert_eq!(s.lookup(&t), Some(&"api-admin"));
        assert_eq!(s.name_of(&t), Some("ci"));
        assert_eq!(s.token_of("ci"), Some(t.as_str()));
        assert_eq!(s.lookup("other"), None);
        assert_eq!(parse_bearer(&format!("Bearer {t}")), Some(t.as_str()));
    }

    #[test]
    fn duplicate_names_and_tokens_conflict() {
        let mut s = TokenStore::new();
        s.insert("a", "tok1", 1).unwrap();
        assert_eq!(s.insert("a", "tok2", 2).unwrap_err().kind, crate::ErrorKind::Conflict);
        assert_eq!(s.insert("b", "tok1", 2).unwrap_err().kind, crate::ErrorKind::Conflict);
        assert_eq!(s.create("a", 3).unwrap_err().kind, crate::ErrorKind::Conflict);
        assert_eq!(s.insert("c", "bad token", 3).unwrap_err().kind, crate::ErrorKind::InvalidArgument);
        assert_eq!(s.insert("", "tok3", 3).unwrap_err().kind, crate::ErrorKind::InvalidArgument);
        assert_eq!(s.len(), 1);
        assert_eq!(s.lookup("tok1"), Some(&1));
    }

    #[test]
    fn revoke_by_token_or_name_removes_both_indexes() {
        let mut s = TokenStore::new();
        s.insert("a", "tok1", 1).unwrap();
        s.insert("b", "tok2", 2).unwrap();
        assert!(s.revoke("tok1"));
        assert!(!s.revoke("tok1"));
        assert_eq!(s.lookup("tok1"), None);
        assert_eq!(s.token_of("a"), None);
        assert!(s.revoke_named("b"));
        assert!(!s.revoke_named("b"));
        assert_eq!(s.lookup("tok2"), None);
        assert!(s.is_empty());
        // Names and tokens can be reused after revocation.
        s.insert("a", "tok1", 5).unwrap();
        assert_eq!(s.names().collect::<Vec<_>>(), vec!["a"]);
        s.clear();
        assert!(s.is_empty());
    }

    proptest! {
        #[test]
        fn parse_bearer_never_panics(s in ".*") {
            let _ = parse_bearer(&s);
            let _ = parse_bearer(&format!("Bearer {s}"));
        }
    }
}
