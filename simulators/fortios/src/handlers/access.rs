//! Admin profile permissions (spec §1.6): which `config system accprofile` attribute guards a
//! CMDB table, and what level a profile grants.

use serde_json::Value;

use crate::cmdb::Obj;
use crate::monitor::catalogue::AccessGroup;

/// What a profile grants for one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    None,
    Read,
    ReadWrite,
}

impl Level {
    pub fn allows(self, write: bool) -> bool {
        match self {
            Level::None => false,
            Level::Read => !write,
            Level::ReadWrite => true,
        }
    }
}

/// The accprofile attribute that guards a CMDB table (spec §1.6 mapping, judgment).
pub fn cmdb_group(table: &str) -> &'static str {
    let (path, _) = table.split_once('/').unwrap_or((table, ""));
    let top = path.split('.').next().unwrap_or(path);
    match top {
        "firewall" => "fwgrp",
        "router" => "routegrp",
        "vpn" => "vpngrp",
        "user" => "authgrp",
        "log" => "loggrp",
        "antivirus" | "ips" | "webfilter" | "application" | "dlp" | "spamfilter" => "utmgrp",
        "wireless-controller" => "wifi",
        "wanopt" => "wanoptgrp",
        "endpoint-control" => "endpoint-control-grp",
        "system"
            if table == "system/interface" || table == "system/zone" || path.starts_with("system.dhcp") =>
        {
            "netgrp"
        }
        _ => "sysgrp",
    }
}

/// The level `profile` (an accprofile object) grants on the attribute `field`. `custom` counts
/// as read-write: this CMDB has no `*-permission` sub-objects (see the README).
pub fn level(profile: &Obj, field: &str) -> Level {
    match profile.get(field).and_then(Value::as_str) {
        Some("read-write") | Some("custom") => Level::ReadWrite,
        Some("read") => Level::Read,
        _ => Level::None,
    }
}

/// The level for a monitor access group.
pub fn monitor_level(profile: &Obj, group: AccessGroup) -> Level {
    match group.accprofile_field() {
        None => Level::ReadWrite,
        Some((field, _)) => level(profile, field),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_map_to_the_spec_groups() {
        assert_eq!(cmdb_group("firewall/address"), "fwgrp");
        assert_eq!(cmdb_group("firewall.schedule/onetime"), "fwgrp");
        assert_eq!(cmdb_group("system/interface"), "netgrp");
        assert_eq!(cmdb_group("system.dhcp/server"), "netgrp");
        assert_eq!(cmdb_group("system/global"), "sysgrp");
        assert_eq!(cmdb_group("router/static"), "routegrp");
        assert_eq!(cmdb_group("vpn.ssl/settings"), "vpngrp");
        assert_eq!(cmdb_group("application/list"), "utmgrp");
        assert_eq!(cmdb_group("user/local"), "authgrp");
    }

    #[test]
    fn levels_follow_the_profile_words() {
        let p = json!({"fwgrp": "read", "sysgrp": "read-write", "netgrp": "none", "utmgrp": "custom"});
        let p = p.as_object().unwrap();
        assert!(level(p, "fwgrp").allows(false));
        assert!(!level(p, "fwgrp").allows(true));
        assert!(level(p, "sysgrp").allows(true));
        assert!(!level(p, "netgrp").allows(false));
        assert!(!level(p, "vpngrp").allows(false));
        assert_eq!(level(p, "utmgrp"), Level::ReadWrite);
        assert_eq!(monitor_level(p, AccessGroup::Any), Level::ReadWrite);
        assert_eq!(monitor_level(p, AccessGroup::FwgrpPolicy), Level::Read);
    }
}
