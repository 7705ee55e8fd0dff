//! `system/config/*` and `system/config-revision/*` (spec §4.7): backup as CLI text of the
//! current CMDB (optionally password-encrypted), restore from an upload (base64 field or
//! multipart bytes) or a stored revision that round-trips the backup exactly, and stored
//! configuration revisions.

use serde_json::{json, Value};

use super::runtime::ConfigRevision;
use super::{gen, Ctx, Fail, LifecycleAction, Out};
use crate::cmdb::CmdbError;

/// Most stored revisions.
const MAX_REVISIONS: usize = 100;
const ENC_MARK: &str = "#encrypted=1";

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    Some(match ctx.ep.path {
        "system/config/backup" => backup(ctx),
        "system/config/restore" => restore(ctx),
        "system/config/usb-filelist" => Ok(Out::Json(json!([]))),
        "system/config-revision/select" => Ok(Out::Json(json!({
            "revisions": ctx.rt.revisions.iter().map(revision_info).collect::<Vec<_>>()
        }))),
        "system/config-revision/info" => revision(ctx).map(|r| Out::Json(revision_info(r))),
        "system/config-revision/file" => revision(ctx).map(|r| Out::File {
            content_type: "text/plain".into(),
            filename: format!("{}_revision{}.conf", ctx.model.identity.hostname, r.id),
            bytes: r.text.clone().into_bytes(),
        }),
        "system/config-revision/save" => save(ctx),
        "system/config-revision/update-comments" => update_comments(ctx),
        "system/config-revision/delete" => delete(ctx),
        _ => return None,
    })
}

fn revision_info(r: &ConfigRevision) -> Value {
    json!({"id": r.id, "time": r.time, "admin": r.admin, "comments": r.comments, "size": r.text.len()})
}

fn revision<'a>(ctx: &'a Ctx) -> Result<&'a ConfigRevision, Fail> {
    let id = ctx.args.required_int("config_id")?;
    ctx.rt.revisions.iter().find(|r| r.id == id).ok_or_else(|| Fail::no_entry(format!("revision {id}")))
}

fn cmdb_fail(e: &CmdbError) -> Fail {
    Fail { status: e.http_status(), error: e.error_code(), reason: e.to_string() }
}

/// `scope` (required, `global` | `vdom`); for `vdom` the VDOM is the endpoint's own `vdom`
/// parameter (a body field of restore), else the generic one (spec G20). A VDOM that does not
/// exist or that the admin may not reach → 403.
fn scope(ctx: &Ctx) -> Result<Option<String>, Fail> {
    match ctx.args.required_str("scope")?.as_str() {
        "global" => Ok(None),
        "vdom" => {
            let v = ctx.args.str("vdom").filter(|v| !v.is_empty()).unwrap_or_else(|| ctx.vdom.clone());
            let reachable = ctx.req.vdoms.is_empty() || ctx.req.vdoms.contains(&v);
            if !ctx.model.cmdb.vdoms.contains_key(&v) || !reachable {
                return Err(Fail { status: 403, error: None, reason: format!("VDOM {v} not accessible") });
            }
            Ok(Some(v))
        }
        other => Err(Fail::invalid(format!("scope {other}"))),
    }
}

fn keystream(password: &str, len: usize) -> Vec<u8> {
    let key = gen::h(0x5eed, password, &[]);
    (0..len.div_ceil(8)).flat_map(|i| gen::h(key, "ks", &[i as i64]).to_le_bytes()).take(len).collect()
}

fn tag(password: &str, plain: &[u8]) -> String {
    let body = String::from_utf8_lossy(plain);
    format!("{:016x}", gen::h(gen::h(0x7a6, password, &[]), &body, &[]))
}

/// Encrypted backup: the header line, a marker, a tag that checks the password, base64 of the
/// text XOR-ed with a keystream of the password.
pub(super) fn encrypt(text: &str, password: &str) -> String {
    let first = text.lines().next().unwrap_or("");
    let plain = text.as_bytes();
    let cipher: Vec<u8> = plain.iter().zip(keystream(password, plain.len())).map(|(a, b)| a ^ b).collect();
    format!("{first}\n{ENC_MARK}\n#tag={}\n{}\n", tag(password, plain), gen::b64_encode(&cipher))
}

fn decrypt(text: &str, password: Option<&str>) -> Result<String, Fail> {
    let mut lines = text.lines();
    let _header = lines.next();
    if lines.next() != Some(ENC_MARK) {
        return Ok(text.to_string());
    }
    let password =
        password.filter(|p| !p.is_empty()).ok_or_else(|| Fail::invalid("encrypted file needs password"))?;
    let tag_line = lines.next().and_then(|l| l.strip_prefix("#tag=")).unwrap_or("");
    let cipher =
        gen::b64_decode(lines.next().unwrap_or("").trim()).ok_or_else(|| Fail::invalid("corrupt file"))?;
    let plain: Vec<u8> = cipher.iter().zip(keystream(password, cipher.len())).map(|(a, b)| a ^ b).collect();
    if tag(password, &plain) != tag_line {
        return Err(Fail::invalid("wrong password"));
    }
    String::from_utf8(plain).map_err(|_| Fail::invalid("wrong password"))
}

fn backup(ctx: &mut Ctx) -> Result<Out, Fail> {
    let scope = scope(ctx)?;
    match ctx.args.str("destination").as_deref() {
        None | Some("file") => {}
        Some("usb") => return Err(Fail::invalid("no USB disk attached")),
        Some(other) => return Err(Fail::invalid(format!("destination {other}"))),
    }
    let text = ctx.model.backup_text(scope.as_deref(), ctx.user()).map_err(|e| cmdb_fail(&e))?;
    let (y, m, d, hh, mm, _) = gen::civil(ctx.now);
    let stem = format!("{}_{y:04}{m:02}{d:02}_{hh:02}{mm:02}", ctx.model.identity.hostname);
    let (bytes, content_type) = match ctx.args.str("password").filter(|p| !p.is_empty()) {
        Some(p) => (encrypt(&text, &p).into_bytes(), "application/octet-stream"),
        None => (text.into_bytes(), "text/plain"),
    };
    Ok(Out::File { content_type: content_type.into(), filename: format!("{stem}.conf"), bytes })
}

fn restore(ctx: &mut Ctx) -> Result<Out, Fail> {
    let source = ctx.args.required_str("source")?;
    let scope = scope(ctx)?;
    let raw: String = match source.as_str() {
        "upload" => {
            let bytes = match (ctx.args.str("file_content"), &ctx.req.upload) {
                (Some(b64), _) if !b64.is_empty() => {
                    gen::b64_decode(&b64).ok_or_else(|| Fail::invalid("file_content is not base64"))?
                }
                (_, Some(bytes)) => bytes.clone(),
                _ => return Err(Fail::missing("file_content")),
            };
            String::from_utf8(bytes).map_err(|_| Fail::invalid("configuration file is not text"))?
        }
        "usb" => {
            ctx.args.required_str("usb_filename")?;
            return Err(Fail::invalid("no USB disk attached"));
        }
        "revision" => {
            let id = ctx.args.required_int("config_id")?;
            let r = ctx
                .rt
                .revisions
                .iter()
                .find(|r| r.id == id)
                .ok_or_else(|| Fail::no_entry(format!("revision {id}")))?;
            r.text.clone()
        }
        other => return Err(Fail::invalid(format!("source {other}"))),
    };
    let text = decrypt(&raw, ctx.args.str("password").as_deref())?;
    ctx.model.restore_text(ctx.now, &text, scope.as_deref()).map_err(|e| cmdb_fail(&e))?;
    let vdom = scope.clone().unwrap_or_else(|| ctx.vdom.clone());
    let user = ctx.user().to_string();
    let what = match &scope {
        None => "global configuration".to_string(),
        Some(v) => format!("configuration of VDOM {v}"),
    };
    ctx.rt.log_event(ctx.now, &vdom, "system", "warning", &user, &format!("Restored {what} from {source}"));
    ctx.rt.sync(ctx.model, ctx.now);
    let body = json!({"restore_status": "success", "config_restored": true});
    Ok(match scope {
        None => Out::Lifecycle(LifecycleAction::Reboot, body),
        Some(_) => Out::Json(body),
    })
}

fn save(ctx: &mut Ctx) -> Result<Out, Fail> {
    let comments = ctx.args.str("comments").unwrap_or_default();
    let text = ctx.model.backup_text(None, ctx.user()).map_err(|e| cmdb_fail(&e))?;
    let id = ctx.rt.revisions.iter().map(|r| r.id).max().unwrap_or(0) + 1;
    let user = ctx.user().to_string();
    ctx.rt.revisions.push(ConfigRevision { id, time: ctx.now, admin: user, comments, text });
    if ctx.rt.revisions.len() > MAX_REVISIONS {
        ctx.rt.revisions.remove(0);
    }
    Ok(Out::Json(json!({"config_id": id})))
}

fn update_comments(ctx: &mut Ctx) -> Result<Out, Fail> {
    let id = ctx.args.required_int("config_id")?;
    let comments = ctx.args.str("comments").unwrap_or_default();
    let r = ctx
        .rt
        .revisions
        .iter_mut()
        .find(|r| r.id == id)
        .ok_or_else(|| Fail::no_entry(format!("revision {id}")))?;
    r.comments = comments;
    Ok(Out::Json(json!({"config_id": id})))
}

fn delete(ctx: &mut Ctx) -> Result<Out, Fail> {
    let ids = ctx.args.int_list("config_ids")?;
    if ids.is_empty() {
        return Err(Fail::missing("config_ids"));
    }
    if let Some(bad) = ids.iter().find(|id| !ctx.rt.revisions.iter().any(|r| r.id == **id)) {
        return Err(Fail::no_entry(format!("revision {bad}")));
    }
    ctx.rt.revisions.retain(|r| !ids.contains(&r.id));
    Ok(Out::Json(json!({"deleted": ids})))
}
