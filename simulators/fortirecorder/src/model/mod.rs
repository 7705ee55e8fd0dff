//! The FortiRecorder state (spec §4) and every operation on it.
//!
//! Pure and synchronous: time comes in as `now_secs`, nothing here knows HTTP. [`Model`]'s JSON
//! is the seed format (`dump_state` → `load_seed` round-trips). HTTP sessions live in the model
//! but are runtime-only (`#[serde(skip)]`): they do not survive a process restart, exactly as a
//! rebooted unit forgets its sessions.

mod body;
mod clip;
mod config;
mod events;
mod face;
mod sessions;
mod status;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use body::Body;
pub(crate) use clip::profile_or_default;
pub use clip::{ClipConversion, ClipPlan};
pub use sessions::{Caller, CallerKind, Sessions};

use crate::metrics::SessionHistory;
use crate::profile::{Options, Profile};
pub use crate::timeline::{Activity, AiLogEntry, Event, RecKind, Recording};
pub use crate::wire::{Area, Level};

/// Name of the fixed clip-service user (§1.3.1).
pub const SERVICE_USER: &str = "service-clip";

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

/// Identity and runtime facts of the unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceState {
    pub serial: String,
    pub model: String,
    pub firmware_version: String,
    /// Device time zone, minutes east of UTC (local-time strings).
    pub tz_offset_minutes: i32,
    /// Last boot (Unix seconds); `up_time` counts from here.
    pub boot_time: i64,
    /// When the seed was built: generated recordings start here.
    pub created: i64,
    /// The interface the management address lives on (references it: `isReferenced`).
    pub mgmt_interface: String,
    /// Video disk size (MB) and log disk size (MB).
    pub video_disk_capacity_mb: u64,
    pub log_disk_capacity_mb: u64,
    /// Storage status codes (§3.15), settable through the control plane.
    pub storage: StorageStatus,
    /// Seed of the generated timeline and metrics.
    pub gen_seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StorageStatus {
    pub log_disk_status: u8,
    pub log_storage_status: u8,
    pub mailbox_disk_status: u8,
    pub local_storage_status: u8,
    pub remote_storage_status: u8,
    pub remote_video_disk_status: u8,
    pub retention_status: u8,
}

/// SysGlobal (§2.2.10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Global {
    pub hostname: String,
    pub port_http: u16,
    pub port_https: u16,
    pub port_ssh: u16,
    pub port_telnet: u16,
    pub port_frc_central: u16,
    pub frc_central_secure: bool,
    pub port_rtsp: u16,
    pub public_address: String,
    pub public_https_port: u16,
    pub public_http_port: u16,
    pub public_rtsp_port: u16,
    pub public_ftp_port: u16,
    pub public_frc_central_port: u16,
    pub public_notify_tcp_port: u16,
}

/// SysInterface (§2.2.9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interface {
    pub mkey: String,
    #[serde(rename = "type")]
    pub kind: u8,
    pub aggregate_master: u8,
    pub bridge_member: bool,
    pub ip: String,
    pub ip6: String,
    pub status: bool,
    pub interface: String,
    pub aggregate_member: String,
    pub incoming_mode: u8,
    pub outgoing_mode: u8,
    pub local: bool,
    pub allowaccess: u32,
    pub discover: bool,
    pub webaccess: u8,
    pub link_status: bool,
    pub mac_addr: String,
}

/// An admin profile: level per access area (§1.3.6). Absent areas are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminProfile {
    pub mkey: String,
    pub areas: BTreeMap<Area, Level>,
}

impl AdminProfile {
    pub fn level(&self, area: Area) -> Level {
        self.areas.get(&area).copied().unwrap_or(Level::None)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessMode {
    Cli,
    Gui,
    Rest,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAccount {
    pub name: String,
    pub password: String,
    pub access_modes: Vec<AccessMode>,
    pub profile: String,
}

/// Service > Video > Clip (§1.3.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClipService {
    pub enabled: bool,
    pub password: String,
    pub camera_group: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CameraGroup {
    pub mkey: String,
    pub cameras: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RtspUser {
    pub username: String,
    pub password: String,
}

/// CameraVideoProfile (§2.2.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoProfile {
    pub mkey: String,
    pub video_resolution: u8,
    pub video_codec: u8,
    pub video_fps: u32,
    pub video_gop: u8,
    pub video_bitrate_mode: u8,
    pub audio: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKind {
    /// Recurring (the built-in `Always` is 24×7). Time patterns are not modelled: active always.
    Standard,
    /// Toggled through `ScheduleObject` `assist_active`.
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub mkey: String,
    pub kind: ScheduleKind,
    pub assist_active: bool,
}

impl Schedule {
    pub fn is_active(&self) -> bool {
        match self.kind {
            ScheduleKind::Standard => true,
            ScheduleKind::Assistant => self.assist_active,
        }
    }
}

/// One schedule row of a camera profile (the `CameraProfileVideoSchedule` sub-resource).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileEntry {
    pub schedule: String,
    pub viewing_stream: String,
    pub recording_stream: String,
    pub recording_type: u32,
}

/// CameraProfile (§2.2.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CameraProfile {
    pub mkey: String,
    pub continuous_retention_disposition: u8,
    pub continuous_retention_period: u8,
    pub continuous_retention_period_units: u32,
    pub detection_retention_disposition: u8,
    pub detection_retention_period: u8,
    pub detection_retention_period_units: u32,
    pub compression: bool,
    pub compression_period: u8,
    pub compression_period_units: u32,
    pub entries: Vec<ProfileEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub pan: f64,
    pub tilt: f64,
    pub zoom: f64,
}

impl Default for Position {
    fn default() -> Self {
        Position { pan: 0.0, tilt: 0.0, zoom: 1.0 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FocusMode {
    Manual,
    SemiAuto,
    #[default]
    FullAuto,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preset {
    pub mkey: String,
    pub position: Position,
}

/// A camera (§4.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Camera {
    pub mkey: String,
    /// 1 enabled, 2 disabled.
    pub status: u8,
    pub profile: String,
    pub state_flag: u32,
    pub state_code: i64,
    pub state_info: String,
    pub ptz_capable: bool,
    pub ptz: Position,
    pub focus: f64,
    pub focus_mode: FocusMode,
    pub home: Position,
    pub presets: Vec<Preset>,
}

/// A period when the unit was down (restart, halt): nothing was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outage {
    pub start: i64,
    pub end: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaceImage {
    pub mkey: String,
    pub image_path: String,
    pub is_local: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    #[serde(default)]
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaceUser {
    pub mkey: String,
    pub department: String,
    pub role: String,
    pub display_name: String,
    pub image_content: String,
    pub images: Vec<FaceImage>,
}

/// The whole persisted state of one FortiRecorder (§4.1).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    pub device: DeviceState,
    pub global: Global,
    pub interfaces: Vec<Interface>,
    pub admin_profiles: Vec<AdminProfile>,
    pub admins: Vec<AdminAccount>,
    pub clip_service: ClipService,
    pub camera_groups: Vec<CameraGroup>,
    pub rtsp_users: Vec<RtspUser>,
    pub video_profiles: Vec<VideoProfile>,
    pub schedules: Vec<Schedule>,
    pub camera_profiles: Vec<CameraProfile>,
    pub cameras: Vec<Camera>,
    /// Fixture recordings (generated ones come from the activity history, see `timeline`).
    pub recordings: Vec<Recording>,
    /// Stored events: fixtures, injected detections, lifecycle, schedule and camera changes.
    pub events: Vec<Event>,
    /// Per camera: when the recorder ran and with which video profile and triggers.
    pub activity: BTreeMap<String, Vec<Activity>>,
    pub outages: Vec<Outage>,
    pub face_users: Vec<FaceUser>,
    /// Stored AI log entries (fixtures, injected face detections); generated ones are merged in.
    pub ai_log: Vec<AiLogEntry>,
    /// Live-session counts per minute (for `session_history`).
    #[serde(default)]
    pub session_history: SessionHistory,
    /// HTTP sessions: runtime only.
    #[serde(skip)]
    pub sessions: Sessions,
    /// Profile and options: runtime only, set by the device after every load.
    #[serde(skip)]
    pub cfg: ModelConfig,
}

/// Runtime settings the model obeys (not persisted; they come from the device config).
#[derive(Debug, Clone, Default)]
pub struct ModelConfig {
    pub profile: Profile,
    pub options: Options,
}

/// What `Model::seed` needs from the device configuration.
#[derive(Debug, Clone)]
pub struct SeedParams {
    pub serial: String,
    pub model: String,
    pub admin_password: String,
    pub clip_password: String,
    pub firmware_version: String,
    pub tz_offset_minutes: i32,
    pub gen_seed: u64,
    /// Device time at seeding (Unix seconds).
    pub now: i64,
}

impl Default for SeedParams {
    fn default() -> Self {
        let o = Options::default();
        SeedParams {
            serial: "FK-SVM0000000000".into(),
            model: "FortiRecorder-VM".into(),
            admin_password: o.admin_password,
            clip_password: o.clip_password,
            firmware_version: o.firmware_version,
            tz_offset_minutes: 0,
            gen_seed: 0,
            now: 1_700_000_000,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

/// The configuration tables addressed by `/api/v1/<res>[/<id>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    CameraStatus,
    VideoProfile,
    CameraProfile,
    Camera,
    Schedule,
    Interface,
    FaceUser,
}

/// Which login handler (§1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginKind {
    Admin,
    Service,
}

/// `SysStatusCommand` actions (§3.14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SysAction {
    Restart,
    Shutdown,
    Reload,
}

/// Paging parameters (§1.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Page {
    pub start: usize,
    pub size: Option<usize>,
}

/// A CameraEvent / Timeline query (§2.2.14), already decoded from the query string.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventQuery {
    /// Raw parameters as sent (the model validates them).
    pub params: Vec<(String, String)>,
}

/// A control-plane injection (`inject_event`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Injection {
    /// A detection on a camera at device time (`duration` seconds long).
    Detection { camera: String, kind: u32, subtype: u32, duration: i64, person: Option<String> },
    /// Camera state change (§3.1) and/or enable/disable.
    CameraState {
        camera: String,
        state_flag: Option<u32>,
        state_code: Option<i64>,
        state_info: Option<String>,
        status: Option<u8>,
    },
    /// Storage status codes (§3.15).
    Storage(Map<String, Value>),
}

/// Every operation on the model.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Login {
        kind: LoginKind,
        name: String,
        password: String,
    },
    /// Resolve a session token (refreshes its idle timer).
    Lookup {
        token: String,
    },
    Logout {
        token: String,
    },
    /// Destroy every HTTP session (restart, shutdown).
    ClearSessions,
    List {
        table: Table,
        query: Vec<(String, String)>,
    },
    Get {
        table: Table,
        id: String,
    },
    Create {
        table: Table,
        id: String,
        body: Option<Value>,
    },
    Update {
        table: Table,
        id: String,
        body: Option<Value>,
    },
    Delete {
        table: Table,
        id: String,
    },
    ListScheduleEntries {
        profile: String,
    },
    GetScheduleEntry {
        profile: String,
        schedule: String,
    },
    UpdateScheduleEntry {
        profile: String,
        schedule: String,
        body: Option<Value>,
    },
    Ptz {
        camera: String,
        body: Option<Value>,
    },
    ListPresets {
        camera: String,
    },
    GetPreset {
        camera: String,
        preset: String,
    },
    CreatePreset {
        camera: String,
        preset: String,
    },
    UpdatePreset {
        camera: String,
        preset: String,
    },
    DeletePreset {
        camera: String,
        preset: String,
    },
    GetGlobal,
    UpdateGlobal {
        body: Option<Value>,
    },
    Usage,
    Sysinfo {
        caller: Option<String>,
    },
    /// Validate a SysStatusCommand body and record its event.
    SysCommand {
        body: Option<Value>,
    },
    /// The unit goes down now (restart/halt): open an outage, close recorder activity.
    PowerDown,
    /// The unit boots now: close the outage, Startup event, restart recorders, new boot time.
    PowerUp,
    /// Reload finished: the caller replaced the configuration from the store.
    Reloaded,
    Events {
        query: Vec<(String, String)>,
    },
    AiLog {
        query: Vec<(String, String)>,
    },
    AddFaceImage {
        body: Option<Value>,
    },
    DeleteFaceImage {
        body: Option<Value>,
    },
    /// Validate a VideoClip request for `caller`.
    Clip {
        caller: Caller,
        body: Option<Value>,
    },
    Inject(Injection),
}

impl Command {
    /// Whether the command changes persisted state (then the device saves the model).
    pub fn is_write(&self) -> bool {
        use Command::*;
        match self {
            Login { .. } | Lookup { .. } | Logout { .. } | ClearSessions => false,
            List { .. } | Get { .. } | ListScheduleEntries { .. } | GetScheduleEntry { .. } => false,
            ListPresets { .. } | GetPreset { .. } | GetGlobal | Usage | Sysinfo { .. } => false,
            Events { .. } | AiLog { .. } | Clip { .. } => false,
            Create { .. } | Update { .. } | Delete { .. } | UpdateScheduleEntry { .. } | Ptz { .. } => true,
            CreatePreset { .. } | UpdatePreset { .. } | DeletePreset { .. } | UpdateGlobal { .. } => true,
            SysCommand { .. } | PowerDown | PowerUp | Reloaded => true,
            AddFaceImage { .. } | DeleteFaceImage { .. } | Inject(_) => true,
        }
    }
}

/// A collection result before the envelope: the page of items and the filtered total.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub items: Vec<Value>,
    pub total: usize,
    pub next_page: bool,
    /// Extra top-level fields (CameraEvent echoes `start_time` / `end_time`).
    pub extra: Map<String, Value>,
}

/// What a command produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// A new session token.
    Session {
        token: String,
    },
    Caller(Caller),
    Listing(Listing),
    /// A single object: its mkey and fields (no envelope).
    Object {
        mkey: String,
        fields: Map<String, Value>,
    },
    /// A singleton's fields.
    Singleton(Map<String, Value>),
    Deleted {
        mkey: String,
    },
    /// SysStatusCommand accepted: what to do next.
    Lifecycle(SysAction),
    /// A control-plane result.
    Value(Value),
    /// A valid VideoClip request: what to render (the handler does, through devsim-media).
    Clip(ClipPlan),
    Done,
}

/// The model's errors, one per legend key of spec §2.0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// AUTH on a login handler.
    #[error("login failed")]
    LoginFailed(LoginKind),
    /// AUTH: no, unknown or expired session, or wrong session kind.
    #[error("access denied: no valid session")]
    Unauthenticated,
    /// PERM.
    #[error("access denied: {0}")]
    Denied(String),
    /// METH.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// URL.
    #[error("unknown resource")]
    UnknownResource,
    /// KEY.
    #[error("not found: {0}")]
    NotFound(String),
    /// BODY.
    #[error("{0}")]
    Invalid(String),
    /// DUP.
    #[error("{0}")]
    Duplicate(String),
    /// REF.
    #[error("{0}")]
    Referenced(String),
    /// STATE.
    #[error("{0}")]
    State(String),
    /// Media (or another service) not available.
    #[error("{0}")]
    Unavailable(String),
    /// INT: a failure on our side (state could not be saved).
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<ModelError> for devsim_core::Error {
    fn from(e: ModelError) -> Self {
        use devsim_core::Error as E;
        let msg = e.to_string();
        match e {
            ModelError::LoginFailed(_) | ModelError::Unauthenticated => {
                E::new(devsim_core::ErrorKind::Unauthenticated, msg)
            }
            ModelError::Denied(_) => E::new(devsim_core::ErrorKind::PermissionDenied, msg),
            ModelError::MethodNotAllowed => E::unsupported(msg),
            ModelError::UnknownResource | ModelError::NotFound(_) => E::not_found(msg),
            ModelError::Invalid(_) | ModelError::State(_) => E::invalid(msg),
            ModelError::Duplicate(_) | ModelError::Referenced(_) => E::conflict(msg),
            ModelError::Unavailable(_) => E::unavailable(msg),
            ModelError::Internal(_) => E::internal(msg),
        }
    }
}

pub type MResult<T> = Result<T, ModelError>;

pub(crate) fn not_found(what: &str, key: &str) -> ModelError {
    ModelError::NotFound(format!("{what} {key:?}"))
}

// ---------------------------------------------------------------------------------------------
// Apply
// ---------------------------------------------------------------------------------------------

impl Model {
    /// Apply one command at device time `now` (Unix seconds).
    pub fn apply(&mut self, now: i64, cmd: Command) -> MResult<Output> {
        use Command::*;
        match cmd {
            Login { kind, name, password } => self.login(now, kind, &name, &password),
            Lookup { token } => self.lookup(now, &token),
            Logout { token } => {
                self.sessions.remove(&token);
                self.sample_sessions(now);
                Ok(Output::Done)
            }
            ClearSessions => {
                self.sessions.clear();
                self.sample_sessions(now);
                Ok(Output::Done)
            }
            List { table, query } => self.list(now, table, &query),
            Get { table, id } => self.get(now, table, &id),
            Create { table, id, body } => self.create(now, table, &id, body.as_ref()),
            Update { table, id, body } => self.update(now, table, &id, body.as_ref()),
            Delete { table, id } => self.delete(now, table, &id),
            ListScheduleEntries { profile } => self.list_entries(&profile),
            GetScheduleEntry { profile, schedule } => self.get_entry(&profile, &schedule),
            UpdateScheduleEntry { profile, schedule, body } => {
                self.update_entry(now, &profile, &schedule, body.as_ref())
            }
            Ptz { camera, body } => self.ptz(&camera, body.as_ref()),
            ListPresets { camera } => self.list_presets(&camera),
            GetPreset { camera, preset } => self.get_preset(&camera, &preset),
            CreatePreset { camera, preset } => self.create_preset(&camera, &preset),
            UpdatePreset { camera, preset } => self.update_preset(&camera, &preset),
            DeletePreset { camera, preset } => self.delete_preset(&camera, &preset),
            GetGlobal => Ok(Output::Singleton(to_map(&self.global))),
            UpdateGlobal { body } => self.update_global(body.as_ref()),
            Usage => Ok(Output::Singleton(self.usage(now))),
            Sysinfo { caller } => Ok(Output::Singleton(self.sysinfo(now, caller.as_deref()))),
            SysCommand { body } => self.sys_command(now, body.as_ref()),
            PowerDown => {
                self.power_down(now);
                Ok(Output::Done)
            }
            PowerUp => {
                self.power_up(now);
                Ok(Output::Done)
            }
            Reloaded => {
                self.reloaded(now);
                Ok(Output::Done)
            }
            Events { query } => self.query_events(now, &query),
            AiLog { query } => self.query_ai_log(now, &query),
            AddFaceImage { body } => self.add_face_image(now, body.as_ref()),
            DeleteFaceImage { body } => self.delete_face_image(body.as_ref()),
            Clip { caller, body } => self.validate_clip(now, &caller, body.as_ref()),
            Inject(inj) => self.inject(now, inj),
        }
    }

    /// Set the runtime configuration (after seeding or loading).
    pub fn configure(&mut self, profile: Profile, options: Options) {
        self.sessions.set_idle_secs(options.idle_timeout_secs);
        self.cfg = ModelConfig { profile, options };
    }

    // ---- lookups ----

    pub fn camera(&self, key: &str) -> MResult<&Camera> {
        self.cameras.iter().find(|c| c.mkey == key).ok_or_else(|| not_found("camera", key))
    }

    pub(crate) fn camera_mut(&mut self, key: &str) -> MResult<&mut Camera> {
        self.cameras.iter_mut().find(|c| c.mkey == key).ok_or_else(|| not_found("camera", key))
    }

    pub fn video_profile(&self, key: &str) -> Option<&VideoProfile> {
        self.video_profiles.iter().find(|v| v.mkey == key)
    }

    pub fn camera_profile(&self, key: &str) -> Option<&CameraProfile> {
        self.camera_profiles.iter().find(|v| v.mkey == key)
    }

    pub fn schedule(&self, key: &str) -> Option<&Schedule> {
        self.schedules.iter().find(|v| v.mkey == key)
    }

    pub fn admin_profile(&self, key: &str) -> Option<&AdminProfile> {
        self.admin_profiles.iter().find(|p| p.mkey == key)
    }

    /// Paging over an already filtered, ordered list.
    pub(crate) fn page(items: Vec<Value>, page: Page, cap: usize) -> Listing {
        let total = items.len();
        let size = page.size.unwrap_or(cap);
        let items: Vec<Value> = items.into_iter().skip(page.start).take(size).collect();
        let next_page = page.start.saturating_add(items.len()) < total;
        Listing { items, total, next_page, extra: Map::new() }
    }

    /// Check every cross-reference (used by tests and after loading a seed).
    pub fn check_invariants(&self) -> Result<(), String> {
        fn unique<'a>(what: &str, keys: impl Iterator<Item = &'a str>) -> Result<(), String> {
            let mut seen = std::collections::BTreeSet::new();
            for k in keys {
                if !seen.insert(k) {
                    return Err(format!("duplicate {what} {k:?}"));
                }
            }
            Ok(())
        }
        unique("video profile", self.video_profiles.iter().map(|v| v.mkey.as_str()))?;
        unique("camera profile", self.camera_profiles.iter().map(|v| v.mkey.as_str()))?;
        unique("schedule", self.schedules.iter().map(|v| v.mkey.as_str()))?;
        unique("camera", self.cameras.iter().map(|v| v.mkey.as_str()))?;
        unique("interface", self.interfaces.iter().map(|v| v.mkey.as_str()))?;
        unique("face user", self.face_users.iter().map(|v| v.mkey.as_str()))?;
        unique("admin", self.admins.iter().map(|v| v.name.as_str()))?;
        for p in &self.camera_profiles {
            unique("profile entry", p.entries.iter().map(|e| e.schedule.as_str()))?;
            for e in &p.entries {
                if self.schedule(&e.schedule).is_none() {
                    return Err(format!(
                        "camera profile {} references unknown schedule {}",
                        p.mkey, e.schedule
                    ));
                }
                for vp in [&e.viewing_stream, &e.recording_stream] {
                    if self.video_profile(vp).is_none() {
                        return Err(format!(
                            "camera profile {} references unknown video profile {vp}",
                            p.mkey
                        ));
                    }
                }
            }
        }
        for c in &self.cameras {
            if self.camera_profile(&c.profile).is_none() {
                return Err(format!("camera {} references unknown camera profile {}", c.mkey, c.profile));
            }
            unique("preset", c.presets.iter().map(|p| p.mkey.as_str()))?;
        }
        for a in &self.admins {
            if self.admin_profile(&a.profile).is_none() {
                return Err(format!("admin {} references unknown admin profile {}", a.name, a.profile));
            }
        }
        if !self.camera_groups.iter().any(|g| g.mkey == self.clip_service.camera_group) {
            return Err(format!(
                "clip service references unknown camera group {}",
                self.clip_service.camera_group
            ));
        }
        for g in &self.camera_groups {
            for c in &g.cameras {
                if self.camera(c).is_err() {
                    return Err(format!("camera group {} references unknown camera {c}", g.mkey));
                }
            }
        }
        for u in &self.face_users {
            unique("face image", u.images.iter().map(|i| i.mkey.as_str()))?;
        }
        Ok(())
    }
}

/// Serialize a plain struct into a JSON object.
pub(crate) fn to_map<T: Serialize>(v: &T) -> Map<String, Value> {
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// Query parameter lookup (exact name).
pub(crate) fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Query parameter lookup, case-insensitive name.
pub(crate) fn param_ci<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// `startIndex` / `pageSize` from the query (§1.10). Negative or non-numeric ⇒ BODY.
pub(crate) fn page_params(q: &[(String, String)], ci: bool) -> MResult<Page> {
    let get = |n: &str| if ci { param_ci(q, n) } else { param(q, n) };
    let parse = |n: &str| -> MResult<Option<usize>> {
        match get(n) {
            None | Some("") => Ok(None),
            Some(s) => s
                .trim()
                .parse::<usize>()
                .map(Some)
                .map_err(|_| ModelError::Invalid(format!("{n}: expected a non-negative integer"))),
        }
    };
    Ok(Page { start: parse("startIndex")?.unwrap_or(0), size: parse("pageSize")? })
}

#[cfg(test)]
mod tests;
