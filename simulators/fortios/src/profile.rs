//! Firmware profiles (documented quirks as enum values, spec §1.5, §6.1 G17, §7 P2) and the
//! device options of the `[device.options]` table.
//!
//! `5.6.0` (default, alias `doc`) follows the reference; `later` adds what current clients also
//! call: `GET /logout` beside POST, API-token authentication (`access_token` parameter or
//! `Authorization: Bearer`) and `GET /api/v2/monitor/system/status`. Handlers never branch on the
//! profile name: they read the quirk values below.

use serde::{Deserialize, Serialize};

use crate::wire::ErrorStatusMode;

/// Which methods `/logout` answers (spec §1.4, G04).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogoutMethods {
    /// `POST /logout` only; other methods answer 405 (the reference).
    Post,
    /// `POST` and `GET /logout` (what `fortigate-api` sends; later firmware).
    PostAndGet,
}

/// API-token authentication (spec §1.5): REST API admins of `config system api-user`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenAuth {
    /// Not in 5.6.0: `access_token` and bearer headers are ignored.
    Off,
    /// `?access_token=<key>` or `Authorization: Bearer <key>`; no cookie, no CSRF header.
    On,
}

/// `GET /api/v2/monitor/system/status` (spec G17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SystemStatus {
    /// 404, as a 5.6 unit answers.
    NotFound,
    /// Identity of the unit (model, serial, version, build, hostname), as later firmware answers.
    Served,
}

/// A firmware profile: a name and its quirk values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub name: &'static str,
    pub logout: LogoutMethods,
    pub token_auth: TokenAuth,
    pub system_status: SystemStatus,
}

impl Profile {
    /// The reference, to the letter (spec judgments where it is silent).
    pub const V5_6_0: Profile = Profile {
        name: "5.6.0",
        logout: LogoutMethods::Post,
        token_auth: TokenAuth::Off,
        system_status: SystemStatus::NotFound,
    };

    /// Later firmware, for current client code.
    pub const LATER: Profile = Profile {
        name: "later",
        logout: LogoutMethods::PostAndGet,
        token_auth: TokenAuth::On,
        system_status: SystemStatus::Served,
    };

    /// The profile named `name` (`None` ⇒ `5.6.0`).
    pub fn parse(name: Option<&str>) -> Result<Profile, String> {
        match name {
            None | Some("5.6.0") | Some("doc") => Ok(Profile::V5_6_0),
            Some("later") => Ok(Profile::LATER),
            Some(other) => Err(format!("unknown fortios profile {other:?} (known: 5.6.0, later)")),
        }
    }
}

impl Default for Profile {
    fn default() -> Self {
        Profile::V5_6_0
    }
}

fn default_reboot_delay() -> u64 {
    30
}
fn default_max_body() -> usize {
    1024 * 1024
}
fn default_max_upload() -> usize {
    16 * 1024 * 1024
}

/// The `[device.options]` table of a FortiGate. Every key has a default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Password of the factory admin `admin` in a fresh state. Default: `""` (factory).
    #[serde(default)]
    pub admin_password: String,
    /// Device-clock seconds a reboot takes (spec §4.8). Default: 30.
    #[serde(default = "default_reboot_delay")]
    pub reboot_delay_secs: u64,
    /// `reference` (424, default) or `firmware` (HTTP 500 for -5 / -651, spec §6.4).
    #[serde(default)]
    pub error_status: ErrorStatusMode,
    /// Largest JSON / form body (spec G22). Default: 1 MiB.
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    /// Largest multipart upload (spec G22). Default: 16 MiB.
    #[serde(default = "default_max_upload")]
    pub max_upload_bytes: usize,
    /// Key of the seeded REST API admin `api-admin` (profile `later`). Default: derived from the
    /// serial and the seed (30 characters).
    #[serde(default)]
    pub api_key: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            admin_password: String::new(),
            reboot_delay_secs: default_reboot_delay(),
            error_status: ErrorStatusMode::default(),
            max_body_bytes: default_max_body(),
            max_upload_bytes: default_max_upload(),
            api_key: None,
        }
    }
}

impl Options {
    /// Parse `[device.options]` (`null` ⇒ every default).
    pub fn from_value(v: &serde_json::Value) -> Result<Options, String> {
        if v.is_null() {
            return Ok(Options::default());
        }
        serde_json::from_value(v.clone()).map_err(|e| format!("fortios options: {e}"))
    }
}
