//! The REST routes. The URL grammar is generic (`/api/v1/<res>[/<id>[/<sub>[/<sub_id>]]][/]`,
//! §1.5), so one catch-all handler serves every resource; this table says which effective
//! actions each resource accepts (spec §2.1) and is what the route tests iterate.

use axum::Router;

use crate::device::FortiRecorder;
use crate::handlers::{handle, AppState};
use crate::wire::{Action, Resource};

/// Every resource with its allowed effective actions (§2.1 rows A1-F7).
pub fn route_table() -> Vec<(Resource, &'static [Action])> {
    Resource::ALL.iter().map(|r| (*r, r.allowed())).collect()
}

impl FortiRecorder {
    /// The REST API for HTTP (login cookies without `Secure`, unless the request carries the
    /// core's `Transport::Https` extension).
    pub fn router(&self) -> Router {
        self.router_for(false)
    }

    /// The REST API for one transport: `https` adds `Secure` to login cookies.
    pub fn router_for(&self, https: bool) -> Router {
        Router::new().fallback(handle).with_state(AppState { device: self.clone(), https })
    }
}
