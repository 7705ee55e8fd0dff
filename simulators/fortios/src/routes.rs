//! The HTTP surface. The URL grammars are generic (`/api/v2/cmdb/<path>/<name>/...`,
//! `/api/v2/monitor/<area>/<resource>/<action>`), so one catch-all handler serves everything;
//! this table lists every route with its access rule and is what the auth tests iterate.

use axum::Router;

use crate::device::FortiGate;
use crate::handlers::{cmdb_group, handle, AppState};
use crate::monitor;
use crate::schema::{Kind, Registry};

/// Who may call a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// No session needed (`/logincheck`, `/logout`).
    Public,
    /// A session (or API token) whose profile grants `group` (an accprofile attribute, or
    /// `any`) at the level the method needs.
    Group(&'static str),
}

/// One route: method, example URL, access rule, whether it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: String,
    pub access: Access,
    pub write: bool,
}

/// Every route: login and logout (§1.3, §1.4), the CMDB directory and each table's collection
/// reads and writes (§2), and each monitor endpoint of the catalogue (§3.7).
pub fn route_table() -> Vec<Route> {
    let mut v = vec![
        Route { method: "POST", path: "/logincheck".into(), access: Access::Public, write: false },
        Route { method: "POST", path: "/logout".into(), access: Access::Public, write: false },
        Route { method: "GET", path: "/api/v2/cmdb/".into(), access: Access::Group("any"), write: false },
    ];
    for t in Registry::builtin().tables() {
        let base = format!("/api/v2/cmdb/{}/{}", t.path, t.name);
        let group = cmdb_group(&t.key());
        v.push(Route { method: "GET", path: base.clone(), access: Access::Group(group), write: false });
        let write_method = if t.kind == Kind::Singleton { "PUT" } else { "POST" };
        v.push(Route { method: write_method, path: base, access: Access::Group(group), write: true });
    }
    for e in monitor::catalogue() {
        let group = e.group.accprofile_field().map(|(f, _)| f).unwrap_or("any");
        v.push(Route {
            method: e.method,
            path: format!("/api/v2/monitor/{}", e.path),
            access: Access::Group(group),
            write: e.is_write(),
        });
    }
    v
}

impl FortiGate {
    /// The device's HTTP API (served on HTTP and HTTPS; the core marks each request with its
    /// transport, which makes login cookies `secure` on HTTPS).
    pub fn router(&self) -> Router {
        Router::new().fallback(handle).with_state(AppState { device: self.clone() })
    }
}
