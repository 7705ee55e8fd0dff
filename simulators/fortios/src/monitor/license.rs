//! `license/*` (spec §3.7.6): licence and FortiGuard contract status derived from the identity
//! and the runtime (FortiGuard update time, installed databases, uploaded VM licence).

use serde_json::{json, Map, Value};

use super::{gen, system, Ctx, Fail, Out};

/// Service → (database version stem, licence years).
const SERVICES: &[(&str, &str)] = &[
    ("forticare", ""),
    ("fortiguard", ""),
    ("antivirus", "1.00123"),
    ("ips", "11.00111"),
    ("appctrl", "11.00111"),
    ("web_filtering", ""),
    ("antispam", ""),
    ("botnet_ip", "4.00158"),
    ("botnet_domain", "1.00312"),
];

fn db_name(service: &str) -> &str {
    match service {
        "ips" | "appctrl" => "ips_appctrl",
        other => other,
    }
}

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    Some(match ctx.ep.path {
        "license/status/select" => Ok(Out::Json(status(ctx))),
        "license/database/upgrade" => (|| {
            let db = ctx.args.str("db_name").unwrap_or_else(|| "ips_appctrl".into());
            if !SERVICES.iter().any(|(s, v)| !v.is_empty() && db_name(s) == db) {
                return Err(Fail::invalid(format!("db_name {db}")));
            }
            let bytes = system::upload_bytes(ctx)?;
            if bytes.is_empty() {
                return Err(Fail::invalid("empty database file"));
            }
            let version = format!(
                "{}.{:05}",
                12 + gen::below(gen::h(0, &db, &[]), "db", &[bytes.len() as i64], 5),
                bytes.len() % 100_000
            );
            ctx.rt.license.databases.insert(db.clone(), version.clone());
            let (vdom, user) = (ctx.vdom.clone(), ctx.user().to_string());
            ctx.rt.log_event(
                ctx.now,
                &vdom,
                "update",
                "notice",
                &user,
                &format!("{db} database updated to {version}"),
            );
            Ok(Out::Json(json!({"status": "success", "db_name": db, "version": version})))
        })(),
        "license/forticare-resellers/select" => {
            let code = match ctx.args.int("country_code") {
                Ok(c) => c.unwrap_or(1),
                Err(e) => return Some(Err(e)),
            };
            Ok(Out::Json(json!({"country_code": code, "resellers": [
                {"name": format!("Reseller {}-A", code), "url": "https://partners.example/a"},
                {"name": format!("Reseller {}-B", code), "url": "https://partners.example/b"},
            ]})))
        }
        "license/forticare-org-list/select" => Ok(Out::Json(json!({
            "org_size": ["1-10", "11-50", "51-250", "251-1000", "1000+"],
            "industry": ["Education", "Finance", "Government", "Healthcare", "Manufacturing", "Retail", "Technology", "Other"],
        }))),
        _ => return None,
    })
}

fn status(ctx: &Ctx) -> Value {
    let id = &ctx.model.identity;
    let seed = ctx.seed();
    let boot = ctx.model.revision.boot_epoch;
    let last_update = if ctx.rt.license.last_update > 0 { ctx.rt.license.last_update } else { boot };
    // Contracts run for a seeded 1-3 years from the boot day's year start.
    let (y, _, _) = gen::civil_from_days(boot.div_euclid(86_400));
    let expires = gen::days_from_civil(y + 1 + gen::range(seed, "lic-years", &[], 0, 2), 1, 1) * 86_400;
    let mut out = Map::new();
    for (svc, ver) in SERVICES {
        let mut o = json!({"status": if expires > ctx.now { "licensed" } else { "expired" }, "type": "contract", "expires": expires});
        if !ver.is_empty() {
            let installed =
                ctx.rt.license.databases.get(db_name(svc)).cloned().unwrap_or_else(|| (*ver).to_string());
            o["version"] = json!(installed);
            o["last_update"] = json!(last_update);
        }
        if *svc == "forticare" {
            o["registration_status"] = json!("registered");
            o["account"] = json!(format!("admin@{}.example", id.hostname.to_ascii_lowercase()));
        }
        out.insert((*svc).to_string(), o);
    }
    if id.model.starts_with("FGVM") {
        out.insert(
            "vm".into(),
            json!({"status": if ctx.rt.license.vm_licensed { "valid" } else { "eval" }, "cpu_max": 1, "mem_max": 2048}),
        );
    }
    out.insert("version".into(), json!(id.version));
    out.insert("build".into(), json!(id.build));
    Value::Object(out)
}
