//! Request handling: decode the request into a [`Command`], apply it, render it with `wire`.
//!
//! One catch-all handler (the URL grammar is generic, §1.5) runs the validation order of §1.6:
//! resource (400) → effective action allowed (405) → session (403) → permission (403) → body
//! (400) → the family handler in this folder, which builds the command.

mod camera;
mod clip;
mod events;
mod face;
mod login;
mod system;

use axum::body::Body as HttpBody;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use devsim_core::auth::session::cookie_value;

use crate::device::FortiRecorder;
use crate::model::{Caller, Command, ModelError, Output};
use crate::wire::{self, Action, ApiPath, FrcError, Resource, Shape, Style};

/// Router state: the device and whether this router answers on HTTPS.
#[derive(Clone)]
pub struct AppState {
    pub device: FortiRecorder,
    pub https: bool,
}

impl From<ModelError> for FrcError {
    fn from(e: ModelError) -> Self {
        match e {
            ModelError::LoginFailed(crate::model::LoginKind::Admin) => {
                FrcError::LoginFailed(Resource::AdminLogin)
            }
            ModelError::LoginFailed(crate::model::LoginKind::Service) => {
                FrcError::LoginFailed(Resource::ServiceLogin)
            }
            ModelError::Unauthenticated | ModelError::Denied(_) => FrcError::Denied,
            ModelError::MethodNotAllowed => FrcError::MethodNotAllowed,
            ModelError::UnknownResource => FrcError::UnknownResource,
            ModelError::NotFound(_) => FrcError::NotFound,
            ModelError::Invalid(m)
            | ModelError::Duplicate(m)
            | ModelError::Referenced(m)
            | ModelError::State(m) => FrcError::Invalid(m),
            ModelError::Unavailable(m) => FrcError::Unavailable(m),
            ModelError::Internal(_) => FrcError::Internal,
        }
    }
}

/// Everything a family handler needs about the request.
pub(crate) struct Req {
    pub path: ApiPath,
    pub action: Action,
    pub body: Option<Value>,
    pub query: Vec<(String, String)>,
    pub caller: Caller,
}

impl Req {
    /// The id the action needs on the target (from the path, or `mkey` in the body for a create).
    pub fn id(&self) -> Result<String, FrcError> {
        if let Some(id) = self.path.target_id() {
            return Ok(id.to_owned());
        }
        if self.action == Action::Create {
            if let Some(m) = self.body.as_ref().and_then(|b| b.get("mkey")).and_then(Value::as_str) {
                return Ok(m.to_owned());
            }
        }
        Err(FrcError::Invalid(format!("{}: the URL must name the object (mkey)", self.path.target().name())))
    }

    /// The parent mkey of a sub-resource.
    pub fn parent(&self) -> Result<String, FrcError> {
        self.path.id.clone().ok_or(FrcError::UnknownResource)
    }
}

/// Split and decode a query string (`+` is a space; bad escapes are a 400).
pub(crate) fn parse_query(q: Option<&str>) -> Result<Vec<(String, String)>, FrcError> {
    let mut out = Vec::new();
    for pair in q.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let dec = |s: &str| {
            wire::percent_decode(&s.replace('+', " "))
                .ok_or_else(|| FrcError::Invalid(format!("malformed query parameter {s:?}")))
        };
        out.push((dec(k)?, dec(v)?));
    }
    Ok(out)
}

fn style(dev: &FortiRecorder) -> Style {
    dev.profile().style(dev.options())
}

/// Render a command's output in the envelope of `res`.
pub(crate) fn render(dev: &FortiRecorder, res: Resource, action: Action, np: u8, out: Output) -> Response {
    let st = style(dev);
    let name = res.name();
    let body = match out {
        Output::Listing(l) => {
            let mut v = wire::collection(&st, name, action, np, l.items, l.total, l.next_page);
            if let Value::Object(m) = &mut v {
                for (k, x) in l.extra {
                    m.insert(k, x);
                }
            }
            v
        }
        Output::Object { mkey, fields } => wire::object(name, &mkey, action, np, fields),
        Output::Singleton(fields) => wire::singleton(name, action, np, fields),
        Output::Deleted { mkey } => wire::deleted(name, &mkey, np),
        Output::Session { .. }
        | Output::Caller(_)
        | Output::Lifecycle(_)
        | Output::Value(_)
        | Output::Clip(_)
        | Output::Done => wire::singleton(name, action, np, Map::new()),
    };
    wire::ok(&st, &body)
}

fn session_caller(dev: &FortiRecorder, headers: &http::HeaderMap) -> Option<Caller> {
    for token in cookie_value(headers, wire::is_session_cookie) {
        if let Ok(Output::Caller(c)) = dev.apply(Command::Lookup { token }) {
            return Some(c);
        }
    }
    None
}

fn is_https(state: &AppState, req: &Request) -> bool {
    state.https
        || req.extensions().get::<devsim_core::serve::Transport>()
            == Some(&devsim_core::serve::Transport::Https)
}

/// The one entry point of the REST API.
pub async fn handle(State(state): State<AppState>, req: Request) -> Response {
    match handle_inner(state, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn handle_inner(state: AppState, req: Request) -> Result<Response, FrcError> {
    let https = is_https(&state, &req);
    let dev = state.device.clone();
    let (parts, body) = req.into_parts();
    let path = wire::parse_path(parts.uri.path())?;
    let bytes = axum::body::to_bytes(HttpBody::new(body), wire::MAX_BODY)
        .await
        .map_err(|_| FrcError::Invalid(format!("Request body larger than {} bytes", wire::MAX_BODY)))?;
    let parsed = wire::parse_json_lenient(&bytes);

    if path.res.shape() == Shape::Login {
        if parts.method != http::Method::POST {
            return Err(FrcError::MethodNotAllowed);
        }
        return login::login(&dev, path.res, parsed?, https);
    }

    // A malformed body hides the effective action (its reqAction may override the method):
    // after the session check it is a 400.
    let body = match parsed {
        Ok(b) => b,
        Err(e) => {
            session_caller(&dev, &parts.headers).ok_or(FrcError::Denied)?;
            return Err(e);
        }
    };
    let action = wire::effective_action(&parts.method, body.as_ref())?;
    let target = path.target();
    if !target.allowed().contains(&action) {
        return Err(FrcError::MethodNotAllowed);
    }
    let caller = session_caller(&dev, &parts.headers).ok_or(FrcError::Denied)?;
    let areas = target.areas(dev.profile().permissions);
    let level = caller.min_level(areas);
    let np = if caller.is_admin() {
        if !level.allows(action) {
            return Err(FrcError::Denied);
        }
        level.node_permission()
    } else {
        // The clip-service session reaches VideoClip only (§1.3.1).
        if target != Resource::VideoClip {
            return Err(FrcError::Denied);
        }
        wire::Level::ReadWrite.node_permission()
    };
    let query = parse_query(parts.uri.query())?;
    let r = Req { path, action, body, query, caller };
    let cmd = match target {
        Resource::ServiceLogin | Resource::AdminLogin => return Err(FrcError::MethodNotAllowed),
        Resource::CameraStatus
        | Resource::CameraVideoProfile
        | Resource::CameraProfile
        | Resource::CameraProfileVideoSchedule
        | Resource::CameraCamera
        | Resource::CameraCameraPtzPresets
        | Resource::ScheduleObject => camera::command(&r)?,
        Resource::SysInterface
        | Resource::SysGlobal
        | Resource::SysStatusUsage
        | Resource::SysStatusSysinfo
        | Resource::SysStatusCommand => system::command(&r)?,
        Resource::CameraEvent | Resource::Timeline | Resource::AiLog => events::command(&r)?,
        Resource::FaceRecognitionUser | Resource::EmployeeFaceRecord => face::command(&r)?,
        Resource::VideoClip => clip::command(&r)?,
    };
    let out = dev.apply(cmd)?;
    if let Output::Clip(plan) = &out {
        return clip::respond(&dev, plan).await;
    }
    if let Output::Lifecycle(a) = out {
        let d = dev.clone();
        tokio::spawn(async move { d.run_lifecycle(a, std::time::Duration::from_secs(1)).await });
    }
    Ok(render(&dev, target, action, np, out))
}
