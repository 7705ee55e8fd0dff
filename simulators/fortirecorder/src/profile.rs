//! Firmware profiles (documented quirks as enum values) and the device options.
//!
//! `doc-7.2.3` (default) follows the 7.2.3 reference to the letter; `fw-later` uses the field names
//! and permissions of later editions (spec §0, §7 P2). Handlers never branch on the profile name:
//! they read the quirk values below.

use serde::{Deserialize, Serialize};

pub use crate::wire::CookieStyle;
use crate::wire::{PermissionRules, Style};

/// CameraStatus field names (spec §2.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatusNames {
    /// `state_flag` / `state_code` / `state_info`.
    Doc,
    /// `flag` / `detail_code` / `detail_info` plus `support_status` / `eos_version`.
    Later,
}

/// Event item fields (spec §2.2.14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventFields {
    /// `end_time` = `start_time` and `state` 0 for instantaneous events.
    Doc,
    /// Adds `start_timestamp` and `forward_from_camera`; instantaneous events omit `end_time`/`state`.
    Later,
}

/// A firmware profile: a name and its quirk values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    pub name: &'static str,
    pub status_names: StatusNames,
    pub event_fields: EventFields,
    /// Face APIs: System configuration (doc) or Camera analytics (later); events likewise.
    pub permissions: PermissionRules,
    /// Collections carry `nodeAccessDetails: 1`.
    pub node_access_details: bool,
    /// `CameraStatus?showInactiveCamera=1` includes disabled cameras; without it they are hidden.
    pub show_inactive_camera: bool,
}

impl Profile {
    pub const DOC: Profile = Profile {
        name: "doc-7.2.3",
        status_names: StatusNames::Doc,
        event_fields: EventFields::Doc,
        permissions: PermissionRules::Doc,
        node_access_details: false,
        show_inactive_camera: false,
    };

    pub const FW_LATER: Profile = Profile {
        name: "fw-later",
        status_names: StatusNames::Later,
        event_fields: EventFields::Later,
        permissions: PermissionRules::Later,
        node_access_details: true,
        show_inactive_camera: true,
    };

    /// The profile named `name` (`None` ⇒ the default `doc-7.2.3`).
    pub fn parse(name: Option<&str>) -> Result<Profile, String> {
        match name {
            None | Some("doc-7.2.3") | Some("doc") => Ok(Profile::DOC),
            Some("fw-later") => Ok(Profile::FW_LATER),
            Some(other) => {
                Err(format!("unknown fortirecorder profile {other:?} (known: doc-7.2.3, fw-later)"))
            }
        }
    }
}

impl Profile {
    /// The rendering switches of `wire` for this profile and these options.
    pub fn style(&self, opts: &Options) -> Style {
        Style { node_access_details: self.node_access_details, escape_slashes: opts.escape_slashes }
    }
}

impl Default for Profile {
    fn default() -> Self {
        Profile::DOC
    }
}

fn default_admin_password() -> String {
    "admin".into()
}
fn default_clip_password() -> String {
    "1234".into()
}
fn default_idle() -> u64 {
    300
}
fn default_restart() -> u64 {
    20
}
fn default_reload() -> u64 {
    1
}
fn default_true() -> bool {
    true
}
fn default_firmware() -> String {
    "v7.2.3(GA), build0000, 2025.05.21".into()
}
fn default_max_page() -> usize {
    1000
}

/// The `[device.options]` table of a FortiRecorder device. Every key has a default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Password of the `admin` account in the seed.
    #[serde(default = "default_admin_password")]
    pub admin_password: String,
    /// Password of the clip service (`service-clip`) in the seed.
    #[serde(default = "default_clip_password")]
    pub clip_password: String,
    /// HTTP session idle timeout, seconds.
    #[serde(default = "default_idle")]
    pub idle_timeout_secs: u64,
    /// Downtime of a restart (SysStatusCommand action 1), device seconds.
    #[serde(default = "default_restart")]
    pub restart_delay_secs: u64,
    /// Downtime of a reload (action 3), device seconds.
    #[serde(default = "default_reload")]
    pub reload_delay_secs: u64,
    /// Device time zone as an offset from UTC in minutes (local-time strings of events, x_labels).
    #[serde(default)]
    pub tz_offset_minutes: i32,
    /// Cookie naming.
    #[serde(default)]
    pub cookie_style: CookieStyle,
    /// CameraEvent: `device_name`, `start_time`, `end_time` are required (7.2.3) or optional (later).
    #[serde(default = "default_true")]
    pub event_params_strict: bool,
    /// Escape `/` as `\/` in JSON bodies like the device's encoder.
    #[serde(default)]
    pub escape_slashes: bool,
    /// PUT on an unknown PTZ preset creates it instead of answering 404.
    #[serde(default)]
    pub preset_put_creates: bool,
    /// `SysStatusSysinfo.firmware_version` in the seed.
    #[serde(default = "default_firmware")]
    pub firmware_version: String,
    /// Largest page a collection returns when `pageSize` is absent.
    #[serde(default = "default_max_page")]
    pub max_page_size: usize,
    /// Picture size of the simulated media (`"320x180"`) instead of the video profile's nominal
    /// size (§3.4): keeps tests and small machines fast. Applies to clips, snapshots and RTSP.
    #[serde(default)]
    pub media_size: Option<String>,
    /// Frame rate of the simulated media instead of the video profile's `video_fps` (the GOP
    /// keeps its duration).
    #[serde(default)]
    pub media_fps: Option<u32>,
    /// RTSP "doc-replay" seeds (§4.11): the document's nonces, Session ids, ssrc, server ports,
    /// first rtptime and SDP parameter sets, so the §2.3.8 transcripts replay byte for byte.
    #[serde(default)]
    pub rtsp_doc_replay: bool,
    /// `Content-Type: application/sdp` on DESCRIBE (§2.3.2; the document prints none).
    #[serde(default = "default_true")]
    pub rtsp_sdp_content_type: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            admin_password: default_admin_password(),
            clip_password: default_clip_password(),
            idle_timeout_secs: default_idle(),
            restart_delay_secs: default_restart(),
            reload_delay_secs: default_reload(),
            tz_offset_minutes: 0,
            cookie_style: CookieStyle::Doc,
            escape_slashes: false,
            event_params_strict: true,
            preset_put_creates: false,
            firmware_version: default_firmware(),
            max_page_size: default_max_page(),
            media_size: None,
            media_fps: None,
            rtsp_doc_replay: false,
            rtsp_sdp_content_type: true,
        }
    }
}

impl Options {
    /// Parse the options table (`null` ⇒ all defaults). Unknown keys are refused with their name.
    pub fn from_value(v: &serde_json::Value) -> Result<Options, String> {
        if v.is_null() {
            return Ok(Options::default());
        }
        let o: Options =
            serde_json::from_value(v.clone()).map_err(|e| format!("fortirecorder options: {e}"))?;
        if !(-14 * 60..=14 * 60).contains(&o.tz_offset_minutes) {
            return Err(format!(
                "fortirecorder options: tz_offset_minutes {} out of range",
                o.tz_offset_minutes
            ));
        }
        if o.max_page_size == 0 {
            return Err("fortirecorder options: max_page_size must be at least 1".into());
        }
        if let Some(sz) = &o.media_size {
            parse_size(sz).ok_or_else(|| {
                format!("fortirecorder options: media_size {sz:?} is not WIDTHxHEIGHT (even, 16..8192)")
            })?;
        }
        if o.media_fps.is_some_and(|f| !(1..=60).contains(&f)) {
            return Err("fortirecorder options: media_fps must be in 1..60".into());
        }
        Ok(o)
    }
}

/// `"WxH"` with even sides in 16..=8192.
pub fn parse_size(s: &str) -> Option<(u32, u32)> {
    let (w, h) = s.split_once(['x', 'X'])?;
    let (w, h): (u32, u32) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
    let ok = |v: u32| (16..=8192).contains(&v) && v.is_multiple_of(2);
    (ok(w) && ok(h)).then_some((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_option_is_refused_with_its_name() {
        let e = Options::from_value(&serde_json::json!({"admin_pasword": "x"})).unwrap_err();
        assert!(e.contains("admin_pasword"), "{e}");
    }

    #[test]
    fn null_options_are_the_defaults() {
        let o = Options::from_value(&serde_json::Value::Null).unwrap();
        assert_eq!(o, Options::default());
        assert_eq!(o.idle_timeout_secs, 300);
        assert_eq!(o.restart_delay_secs, 20);
    }

    #[test]
    fn profiles_parse_by_name() {
        assert_eq!(Profile::parse(None).unwrap(), Profile::DOC);
        assert_eq!(Profile::parse(Some("fw-later")).unwrap().status_names, StatusNames::Later);
        assert!(Profile::parse(Some("nope")).is_err());
    }
}
