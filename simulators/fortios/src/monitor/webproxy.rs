//! `webproxy/pacfile/download` (spec §3.7.18): a PAC file naming the unit's first LAN address.

use super::runtime::text;
use super::{gen, Ctx, Fail, Out};
use crate::schema::Registry;

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    if ctx.ep.path != "webproxy/pacfile/download" {
        return None;
    }
    let reg = Registry::builtin();
    let ip = ctx
        .model
        .cmdb
        .rows(reg, "system/interface", crate::cmdb::ROOT)
        .ok()
        .and_then(|rows| {
            rows.values()
                .filter(|i| text(i, "vdom") == ctx.vdom)
                .filter_map(|i| gen::subnet(text(i, "ip")).filter(|(a, _)| *a != 0))
                .map(|(a, _)| gen::ip4_str(a))
                .next_back()
        })
        .unwrap_or_else(|| "192.168.1.99".into());
    let pac = format!(
        "function FindProxyForURL(url, host) {{\n  if (isPlainHostName(host) || isInNet(host, \"10.0.0.0\", \"255.0.0.0\")) return \"DIRECT\";\n  return \"PROXY {ip}:8080; DIRECT\";\n}}\n"
    );
    Some(Ok(Out::File {
        content_type: "application/x-ns-proxy-autoconfig".into(),
        filename: "proxy.pac".into(),
        bytes: pac.into_bytes(),
    }))
}
