//! `endpoint-control/*` (spec §3.7.1): FortiClient endpoint control. No endpoint-control
//! profile or registered FortiClient is modelled: lists are empty, operations on unknown
//! endpoints answer 404, the installer list and avatars are static.

use serde_json::{json, Value};

use super::{Ctx, Fail, Out};

const INSTALLERS: &[(&str, &str, &str)] = &[
    ("FortiClientSetup_5.6.0_x64", "5.6.0", "windows"),
    ("FortiClientSetup_5.6.0_x86", "5.6.0", "windows"),
    ("FortiClient_5.6.0_macosx", "5.6.0", "macosx"),
    ("FortiClientSetup_5.4.3_x64", "5.4.3", "windows"),
];

/// 1x1 transparent PNG.
const AVATAR: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00,
    0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x00, 0x02, 0x00, 0x00, 0x05, 0x00,
    0x01, 0x7a, 0x5e, 0xab, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn version_key(v: &str) -> Option<Vec<u32>> {
    let parts: Option<Vec<u32>> = v.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| !p.is_empty() && p.len() <= 3)
}

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    Some(match ctx.ep.path {
        "endpoint-control/profile/xml" => match ctx.args.str("mkey").filter(|s| !s.is_empty()) {
            Some(m) => Err(Fail::no_entry(format!("endpoint-control profile {m}"))),
            None => Ok(Out::Json(json!([]))),
        },
        "endpoint-control/registration-password/check" => {
            // No registration password is configured: every password is accepted.
            ctx.args.required_str("password").map(|_| Out::Json(json!(true)))
        }
        "endpoint-control/record-list/select" => Ok(Out::Json(json!([]))),
        "endpoint-control/registration/summary" => Ok(Out::Json(json!({
            "total": 0, "online": 0, "offline": 0, "registered": 0, "quarantined": 0, "blocked": 0,
        }))),
        "endpoint-control/registration/quarantine"
        | "endpoint-control/registration/unquarantine"
        | "endpoint-control/registration/block"
        | "endpoint-control/registration/unblock"
        | "endpoint-control/registration/deregister" => {
            let ids: Vec<String> =
                ctx.args.str_list("uid").into_iter().chain(ctx.args.str_list("mac")).collect();
            match ids.first() {
                None => Err(Fail::missing("uid")),
                Some(id) => Err(Fail::no_entry(format!("endpoint {id}"))),
            }
        }
        "endpoint-control/installer/select" => (|| {
            let min = match ctx.args.str("min_version") {
                Some(v) => Some(version_key(&v).ok_or_else(|| Fail::invalid(format!("min_version {v}")))?),
                None => None,
            };
            let rows: Vec<Value> = INSTALLERS
                .iter()
                .filter(|(_, v, _)| min.as_ref().map_or(true, |m| version_key(v).is_some_and(|k| k >= *m)))
                .map(|(id, v, os)| json!({"image_id": id, "version": v, "platform": os}))
                .collect();
            Ok(Out::Json(Value::Array(rows)))
        })(),
        "endpoint-control/installer/download" => (|| {
            let id = ctx.args.required_str("mkey")?;
            let (name, version, _) = INSTALLERS
                .iter()
                .find(|(n, _, _)| *n == id)
                .ok_or_else(|| Fail::no_entry(format!("installer {id}")))?;
            Ok(Out::File {
                content_type: "application/octet-stream".into(),
                filename: format!("{name}.exe"),
                bytes: format!("FortiClient installer {version} ({name})\n").into_bytes(),
            })
        })(),
        "endpoint-control/avatar/download" => match ctx.args.str("default").as_deref() {
            None | Some("authuser") | Some("unauthuser") => Ok(Out::File {
                content_type: "image/png".into(),
                filename: "avatar.png".into(),
                bytes: AVATAR.to_vec(),
            }),
            Some(other) => Err(Fail::invalid(format!("default {other}"))),
        },
        _ => return None,
    })
}
