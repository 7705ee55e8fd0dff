//! `webfilter/*` (spec §3.7.15): overrides (none configured), FortiSandbox malicious URLs
//! (none), category quotas per profile and user (counted since the last reset), the FortiGuard
//! category list and trusted URLs.

use serde_json::{json, Value};

use super::{utm, Ctx, Fail, Out};

const TRUSTED: &[&str] =
    &["fortinet.com", "fortiguard.com", "microsoft.com", "windowsupdate.com", "apple.com"];

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    Some(match ctx.ep.path {
        "webfilter/override/select" => Ok(Out::Json(json!([]))),
        "webfilter/override/delete" => match ctx.args.str("mkey").filter(|s| !s.is_empty()) {
            Some(m) => Err(Fail::no_entry(format!("override {m}"))),
            None => Err(Fail::missing("mkey")),
        },
        "webfilter/malicious-urls/select" => Ok(Out::Json(json!({"urls": []}))),
        "webfilter/malicious-urls/stat" => Ok(Out::Json(json!({"count": 0}))),
        "webfilter/category-quota/select" => (|| {
            let profile = ctx.args.str("profile").filter(|s| !s.is_empty());
            let user = ctx.args.str("user").filter(|s| !s.is_empty());
            if profile.is_some() && user.is_none() {
                return Err(Fail::missing("user"));
            }
            let Some(p) = profile else { return Ok(Out::Json(json!([]))) };
            let u = user.unwrap_or_default();
            let key = format!("{}:quota:{p}:{u}", ctx.vdom);
            let used = ctx.accrued(&key, 0, 3);
            Ok(Out::Json(
                json!([{"profile": p, "user": u, "category": 75, "used_time": used, "quota": 3600}]),
            ))
        })(),
        "webfilter/category-quota/reset" => {
            let p = ctx.args.str("profile").unwrap_or_default();
            let u = ctx.args.str("user").unwrap_or_default();
            let key = format!("{}:quota:{p}:{u}", ctx.vdom);
            ctx.reset(&key);
            Ok(Out::Json(json!({})))
        }
        "webfilter/fortiguard-categories/select" => {
            let mut rows: Vec<Value> =
                utm::CATEGORIES.iter().map(|(id, n)| json!({"id": id, "name": n})).collect();
            if ctx.args.flag("include_unrated").unwrap_or(false) {
                rows.push(json!({"id": 0, "name": "Unrated"}));
            }
            Ok(Out::Json(Value::Array(rows)))
        }
        "webfilter/trusted-urls/select" => Ok(Out::Json(json!({"urls": TRUSTED, "count": TRUSTED.len()}))),
        _ => return None,
    })
}
