//! `ips/rate-based` (spec §3.7.5): the rate-based signatures of the installed IPS package.

use serde_json::json;

use super::{Ctx, Fail, Out};

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    if ctx.ep.path != "ips/rate-based/select" {
        return None;
    }
    let version = ctx.rt.license.databases.get("ips_appctrl").cloned().unwrap_or_else(|| "11.00111".into());
    Some(Ok(Out::Json(json!([
        {"id": 11206, "name": "MS.RDP.Connection.Brute.Force", "threshold": 1024, "duration": 300, "package_version": version},
        {"id": 16392, "name": "SSH.Connection.Brute.Force", "threshold": 5, "duration": 60, "package_version": version},
        {"id": 12187, "name": "FTP.Login.Brute.Force", "threshold": 10, "duration": 60, "package_version": version},
        {"id": 15622, "name": "POP3.Login.Brute.Force", "threshold": 10, "duration": 60, "package_version": version},
        {"id": 40503, "name": "SMTP.Login.Brute.Force", "threshold": 10, "duration": 60, "package_version": version},
    ]))))
}
