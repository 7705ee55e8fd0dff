//! The FortiRecorder wire format, in one place: the URL grammar (§1.5), the `reqAction`
//! precedence rule (§1.6), lenient JSON (§1.4), the response envelopes (§1.8), login cookies
//! (§1.3.4) and the device's own error bodies and status codes (§1.7, §1.9).
//!
//! Status codes are decided only here. Handlers turn model results into these shapes.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, Method, StatusCode};
use serde_json::{json, Map, Value};

/// Largest request body the REST API reads. Larger bodies get a 400 in the device's shape.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// The effective action of a request (§1.6, §3.22).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Get,
    Create,
    Delete,
    Update,
    /// `reqAction` 7 on `CameraCamera/<camera>`.
    Ptz,
    /// `reqAction` 14, documented but used by no resource.
    Move,
    /// `reqAction` 21 on `VideoClip`.
    Clip,
}

impl Action {
    pub const ALL: [Action; 7] = [
        Action::Get,
        Action::Create,
        Action::Delete,
        Action::Update,
        Action::Ptz,
        Action::Move,
        Action::Clip,
    ];

    /// The `reqAction` code echoed in responses.
    pub fn code(self) -> u8 {
        match self {
            Action::Get => 1,
            Action::Create => 2,
            Action::Delete => 3,
            Action::Update => 5,
            Action::Ptz => 7,
            Action::Move => 14,
            Action::Clip => 21,
        }
    }

    pub fn from_code(code: i64) -> Option<Action> {
        Action::ALL.into_iter().find(|a| i64::from(a.code()) == code)
    }

    /// Everything but GET needs Read-Write (§1.3.6).
    pub fn is_write(self) -> bool {
        self != Action::Get
    }

    /// The HTTP method a client would use for this action without `reqAction`.
    pub fn method(self) -> Method {
        match self {
            Action::Get => Method::GET,
            Action::Delete => Method::DELETE,
            Action::Update => Method::PUT,
            Action::Create | Action::Ptz | Action::Move | Action::Clip => Method::POST,
        }
    }
}

/// The 12 access-control areas of an admin profile (§1.3.6, §3.23).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    SystemAccess,
    SystemStatus,
    SystemConfiguration,
    SystemMaintenance,
    CameraConfiguration,
    CameraStatus,
    CameraLiveview,
    VideoPlayback,
    CameraAnalytics,
    CameraNotifications,
    CameraServices,
    CameraAcsService,
}

impl Area {
    pub const ALL: [Area; 12] = [
        Area::SystemAccess,
        Area::SystemStatus,
        Area::SystemConfiguration,
        Area::SystemMaintenance,
        Area::CameraConfiguration,
        Area::CameraStatus,
        Area::CameraLiveview,
        Area::VideoPlayback,
        Area::CameraAnalytics,
        Area::CameraNotifications,
        Area::CameraServices,
        Area::CameraAcsService,
    ];
}

/// Access level on one area.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[default]
    None,
    ReadOnly,
    ReadWrite,
}

impl Level {
    /// GET needs Read Only, every other action Read-Write (§1.3.6).
    pub fn allows(self, action: Action) -> bool {
        match self {
            Level::None => false,
            Level::ReadOnly => !action.is_write(),
            Level::ReadWrite => true,
        }
    }

    /// `nodePermission` in responses: 3 read-write, 1 read-only, 0 none (§6.7 decision).
    pub fn node_permission(self) -> u8 {
        match self {
            Level::None => 0,
            Level::ReadOnly => 1,
            Level::ReadWrite => 3,
        }
    }
}

/// Which generation of the documentation a permission rule follows (the profile decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermissionRules {
    /// 7.2.3: face APIs need System configuration; events need Camera configuration.
    Doc,
    /// Later editions: face APIs need Camera analytics; events need Camera notifications.
    Later,
}

/// How a resource is addressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Login handlers: no id, own rules (§1.3).
    Login,
    /// Collections of objects with mkeys.
    Table,
    /// One instance, no id (§1.5).
    Singleton,
    /// A handler taking a body (or query), no id.
    Handler,
}

/// Every `res_name` and `sub_res_name` the device knows (case-sensitive, §1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    ServiceLogin,
    AdminLogin,
    CameraStatus,
    CameraVideoProfile,
    CameraProfile,
    CameraProfileVideoSchedule,
    CameraCamera,
    CameraCameraPtzPresets,
    ScheduleObject,
    SysInterface,
    SysGlobal,
    SysStatusUsage,
    SysStatusSysinfo,
    SysStatusCommand,
    CameraEvent,
    Timeline,
    FaceRecognitionUser,
    EmployeeFaceRecord,
    AiLog,
    VideoClip,
}

impl Resource {
    pub const ALL: [Resource; 20] = [
        Resource::ServiceLogin,
        Resource::AdminLogin,
        Resource::CameraStatus,
        Resource::CameraVideoProfile,
        Resource::CameraProfile,
        Resource::CameraProfileVideoSchedule,
        Resource::CameraCamera,
        Resource::CameraCameraPtzPresets,
        Resource::ScheduleObject,
        Resource::SysInterface,
        Resource::SysGlobal,
        Resource::SysStatusUsage,
        Resource::SysStatusSysinfo,
        Resource::SysStatusCommand,
        Resource::CameraEvent,
        Resource::Timeline,
        Resource::FaceRecognitionUser,
        Resource::EmployeeFaceRecord,
        Resource::AiLog,
        Resource::VideoClip,
    ];

    /// The name as it appears in URLs and `objectID`s.
    pub fn name(self) -> &'static str {
        match self {
            Resource::ServiceLogin => "ServiceLogin",
            Resource::AdminLogin => "AdminLogin",
            Resource::CameraStatus => "CameraStatus",
            Resource::CameraVideoProfile => "CameraVideoProfile",
            Resource::CameraProfile => "CameraProfile",
            Resource::CameraProfileVideoSchedule => "CameraProfileVideoSchedule",
            Resource::CameraCamera => "CameraCamera",
            Resource::CameraCameraPtzPresets => "CameraCameraPtzPresets",
            Resource::ScheduleObject => "ScheduleObject",
            Resource::SysInterface => "SysInterface",
            Resource::SysGlobal => "SysGlobal",
            Resource::SysStatusUsage => "SysStatusUsage",
            Resource::SysStatusSysinfo => "SysStatusSysinfo",
            Resource::SysStatusCommand => "SysStatusCommand",
            Resource::CameraEvent => "CameraEvent",
            Resource::Timeline => "Timeline",
            Resource::FaceRecognitionUser => "Face_recognitionUser",
            Resource::EmployeeFaceRecord => "EmployeeFaceRecord",
            Resource::AiLog => "AiLog",
            Resource::VideoClip => "VideoClip",
        }
    }

    /// Exact, case-sensitive lookup ("The commands are case sensitive", §1.5).
    pub fn from_name(name: &str) -> Option<Resource> {
        Resource::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The parent of a sub-resource.
    pub fn parent(self) -> Option<Resource> {
        match self {
            Resource::CameraProfileVideoSchedule => Some(Resource::CameraProfile),
            Resource::CameraCameraPtzPresets => Some(Resource::CameraCamera),
            _ => None,
        }
    }

    pub fn shape(self) -> Shape {
        match self {
            Resource::ServiceLogin | Resource::AdminLogin => Shape::Login,
            Resource::SysGlobal | Resource::SysStatusUsage | Resource::SysStatusSysinfo => Shape::Singleton,
            Resource::SysStatusCommand
            | Resource::CameraEvent
            | Resource::Timeline
            | Resource::EmployeeFaceRecord
            | Resource::AiLog
            | Resource::VideoClip => Shape::Handler,
            _ => Shape::Table,
        }
    }

    /// Effective actions the resource accepts (§2.1); anything else is 405.
    pub fn allowed(self) -> &'static [Action] {
        use Action::*;
        match self {
            Resource::ServiceLogin | Resource::AdminLogin => &[Create],
            Resource::CameraStatus => &[Get],
            Resource::CameraVideoProfile | Resource::CameraProfile | Resource::SysInterface => {
                &[Get, Create, Update, Delete]
            }
            Resource::CameraProfileVideoSchedule => &[Get, Update],
            Resource::CameraCamera => &[Get, Update, Ptz],
            Resource::CameraCameraPtzPresets => &[Get, Create, Update, Delete],
            Resource::ScheduleObject => &[Get, Update],
            Resource::SysGlobal => &[Get, Update],
            Resource::SysStatusUsage | Resource::SysStatusSysinfo => &[Get],
            Resource::SysStatusCommand => &[Create],
            Resource::CameraEvent | Resource::Timeline | Resource::AiLog => &[Get],
            Resource::FaceRecognitionUser => &[Get, Create, Update, Delete],
            Resource::EmployeeFaceRecord => &[Create, Delete],
            Resource::VideoClip => &[Clip],
        }
    }

    /// The admin-profile areas a request needs, all of them at the action's level (§1.3.6).
    /// Empty for the login handlers. `VideoClip` is also open to the clip service session,
    /// which the handler checks first.
    pub fn areas(self, rules: PermissionRules) -> &'static [Area] {
        use Area::*;
        match self {
            Resource::ServiceLogin | Resource::AdminLogin => &[],
            Resource::CameraStatus => &[CameraStatus, CameraConfiguration],
            Resource::CameraVideoProfile
            | Resource::CameraProfile
            | Resource::CameraProfileVideoSchedule
            | Resource::CameraCamera
            | Resource::CameraCameraPtzPresets
            | Resource::ScheduleObject => &[CameraConfiguration],
            Resource::SysInterface | Resource::SysGlobal | Resource::SysStatusCommand => &[SystemAccess],
            Resource::SysStatusUsage | Resource::SysStatusSysinfo => &[SystemStatus],
            Resource::CameraEvent | Resource::Timeline => match rules {
                PermissionRules::Doc => &[CameraConfiguration],
                PermissionRules::Later => &[CameraNotifications],
            },
            Resource::FaceRecognitionUser | Resource::EmployeeFaceRecord | Resource::AiLog => match rules {
                PermissionRules::Doc => &[SystemConfiguration],
                PermissionRules::Later => &[CameraAnalytics],
            },
            Resource::VideoClip => &[VideoPlayback, CameraLiveview],
        }
    }
}

/// A decoded `/api/v1/...` path (§1.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiPath {
    pub res: Resource,
    pub id: Option<String>,
    pub sub: Option<Resource>,
    pub sub_id: Option<String>,
}

impl ApiPath {
    /// The resource the request acts on: the sub-resource when there is one.
    pub fn target(&self) -> Resource {
        self.sub.unwrap_or(self.res)
    }

    /// The mkey the request addresses on its target, if any.
    pub fn target_id(&self) -> Option<&str> {
        if self.sub.is_some() {
            self.sub_id.as_deref()
        } else {
            self.id.as_deref()
        }
    }
}

/// Decode `%XX` escapes (and nothing else: `+` stays `+` in paths). Invalid escapes or
/// non-UTF-8 results are refused.
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Decode a request path. Everything that is not a known resource shape is the device's
/// "wrong API URL" error (400, `errorType` 3).
pub fn parse_path(path: &str) -> Result<ApiPath, FrcError> {
    let rest = path.strip_prefix("/api/v1/").ok_or(FrcError::UnknownResource)?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return Err(FrcError::UnknownResource);
    }
    let mut segs = Vec::new();
    for raw in rest.split('/') {
        if raw.is_empty() {
            return Err(FrcError::UnknownResource);
        }
        segs.push(percent_decode(raw).ok_or(FrcError::UnknownResource)?);
    }
    if segs.len() > 4 {
        return Err(FrcError::UnknownResource);
    }
    let res = Resource::from_name(&segs[0]).ok_or(FrcError::UnknownResource)?;
    if res.parent().is_some() {
        return Err(FrcError::UnknownResource);
    }
    let id = segs.get(1).cloned();
    if id.is_some() && !matches!(res.shape(), Shape::Table) {
        // Singletons, handlers and logins take no id ("only one instance", §1.5).
        return Err(FrcError::UnknownResource);
    }
    let sub = match segs.get(2) {
        None => None,
        Some(name) => {
            let sub = Resource::from_name(name).ok_or(FrcError::UnknownResource)?;
            if sub.parent() != Some(res) {
                return Err(FrcError::UnknownResource);
            }
            Some(sub)
        }
    };
    Ok(ApiPath { res, id, sub, sub_id: segs.get(3).cloned() })
}

/// Read an integer that a client may send as a number or a numeric string (§1.4 tolerance).
pub fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => {
            n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9e15).map(|f| f as i64))
        }
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Read a boolean sent as `true`/`false` or `0`/`1` (§1.4 tolerance).
pub fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        _ => None,
    }
}

/// Parse a request body the way the device's json-c style parser does: trailing commas in
/// objects and arrays are accepted (the document's own bodies have them), anything else
/// malformed is a 400. An empty (or all-whitespace) body is `None`.
pub fn parse_json_lenient(bytes: &[u8]) -> Result<Option<Value>, FrcError> {
    let text = std::str::from_utf8(bytes).map_err(|_| FrcError::Invalid("Invalid JSON: not UTF-8".into()))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    let cleaned = strip_trailing_commas(text);
    serde_json::from_str(&cleaned).map(Some).map_err(|e| FrcError::Invalid(format!("Invalid JSON: {e}")))
}

/// Remove commas that directly precede `}` or `]` (ignoring whitespace), outside strings.
fn strip_trailing_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut in_str = false;
    let mut escaped = false;
    for (i, &c) in chars.iter().enumerate() {
        if in_str {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            ',' => {
                let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
                if !matches!(next, Some('}') | Some(']')) {
                    out.push(c);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// The effective action (§1.6 steps 2-3): `reqAction` in a JSON object body wins over the
/// method. Not used for the login handlers, which ignore `reqAction`.
pub fn effective_action(method: &Method, body: Option<&Value>) -> Result<Action, FrcError> {
    if let Some(code) = body.and_then(|b| b.as_object()).and_then(|o| o.get("reqAction")) {
        let n = as_int(code).ok_or_else(|| FrcError::Invalid("Invalid reqAction".into()))?;
        return Action::from_code(n).ok_or_else(|| FrcError::Invalid(format!("Unsupported reqAction {n}")));
    }
    match *method {
        Method::GET => Ok(Action::Get),
        Method::POST => Ok(Action::Create),
        Method::PUT => Ok(Action::Update),
        Method::DELETE => Ok(Action::Delete),
        _ => Err(FrcError::MethodNotAllowed),
    }
}

/// Rendering switches that profiles and options set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    /// `nodeAccessDetails: 1` in collections (later firmware, §1.8).
    pub node_access_details: bool,
    /// Escape `/` as `\/` like the device's JSON encoder (§1.4 `escape_slashes`).
    pub escape_slashes: bool,
}

/// A collection envelope (§1.8). `total` is the size of the whole filtered collection.
pub fn collection(
    style: &Style,
    object_name: &str,
    action: Action,
    node_permission: u8,
    items: Vec<Value>,
    total: usize,
    next_page: bool,
) -> Value {
    let mut m = Map::new();
    m.insert("objectID".into(), json!(format!("{object_name}Collection:")));
    m.insert("reqAction".into(), json!(action.code()));
    m.insert("totalRemoteCount".into(), json!(total));
    m.insert("subCount".into(), json!(items.len()));
    m.insert("remoteSorting".into(), json!(true));
    m.insert("nextPage".into(), json!(next_page));
    m.insert("nodePermission".into(), json!(node_permission));
    if style.node_access_details {
        m.insert("nodeAccessDetails".into(), json!(1));
    }
    m.insert("collection".into(), Value::Array(items));
    Value::Object(m)
}

fn with_head(object_id: String, action: Action, node_permission: u8, fields: Map<String, Value>) -> Value {
    let mut m = Map::new();
    m.insert("objectID".into(), json!(object_id));
    m.insert("reqAction".into(), json!(action.code()));
    m.insert("nodePermission".into(), json!(node_permission));
    for (k, v) in fields {
        if !m.contains_key(&k) {
            m.insert(k, v);
        }
    }
    Value::Object(m)
}

/// A single-object envelope: `objectID` `<name>:<mkey>` then the object's fields.
pub fn object(
    object_name: &str,
    mkey: &str,
    action: Action,
    node_permission: u8,
    fields: Map<String, Value>,
) -> Value {
    with_head(format!("{object_name}:{mkey}"), action, node_permission, fields)
}

/// A singleton envelope: `objectID` `<name>:`.
pub fn singleton(
    object_name: &str,
    action: Action,
    node_permission: u8,
    fields: Map<String, Value>,
) -> Value {
    with_head(format!("{object_name}:"), action, node_permission, fields)
}

/// The answer to a DELETE (§1.8, [INF]).
pub fn deleted(object_name: &str, mkey: &str, node_permission: u8) -> Value {
    object(object_name, mkey, Action::Delete, node_permission, Map::new())
}

/// The body of a successful login (§2.2.1, [INF]).
pub fn login_ok(handler: Resource) -> Value {
    singleton(handler.name(), Action::Create, 3, Map::new())
}

/// Serialize a JSON body, escaping `/` when the style asks for it.
pub fn json_body(style: &Style, v: &Value) -> String {
    let s = v.to_string();
    if style.escape_slashes {
        s.replace('/', "\\/")
    } else {
        s
    }
}

/// A 200 JSON response.
pub fn ok(style: &Style, v: &Value) -> Response {
    json_response(StatusCode::OK, json_body(style, v))
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// How login cookies are named (§1.3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CookieStyle {
    /// `APSCookie` for ServiceLogin, `APSCOOKIE` for AdminLogin, exactly as printed.
    #[default]
    Doc,
    /// `APSCOOKIE_<suffix>` for both, as later firmware does.
    Device,
}

/// The cookie name a login handler sets. `suffix` is the device's stable hex suffix.
pub fn cookie_name(style: CookieStyle, handler: Resource, suffix: &str) -> String {
    match (style, handler) {
        (CookieStyle::Doc, Resource::ServiceLogin) => "APSCookie".to_owned(),
        (CookieStyle::Doc, _) => "APSCOOKIE".to_owned(),
        (CookieStyle::Device, _) => format!("APSCOOKIE_{suffix}"),
    }
}

/// Whether a request cookie carries a session: any case of `APSCOOKIE` or `APSCOOKIE_*`.
pub fn is_session_cookie(name: &str) -> bool {
    let n = name.trim();
    n.eq_ignore_ascii_case("APSCOOKIE")
        || (n.len() > 10 && n.is_char_boundary(10) && n[..10].eq_ignore_ascii_case("APSCOOKIE_"))
}

/// The device's errors (§1.9), each with its status and exact body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrcError {
    /// Wrong credentials, unknown account, no REST access mode, service disabled.
    LoginFailed(Resource),
    /// Unknown or wrong-case resource, bad URL shape: 400, `errorType` 3.
    UnknownResource,
    /// Unknown mkey (or camera, preset, image...): 404, `errorType` 3.
    NotFound,
    /// No, unknown or expired session; wrong session kind; insufficient permission: 403.
    Denied,
    /// Effective action not allowed on the resource: 405.
    MethodNotAllowed,
    /// Malformed JSON, missing or invalid parameter, duplicate, in use, wrong state: 400.
    Invalid(String),
    /// A service the device cannot provide right now (media): 500 with the reason.
    Unavailable(String),
    /// An internal failure (fault injection, I/O): 500.
    Internal,
}

impl FrcError {
    pub fn status(&self) -> StatusCode {
        match self {
            FrcError::LoginFailed(_) | FrcError::Denied => StatusCode::FORBIDDEN,
            FrcError::UnknownResource | FrcError::Invalid(_) => StatusCode::BAD_REQUEST,
            FrcError::NotFound => StatusCode::NOT_FOUND,
            FrcError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            FrcError::Unavailable(_) | FrcError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> Value {
        match self {
            FrcError::LoginFailed(handler) => json!({
                "errorType": 7,
                "errorMsg": format!("Failed: Access denied:Add object ({}) ", handler.name()),
                "reqAction": 2,
                "totalRemoteCount": 0,
                "collection": "[]",
            }),
            FrcError::UnknownResource | FrcError::NotFound => {
                json!({"errorType": 3, "errorMsg": "Failed to retrieve object "})
            }
            FrcError::Denied => json!({"errorType": 7, "errorMsg": "Failed: Access denied"}),
            FrcError::MethodNotAllowed => json!({"errorType": 1, "errorMsg": "Method not allowed"}),
            FrcError::Invalid(msg) | FrcError::Unavailable(msg) => json!({"errorType": 1, "errorMsg": msg}),
            FrcError::Internal => json!({"errorType": 1, "errorMsg": "Internal error"}),
        }
    }
}

impl IntoResponse for FrcError {
    fn into_response(self) -> Response {
        json_response(self.status(), self.body().to_string())
    }
}

impl From<devsim_core::Error> for FrcError {
    fn from(e: devsim_core::Error) -> Self {
        use devsim_core::ErrorKind as K;
        match e.kind {
            K::InvalidArgument | K::Conflict => FrcError::Invalid(e.message),
            K::NotFound => FrcError::NotFound,
            K::Unauthenticated | K::PermissionDenied => FrcError::Denied,
            K::Unsupported => FrcError::MethodNotAllowed,
            K::Unavailable => FrcError::Unavailable(e.message),
            K::Internal => FrcError::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_collection_item_and_sub_resource_paths() {
        let p = parse_path("/api/v1/SysInterface/").unwrap();
        assert_eq!((p.res, p.id), (Resource::SysInterface, None));
        let p = parse_path("/api/v1/SysInterface/port1").unwrap();
        assert_eq!(p.id.as_deref(), Some("port1"));
        let p = parse_path("/api/v1/CameraProfile/HighQualityContAllDet/CameraProfileVideoSchedule/Always")
            .unwrap();
        assert_eq!(p.target(), Resource::CameraProfileVideoSchedule);
        assert_eq!(p.target_id(), Some("Always"));
        let p = parse_path("/api/v1/CameraCamera/cam1/CameraCameraPtzPresets/").unwrap();
        assert_eq!((p.target(), p.target_id()), (Resource::CameraCameraPtzPresets, None));
        let p = parse_path("/api/v1/CameraCamera/my%20cam").unwrap();
        assert_eq!(p.id.as_deref(), Some("my cam"));
    }

    #[test]
    fn wrong_case_and_bad_shapes_are_unknown_resources() {
        for bad in [
            "/api/v1/sysglobal",
            "/api/v1/camerastatus",
            "/api/v1/",
            "/api/v1",
            "/api/v2/SysGlobal",
            "/api/v1/SysGlobal/x",
            "/api/v1/NoSuchResource",
            "/api/v1/CameraProfileVideoSchedule",
            "/api/v1/CameraCamera/cam1/CameraProfileVideoSchedule",
            "/api/v1/CameraCamera//CameraCameraPtzPresets",
            "/api/v1/CameraCamera/a/CameraCameraPtzPresets/b/c",
            "/api/v1/CameraCamera/%zz",
        ] {
            assert_eq!(parse_path(bad), Err(FrcError::UnknownResource), "{bad}");
        }
    }

    #[test]
    fn req_action_takes_precedence_over_the_method() {
        let body = json!({"reqAction": 5, "port_http": 8080});
        assert_eq!(effective_action(&Method::POST, Some(&body)).unwrap(), Action::Update);
        let body = json!({"reqAction": "1"});
        assert_eq!(effective_action(&Method::PUT, Some(&body)).unwrap(), Action::Get);
        assert_eq!(effective_action(&Method::DELETE, None).unwrap(), Action::Delete);
        assert!(matches!(
            effective_action(&Method::POST, Some(&json!({"reqAction": 4}))),
            Err(FrcError::Invalid(_))
        ));
        let del = Method::from_bytes(b"DEL").unwrap();
        assert_eq!(effective_action(&del, None), Err(FrcError::MethodNotAllowed));
        assert_eq!(effective_action(&Method::PATCH, None), Err(FrcError::MethodNotAllowed));
    }

    #[test]
    fn lenient_json_accepts_trailing_commas_only() {
        let v = parse_json_lenient(br#"{"osdPosition": "Top-Left", }"#).unwrap().unwrap();
        assert_eq!(v["osdPosition"], "Top-Left");
        let v = parse_json_lenient(br#"{"a": [1, 2,], "s": "x,}"}"#).unwrap().unwrap();
        assert_eq!(v["a"], json!([1, 2]));
        assert_eq!(v["s"], "x,}");
        assert_eq!(parse_json_lenient(b"  \n").unwrap(), None);
        assert!(parse_json_lenient(br#"{"video_fps":}"#).is_err());
        assert!(parse_json_lenient(br#"{"reqAction":21,"camera":{"camname","begin":1}"#).is_err());
        assert!(parse_json_lenient(b"\xff\xfe").is_err());
        assert_eq!(parse_json_lenient(br#"{"a":"\"",}"#).unwrap().unwrap()["a"], "\"");
    }

    #[test]
    fn envelopes_have_the_documented_fields() {
        let style = Style::default();
        let c = collection(&style, "SysInterface", Action::Get, 3, vec![json!({"mkey": "port1"})], 2, true);
        assert_eq!(c["objectID"], "SysInterfaceCollection:");
        assert_eq!((c["totalRemoteCount"].as_u64(), c["subCount"].as_u64()), (Some(2), Some(1)));
        assert_eq!(c["remoteSorting"], true);
        assert_eq!(c["nextPage"], true);
        assert!(c.get("nodeAccessDetails").is_none());
        let later = Style { node_access_details: true, ..Style::default() };
        assert_eq!(collection(&later, "X", Action::Get, 1, vec![], 0, false)["nodeAccessDetails"], 1);
        let mut f = Map::new();
        f.insert("mkey".into(), json!("pt001"));
        let o = object("Face_recognitionUser", "pt001", Action::Get, 3, f);
        assert_eq!(o["objectID"], "Face_recognitionUser:pt001");
        assert_eq!(singleton("SysGlobal", Action::Get, 1, Map::new())["objectID"], "SysGlobal:");
        assert_eq!(deleted("CameraVideoProfile", "2MP", 3)["reqAction"], 3);
    }

    #[test]
    fn errors_carry_the_device_wording() {
        let e = FrcError::LoginFailed(Resource::AdminLogin);
        assert_eq!(e.status(), StatusCode::FORBIDDEN);
        assert_eq!(e.body()["errorMsg"], "Failed: Access denied:Add object (AdminLogin) ");
        assert_eq!(e.body()["collection"], "[]");
        assert_eq!(FrcError::UnknownResource.status(), StatusCode::BAD_REQUEST);
        assert_eq!(FrcError::UnknownResource.body()["errorType"], 3);
        assert_eq!(FrcError::NotFound.status(), StatusCode::NOT_FOUND);
        assert_eq!(FrcError::Denied.body()["errorType"], 7);
        assert_eq!(FrcError::MethodNotAllowed.status(), StatusCode::METHOD_NOT_ALLOWED);
    }

    #[test]
    fn session_cookie_names_in_any_case() {
        for ok in ["APSCOOKIE", "APSCookie", "apscookie", "APSCOOKIE_0123abcd", "apscookie_x"] {
            assert!(is_session_cookie(ok), "{ok}");
        }
        for bad in ["APSCOOKIEX", "APSCOOKIE_", "SESSION", "APS"] {
            assert!(!is_session_cookie(bad), "{bad}");
        }
        assert_eq!(cookie_name(CookieStyle::Doc, Resource::ServiceLogin, "ab"), "APSCookie");
        assert_eq!(cookie_name(CookieStyle::Doc, Resource::AdminLogin, "ab"), "APSCOOKIE");
        assert_eq!(cookie_name(CookieStyle::Device, Resource::ServiceLogin, "ab"), "APSCOOKIE_ab");
    }

    #[test]
    fn levels_gate_writes() {
        assert!(Level::ReadOnly.allows(Action::Get));
        assert!(!Level::ReadOnly.allows(Action::Update));
        assert!(!Level::None.allows(Action::Get));
        assert!(Level::ReadWrite.allows(Action::Ptz));
        assert_eq!((Level::ReadWrite.node_permission(), Level::ReadOnly.node_permission()), (3, 1));
    }

    #[test]
    fn every_resource_name_round_trips_and_sub_resources_have_parents() {
        for r in Resource::ALL {
            assert_eq!(Resource::from_name(r.name()), Some(r));
            if let Some(p) = r.parent() {
                assert_eq!(p.shape(), Shape::Table);
            }
            assert!(!r.allowed().is_empty());
        }
        assert_eq!(Resource::from_name("Face_recognitionUser"), Some(Resource::FaceRecognitionUser));
    }

    #[test]
    fn escape_slashes_option() {
        let v = json!({"a": "n/a"});
        assert_eq!(json_body(&Style { escape_slashes: true, ..Style::default() }, &v), r#"{"a":"n\/a"}"#);
        assert_eq!(json_body(&Style::default(), &v), r#"{"a":"n/a"}"#);
    }
}
