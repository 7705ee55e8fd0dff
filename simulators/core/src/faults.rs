//! Fault injection rules, set through the control API and applied by the HTTP layer
//! (and by the RTSP server) before a request reaches the device.

use std::sync::{Arc, Mutex};

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What a rule does when it fires. Several effects may combine (latency, then status).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Rule name, shown in the journal; assigned `rule-N` when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// Path pattern: `*` matches any run of characters (including `/`); no `*` means exact.
    #[serde(default = "star")]
    pub path: String,
    /// Method to match (any when absent), compared case-insensitively.
    #[serde(default)]
    pub method: Option<String>,
    /// Probability in [0, 1] that a matching request is affected (default 1).
    #[serde(default)]
    pub probability: Option<f64>,
    /// Fixed latency added before the request is handled.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Random extra latency, uniform in [0, jitter_ms].
    #[serde(default)]
    pub jitter_ms: Option<u64>,
    /// Answer with this status instead of handling the request.
    #[serde(default)]
    pub status: Option<u16>,
    /// Body for the forced status (default: empty).
    #[serde(default)]
    pub body: Option<String>,
    /// Close the connection without an answer.
    #[serde(default)]
    pub drop: bool,
    /// Fire at most this many times, then the rule is removed.
    #[serde(default)]
    pub times: Option<u32>,
}

impl Default for Rule {
    fn default() -> Self {
        Rule {
            name: None,
            path: star(),
            method: None,
            probability: None,
            latency_ms: None,
            jitter_ms: None,
            status: None,
            body: None,
            drop: false,
            times: None,
        }
    }
}

fn star() -> String {
    "*".to_owned()
}

/// The decision for one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    pub rule: Option<String>,
    pub delay_ms: u64,
    pub status: Option<u16>,
    pub body: Option<String>,
    pub drop: bool,
}

impl Decision {
    pub fn is_none(&self) -> bool {
        self.rule.is_none()
    }
}

/// Glob match where `*` spans any characters.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

impl Rule {
    pub fn validate(&self) -> Result<()> {
        if let Some(p) = self.probability {
            if !(0.0..=1.0).contains(&p) {
                return Err(Error::invalid(format!("probability {p} is outside [0, 1]")));
            }
        }
        if let Some(s) = self.status {
            if !(100..=599).contains(&s) {
                return Err(Error::invalid(format!("status {s} is not an HTTP status")));
            }
        }
        if self.latency_ms.unwrap_or(0) > 600_000 || self.jitter_ms.unwrap_or(0) > 600_000 {
            return Err(Error::invalid("latency above 600000 ms"));
        }
        if self.path.is_empty() {
            return Err(Error::invalid("path pattern is empty"));
        }
        Ok(())
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method)) && glob_match(&self.path, path)
    }
}

/// A cheap-clone, shared set of rules.
#[derive(Debug, Clone, Default)]
pub struct Faults(Arc<Mutex<Vec<Rule>>>);

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Rule>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn list(&self) -> Vec<Rule> {
        self.lock().clone()
    }

    /// Add a rule (validated); returns its name.
    pub fn add(&self, mut rule: Rule) -> Result<String> {
        rule.validate()?;
        let mut g = self.lock();
        let name = rule.name.clone().unwrap_or_else(|| format!("rule-{}", g.len() + 1));
        rule.name = Some(name.clone());
        g.push(rule);
        Ok(name)
    }

    /// Remove one rule by name; false when there was none.
    pub fn remove(&self, name: &str) -> bool {
        let mut g = self.lock();
        let before = g.len();
        g.retain(|r| r.name.as_deref() != Some(name));
        g.len() != before
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Decide what happens to a request. The first matching rule whose dice roll fires wins.
    pub fn decide(&self, method: &str, path: &str) -> Decision {
        let mut g = self.lock();
        let mut rng = rand::thread_rng();
        let mut fired = None;
        for (i, r) in g.iter().enumerate() {
            if !r.matches(method, path) {
                continue;
            }
            let p = r.probability.unwrap_or(1.0);
            if p < 1.0 && rng.gen::<f64>() >= p {
                continue;
            }
            fired = Some(i);
            break;
        }
        let Some(i) = fired else { return Decision::default() };
        let r = &mut g[i];
        let jitter = r.jitter_ms.map(|j| if j == 0 { 0 } else { rng.gen_range(0..=j) }).unwrap_or(0);
        let d = Decision {
            rule: r.name.clone(),
            delay_ms: r.latency_ms.unwrap_or(0) + jitter,
            status: r.status,
            body: r.body.clone(),
            drop: r.drop,
        };
        if let Some(t) = r.times.as_mut() {
            *t = t.saturating_sub(1);
            if *t == 0 {
                g.remove(i);
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_like_a_shell_star() {
        assert!(glob_match("*", "/anything"));
        assert!(glob_match("/api/v1/*", "/api/v1/CameraStatus"));
        assert!(glob_match("/api/*/Camera*", "/api/v1/CameraStatus"));
        assert!(!glob_match("/api/v1/Sys*", "/api/v1/CameraStatus"));
        assert!(glob_match("/exact", "/exact"));
        assert!(!glob_match("/exact", "/exact/"));
        assert!(!glob_match("/a*a", "/a"));
    }

    #[test]
    fn rule_fires_limited_times() {
        let f = Faults::default();
        f.add(Rule { path: "/x".into(), status: Some(503), times: Some(1), ..Default::default() }).unwrap();
        assert_eq!(f.decide("GET", "/x").status, Some(503));
        assert!(f.decide("GET", "/x").is_none());
    }

    #[test]
    fn probability_zero_never_fires_and_bad_values_are_refused() {
        let f = Faults::default();
        f.add(Rule { path: "*".into(), status: Some(500), probability: Some(0.0), ..Default::default() })
            .unwrap();
        assert!((0..100).all(|_| f.decide("GET", "/").is_none()));
        assert!(f.add(Rule { probability: Some(2.0), ..Default::default() }).is_err());
        assert!(f.add(Rule { status: Some(42), ..Default::default() }).is_err());
    }

    #[test]
    fn method_filter_applies() {
        let f = Faults::default();
        f.add(Rule { method: Some("post".into()), drop: true, ..Default::default() }).unwrap();
        assert!(f.decide("GET", "/a").is_none());
        assert!(f.decide("POST", "/a").drop);
    }
}
