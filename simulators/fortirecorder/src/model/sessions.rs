//! HTTP sessions (§1.3.5) and logins (§1.3.1-§1.3.2). Runtime only: never persisted.

use std::collections::BTreeMap;

use devsim_core::auth::session::SessionStore;

use super::{AccessMode, Area, Level, LoginKind, MResult, Model, ModelError, Output, SERVICE_USER};

/// Who a session belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerKind {
    Admin,
    Service,
}

/// The resolved caller of a request: kind, name and (admins) the profile's levels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub kind: CallerKind,
    pub name: String,
    pub levels: BTreeMap<Area, Level>,
}

impl Caller {
    pub fn level(&self, area: Area) -> Level {
        self.levels.get(&area).copied().unwrap_or(Level::None)
    }

    /// The lowest level over `areas` (a request needs all of them); `None` for no areas.
    pub fn min_level(&self, areas: &[Area]) -> Level {
        areas.iter().map(|a| self.level(*a)).min().unwrap_or(Level::None)
    }

    pub fn is_admin(&self) -> bool {
        self.kind == CallerKind::Admin
    }
}

type Principal = (LoginKind, String);

/// The live HTTP sessions (core [`SessionStore`]), keyed by cookie value, with an idle timeout on
/// the device clock.
#[derive(Debug, Clone)]
pub struct Sessions {
    store: SessionStore<Principal>,
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions { store: SessionStore::new(300_000) }
    }
}

fn ms(secs: i64) -> i64 {
    secs.saturating_mul(1000)
}

impl Sessions {
    pub fn set_idle_secs(&mut self, secs: u64) {
        self.store.set_idle_timeout(i64::try_from(secs).unwrap_or(i64::MAX / 1000).saturating_mul(1000));
    }

    fn create(&mut self, kind: LoginKind, name: &str, now: i64) -> String {
        self.store.create((kind, name.to_owned()), ms(now))
    }

    fn touch(&mut self, token: &str, now: i64) -> Option<Principal> {
        self.store.lookup(token, ms(now))
    }

    pub fn remove(&mut self, token: &str) {
        self.store.remove(token);
    }

    pub fn clear(&mut self) {
        self.store.clear();
    }

    /// Live sessions at `now`: (kind, principal name), sorted by name.
    pub fn live(&self, now: i64) -> Vec<Principal> {
        let mut v = self.store.clone().live(ms(now));
        v.sort_by(|a, b| a.1.cmp(&b.1));
        v
    }
}

impl Model {
    pub(super) fn login(&mut self, now: i64, kind: LoginKind, name: &str, password: &str) -> MResult<Output> {
        let ok = match kind {
            LoginKind::Admin => self.admins.iter().any(|a| {
                a.name == name
                    && a.password == password
                    && a.access_modes.contains(&AccessMode::Rest)
                    && self.admin_profile(&a.profile).is_some()
            }),
            LoginKind::Service => {
                name == SERVICE_USER && self.clip_service.enabled && self.clip_service.password == password
            }
        };
        if !ok {
            return Err(ModelError::LoginFailed(kind));
        }
        let token = self.sessions.create(kind, name, now);
        self.sample_sessions(now);
        Ok(Output::Session { token })
    }

    pub(super) fn lookup(&mut self, now: i64, token: &str) -> MResult<Output> {
        let (kind, name) = self.sessions.touch(token, now).ok_or(ModelError::Unauthenticated)?;
        let caller = match kind {
            LoginKind::Service => Caller { kind: CallerKind::Service, name, levels: BTreeMap::new() },
            LoginKind::Admin => {
                let levels = self
                    .admins
                    .iter()
                    .find(|a| a.name == name)
                    .and_then(|a| self.admin_profile(&a.profile))
                    .map(|p| p.areas.clone())
                    // The account was deleted or lost its profile: the session is dead.
                    .ok_or(ModelError::Unauthenticated)?;
                Caller { kind: CallerKind::Admin, name, levels }
            }
        };
        Ok(Output::Caller(caller))
    }

    /// Record the live-session count (for `session_history`).
    pub(super) fn sample_sessions(&mut self, now: i64) {
        let count = self.sessions.live(now).len() as u32;
        self.session_history.record(now, count);
    }
}
