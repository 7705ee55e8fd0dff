//! Server-side HTTP/RTSP Digest authentication: RFC 2069 (no `qop`), RFC 2617 and RFC 7616
//! (`qop=auth`, MD5 and SHA-256, optional `-sess` variants).
//!
//! [`DigestServer`] is a plain struct: the device keeps it in its own state, under the same lock
//! as the rest of its model (or behind a `Mutex` of its own). It issues nonces with a lifetime on
//! the device clock (`now_ms`, never read from the system), remembers the highest nonce count
//! seen per nonce, and verifies `Authorization` header values. Credentials come from a lookup
//! closure (password by user name), so the device owns its user table.
//!
//! Behaviour worth knowing:
//! - HA2 hashes the `uri` parameter of the `Authorization` header, not the request-URI (RTSP
//!   clients such as VLC answer SETUP of `.../streamid=0` with the aggregate URL's digest).
//!   [`DigestConfig::require_uri_match`] turns on a comparison with the request-URI.
//! - [`DigestMode::Rfc2069`]: the challenge is exactly `Digest realm="R", nonce="N"`; a nonce may
//!   be reused for any number of requests (no nonce count); an expired or unknown nonce is
//!   [`DigestOutcome::Denied`] (there is no `stale` in that mode).
//! - [`DigestMode::Rfc2617`]: the challenge carries `qop="auth"`, `algorithm` and `opaque`; the
//!   client must answer with `qop=auth`, `nc` and `cnonce`; `nc` must increase per nonce; a correct
//!   answer with an expired or unknown nonce is [`DigestOutcome::Stale`] (answer it with
//!   [`DigestServer::stale_challenge`]).
//! - A nonce expires when `now_ms - issued_ms >= nonce_lifetime_ms` (exactly at the lifetime).
//! - Deterministic tests ("doc-replay"): [`DigestServer::queue_nonce`] makes the next challenge
//!   issue a given nonce; [`DigestConfig::opaque`] fixes the opaque value.

use std::collections::{HashMap, VecDeque};
use std::fmt;

use md5::Md5;
use sha2::{Digest as _, Sha256};

use super::{constant_time_eq, quote, random_hex, strip_scheme};
use crate::error::{Error, Result};

/// A digest algorithm, as named by the `algorithm` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Md5,
    Md5Sess,
    Sha256,
    Sha256Sess,
}

impl Algorithm {
    /// The name on the wire (`MD5`, `MD5-sess`, `SHA-256`, `SHA-256-sess`).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
        }
    }

    /// Parses a wire name, case-insensitively.
    pub fn parse(name: &str) -> Option<Self> {
        [Algorithm::Md5, Algorithm::Md5Sess, Algorithm::Sha256, Algorithm::Sha256Sess]
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }

    fn is_sess(self) -> bool {
        matches!(self, Algorithm::Md5Sess | Algorithm::Sha256Sess)
    }

    /// Lowercase hex of the algorithm's hash of `data`.
    fn hash(self, data: &str) -> String {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => hex::encode(Md5::digest(data.as_bytes())),
            Algorithm::Sha256 | Algorithm::Sha256Sess => hex::encode(Sha256::digest(data.as_bytes())),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which generation of Digest the server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestMode {
    /// RFC 2069: `response = H(HA1:nonce:HA2)`; no qop, nc, cnonce, opaque or algorithm.
    Rfc2069,
    /// RFC 2617 / RFC 7616 with `qop="auth"`, `opaque`, `algorithm`, nonce counting and `stale`.
    Rfc2617,
}

/// How a [`DigestServer`] behaves. Build with [`DigestConfig::rfc2069`] or
/// [`DigestConfig::rfc2617`] and adjust the public fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestConfig {
    /// The realm, the device's own wording.
    pub realm: String,
    pub mode: DigestMode,
    /// Algorithms offered, preferred first, one challenge each (RFC 7616 §3.7). `Rfc2069` allows
    /// only `[Md5]`.
    pub algorithms: Vec<Algorithm>,
    /// Nonce lifetime on the device clock from issue; `None`: nonces never expire.
    pub nonce_lifetime_ms: Option<i64>,
    /// Reject a request whose digest `uri` differs from the request-URI (default off).
    pub require_uri_match: bool,
    /// The `opaque` value of `Rfc2617` challenges; `None`: random per server.
    pub opaque: Option<String>,
    /// Most nonces remembered; when more are issued, expired ones go first, then the oldest.
    pub max_nonces: usize,
}

impl DigestConfig {
    /// RFC 2069 (no qop), MD5, nonces that never expire, nonce reuse allowed.
    pub fn rfc2069(realm: impl Into<String>) -> Self {
        DigestConfig {
            realm: realm.into(),
            mode: DigestMode::Rfc2069,
            algorithms: vec![Algorithm::Md5],
            nonce_lifetime_ms: None,
            require_uri_match: false,
            opaque: None,
            max_nonces: 4096,
        }
    }

    /// RFC 2617 / 7616 with `qop="auth"`, MD5, nonces valid for 5 minutes.
    pub fn rfc2617(realm: impl Into<String>) -> Self {
        DigestConfig { mode: DigestMode::Rfc2617, nonce_lifetime_ms: Some(300_000), ..Self::rfc2069(realm) }
    }

    fn validate(&self) -> Result<()> {
        if has_ctl(&self.realm) {
            return Err(Error::invalid("digest realm must not contain control characters"));
        }
        if self.algorithms.is_empty() {
            return Err(Error::invalid("digest needs at least one algorithm"));
        }
        for (i, a) in self.algorithms.iter().enumerate() {
            if self.algorithms[..i].contains(a) {
                return Err(Error::invalid(format!("digest algorithm {a} listed twice")));
            }
        }
        if self.mode == DigestMode::Rfc2069 && self.algorithms != [Algorithm::Md5] {
            return Err(Error::invalid("RFC 2069 digest supports only MD5"));
        }
        if matches!(self.nonce_lifetime_ms, Some(ms) if ms <= 0) {
            return Err(Error::invalid("digest nonce lifetime must be positive"));
        }
        if self.max_nonces == 0 {
            return Err(Error::invalid("digest max_nonces must be at least 1"));
        }
        if let Some(o) = &self.opaque {
            validate_nonce_like("opaque", o)?;
        }
        Ok(())
    }
}

/// The result of [`DigestServer::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestOutcome {
    /// Authenticated as `user`.
    Ok { user: String },
    /// The response was right but the nonce expired or is unknown (`Rfc2617` only): send
    /// [`DigestServer::stale_challenge`].
    Stale,
    /// Refused; send a fresh [`DigestServer::challenge`]. The reason is for logs, not the wire.
    Denied(DenyReason),
}

/// Why [`DigestServer::verify`] refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DenyReason {
    /// Not a `Digest` credential.
    NotDigest,
    /// The parameter list could not be parsed (what was wrong).
    Malformed(&'static str),
    /// A required parameter is absent.
    MissingParam(&'static str),
    RealmMismatch,
    UnsupportedAlgorithm,
    /// `qop` other than `auth` (or any `qop` in `Rfc2069` mode).
    UnsupportedQop,
    /// `userhash=true` (RFC 7616) is not supported.
    UnsupportedUserhash,
    OpaqueMismatch,
    /// The digest `uri` differs from the request-URI and the config requires them to match.
    UriMismatch,
    UnknownUser,
    /// Wrong password, method, uri or nonce in the hash.
    BadResponse,
    /// `Rfc2069`: the nonce was never issued (or was forgotten).
    UnknownNonce,
    /// `Rfc2069`: the nonce outlived its lifetime.
    NonceExpired,
    /// `Rfc2617`: `nc` not greater than the last one accepted for this nonce.
    NonceCountReplay,
}

impl fmt::Display for DenyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DenyReason::NotDigest => f.write_str("not a Digest credential"),
            DenyReason::Malformed(what) => write!(f, "malformed Digest credential: {what}"),
            DenyReason::MissingParam(p) => write!(f, "Digest parameter {p} missing"),
            DenyReason::RealmMismatch => f.write_str("realm does not match"),
            DenyReason::UnsupportedAlgorithm => f.write_str("algorithm not offered"),
            DenyReason::UnsupportedQop => f.write_str("qop not offered"),
            DenyReason::UnsupportedUserhash => f.write_str("userhash not supported"),
            DenyReason::OpaqueMismatch => f.write_str("opaque does not match"),
            DenyReason::UriMismatch => f.write_str("digest uri does not match the request"),
            DenyReason::UnknownUser => f.write_str("unknown user"),
            DenyReason::BadResponse => f.write_str("wrong response"),
            DenyReason::UnknownNonce => f.write_str("unknown nonce"),
            DenyReason::NonceExpired => f.write_str("nonce expired"),
            DenyReason::NonceCountReplay => f.write_str("nonce count replayed"),
        }
    }
}

#[derive(Debug, Clone)]
struct NonceState {
    issued_ms: i64,
    /// Highest `nc` accepted so far (0: none yet).
    last_nc: u32,
    /// Issue order, for evicting the oldest.
    seq: u64,
}

/// Server-side Digest state: issued nonces and their counts. See the module docs.
#[derive(Debug, Clone)]
pub struct DigestServer {
    config: DigestConfig,
    opaque: String,
    nonces: HashMap<String, NonceState>,
    queued: VecDeque<String>,
    seq: u64,
}

impl DigestServer {
    /// A server with `config`; fails on an inconsistent config (no algorithm, SHA-256 in RFC 2069
    /// mode, non-positive lifetime, control characters in realm or opaque).
    pub fn new(config: DigestConfig) -> Result<Self> {
        config.validate()?;
        let opaque = config.opaque.clone().unwrap_or_else(|| random_hex(16));
        Ok(DigestServer { config, opaque, nonces: HashMap::new(), queued: VecDeque::new(), seq: 0 })
    }

    pub fn config(&self) -> &DigestConfig {
        &self.config
    }

    /// Changes how nonces expire from now on (nonces already issued keep their issue time).
    pub fn set_nonce_lifetime(&mut self, lifetime_ms: Option<i64>) -> Result<()> {
        let mut config = self.config.clone();
        config.nonce_lifetime_ms = lifetime_ms;
        config.validate()?;
        self.config = config;
        Ok(())
    }

    /// Makes a later challenge issue `nonce` (queued in order, before random ones): the
    /// deterministic "doc-replay" option. The nonce must be 1-256 printable ASCII characters
    /// without `"` or `\`.
    pub fn queue_nonce(&mut self, nonce: &str) -> Result<()> {
        validate_nonce_like("nonce", nonce)?;
        self.queued.push_back(nonce.to_owned());
        Ok(())
    }

    /// Forgets every issued and queued nonce (device restart or reset).
    pub fn clear(&mut self) {
        self.nonces.clear();
        self.queued.clear();
    }

    /// Number of nonces currently remembered.
    pub fn nonce_count(&self) -> usize {
        self.nonces.len()
    }

    /// Issues a nonce and returns the `WWW-Authenticate` value for the preferred (first)
    /// algorithm. Use [`DigestServer::challenges`] to offer every configured algorithm.
    pub fn challenge(&mut self, now_ms: i64) -> String {
        self.challenges(now_ms, false).swap_remove(0)
    }

    /// Like [`DigestServer::challenge`], with `stale=true` in `Rfc2617` mode (the answer to
    /// [`DigestOutcome::Stale`]). In `Rfc2069` mode it is a plain challenge.
    pub fn stale_challenge(&mut self, now_ms: i64) -> String {
        self.challenges(now_ms, true).swap_remove(0)
    }

    /// Issues one nonce and returns one `WWW-Authenticate` value per configured algorithm,
    /// preferred first, all sharing that nonce (RFC 7616 §3.7). Never empty.
    pub fn challenges(&mut self, now_ms: i64, stale: bool) -> Vec<String> {
        let nonce = self.issue_nonce(now_ms);
        let realm = quote(&self.config.realm);
        match self.config.mode {
            DigestMode::Rfc2069 => vec![format!("Digest realm={realm}, nonce={}", quote(&nonce))],
            DigestMode::Rfc2617 => self
                .config
                .algorithms
                .iter()
                .map(|a| {
                    let mut c = format!(
                        "Digest realm={realm}, qop=\"auth\", algorithm={}, nonce={}, opaque={}",
                        a.name(),
                        quote(&nonce),
                        quote(&self.opaque)
                    );
                    if stale {
                        c.push_str(", stale=true");
                    }
                    c
                })
                .collect(),
        }
    }

    fn issue_nonce(&mut self, now_ms: i64) -> String {
        let nonce = match self.queued.pop_front() {
            // A queued nonce is issued even if it is already known (doc replay); it starts afresh.
            Some(n) => n,
            // A random collision would reset another client's count: draw again.
            None => loop {
                let n = random_hex(16);
                if !self.nonces.contains_key(&n) {
                    break n;
                }
            },
        };
        self.seq += 1;
        self.nonces.insert(nonce.clone(), NonceState { issued_ms: now_ms, last_nc: 0, seq: self.seq });
        self.evict(now_ms);
        nonce
    }

    fn is_expired(&self, state: &NonceState, now_ms: i64) -> bool {
        match self.config.nonce_lifetime_ms {
            Some(lifetime) => now_ms.saturating_sub(state.issued_ms) >= lifetime,
            None => false,
        }
    }

    fn evict(&mut self, now_ms: i64) {
        if self.nonces.len() <= self.config.max_nonces {
            return;
        }
        if let Some(lifetime) = self.config.nonce_lifetime_ms {
            self.nonces.retain(|_, s| now_ms.saturating_sub(s.issued_ms) < lifetime);
        }
        while self.nonces.len() > self.config.max_nonces {
            let Some(oldest) = self.nonces.iter().min_by_key(|(_, s)| s.seq).map(|(k, _)| k.clone()) else {
                break;
            };
            self.nonces.remove(&oldest);
        }
    }

    /// Verifies an `Authorization` header value for a request with `method` and `request_uri`
    /// (the latter is compared only when [`DigestConfig::require_uri_match`] is set). `lookup`
    /// returns the password of a user, or `None` for an unknown user. Never panics.
    pub fn verify(
        &mut self,
        method: &str,
        request_uri: &str,
        authorization: &str,
        now_ms: i64,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> DigestOutcome {
        match self.check(method, request_uri, authorization, now_ms, lookup) {
            Ok(user) => DigestOutcome::Ok { user },
            Err(Refusal::Stale) => {
                tracing::debug!(realm = %self.config.realm, "digest nonce stale");
                DigestOutcome::Stale
            }
            Err(Refusal::Denied(r)) => {
                tracing::debug!(realm = %self.config.realm, reason = %r, "digest credential refused");
                DigestOutcome::Denied(r)
            }
        }
    }

    fn check(
        &mut self,
        method: &str,
        request_uri: &str,
        authorization: &str,
        now_ms: i64,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> std::result::Result<String, Refusal> {
        let creds = Credentials::parse(authorization)?;
        if creds.realm != self.config.realm {
            return Err(DenyReason::RealmMismatch.into());
        }
        let algorithm = match &creds.algorithm {
            None => Algorithm::Md5,
            Some(name) => Algorithm::parse(name).ok_or(DenyReason::UnsupportedAlgorithm)?,
        };
        if !self.config.algorithms.contains(&algorithm) {
            return Err(DenyReason::UnsupportedAlgorithm.into());
        }
        if creds.userhash {
            return Err(DenyReason::UnsupportedUserhash.into());
        }
        let qop = match self.config.mode {
            DigestMode::Rfc2069 => {
                if creds.qop.is_some() {
                    return Err(DenyReason::UnsupportedQop.into());
                }
                None
            }
            DigestMode::Rfc2617 => {
                let qop = creds.qop.as_deref().ok_or(DenyReason::MissingParam("qop"))?;
                if !qop.eq_ignore_ascii_case("auth") {
                    return Err(DenyReason::UnsupportedQop.into());
                }
                let nc = creds.nc.as_deref().ok_or(DenyReason::MissingParam("nc"))?;
                let nc = parse_nc(nc).ok_or(DenyReason::Malformed("nc is not 1-8 hex digits"))?;
                let cnonce = creds.cnonce.as_deref().ok_or(DenyReason::MissingParam("cnonce"))?;
                if cnonce.is_empty() {
                    return Err(DenyReason::Malformed("empty cnonce").into());
                }
                if let Some(opaque) = &creds.opaque {
                    if opaque != &self.opaque {
                        return Err(DenyReason::OpaqueMismatch.into());
                    }
                }
                Some(QopAuth { nc, cnonce })
            }
        };
        if self.config.require_uri_match && !uri_matches(&creds.uri, request_uri) {
            return Err(DenyReason::UriMismatch.into());
        }
        let password = lookup(&creds.username).ok_or(DenyReason::UnknownUser)?;
        let expected = compute_response(&ResponseInput {
            algorithm,
            username: &creds.username,
            realm: &creds.realm,
            password: &password,
            method,
            uri: &creds.uri,
            nonce: &creds.nonce,
            qop: qop.clone(),
        });
        let given = creds.response.to_ascii_lowercase();
        if !constant_time_eq(expected.as_bytes(), given.as_bytes()) {
            return Err(DenyReason::BadResponse.into());
        }
        // The response is right; now the nonce must be current.
        let stale_or = |reason: DenyReason| match self.config.mode {
            DigestMode::Rfc2069 => Refusal::Denied(reason),
            DigestMode::Rfc2617 => Refusal::Stale,
        };
        let Some(state) = self.nonces.get(&creds.nonce) else {
            return Err(stale_or(DenyReason::UnknownNonce));
        };
        if self.is_expired(state, now_ms) {
            let refusal = stale_or(DenyReason::NonceExpired);
            self.nonces.remove(&creds.nonce);
            return Err(refusal);
        }
        if let Some(q) = qop {
            let state = self.nonces.get_mut(&creds.nonce).ok_or(DenyReason::UnknownNonce)?;
            if q.nc <= state.last_nc {
                return Err(DenyReason::NonceCountReplay.into());
            }
            state.last_nc = q.nc;
        }
        Ok(creds.username)
    }
}

enum Refusal {
    Stale,
    Denied(DenyReason),
}

impl From<DenyReason> for Refusal {
    fn from(r: DenyReason) -> Self {
        Refusal::Denied(r)
    }
}

/// The `qop=auth` part of a response computation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QopAuth<'a> {
    /// Nonce count (written as 8 hex digits).
    pub nc: u32,
    pub cnonce: &'a str,
}

/// Everything a Digest `response` is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseInput<'a> {
    pub algorithm: Algorithm,
    pub username: &'a str,
    pub realm: &'a str,
    pub password: &'a str,
    pub method: &'a str,
    /// The digest `uri` parameter.
    pub uri: &'a str,
    pub nonce: &'a str,
    /// `None`: the RFC 2069 computation `H(HA1:nonce:HA2)`. A `-sess` algorithm without qop
    /// uses an empty cnonce.
    pub qop: Option<QopAuth<'a>>,
}

/// `HA1 = H(username:realm:password)` (for `-sess`: `H(that:nonce:cnonce)`).
fn ha1(i: &ResponseInput<'_>) -> String {
    let base = i.algorithm.hash(&format!("{}:{}:{}", i.username, i.realm, i.password));
    if i.algorithm.is_sess() {
        let cnonce = i.qop.as_ref().map_or("", |q| q.cnonce);
        i.algorithm.hash(&format!("{base}:{}:{cnonce}", i.nonce))
    } else {
        base
    }
}

/// The Digest `response` value (lowercase hex), the client side of the computation; used by tests
/// and the conformance runner.
pub fn compute_response(i: &ResponseInput<'_>) -> String {
    let ha1 = ha1(i);
    let ha2 = i.algorithm.hash(&format!("{}:{}", i.method, i.uri));
    match &i.qop {
        None => i.algorithm.hash(&format!("{ha1}:{}:{ha2}", i.nonce)),
        Some(q) => i.algorithm.hash(&format!("{ha1}:{}:{:08x}:{}:auth:{ha2}", i.nonce, q.nc, q.cnonce)),
    }
}

/// A parsed `WWW-Authenticate: Digest ...` challenge: the client side, for tests and the
/// conformance runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestChallenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    /// As named in the challenge; `None` when the parameter is absent (meaning MD5).
    pub algorithm: Option<Algorithm>,
    /// The challenge offers `qop=auth`.
    pub qop_auth: bool,
    pub stale: bool,
}

impl DigestChallenge {
    /// Parses one challenge value. `None` if it is not Digest, is malformed, lacks realm or
    /// nonce, names an unknown algorithm, or offers a qop list without `auth`.
    pub fn parse(www_authenticate: &str) -> Option<Self> {
        let params = parse_params(strip_scheme(www_authenticate, "Digest")?).ok()?;
        let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let algorithm = match get("algorithm") {
            None => None,
            Some(a) => Some(Algorithm::parse(&a)?),
        };
        let qop_auth = match get("qop") {
            None => false,
            Some(list) => {
                if !list.split(',').any(|q| q.trim().eq_ignore_ascii_case("auth")) {
                    return None;
                }
                true
            }
        };
        Some(DigestChallenge {
            realm: get("realm")?,
            nonce: get("nonce")?,
            opaque: get("opaque"),
            algorithm,
            qop_auth,
            stale: get("stale").is_some_and(|s| s.eq_ignore_ascii_case("true")),
        })
    }

    /// The `Authorization` value answering this challenge. Without `qop` in the challenge it is
    /// the RFC 2069 form `Digest username="u", realm="r", nonce="n", uri="x", response="h"`
    /// (plus `algorithm`/`opaque` when the challenge had them); with `qop=auth` it adds `qop`, `nc`
    /// (8 hex digits) and `cnonce`.
    pub fn authorization(
        &self,
        username: &str,
        password: &str,
        method: &str,
        uri: &str,
        nc: u32,
        cnonce: &str,
    ) -> String {
        let qop = self.qop_auth.then_some(QopAuth { nc, cnonce });
        let response = compute_response(&ResponseInput {
            algorithm: self.algorithm.unwrap_or(Algorithm::Md5),
            username,
            realm: &self.realm,
            password,
            method,
            uri,
            nonce: &self.nonce,
            qop,
        });
        let mut out = format!(
            "Digest username={}, realm={}, nonce={}, uri={}",
            quote(username),
            quote(&self.realm),
            quote(&self.nonce),
            quote(uri)
        );
        if let Some(a) = self.algorithm {
            out.push_str(&format!(", algorithm={a}"));
        }
        out.push_str(&format!(", response=\"{response}\""));
        if let Some(o) = &self.opaque {
            out.push_str(&format!(", opaque={}", quote(o)));
        }
        if self.qop_auth {
            out.push_str(&format!(", qop=auth, nc={nc:08x}, cnonce={}", quote(cnonce)));
        }
        out
    }
}

/// The parameters of an `Authorization: Digest ...` value.
#[derive(Debug)]
struct Credentials {
    username: String,
    realm: String,
    nonce: String,
    uri: String,
    response: String,
    algorithm: Option<String>,
    qop: Option<String>,
    nc: Option<String>,
    cnonce: Option<String>,
    opaque: Option<String>,
    userhash: bool,
}

impl Credentials {
    fn parse(value: &str) -> std::result::Result<Self, DenyReason> {
        let rest = strip_scheme(value, "Digest").ok_or(DenyReason::NotDigest)?;
        let mut params = parse_params(rest).map_err(DenyReason::Malformed)?;
        let mut take =
            |name: &str| params.iter().position(|(k, _)| k == name).map(|i| params.swap_remove(i).1);
        let username = match (take("username"), take("username*")) {
            (Some(u), None) => u,
            (None, Some(ext)) => decode_ext_value(&ext).ok_or(DenyReason::Malformed("bad username*"))?,
            (Some(_), Some(_)) => return Err(DenyReason::Malformed("both username and username*")),
            (None, None) => return Err(DenyReason::MissingParam("username")),
        };
        Ok(Credentials {
            username,
            realm: take("realm").ok_or(DenyReason::MissingParam("realm"))?,
            nonce: take("nonce").ok_or(DenyReason::MissingParam("nonce"))?,
            uri: take("uri").ok_or(DenyReason::MissingParam("uri"))?,
            response: take("response").ok_or(DenyReason::MissingParam("response"))?,
            algorithm: take("algorithm"),
            qop: take("qop"),
            nc: take("nc"),
            cnonce: take("cnonce"),
            opaque: take("opaque"),
            userhash: take("userhash").is_some_and(|v| v.eq_ignore_ascii_case("true")),
        })
    }
}

/// `nc`: 1-8 hex digits (clients send exactly 8).
fn parse_nc(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 8 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

/// Compares a digest `uri` with a request-URI: equal as strings, or equal once an
/// `scheme://authority` prefix is dropped from either (absolute form vs origin form).
fn uri_matches(digest_uri: &str, request_uri: &str) -> bool {
    fn path_part(u: &str) -> &str {
        match u.find("://") {
            Some(i) => {
                let after = &u[i + 3..];
                after.find('/').map_or("/", |j| &after[j..])
            }
            None => u,
        }
    }
    digest_uri == request_uri || path_part(digest_uri) == path_part(request_uri)
}

/// RFC 8187 ext-value `UTF-8'lang'percent-encoded` (used by `username*`).
fn decode_ext_value(v: &str) -> Option<String> {
    let mut parts = v.splitn(3, '\'');
    let charset = parts.next()?;
    let _language = parts.next()?;
    let encoded = parts.next()?;
    if !charset.eq_ignore_ascii_case("UTF-8") {
        return None;
    }
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = encoded.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn has_ctl(s: &str) -> bool {
    s.chars().any(|c| c.is_control())
}

fn validate_nonce_like(what: &str, v: &str) -> Result<()> {
    if v.is_empty()
        || v.len() > 256
        || !v.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\')
    {
        return Err(Error::invalid(format!(
            "digest {what} must be 1-256 printable ASCII characters without quotes or backslashes"
        )));
    }
    Ok(())
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Parses an auth-param list: `name=value` pairs separated by commas, values as tokens or
/// quoted-strings (with `\` escapes; commas allowed inside), whitespace around `=` and commas
/// tolerated, empty list elements skipped. Names are lowercased; a repeated name is an error.
fn parse_params(input: &str) -> std::result::Result<Vec<(String, String)>, &'static str> {
    let b = input.as_bytes();
    let mut i = 0;
    let mut out: Vec<(String, String)> = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && is_ws(b[*i]) {
            *i += 1;
        }
    };
    loop {
        while i < b.len() && (is_ws(b[i]) || b[i] == b',') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        while i < b.len() && is_tchar(b[i]) {
            i += 1;
        }
        if i == start {
            return Err("expected a parameter name");
        }
        let name = input[start..i].to_ascii_lowercase();
        skip_ws(&mut i);
        if i >= b.len() || b[i] != b'=' {
            return Err("expected '=' after a parameter name");
        }
        i += 1;
        skip_ws(&mut i);
        let value = if i < b.len() && b[i] == b'"' {
            i += 1;
            let mut v = String::new();
            let mut seg = i;
            loop {
                match b.get(i) {
                    None => return Err("unterminated quoted string"),
                    Some(b'"') => {
                        v.push_str(&input[seg..i]);
                        i += 1;
                        break;
                    }
                    Some(b'\\') => {
                        v.push_str(&input[seg..i]);
                        i += 1;
                        let c = input[i..].chars().next().ok_or("unterminated quoted string")?;
                        v.push(c);
                        i += c.len_utf8();
                        seg = i;
                    }
                    Some(_) => i += 1,
                }
            }
            v
        } else {
            let s = i;
            while i < b.len() && b[i] != b',' && !is_ws(b[i]) {
                i += 1;
            }
            input[s..i].to_owned()
        };
        skip_ws(&mut i);
        if i < b.len() && b[i] != b',' {
            return Err("expected ',' between parameters");
        }
        if out.iter().any(|(k, _)| *k == name) {
            return Err("parameter repeated");
        }
        out.push((name, value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FR_NONCE_1: &str = "427e06651ff20c8c4edb0d2b7425062c";
    const FR_NONCE_2: &str = "bda3ff5dd24b4b7175cd7420af971b16";
    const FR_URI: &str = "rtsp://172.20.131.56:8554/cam=cam1";

    fn test_user(u: &str) -> Option<String> {
        (u == "test").then(|| "test".to_owned())
    }

    fn mufasa(password: &'static str) -> impl Fn(&str) -> Option<String> {
        move |u: &str| (u == "Mufasa").then(|| password.to_owned())
    }

    fn fr_server(nonce: &str) -> DigestServer {
        let mut s = DigestServer::new(DigestConfig::rfc2069("FortiRecorder")).unwrap();
        s.queue_nonce(nonce).unwrap();
        s
    }

    fn fr_header(nonce: &str, response: &str) -> String {
        format!(
            "Digest username=\"test\", realm=\"FortiRecorder\", nonce=\"{nonce}\", uri=\"{FR_URI}\", response=\"{response}\""
        )
    }

    /// Appendix B of the FortiRecorder spec: (method, response for nonce 1, response for nonce 2).
    const APPENDIX_B: [(&str, Option<&str>, &str); 5] = [
        ("DESCRIBE", Some("a085f7fac48b09f98a59bd6978d914ae"), "2d602b41a77a93e0c606f17d79638faf"),
        ("SETUP", Some("7bc23478b463d1e3e130eae2f6155ec4"), "e8c10f302cafb5d7133766ad088deb72"),
        ("PLAY", Some("91298a6df73132a544c85adb9082c3d0"), "9e62f34bde86046e32e7894476458635"),
        ("PAUSE", None, "907fe83beeb1ed15301f9dd8b79f049b"),
        ("TEARDOWN", Some("00dd6110ab53bb2400b4601700eb286b"), "c3b4afc480000393849b5a552fbd3722"),
    ];

    fn fr_input<'a>(method: &'a str, nonce: &'a str) -> ResponseInput<'a> {
        ResponseInput {
            algorithm: Algorithm::Md5,
            username: "test",
            realm: "FortiRecorder",
            password: "test",
            method,
            uri: FR_URI,
            nonce,
            qop: None,
        }
    }

    #[test]
    fn fortirecorder_ha1_and_ha2_match_appendix_b() {
        assert_eq!(ha1(&fr_input("DESCRIBE", FR_NONCE_1)), "0995b9905daf1ce652ee3324d1748d7c");
        let ha2 = |m: &str| Algorithm::Md5.hash(&format!("{m}:{FR_URI}"));
        assert_eq!(ha2("DESCRIBE"), "65c9a455864ef16d18d30c8e1bac0adc");
        assert_eq!(ha2("SETUP"), "5482f9f55d1c6d98b6dfa4a9a4ae2a92");
        assert_eq!(ha2("PLAY"), "d2ac340e587ea720afb6a5519035a897");
        assert_eq!(ha2("PAUSE"), "199173de833e61696254f844ee217570");
        assert_eq!(ha2("TEARDOWN"), "e10cac7cd174baa65be30b4a9f2d058e");
    }

    #[test]
    fn compute_response_matches_appendix_b_table() {
        for (method, r1, r2) in APPENDIX_B {
            if let Some(r1) = r1 {
                assert_eq!(compute_response(&fr_input(method, FR_NONCE_1)), r1, "{method} nonce 1");
            }
            assert_eq!(compute_response(&fr_input(method, FR_NONCE_2)), r2, "{method} nonce 2");
        }
    }

    #[test]
    fn rfc2069_challenge_is_exactly_realm_and_nonce() {
        let mut s = fr_server(FR_NONCE_1);
        assert_eq!(s.challenge(0), format!("Digest realm=\"FortiRecorder\", nonce=\"{FR_NONCE_1}\""));
        let random = s.challenge(0);
        let nonce = random
            .strip_prefix("Digest realm=\"FortiRecorder\", nonce=\"")
            .and_then(|r| r.strip_suffix('"'))
            .expect("exact 2069 shape");
        assert_eq!(nonce.len(), 32);
        assert!(nonce.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_ne!(nonce, FR_NONCE_1);
        // No stale in 2069 mode either.
        assert!(!s.stale_challenge(0).contains("stale"));
    }

    #[test]
    fn doc_replay_accepts_every_request_of_both_traces_with_nonce_reuse() {
        for (nonce, first) in [(FR_NONCE_1, true), (FR_NONCE_2, false)] {
            let mut s = fr_server(nonce);
            s.challenge(1_000);
            for (method, r1, r2) in APPENDIX_B {
                let response = if first { r1 } else { Some(r2) };
                let Some(response) = response else { continue };
                // The VLC trace's SETUP request-URI has /streamid=0 while the digest uri does not.
                let request_uri =
                    if method == "SETUP" { "rtsp://10.0.0.1/cam=cam1/streamid=0" } else { FR_URI };
                for repeat in 0..2 {
                    let out = s.verify(method, request_uri, &fr_header(nonce, response), 2_000, &test_user);
                    assert_eq!(out, DigestOutcome::Ok { user: "test".into() }, "{method} #{repeat} {nonce}");
                }
            }
        }
    }

    #[test]
    fn rfc2069_denies_wrong_password_and_unknown_user() {
        let mut s = fr_server(FR_NONCE_1);
        s.challenge(0);
        let h = fr_header(FR_NONCE_1, "a085f7fac48b09f98a59bd6978d914ae");
        let wrong_pw = |u: &str| (u == "test").then(|| "nottest".to_owned());
        assert_eq!(
            s.verify("DESCRIBE", FR_URI, &h, 0, &wrong_pw),
            DigestOutcome::Denied(DenyReason::BadResponse)
        );
        assert_eq!(
            s.verify("DESCRIBE", FR_URI, &h, 0, &|_| None),
            DigestOutcome::Denied(DenyReason::UnknownUser)
        );
        // Right password, wrong method: the hash covers the method.
        assert_eq!(
            s.verify("SETUP", FR_URI, &h, 0, &test_user),
            DigestOutcome::Denied(DenyReason::BadResponse)
        );
    }

    #[test]
    fn rfc2069_denies_a_nonce_never_issued() {
        let mut s = DigestServer::new(DigestConfig::rfc2069("FortiRecorder")).unwrap();
        let h = fr_header(FR_NONCE_1, "a085f7fac48b09f98a59bd6978d914ae");
        assert_eq!(
            s.verify("DESCRIBE", FR_URI, &h, 0, &test_user),
            DigestOutcome::Denied(DenyReason::UnknownNonce)
        );
    }

    #[test]
    fn rfc2069_expired_nonce_is_denied_not_stale() {
        let mut config = DigestConfig::rfc2069("FortiRecorder");
        config.nonce_lifetime_ms = Some(10_000);
        let mut s = DigestServer::new(config).unwrap();
        s.queue_nonce(FR_NONCE_1).unwrap();
        s.challenge(0);
        let h = fr_header(FR_NONCE_1, "a085f7fac48b09f98a59bd6978d914ae");
        assert!(matches!(s.verify("DESCRIBE", FR_URI, &h, 9_999, &test_user), DigestOutcome::Ok { .. }));
        assert_eq!(
            s.verify("DESCRIBE", FR_URI, &h, 10_000, &test_user),
            DigestOutcome::Denied(DenyReason::NonceExpired)
        );
        assert_eq!(s.nonce_count(), 0, "the expired nonce is forgotten");
    }

    #[test]
    fn rfc2069_rejects_qop_it_did_not_offer() {
        let mut s = fr_server(FR_NONCE_1);
        s.challenge(0);
        let h = format!(
            "{}, qop=auth, nc=00000001, cnonce=\"x\"",
            fr_header(FR_NONCE_1, "a085f7fac48b09f98a59bd6978d914ae")
        );
        assert_eq!(
            s.verify("DESCRIBE", FR_URI, &h, 0, &test_user),
            DigestOutcome::Denied(DenyReason::UnsupportedQop)
        );
    }

    #[test]
    fn uri_match_is_off_by_default_and_enforced_when_required() {
        let mut config = DigestConfig::rfc2069("FortiRecorder");
        config.require_uri_match = true;
        let mut s = DigestServer::new(config).unwrap();
        s.queue_nonce(FR_NONCE_2).unwrap();
        s.challenge(0);
        let setup = fr_header(FR_NONCE_2, "e8c10f302cafb5d7133766ad088deb72");
        assert_eq!(
            s.verify("SETUP", &format!("{FR_URI}/streamid=0"), &setup, 0, &test_user),
            DigestOutcome::Denied(DenyReason::UriMismatch)
        );
        // Same path with another host (absolute vs absolute) matches; so does origin form.
        assert!(matches!(
            s.verify("SETUP", "rtsp://example.net:8554/cam=cam1", &setup, 0, &test_user),
            DigestOutcome::Ok { .. }
        ));
        assert!(matches!(s.verify("SETUP", "/cam=cam1", &setup, 0, &test_user), DigestOutcome::Ok { .. }));
    }

    const RFC2617_HEADER: &str = r#"Digest username="Mufasa",
                 realm="testrealm@host.com",
                 nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
                 uri="/dir/index.html",
                 qop=auth,
                 nc=00000001,
                 cnonce="0a4f113b",
                 response="6629fae49393a05397450978507c4ef1",
                 opaque="5ccc069c403ebaf9f0171e9517f40e41""#;

    fn rfc2617_server() -> DigestServer {
        let mut config = DigestConfig::rfc2617("testrealm@host.com");
        config.opaque = Some("5ccc069c403ebaf9f0171e9517f40e41".into());
        let mut s = DigestServer::new(config).unwrap();
        s.queue_nonce("dcd98b7102dd2f0e8b11d0f600bfb0c093").unwrap();
        s
    }

    #[test]
    fn rfc2617_section_3_5_example_verifies() {
        let input = ResponseInput {
            algorithm: Algorithm::Md5,
            username: "Mufasa",
            realm: "testrealm@host.com",
            password: "Circle Of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            qop: Some(QopAuth { nc: 1, cnonce: "0a4f113b" }),
        };
        assert_eq!(compute_response(&input), "6629fae49393a05397450978507c4ef1");

        let mut s = rfc2617_server();
        assert_eq!(
            s.challenge(0),
            "Digest realm=\"testrealm@host.com\", qop=\"auth\", algorithm=MD5, \
             nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""
        );
        // The header's line breaks are folding whitespace: a newline inside the list is a parse
        // error, so feed it unfolded as a server would receive it.
        let header = RFC2617_HEADER.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(
            s.verify("GET", "/dir/index.html", &header, 1, &mufasa("Circle Of Life")),
            DigestOutcome::Ok { user: "Mufasa".into() }
        );
    }

    #[test]
    fn rfc2617_nonce_count_replay_is_rejected() {
        let mut s = rfc2617_server();
        s.challenge(0);
        let header = RFC2617_HEADER.split_whitespace().collect::<Vec<_>>().join(" ");
        let lookup = mufasa("Circle Of Life");
        assert!(matches!(s.verify("GET", "/", &header, 1, &lookup), DigestOutcome::Ok { .. }));
        assert_eq!(
            s.verify("GET", "/", &header, 2, &lookup),
            DigestOutcome::Denied(DenyReason::NonceCountReplay)
        );
        // A higher count on the same nonce is accepted, a lower one afterwards is not.
        let challenge = DigestChallenge {
            realm: "testrealm@host.com".into(),
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093".into(),
            opaque: Some("5ccc069c403ebaf9f0171e9517f40e41".into()),
            algorithm: None,
            qop_auth: true,
            stale: false,
        };
        let nc5 = challenge.authorization("Mufasa", "Circle Of Life", "GET", "/dir/index.html", 5, "c");
        let nc3 = challenge.authorization("Mufasa", "Circle Of Life", "GET", "/dir/index.html", 3, "c");
        assert!(matches!(s.verify("GET", "/", &nc5, 3, &lookup), DigestOutcome::Ok { .. }));
        assert_eq!(
            s.verify("GET", "/", &nc3, 4, &lookup),
            DigestOutcome::Denied(DenyReason::NonceCountReplay)
        );
    }

    #[test]
    fn failed_attempt_does_not_consume_the_nonce_count() {
        let mut s = rfc2617_server();
        s.challenge(0);
        let header = RFC2617_HEADER.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(
            s.verify("GET", "/", &header, 1, &mufasa("wrong")),
            DigestOutcome::Denied(DenyReason::BadResponse)
        );
        assert!(matches!(
            s.verify("GET", "/", &header, 1, &mufasa("Circle Of Life")),
            DigestOutcome::Ok { .. }
        ));
    }

    #[test]
    fn rfc2617_expired_nonce_with_right_response_is_stale() {
        let mut config = DigestConfig::rfc2617("r");
        config.nonce_lifetime_ms = Some(60_000);
        let mut s = DigestServer::new(config).unwrap();
        let c = DigestChallenge::parse(&s.challenge(1_000)).unwrap();
        let lookup = |u: &str| (u == "alice").then(|| "pw".to_owned());
        let a1 = c.authorization("alice", "pw", "GET", "/x", 1, "abc");
        assert!(matches!(s.verify("GET", "/x", &a1, 60_999, &lookup), DigestOutcome::Ok { .. }));
        let a2 = c.authorization("alice", "pw", "GET", "/x", 2, "abc");
        assert_eq!(s.verify("GET", "/x", &a2, 61_000, &lookup), DigestOutcome::Stale);
        // Wrong password on an expired nonce is a denial, not stale.
        let bad = c.authorization("alice", "nope", "GET", "/x", 3, "abc");
        assert_eq!(
            s.verify("GET", "/x", &bad, 61_000, &lookup),
            DigestOutcome::Denied(DenyReason::BadResponse)
        );
        // The answer to Stale carries stale=true and a fresh nonce the client can use.
        let fresh = DigestChallenge::parse(&s.stale_challenge(61_000)).unwrap();
        assert!(fresh.stale);
        assert_ne!(fresh.nonce, c.nonce);
        let a3 = fresh.authorization("alice", "pw", "GET", "/x", 1, "abc");
        assert_eq!(s.verify("GET", "/x", &a3, 61_001, &lookup), DigestOutcome::Ok { user: "alice".into() });
    }

    #[test]
    fn rfc2617_unknown_nonce_with_right_response_is_stale() {
        let mut s = DigestServer::new(DigestConfig::rfc2617("r")).unwrap();
        let c = DigestChallenge {
            realm: "r".into(),
            nonce: "00000000000000000000000000000000".into(),
            opaque: None,
            algorithm: Some(Algorithm::Md5),
            qop_auth: true,
            stale: false,
        };
        let lookup = |u: &str| (u == "alice").then(|| "pw".to_owned());
        let a = c.authorization("alice", "pw", "GET", "/", 1, "x");
        assert_eq!(s.verify("GET", "/", &a, 0, &lookup), DigestOutcome::Stale);
    }

    #[test]
    fn rfc2617_requires_qop_nc_cnonce_and_matching_opaque() {
        let mut s = DigestServer::new(DigestConfig::rfc2617("r")).unwrap();
        let c = DigestChallenge::parse(&s.challenge(0)).unwrap();
        let lookup = |_: &str| Some("pw".to_owned());
        let no_qop =
            DigestChallenge { qop_auth: false, ..c.clone() }.authorization("a", "pw", "GET", "/", 1, "x");
        assert_eq!(
            s.verify("GET", "/", &no_qop, 0, &lookup),
            DigestOutcome::Denied(DenyReason::MissingParam("qop"))
        );
        let good = c.authorization("a", "pw", "GET", "/", 1, "x");
        let no_nc = good.replace(", nc=00000001", "");
        assert_eq!(
            s.verify("GET", "/", &no_nc, 0, &lookup),
            DigestOutcome::Denied(DenyReason::MissingParam("nc"))
        );
        let bad_nc = good.replace("nc=00000001", "nc=zz");
        assert!(matches!(
            s.verify("GET", "/", &bad_nc, 0, &lookup),
            DigestOutcome::Denied(DenyReason::Malformed(_))
        ));
        let int = good.replace("qop=auth", "qop=auth-int");
        assert_eq!(s.verify("GET", "/", &int, 0, &lookup), DigestOutcome::Denied(DenyReason::UnsupportedQop));
        let wrong_opaque = DigestChallenge { opaque: Some("other".into()), ..c.clone() }
            .authorization("a", "pw", "GET", "/", 1, "x");
        assert_eq!(
            s.verify("GET", "/", &wrong_opaque, 0, &lookup),
            DigestOutcome::Denied(DenyReason::OpaqueMismatch)
        );
        // A client that leaves opaque out is tolerated.
        let no_opaque =
            DigestChallenge { opaque: None, ..c.clone() }.authorization("a", "pw", "GET", "/", 1, "x");
        assert!(matches!(s.verify("GET", "/", &no_opaque, 0, &lookup), DigestOutcome::Ok { .. }));
        assert!(matches!(
            s.verify("GET", "/", &good, 0, &lookup),
            DigestOutcome::Denied(DenyReason::NonceCountReplay)
        ));
    }

    #[test]
    fn rfc7616_sha256_example_verifies() {
        // RFC 7616 §3.9.1: both responses for the same request, password "Circle of Life".
        let base = ResponseInput {
            algorithm: Algorithm::Sha256,
            username: "Mufasa",
            realm: "http-auth@example.org",
            password: "Circle of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            qop: Some(QopAuth { nc: 1, cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ" }),
        };
        assert_eq!(
            compute_response(&base),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
        let md5 = ResponseInput { algorithm: Algorithm::Md5, ..base.clone() };
        assert_eq!(compute_response(&md5), "8ca523f5e9506fed4657c9700eebdbec");

        let mut config = DigestConfig::rfc2617("http-auth@example.org");
        config.algorithms = vec![Algorithm::Sha256, Algorithm::Md5];
        config.opaque = Some("FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS".into());
        let mut s = DigestServer::new(config).unwrap();
        s.queue_nonce("7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v").unwrap();
        let challenges = s.challenges(0, false);
        assert_eq!(
            challenges,
            vec![
                "Digest realm=\"http-auth@example.org\", qop=\"auth\", algorithm=SHA-256, \
                 nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
                 opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
                    .to_owned(),
                "Digest realm=\"http-auth@example.org\", qop=\"auth\", algorithm=MD5, \
                 nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
                 opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
                    .to_owned(),
            ]
        );
        let header = "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", \
                      algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001, \
                      cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth, \
                      response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", \
                      opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
        assert_eq!(
            s.verify("GET", "/dir/index.html", header, 1, &mufasa("Circle of Life")),
            DigestOutcome::Ok { user: "Mufasa".into() }
        );
    }

    #[test]
    fn algorithm_not_offered_is_denied() {
        let mut s = DigestServer::new(DigestConfig::rfc2617("r")).unwrap();
        let c = DigestChallenge::parse(&s.challenge(0)).unwrap();
        let sha = DigestChallenge { algorithm: Some(Algorithm::Sha256), ..c.clone() }
            .authorization("a", "pw", "GET", "/", 1, "x");
        let lookup = |_: &str| Some("pw".to_owned());
        assert_eq!(
            s.verify("GET", "/", &sha, 0, &lookup),
            DigestOutcome::Denied(DenyReason::UnsupportedAlgorithm)
        );
        let unknown = sha.replace("SHA-256", "SHA-512-256");
        assert_eq!(
            s.verify("GET", "/", &unknown, 0, &lookup),
            DigestOutcome::Denied(DenyReason::UnsupportedAlgorithm)
        );
    }

    #[test]
    fn sess_variants_round_trip() {
        for alg in [Algorithm::Md5Sess, Algorithm::Sha256Sess] {
            let mut config = DigestConfig::rfc2617("r");
            config.algorithms = vec![alg];
            let mut s = DigestServer::new(config).unwrap();
            let c = DigestChallenge::parse(&s.challenge(0)).unwrap();
            assert_eq!(c.algorithm, Some(alg));
            let a = c.authorization("bob", "pw", "POST", "/api", 1, "cn");
            let lookup = |u: &str| (u == "bob").then(|| "pw".to_owned());
            assert_eq!(s.verify("POST", "/api", &a, 0, &lookup), DigestOutcome::Ok { user: "bob".into() });
            // The sess HA1 differs from the plain one, so the plain computation must not verify.
            let plain = DigestChallenge { algorithm: None, ..c.clone() }
                .authorization("bob", "pw", "POST", "/api", 2, "cn");
            let plain = plain.replacen("response=", &format!("algorithm={alg}, response="), 1);
            assert_eq!(
                s.verify("POST", "/api", &plain, 0, &lookup),
                DigestOutcome::Denied(DenyReason::BadResponse)
            );
        }
    }

    #[test]
    fn realm_mismatch_and_non_digest_are_denied() {
        let mut s = fr_server(FR_NONCE_1);
        s.challenge(0);
        let h = fr_header(FR_NONCE_1, "a085f7fac48b09f98a59bd6978d914ae").replace("FortiRecorder", "Other");
        assert_eq!(
            s.verify("DESCRIBE", FR_URI, &h, 0, &test_user),
            DigestOutcome::Denied(DenyReason::RealmMismatch)
        );
        assert_eq!(
            s.verify("DESCRIBE", FR_URI, "Basic dGVzdDp0ZXN0", 0, &test_user),
            DigestOutcome::Denied(DenyReason::NotDigest)
        );
        assert_eq!(
            s.verify("DESCRIBE", FR_URI, "Digest username=\"test\"", 0, &test_user),
            DigestOutcome::Denied(DenyReason::MissingParam("realm"))
        );
    }

    #[test]
    fn parser_tolerates_spacing_unquoted_values_and_commas_in_quotes() {
        let p = parse_params(r#"  a = "x, y" ,, B=tok ,c="q\"uo\\te",d="" , e=  "é\é" "#).unwrap();
        assert_eq!(
            p,
            vec![
                ("a".into(), "x, y".into()),
                ("b".into(), "tok".into()),
                ("c".into(), "q\"uo\\te".into()),
                ("d".into(), String::new()),
                ("e".into(), "éé".into()),
            ]
        );
        assert_eq!(parse_params("").unwrap(), vec![]);
    }

    #[test]
    fn parser_rejects_garbage() {
        assert!(parse_params(r#"a="unterminated"#).is_err());
        assert!(parse_params(r#"a="x\"#).is_err());
        assert!(parse_params("a").is_err());
        assert!(parse_params("=b").is_err());
        assert!(parse_params("a=b c=d").is_err());
        assert!(parse_params("a=1, A=2").is_err());
    }

    #[test]
    fn username_star_is_decoded() {
        let mut s = DigestServer::new(DigestConfig::rfc2617("r")).unwrap();
        let c = DigestChallenge::parse(&s.challenge(0)).unwrap();
        let a = c.authorization("Jäsøn", "pw", "GET", "/", 1, "x");
        let a = a.replace("username=\"Jäsøn\"", "username*=UTF-8''J%C3%A4s%C3%B8n");
        let lookup = |u: &str| (u == "Jäsøn").then(|| "pw".to_owned());
        assert_eq!(s.verify("GET", "/", &a, 0, &lookup), DigestOutcome::Ok { user: "Jäsøn".into() });
        assert_eq!(decode_ext_value("UTF-8''%zz"), None);
        assert_eq!(decode_ext_value("ISO-8859-1''abc"), None);
    }

    #[test]
    fn challenge_parse_reads_the_client_view() {
        let c = DigestChallenge::parse(
            "digest realm=\"a, b\", qop=\"auth-int, auth\", nonce=abc, algorithm=sha-256, stale=TRUE",
        )
        .unwrap();
        assert_eq!(c.realm, "a, b");
        assert_eq!(c.nonce, "abc");
        assert!(c.qop_auth && c.stale);
        assert_eq!(c.algorithm, Some(Algorithm::Sha256));
        assert_eq!(DigestChallenge::parse("Digest realm=\"a\", nonce=\"n\", qop=\"auth-int\""), None);
        assert_eq!(DigestChallenge::parse("Digest realm=\"a\""), None);
        assert_eq!(DigestChallenge::parse("Basic realm=\"a\""), None);
    }

    #[test]
    fn client_authorization_reproduces_the_document_header_bytes() {
        let c = DigestChallenge::parse(&format!("Digest realm=\"FortiRecorder\", nonce=\"{FR_NONCE_1}\""))
            .unwrap();
        assert_eq!(
            c.authorization("test", "test", "DESCRIBE", FR_URI, 1, "ignored"),
            fr_header(FR_NONCE_1, "a085f7fac48b09f98a59bd6978d914ae")
        );
    }

    #[test]
    fn config_validation_rejects_inconsistent_settings() {
        let mut c = DigestConfig::rfc2069("r");
        c.algorithms = vec![Algorithm::Sha256];
        assert!(DigestServer::new(c).is_err());
        let mut c = DigestConfig::rfc2617("r");
        c.algorithms = vec![];
        assert!(DigestServer::new(c).is_err());
        let mut c = DigestConfig::rfc2617("r");
        c.algorithms = vec![Algorithm::Md5, Algorithm::Md5];
        assert!(DigestServer::new(c).is_err());
        let mut c = DigestConfig::rfc2617("r");
        c.nonce_lifetime_ms = Some(0);
        assert!(DigestServer::new(c).is_err());
        assert!(DigestServer::new(DigestConfig::rfc2617("bad\r\nrealm")).is_err());
        let mut s = DigestServer::new(DigestConfig::rfc2617("r")).unwrap();
        assert!(s.queue_nonce("has\"quote").is_err());
        assert!(s.queue_nonce("").is_err());
        assert!(s.set_nonce_lifetime(Some(-1)).is_err());
        assert_eq!(s.config().nonce_lifetime_ms, Some(300_000));
    }

    #[test]
    fn nonce_table_is_bounded_and_evicts_the_oldest() {
        let mut config = DigestConfig::rfc2069("r");
        config.max_nonces = 3;
        let mut s = DigestServer::new(config).unwrap();
        s.queue_nonce("first").unwrap();
        s.challenge(0);
        for _ in 0..5 {
            s.challenge(0);
        }
        assert_eq!(s.nonce_count(), 3);
        let resp = compute_response(&ResponseInput {
            algorithm: Algorithm::Md5,
            username: "u",
            realm: "r",
            password: "p",
            method: "GET",
            uri: "/",
            nonce: "first",
            qop: None,
        });
        let h =
            format!("Digest username=\"u\", realm=\"r\", nonce=\"first\", uri=\"/\", response=\"{resp}\"");
        assert_eq!(
            s.verify("GET", "/", &h, 0, &|_| Some("p".into())),
            DigestOutcome::Denied(DenyReason::UnknownNonce)
        );
    }

    #[test]
    fn clear_forgets_nonces() {
        let mut s = fr_server(FR_NONCE_1);
        s.challenge(0);
        s.clear();
        let h = fr_header(FR_NONCE_1, "a085f7fac48b09f98a59bd6978d914ae");
        assert_eq!(
            s.verify("DESCRIBE", FR_URI, &h, 0, &test_user),
            DigestOutcome::Denied(DenyReason::UnknownNonce)
        );
    }

    fn garbage() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("Digest ".to_owned()),
            Just("\"".to_owned()),
            Just("\\".to_owned()),
            Just(",".to_owned()),
            Just("=".to_owned()),
            Just(" ".to_owned()),
            Just("username=".to_owned()),
            Just("username*=UTF-8''%".to_owned()),
            Just("nc=".to_owned()),
            Just("qop=auth".to_owned()),
            Just("algorithm=".to_owned()),
            "[a-zA-Z0-9é%]{0,6}",
        ];
        proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn random_strings_never_panic(s in ".*", t in garbage()) {
            for mode in [DigestConfig::rfc2069("r"), DigestConfig::rfc2617("r")] {
                let mut server = DigestServer::new(mode).unwrap();
                for h in [&s, &t] {
                    let _ = server.verify("GET", h, h, 0, &|_| Some("p".into()));
                    let _ = DigestChallenge::parse(h);
                    let _ = parse_params(h);
                    let _ = decode_ext_value(h);
                }
            }
        }

        #[test]
        fn client_answers_always_verify(user in "[a-zA-Z0-9 ]{1,12}", pw in ".{0,12}", uri in "/[a-z/=]{0,20}",
                                        rfc2617 in any::<bool>(), cnonce in "[a-zA-Z0-9]{1,16}") {
            let config = if rfc2617 { DigestConfig::rfc2617("realm \"x\"") } else { DigestConfig::rfc2069("realm") };
            let mut s = DigestServer::new(config).unwrap();
            let c = DigestChallenge::parse(&s.challenge(0)).unwrap();
            let a = c.authorization(&user, &pw, "GET", &uri, 1, &cnonce);
            let lookup = |u: &str| (u == user).then(|| pw.clone());
            prop_assert_eq!(s.verify("GET", &uri, &a, 0, &lookup), DigestOutcome::Ok { user: user.clone() });
        }
    }
}
