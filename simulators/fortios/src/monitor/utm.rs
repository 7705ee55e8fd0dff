//! `utm/*` (spec §3.7.13): FortiGuard URL ratings and application lookups (deterministic per
//! name), the application-category list, antivirus counters since boot.

use serde_json::{json, Map, Value};

use super::{gen, Ctx, Fail, Out};

pub(super) const CATEGORIES: &[(i64, &str)] = &[
    (1, "Drug Abuse"),
    (26, "Malicious Websites"),
    (33, "Health and Wellness"),
    (41, "Search Engines and Portals"),
    (49, "Business"),
    (52, "Information Technology"),
    (53, "Government and Legal Organizations"),
    (59, "Personal Websites and Blogs"),
    (71, "Shopping"),
    (75, "Streaming Media and Download"),
];

const APP_CATEGORIES: &[(i64, &str)] = &[
    (2, "P2P"),
    (3, "VoIP"),
    (5, "Video/Audio"),
    (6, "Proxy"),
    (7, "Network.Service"),
    (8, "Update"),
    (12, "General.Interest"),
    (15, "Email"),
    (17, "Web.Client"),
    (23, "Social.Media"),
    (25, "Cloud.IT"),
    (28, "Business"),
    (29, "Remote.Access"),
    (30, "Storage.Backup"),
];

pub(super) fn rating(seed: u64, url: &str) -> (i64, &'static str) {
    let host =
        url.trim_start_matches("http://").trim_start_matches("https://").split('/').next().unwrap_or("");
    CATEGORIES[gen::below(seed, "rating", &[gen::h(0, host, &[]) as i64], CATEGORIES.len() as u64) as usize]
}

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    Some(match ctx.ep.path {
        "utm/rating-lookup/select" => {
            let urls = ctx.args.str_list("url");
            if urls.is_empty() {
                return Some(Err(Fail::missing("url")));
            }
            let mut out = Map::new();
            for u in urls {
                let (id, name) = rating(ctx.seed(), &u);
                out.insert(u, json!({"category_id": id, "category_name": name}));
            }
            Ok(Out::Json(Value::Object(out)))
        }
        "utm/app-lookup/select" => (|| {
            let mut hosts: Vec<(String, i64, i64)> = ctx
                .args
                .list("hosts")
                .iter()
                .filter_map(|h| {
                    let o = h.as_object()?;
                    Some((
                        o.get("address").and_then(Value::as_str).unwrap_or("").to_string(),
                        o.get("dst_port").and_then(super::args::parse_int).unwrap_or(0),
                        o.get("protocol").and_then(super::args::parse_int).unwrap_or(6),
                    ))
                })
                .collect();
            if let Some(a) = ctx.args.str("address") {
                hosts.push((
                    a,
                    ctx.args.int("dst_port")?.unwrap_or(0),
                    ctx.args.int("protocol")?.unwrap_or(6),
                ));
            }
            let rows: Vec<Value> = hosts
                .iter()
                .map(|(a, port, proto)| {
                    let (app_id, app) = match (*proto, *port) {
                        (6, 443) => (40568, "HTTPS.BROWSER"),
                        (6, 80) => (15893, "HTTP.BROWSER"),
                        (17, 53) => (16195, "DNS"),
                        (6, 22) => (16060, "SSH"),
                        (17, 123) => (16270, "NTP"),
                        _ => (0, "Unknown"),
                    };
                    json!({"address": a, "dst_port": port, "protocol": proto, "app_id": app_id, "app_name": app})
                })
                .collect();
            Ok(Out::Json(Value::Array(rows)))
        })(),
        "utm/application-categories/select" => {
            Ok(Out::Json(APP_CATEGORIES.iter().map(|(id, n)| json!({"id": id, "name": n})).collect()))
        }
        "utm/antivirus/stats" => {
            let scanned = ctx.accrued("av-scanned", 1, 40);
            Ok(Out::Json(json!({
                "http": {"scanned": scanned / 2, "detected": scanned / 20_000},
                "ftp": {"scanned": scanned / 50, "detected": 0},
                "smtp": {"scanned": scanned / 10, "detected": scanned / 50_000},
                "total": {"scanned": scanned / 2 + scanned / 50 + scanned / 10, "detected": scanned / 20_000 + scanned / 50_000},
            })))
        }
        _ => return None,
    })
}
