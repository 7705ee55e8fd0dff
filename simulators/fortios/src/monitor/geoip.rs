//! `geoip/geoip-query` (spec §3.7.4): a deterministic country for each address (private
//! ranges have none).

use serde_json::{json, Map, Value};

use super::{gen, Ctx, Fail, Out};

const COUNTRIES: &[(&str, &str)] = &[
    ("US", "United States"),
    ("CA", "Canada"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("GB", "United Kingdom"),
    ("JP", "Japan"),
    ("BR", "Brazil"),
    ("AU", "Australia"),
    ("IN", "India"),
    ("NL", "Netherlands"),
];

/// (code, name) of an IPv4 address; `None` for private and special ranges.
pub(super) fn country(seed: u64, ip: u32) -> Option<(&'static str, &'static str)> {
    let a = ip >> 24;
    let b = (ip >> 16) & 255;
    let private = a == 10
        || a == 127
        || a == 0
        || a >= 224
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 168);
    (!private)
        .then(|| COUNTRIES[gen::below(seed, "geo", &[i64::from(ip >> 16)], COUNTRIES.len() as u64) as usize])
}

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    if ctx.ep.path != "geoip/geoip-query/select" {
        return None;
    }
    Some((|| {
        let ips = ctx.args.str_list("ip_addresses");
        let ips: Vec<String> = ips
            .iter()
            .flat_map(|s| s.split([',', ' ']))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if ips.is_empty() {
            return Err(Fail::missing("ip_addresses"));
        }
        let mut out = Map::new();
        for ip in ips {
            let v = gen::ip4(&ip).ok_or_else(|| Fail::invalid(format!("ip_addresses {ip}")))?;
            let entry = match country(ctx.seed(), v) {
                Some((code, name)) => json!({"country_code": code, "country_name": name}),
                None => json!({"country_code": "", "country_name": "Reserved"}),
            };
            out.insert(ip, entry);
        }
        Ok(Out::Json(Value::Object(out)))
    })())
}
