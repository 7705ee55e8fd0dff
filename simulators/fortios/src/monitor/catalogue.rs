//! The 207 endpoints of spec §3.7 as data: method, path, access group, documented result type,
//! parameters (with the "required" flag of the reference) and how deeply the simulator models
//! each one. Generated from the spec's tables; the order is the reference's.

use serde::Serialize;

/// Access group of an endpoint (spec §1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccessGroup {
    Sysgrp,
    FwgrpPolicy,
    FwgrpOthers,
    FwgrpPacketCapture,
    /// Any authenticated admin, whatever the profile.
    Any,
    Wifi,
    Authgrp,
    EndpointControlGrp,
    LoggrpDataAccess,
    LoggrpConfig,
    Vpngrp,
    UtmgrpWebfilter,
    UtmgrpIps,
    UtmgrpAntivirus,
    Wanoptgrp,
    Netgrp,
    Routegrp,
    Updategrp,
    Mntgrp,
}

impl AccessGroup {
    /// The name the reference prints (`fwgrp.policy`).
    pub fn as_str(self) -> &'static str {
        match self {
            AccessGroup::Sysgrp => "sysgrp",
            AccessGroup::FwgrpPolicy => "fwgrp.policy",
            AccessGroup::FwgrpOthers => "fwgrp.others",
            AccessGroup::FwgrpPacketCapture => "fwgrp.packet-capture",
            AccessGroup::Any => "any",
            AccessGroup::Wifi => "wifi",
            AccessGroup::Authgrp => "authgrp",
            AccessGroup::EndpointControlGrp => "endpoint-control-grp",
            AccessGroup::LoggrpDataAccess => "loggrp.data-access",
            AccessGroup::LoggrpConfig => "loggrp.config",
            AccessGroup::Vpngrp => "vpngrp",
            AccessGroup::UtmgrpWebfilter => "utmgrp.webfilter",
            AccessGroup::UtmgrpIps => "utmgrp.ips",
            AccessGroup::UtmgrpAntivirus => "utmgrp.antivirus",
            AccessGroup::Wanoptgrp => "wanoptgrp",
            AccessGroup::Netgrp => "netgrp",
            AccessGroup::Routegrp => "routegrp",
            AccessGroup::Updategrp => "updategrp",
            AccessGroup::Mntgrp => "mntgrp",
        }
    }

    /// The `config system accprofile` attribute that grants it (`fwgrp`), and the
    /// `*-permission` sub-attribute when the group is a custom sub-permission (`policy`).
    /// `None` for [`AccessGroup::Any`].
    pub fn accprofile_field(self) -> Option<(&'static str, Option<&'static str>)> {
        Some(match self {
            AccessGroup::Any => return None,
            AccessGroup::Sysgrp => ("sysgrp", None),
            AccessGroup::FwgrpPolicy => ("fwgrp", Some("policy")),
            AccessGroup::FwgrpOthers => ("fwgrp", Some("others")),
            AccessGroup::FwgrpPacketCapture => ("fwgrp", Some("packet-capture")),
            AccessGroup::Wifi => ("wifi", None),
            AccessGroup::Authgrp => ("authgrp", None),
            AccessGroup::EndpointControlGrp => ("endpoint-control-grp", None),
            AccessGroup::LoggrpDataAccess => ("loggrp", Some("data-access")),
            AccessGroup::LoggrpConfig => ("loggrp", Some("config")),
            AccessGroup::Vpngrp => ("vpngrp", None),
            AccessGroup::UtmgrpWebfilter => ("utmgrp", Some("webfilter")),
            AccessGroup::UtmgrpIps => ("utmgrp", Some("ips")),
            AccessGroup::UtmgrpAntivirus => ("utmgrp", Some("antivirus")),
            AccessGroup::Wanoptgrp => ("wanoptgrp", None),
            AccessGroup::Netgrp => ("netgrp", None),
            AccessGroup::Routegrp => ("routegrp", None),
            AccessGroup::Updategrp => ("updategrp", None),
            AccessGroup::Mntgrp => ("mntgrp", None),
        })
    }
}

/// Documented "Response Type".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResultType {
    Array,
    Object,
    Boolean,
    Int,
    /// The reference gives none.
    Unspecified,
}

/// How the simulator answers an endpoint (README "Monitor API" coverage table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Depth {
    /// Answered from modelled state that requests and the clock change.
    Deep,
    /// Validated like the device, answered with plausible data derived from the CMDB, the
    /// identity and a seeded generator, consistent between calls (resets are remembered).
    Shallow,
}

/// Parameter type as documented (`Multi` = documented twice, scalar and array).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    Str,
    Int,
    Bool,
    Array,
    Object,
    Multi,
}

/// One documented parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Param {
    pub name: &'static str,
    pub ty: ParamType,
    /// Marked *required* by the reference (missing → 424).
    pub required: bool,
}

impl Param {
    const fn new(name: &'static str, ty: ParamType, required: bool) -> Param {
        Param { name, ty, required }
    }
}

/// One endpoint of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// `M001` … `M207`.
    pub id: &'static str,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Below `/api/v2/monitor/`, with the action (`firewall/policy/select`).
    pub path: &'static str,
    pub group: AccessGroup,
    pub result: ResultType,
    /// "ETag Caching: Enabled".
    pub etag: bool,
    pub tier: &'static str,
    pub depth: Depth,
    pub params: &'static [Param],
    pub summary: &'static str,
}

impl Endpoint {
    /// `firewall`
    pub fn area(&self) -> &'static str {
        self.path.split('/').next().unwrap_or("")
    }

    /// `policy`
    pub fn resource(&self) -> &'static str {
        self.path.split('/').nth(1).unwrap_or("")
    }

    /// `select`
    pub fn action(&self) -> &'static str {
        self.path.split('/').nth(2).unwrap_or("")
    }

    /// POST endpoints and downloads are operations; GET `select`-style reads are not.
    pub fn is_write(&self) -> bool {
        self.method == "POST"
    }

    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

use AccessGroup as G;
use Depth as D;
use Endpoint as E;
use Param as P;
use ParamType as T;
use ResultType as R;

/// Every endpoint of spec §3.7, in the reference's order.
pub static CATALOGUE: &[Endpoint] = &[
    E { id: "M001", method: "GET", path: "endpoint-control/profile/xml", group: G::EndpointControlGrp, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("mkey", T::Str, false)], summary: "XML rendering of each endpoint-control (FortiClient) profile; optional single profile via mkey." },
    E { id: "M002", method: "POST", path: "endpoint-control/registration-password/check", group: G::EndpointControlGrp, result: R::Boolean, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("password", T::Str, true)], summary: "Validate a FortiClient registration password for the current VDOM; result is a boolean." },
    E { id: "M003", method: "GET", path: "endpoint-control/record-list/select", group: G::EndpointControlGrp, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("intf_name", T::Str, false)], summary: "Endpoint (FortiClient) records, optionally only those seen on one interface." },
    E { id: "M004", method: "GET", path: "endpoint-control/registration/summary", group: G::EndpointControlGrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Counts/summary of FortiClient registrations." },
    E { id: "M005", method: "POST", path: "endpoint-control/registration/quarantine", group: G::EndpointControlGrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("uid", T::Multi, false), P::new("mac", T::Multi, false)], summary: "Quarantine one or many endpoints identified by FortiClient UID(s) or MAC(s)." },
    E { id: "M006", method: "POST", path: "endpoint-control/registration/unquarantine", group: G::EndpointControlGrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("uid", T::Multi, false), P::new("mac", T::Multi, false)], summary: "Lift quarantine for endpoints by UID(s)/MAC(s)." },
    E { id: "M007", method: "POST", path: "endpoint-control/registration/block", group: G::EndpointControlGrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("uid", T::Multi, false), P::new("mac", T::Multi, false)], summary: "Block endpoints by UID(s)/MAC(s)." },
    E { id: "M008", method: "POST", path: "endpoint-control/registration/unblock", group: G::EndpointControlGrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("uid", T::Multi, false), P::new("mac", T::Multi, false)], summary: "Unblock endpoints by UID(s)/MAC(s)." },
    E { id: "M009", method: "POST", path: "endpoint-control/registration/deregister", group: G::EndpointControlGrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("uid", T::Multi, false), P::new("mac", T::Multi, false)], summary: "Deregister endpoints by UID(s)/MAC(s)." },
    E { id: "M010", method: "GET", path: "endpoint-control/installer/select", group: G::EndpointControlGrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("min_version", T::Str, false)], summary: "FortiClient installer images on offer, optionally filtered by minimum version." },
    E { id: "M011", method: "GET", path: "endpoint-control/installer/download", group: G::EndpointControlGrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("mkey", T::Str, true)], summary: "Fetch one FortiClient installer (by image id) through FortiGuard; file download." },
    E { id: "M012", method: "GET", path: "endpoint-control/avatar/download", group: G::EndpointControlGrp, result: R::Object, etag: true, tier: "P2", depth: D::Shallow, params: &[P::new("uid", T::Str, false), P::new("user", T::Str, false), P::new("alias", T::Str, false), P::new("default", T::Str, false)], summary: "Avatar picture of an endpoint/user/device (falls back to a named default); file download." },
    E { id: "M013", method: "GET", path: "firewall/health/select", group: G::Sysgrp, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Status of load-balancing server health-check monitors." },
    E { id: "M014", method: "GET", path: "firewall/local-in/select", group: G::FwgrpPolicy, result: R::Array, etag: false, tier: "P2", depth: D::Deep, params: &[], summary: "Implicit and configured local-in policies." },
    E { id: "M015", method: "GET", path: "firewall/acl/select", group: G::FwgrpPolicy, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Hit counters of IPv4 ACL entries." },
    E { id: "M016", method: "POST", path: "firewall/acl/clear_counters", group: G::FwgrpPolicy, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("policy", T::Multi, false)], summary: "Zero IPv4 ACL counters for one id or a list of ids." },
    E { id: "M017", method: "GET", path: "firewall/acl6/select", group: G::FwgrpPolicy, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Hit counters of IPv6 ACL entries." },
    E { id: "M018", method: "POST", path: "firewall/acl6/clear_counters", group: G::FwgrpPolicy, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("policy", T::Multi, false)], summary: "Zero IPv6 ACL counters for one id or a list of ids." },
    E { id: "M019", method: "GET", path: "firewall/policy/select", group: G::FwgrpPolicy, result: R::Unspecified, etag: false, tier: "P0", depth: D::Deep, params: &[], summary: "Per-IPv4-policy traffic counters (bytes, packets, sessions, hit/last-used). Also reachable as /firewall/policy (action defaults to select)." },
    E { id: "M020", method: "POST", path: "firewall/policy/reset", group: G::FwgrpPolicy, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[], summary: "Zero counters of every IPv4 policy." },
    E { id: "M021", method: "POST", path: "firewall/policy/clear_counters", group: G::FwgrpPolicy, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("policy", T::Multi, false)], summary: "Zero counters of one IPv4 policy id or a list of ids." },
    E { id: "M022", method: "GET", path: "firewall/policy6/select", group: G::FwgrpPolicy, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[], summary: "Per-IPv6-policy traffic counters." },
    E { id: "M023", method: "POST", path: "firewall/policy6/reset", group: G::FwgrpPolicy, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[], summary: "Zero counters of every IPv6 policy." },
    E { id: "M024", method: "POST", path: "firewall/policy6/clear_counters", group: G::FwgrpPolicy, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("policy", T::Multi, false)], summary: "Zero counters of one IPv6 policy id or a list of ids." },
    E { id: "M025", method: "GET", path: "firewall/proxy-policy/select", group: G::FwgrpPolicy, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Per explicit-proxy-policy traffic counters." },
    E { id: "M026", method: "POST", path: "firewall/proxy-policy/clear_counters", group: G::FwgrpPolicy, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("policy", T::Multi, false)], summary: "Zero explicit-proxy-policy counters for one id or a list." },
    E { id: "M027", method: "GET", path: "firewall/policy-lookup/select", group: G::FwgrpPolicy, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("ipv6", T::Bool, false), P::new("srcintf", T::Str, true), P::new("sourceport", T::Int, false), P::new("sourceip", T::Str, true), P::new("protocol", T::Str, true), P::new("dest", T::Str, true), P::new("destport", T::Int, true), P::new("icmptype", T::Int, false), P::new("icmpcode", T::Int, false)], summary: "Synthesise a packet (interface, src/dst, proto, ports) and report which policy would match." },
    E { id: "M028", method: "GET", path: "firewall/session/select", group: G::Sysgrp, result: R::Array, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("ip_version", T::Str, false), P::new("start", T::Int, false), P::new("count", T::Int, true), P::new("summary", T::Bool, false), P::new("sourceport", T::Int, false), P::new("policyid", T::Int, false), P::new("application", T::Int, false), P::new("protocol", T::Str, false), P::new("destport", T::Int, false), P::new("srcintf", T::Str, false), P::new("dstintf", T::Str, false), P::new("source", T::Str, false), P::new("destination", T::Str, false), P::new("username", T::Str, false), P::new("shaper", T::Str, false), P::new("country", T::Str, false), P::new("natsourceaddress", T::Str, false), P::new("natsourceport", T::Str, false)], summary: "Active session table (IPv4/IPv6/both) with paging, many match filters and an optional summary block." },
    E { id: "M029", method: "POST", path: "firewall/session/clear_all", group: G::Sysgrp, result: R::Int, etag: false, tier: "P1", depth: D::Deep, params: &[], summary: "Drop every IPv4 and IPv6 session; result is an integer." },
    E { id: "M030", method: "POST", path: "firewall/session/close", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("pro", T::Str, true), P::new("saddr", T::Str, true), P::new("daddr", T::Str, true), P::new("sport", T::Str, true), P::new("dport", T::Str, true)], summary: "Drop the session(s) matching protocol + src/dst address + src/dst port." },
    E { id: "M031", method: "GET", path: "firewall/session-top/select", group: G::Sysgrp, result: R::Array, etag: false, tier: "P2", depth: D::Deep, params: &[P::new("report_by", T::Str, false), P::new("sort_by", T::Str, false), P::new("count", T::Int, false), P::new("filter", T::Object, false)], summary: "Top-N session aggregation grouped by source, destination, app, category, domain, interface, policy or country." },
    E { id: "M032", method: "GET", path: "firewall/shaper/select", group: G::FwgrpOthers, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Statistics of configured traffic shapers." },
    E { id: "M033", method: "POST", path: "firewall/shaper/reset", group: G::FwgrpOthers, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Zero all traffic-shaper statistics." },
    E { id: "M034", method: "GET", path: "firewall/load-balance/select", group: G::FwgrpOthers, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("start", T::Int, false), P::new("count", T::Int, true)], summary: "Load-balanced virtual servers and real servers, paged (count required)." },
    E { id: "M035", method: "GET", path: "firewall/address-fqdns/select", group: G::FwgrpPolicy, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[], summary: "FQDN address objects with the IP addresses they currently resolve to." },
    E { id: "M036", method: "GET", path: "fortiview/statistics/select", group: G::Sysgrp, result: R::Array, etag: false, tier: "P2", depth: D::Deep, params: &[P::new("realtime", T::Bool, false), P::new("filter", T::Object, false)], summary: "FortiView drill-down/summary data, realtime (kernel) or historical, with a filter map." },
    E { id: "M037", method: "GET", path: "fortiview/sandbox-file-details/select", group: G::Sysgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("checksum", T::Str, true)], summary: "FortiSandbox verdict/details for one file checksum." },
    E { id: "M038", method: "GET", path: "geoip/geoip-query/select", group: G::Sysgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("ip_addresses", T::Str, true)], summary: "Geo-location (via FortiGuard) of one or more IP addresses." },
    E { id: "M039", method: "GET", path: "ips/rate-based/select", group: G::UtmgrpIps, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Rate-based signatures in the installed IPS package." },
    E { id: "M040", method: "GET", path: "license/status/select", group: G::Sysgrp, result: R::Object, etag: false, tier: "P0", depth: D::Deep, params: &[], summary: "Licence, contract and FortiGuard registration status (also used by clients as a post-login liveness/version probe)." },
    E { id: "M041", method: "POST", path: "license/database/upgrade", group: G::Updategrp, result: R::Object, etag: false, tier: "P2", depth: D::Deep, params: &[P::new("db_name", T::Str, false), P::new("file_content", T::Str, false)], summary: "Install a security-service database (e.g. IPS/AV) from an uploaded file." },
    E { id: "M042", method: "GET", path: "license/forticare-resellers/select", group: G::Sysgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("country_code", T::Int, false)], summary: "FortiCare resellers for a country code." },
    E { id: "M043", method: "GET", path: "license/forticare-org-list/select", group: G::Sysgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "FortiCare organisation-size and industry pick-lists." },
    E { id: "M044", method: "GET", path: "log/current-disk-usage/select", group: G::LoggrpDataAccess, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[], summary: "Log disk: used, free and total bytes." },
    E { id: "M045", method: "GET", path: "log/device/state", group: G::LoggrpDataAccess, result: R::Object, etag: false, tier: "P1", depth: D::Shallow, params: &[], summary: "State of each log device (memory, disk, FortiAnalyzer, FortiCloud)." },
    E { id: "M046", method: "GET", path: "log/forticloud/select", group: G::LoggrpConfig, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "FortiCloud logging connection status." },
    E { id: "M047", method: "GET", path: "log/fortianalyzer/select", group: G::LoggrpConfig, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("server", T::Str, false)], summary: "FortiAnalyzer/FortiManager logging status, optionally for one server address." },
    E { id: "M048", method: "GET", path: "log/fortianalyzer-queue/select", group: G::LoggrpConfig, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("scope", T::Str, false)], summary: "FortiAnalyzer upload-queue state (only populated for realtime upload), VDOM or global scope." },
    E { id: "M049", method: "GET", path: "log/hourly-disk-usage/select", group: G::LoggrpDataAccess, result: R::Unspecified, etag: false, tier: "P2", depth: D::Deep, params: &[], summary: "Hourly history of log disk usage in bytes." },
    E { id: "M050", method: "GET", path: "log/historic-daily-remote-logs/select", group: G::LoggrpDataAccess, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Bytes of logs sent per day to FortiCloud/FortiAnalyzer." },
    E { id: "M051", method: "GET", path: "log/stats/select", group: G::LoggrpDataAccess, result: R::Array, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("dev", T::Str, false)], summary: "Per-day, per-category count of logs sent to one log device." },
    E { id: "M052", method: "POST", path: "log/stats/reset", group: G::LoggrpDataAccess, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[], summary: "Zero logging statistics of all log devices." },
    E { id: "M053", method: "GET", path: "log/forticloud-report/download", group: G::LoggrpDataAccess, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("mkey", T::Int, true), P::new("inline", T::Int, false)], summary: "Download a FortiCloud PDF report by id (optionally inline)." },
    E { id: "M054", method: "GET", path: "log/ips-archive/download", group: G::LoggrpDataAccess, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("mkey", T::Int, true), P::new("pcap_no", T::Int, false), P::new("pcap_category", T::Int, false)], summary: "Download IPS/app-control packet-capture archive by id (disk devices also need roll number and category)." },
    E { id: "M055", method: "GET", path: "log/policy-archive/download", group: G::LoggrpDataAccess, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("mkey", T::Int, true), P::new("srcip", T::Str, true), P::new("dstip", T::Str, true)], summary: "Download policy packet-capture archive for a session id + src/dst IP." },
    E { id: "M056", method: "GET", path: "log/av-archive/download", group: G::LoggrpDataAccess, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("mkey", T::Str, true)], summary: "Download an AV-quarantined file by checksum." },
    E { id: "M057", method: "GET", path: "router/ipv4/select", group: G::Sysgrp, result: R::Array, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("start", T::Int, false), P::new("count", T::Int, false), P::new("ip_mask", T::Str, false), P::new("gateway", T::Str, false), P::new("type", T::Str, false), P::new("interface", T::Str, false)], summary: "Active IPv4 routing table (RIB) entries, paged and filterable." },
    E { id: "M058", method: "GET", path: "router/ipv6/select", group: G::Sysgrp, result: R::Array, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("start", T::Int, false), P::new("count", T::Int, false), P::new("ip_mask", T::Str, false), P::new("gateway", T::Str, false), P::new("type", T::Str, false), P::new("interface", T::Str, false)], summary: "Active IPv6 routing table entries, paged and filterable." },
    E { id: "M059", method: "GET", path: "router/statistics/select", group: G::Sysgrp, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("ip_version", T::Int, false), P::new("ip_mask", T::Str, false), P::new("gateway", T::Str, false), P::new("type", T::Str, false), P::new("interface", T::Str, false)], summary: "Route counts per type/family, including number of routes matching the filters." },
    E { id: "M060", method: "GET", path: "router/lookup/select", group: G::Routegrp, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("ipv6", T::Bool, false), P::new("destination", T::Str, true)], summary: "Longest-prefix lookup of a destination IP/FQDN in the routing table." },
    E { id: "M061", method: "POST", path: "system/admin/toggle-vdom-mode", group: G::Sysgrp, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[], summary: "Flip multi-VDOM mode (enable if disabled, disable if enabled)." },
    E { id: "M062", method: "GET", path: "system/config-revision/select", group: G::Sysgrp, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[], summary: "List of stored configuration revisions (id, time, admin, comments)." },
    E { id: "M063", method: "POST", path: "system/config-revision/update-comments", group: G::Sysgrp, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("config_id", T::Int, false), P::new("comments", T::Str, false)], summary: "Change the comment of one stored revision." },
    E { id: "M064", method: "POST", path: "system/config-revision/delete", group: G::Sysgrp, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("config_ids", T::Array, true)], summary: "Remove one or more stored revisions by id." },
    E { id: "M065", method: "GET", path: "system/config-revision/file", group: G::Sysgrp, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("config_id", T::Int, false)], summary: "Download the config text of one stored revision; file download." },
    E { id: "M066", method: "GET", path: "system/config-revision/info", group: G::Sysgrp, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("config_id", T::Int, false)], summary: "Metadata of one stored revision." },
    E { id: "M067", method: "POST", path: "system/config-revision/save", group: G::Sysgrp, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("comments", T::Str, false)], summary: "Store the running config as a new revision checkpoint (optional comment)." },
    E { id: "M068", method: "GET", path: "system/current-admins/select", group: G::Sysgrp, result: R::Array, etag: false, tier: "P1", depth: D::Deep, params: &[], summary: "Administrators currently logged in (id, name, source IP, login method, profile, time)." },
    E { id: "M069", method: "POST", path: "system/disconnect-admins/select", group: G::Sysgrp, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("id", T::Int, false), P::new("method", T::Str, false), P::new("admins", T::Array, false)], summary: "Terminate admin sessions, given one id+method or a list of {id, method}." },
    E { id: "M070", method: "POST", path: "system/time/set", group: G::Sysgrp, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("year", T::Int, true), P::new("month", T::Int, true), P::new("day", T::Int, true), P::new("hour", T::Int, true), P::new("minute", T::Int, true), P::new("second", T::Int, true)], summary: "Set the clock from year/month(0-11)/day/hour/minute/second." },
    E { id: "M071", method: "GET", path: "system/time/select", group: G::Sysgrp, result: R::Object, etag: false, tier: "P0", depth: D::Deep, params: &[], summary: "Current system date/time." },
    E { id: "M072", method: "POST", path: "system/os/reboot", group: G::Sysgrp, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("event_log_message", T::Str, false)], summary: "Reboot now; optional event-log message." },
    E { id: "M073", method: "POST", path: "system/os/shutdown", group: G::Sysgrp, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("event_log_message", T::Str, false)], summary: "Power off now; optional event-log message." },
    E { id: "M074", method: "GET", path: "system/vdom-resource/select", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[], summary: "Per-VDOM resource usage (CPU, memory, object counts vs quota)." },
    E { id: "M075", method: "GET", path: "system/dhcp/select", group: G::Sysgrp, result: R::Array, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("ipv6", T::Bool, false)], summary: "DHCP server leases (IPv4; IPv6 too when ipv6=true)." },
    E { id: "M076", method: "POST", path: "system/dhcp/revoke", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("ip", T::Array, false)], summary: "Revoke IPv4 leases (listed IPs, or all when none given)." },
    E { id: "M077", method: "POST", path: "system/dhcp6/revoke", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("ip", T::Array, false)], summary: "Revoke IPv6 leases (listed IPs, or all when none given)." },
    E { id: "M078", method: "GET", path: "system/firmware/select", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P0", depth: D::Deep, params: &[], summary: "Running firmware and images available for upgrade (clients read results.current.version)." },
    E { id: "M079", method: "POST", path: "system/firmware/upgrade", group: G::Sysgrp, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("source", T::Str, true), P::new("filename", T::Str, false), P::new("format_partition", T::Bool, false), P::new("file_content", T::Str, false)], summary: "Install firmware from upload, USB or FortiGuard, then reboot." },
    E { id: "M080", method: "POST", path: "system/fsck/start", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Deep, params: &[], summary: "Reboot and run a file-system check at boot." },
    E { id: "M081", method: "GET", path: "system/storage/select", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Information on the non-boot (log) disk." },
    E { id: "M082", method: "POST", path: "system/change-password/select", group: G::Any, result: R::Unspecified, etag: false, tier: "P2", depth: D::Deep, params: &[], summary: "Change an admin / guest-admin password (parameters not documented; see section 6)." },
    E { id: "M083", method: "POST", path: "system/password-policy-conform/select", group: G::Any, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Check a candidate password against the password policy (parameters not documented)." },
    E { id: "M084", method: "GET", path: "system/csf/select", group: G::Sysgrp, result: R::Object, etag: true, tier: "P2", depth: D::Shallow, params: &[], summary: "Security Fabric tree of downstream FortiGates." },
    E { id: "M085", method: "GET", path: "system/modem/select", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Internal/external modem statistics." },
    E { id: "M086", method: "POST", path: "system/modem/reset", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Zero modem statistics." },
    E { id: "M087", method: "POST", path: "system/modem/connect", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Ask the configured modem to dial/connect." },
    E { id: "M088", method: "POST", path: "system/modem/disconnect", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Ask the configured modem to hang up." },
    E { id: "M089", method: "GET", path: "system/3g-modem/select", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "3G modem models known to FortiGuard." },
    E { id: "M090", method: "GET", path: "system/resource/usage", group: G::Sysgrp, result: R::Object, etag: false, tier: "P0", depth: D::Deep, params: &[P::new("resource", T::Str, false), P::new("interval", T::Str, false)], summary: "Current value plus history of cpu / memory / disk / sessions / lograte over 1-min..24-hour windows." },
    E { id: "M091", method: "GET", path: "system/sniffer/select", group: G::FwgrpPacketCapture, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Configured packet captures and their state." },
    E { id: "M092", method: "POST", path: "system/sniffer/restart", group: G::FwgrpPacketCapture, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("mkey", T::Int, true)], summary: "Restart capture id mkey." },
    E { id: "M093", method: "POST", path: "system/sniffer/start", group: G::FwgrpPacketCapture, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("mkey", T::Int, true)], summary: "Start capture id mkey." },
    E { id: "M094", method: "POST", path: "system/sniffer/stop", group: G::FwgrpPacketCapture, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("mkey", T::Int, true)], summary: "Stop capture id mkey." },
    E { id: "M095", method: "GET", path: "system/sniffer/download", group: G::FwgrpPacketCapture, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("mkey", T::Int, true)], summary: "Download the pcap of capture id mkey; file download." },
    E { id: "M096", method: "GET", path: "system/fsw/select", group: G::Sysgrp, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("fsw_id", T::Str, false), P::new("poe", T::Bool, false)], summary: "Managed FortiSwitch statistics (optionally one switch, optionally PoE per port in W)." },
    E { id: "M097", method: "POST", path: "system/fsw/update", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("fswname", T::Str, false), P::new("admin", T::Str, false)], summary: "Set a FortiSwitch admin state (enable / disable / discovered)." },
    E { id: "M098", method: "POST", path: "system/fsw/restart", group: G::Sysgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("mkey", T::Str, true)], summary: "Reboot one managed FortiSwitch." },
    E { id: "M099", method: "POST", path: "system/fsw/upgrade", group: G::Sysgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("mkey", T::Str, true), P::new("source", T::Str, true), P::new("file_content", T::Str, false)], summary: "Upgrade a managed FortiSwitch from upload or FortiGuard." },
    E { id: "M100", method: "GET", path: "system/fsw-firmware/select", group: G::Sysgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("mkey", T::Str, false), P::new("timeout", T::Str, false)], summary: "Recommended firmware per managed FortiSwitch (FortiGuard timeout default 3 s)." },
    E { id: "M101", method: "GET", path: "system/interface/select", group: G::Netgrp, result: R::Array, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("interface_name", T::Str, false), P::new("include_vlan", T::Bool, false)], summary: "Per-interface status and counters (optionally one interface, optionally VLANs)." },
    E { id: "M102", method: "GET", path: "system/available-interfaces/select", group: G::Any, result: R::Array, etag: false, tier: "P1", depth: D::Deep, params: &[], summary: "All interfaces with availability metadata (what may reference them)." },
    E { id: "M103", method: "GET", path: "system/available-interfaces/ha", group: G::Any, result: R::Array, etag: false, tier: "P2", depth: D::Deep, params: &[], summary: "Same as above plus HA-related metadata, including HA management interfaces." },
    E { id: "M104", method: "GET", path: "system/interface-bandwidth/select", group: G::Any, result: R::Object, etag: false, tier: "P2", depth: D::Deep, params: &[], summary: "Current bandwidth of every interface." },
    E { id: "M105", method: "GET", path: "system/acquired-dns/select", group: G::Any, result: R::Array, etag: false, tier: "P2", depth: D::Deep, params: &[], summary: "DNS servers learned per interface (DHCP/PPPoE)." },
    E { id: "M106", method: "GET", path: "system/resolve-fqdn/select", group: G::Any, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("ipv6", T::Bool, false), P::new("fqdn", T::Multi, true)], summary: "Resolve one or many FQDNs (A, or AAAA with ipv6=true) to IPs." },
    E { id: "M107", method: "GET", path: "system/usb-log/select", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Attached USB drives and estimated log size." },
    E { id: "M108", method: "POST", path: "system/usb-log/start", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Begin copying the current VDOM's logs to USB." },
    E { id: "M109", method: "POST", path: "system/usb-log/stop", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Stop copying logs to USB." },
    E { id: "M110", method: "GET", path: "system/ipconf/select", group: G::Netgrp, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("dev", T::Object, false), P::new("ipaddr", T::Str, false)], summary: "ARP-probe an IPv4 address on given interfaces to detect a conflict." },
    E { id: "M111", method: "POST", path: "system/fortiguard/update", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Trigger an immediate FortiGuard update/status refresh." },
    E { id: "M112", method: "POST", path: "system/fortiguard/clear-cache", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Clear FortiGuard statistics/cache." },
    E { id: "M113", method: "POST", path: "system/fortiguard/test-availability", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Probe reachability of FortiGuard services." },
    E { id: "M114", method: "GET", path: "system/fortiguard/server-info", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "FortiGuard server list and details." },
    E { id: "M115", method: "GET", path: "system/fortimanager/status", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "FortiManager connection/registration status." },
    E { id: "M116", method: "POST", path: "system/fortimanager/config", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("fortimanager_ip", T::Str, true), P::new("unregister", T::Bool, false)], summary: "Set (or unregister) the FortiManager this unit registers with." },
    E { id: "M117", method: "GET", path: "system/available-certificates/select", group: G::Any, result: R::Unspecified, etag: false, tier: "P2", depth: D::Deep, params: &[P::new("scope", T::Str, false)], summary: "Certificates usable in this VDOM or globally." },
    E { id: "M118", method: "GET", path: "system/certificate/download", group: G::Vpngrp, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("mkey", T::Str, true), P::new("type", T::Str, true), P::new("scope", T::Str, false)], summary: "Download a certificate by name and type (local/csr/remote/ca/crl), VDOM or global; file download." },
    E { id: "M119", method: "POST", path: "system/debug/select", group: G::Any, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("type", T::Str, true), P::new("msg", T::Str, true), P::new("file", T::Str, true), P::new("line", T::Str, true)], summary: "Write a GUI debug message (type, text, file, line) to the console." },
    E { id: "M120", method: "GET", path: "system/debug/download", group: G::Mntgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Download a debug/tech-support report; file download." },
    E { id: "M121", method: "POST", path: "system/com-log/dump", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Start dumping the com-log to a file." },
    E { id: "M122", method: "GET", path: "system/com-log/update", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Progress of the com-log dump." },
    E { id: "M123", method: "GET", path: "system/com-log/download", group: G::Sysgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Download the finished com-log dump; file download." },
    E { id: "M124", method: "GET", path: "system/botnet/stat", group: G::Sysgrp, result: R::Object, etag: true, tier: "P2", depth: D::Shallow, params: &[], summary: "Counts for the FortiGuard botnet IP database." },
    E { id: "M125", method: "GET", path: "system/botnet/select", group: G::Sysgrp, result: R::Array, etag: true, tier: "P2", depth: D::Shallow, params: &[P::new("start", T::Int, false), P::new("count", T::Int, false)], summary: "Botnet IP entries, paged." },
    E { id: "M126", method: "GET", path: "system/botnet-domains/select", group: G::Sysgrp, result: R::Array, etag: true, tier: "P2", depth: D::Shallow, params: &[P::new("start", T::Int, false), P::new("count", T::Int, false)], summary: "Botnet domain entries, paged." },
    E { id: "M127", method: "GET", path: "system/botnet-domains/stat", group: G::Sysgrp, result: R::Object, etag: true, tier: "P2", depth: D::Shallow, params: &[], summary: "Counts for the botnet domain database." },
    E { id: "M128", method: "GET", path: "system/ha-statistics/select", group: G::Sysgrp, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Per-member HA statistics." },
    E { id: "M129", method: "GET", path: "system/ha-checksums/select", group: G::Sysgrp, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Per-member HA configuration checksums." },
    E { id: "M130", method: "GET", path: "system/ha-peer/select", group: G::Sysgrp, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("serial_no", T::Str, false), P::new("vcluster_id", T::Int, false)], summary: "HA peer configuration (uptime in seconds), optionally one serial / one vcluster." },
    E { id: "M131", method: "POST", path: "system/ha-peer/update", group: G::Sysgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("serial_no", T::Str, true), P::new("vcluster_id", T::Int, false), P::new("priority", T::Int, false), P::new("hostname", T::Str, false)], summary: "Change priority and/or hostname of an HA member." },
    E { id: "M132", method: "POST", path: "system/ha-peer/disconnect", group: G::Sysgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("serial_no", T::Str, true), P::new("interface", T::Str, true), P::new("ip", T::Str, true), P::new("mask", T::Str, true)], summary: "Detach an HA member and give it a management interface IP/mask (doc summary is a copy-paste of update)." },
    E { id: "M133", method: "GET", path: "system/link-monitor/select", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("mkey", T::Str, false)], summary: "Per-interface results of active link monitors (optionally one monitor)." },
    E { id: "M134", method: "POST", path: "system/compliance/run", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Run compliance checks for the selected VDOM now." },
    E { id: "M135", method: "POST", path: "system/config/restore", group: G::Sysgrp, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("source", T::Str, true), P::new("usb_filename", T::Str, false), P::new("config_id", T::Int, false), P::new("password", T::Str, false), P::new("scope", T::Str, true), P::new("vdom", T::Str, false), P::new("file_content", T::Str, false)], summary: "Restore configuration (global or one VDOM) from upload, USB file or a stored revision; optional decryption password." },
    E { id: "M136", method: "GET", path: "system/config/backup", group: G::Sysgrp, result: R::Object, etag: false, tier: "P0", depth: D::Deep, params: &[P::new("destination", T::Str, false), P::new("usb_filename", T::Str, false), P::new("password", T::Str, false), P::new("scope", T::Str, true), P::new("vdom", T::Str, false)], summary: "Back up configuration (global or one VDOM) to a file download or USB; optional encryption password." },
    E { id: "M137", method: "GET", path: "system/config/usb-filelist", group: G::Sysgrp, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Config files present on the attached USB drive." },
    E { id: "M138", method: "GET", path: "system/sandbox/status", group: G::Sysgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "FortiSandbox connection status." },
    E { id: "M139", method: "GET", path: "system/sandbox/stats", group: G::Sysgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "FortiSandbox submission statistics." },
    E { id: "M140", method: "GET", path: "system/object/usage", group: G::Any, result: R::Object, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("path", T::Str, false), P::new("name", T::Str, false), P::new("qtypes", T::Array, false), P::new("mkey", T::Str, true)], summary: "Where-used for a CMDB object: who references it now and which tables could." },
    E { id: "M141", method: "GET", path: "system/timezone/select", group: G::Any, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Time-zone list with DST information." },
    E { id: "M142", method: "POST", path: "system/vmlicense/upload", group: G::Sysgrp, result: R::Object, etag: false, tier: "P2", depth: D::Deep, params: &[P::new("file_content", T::Str, false)], summary: "Install a VM licence file; unit reboots on success." },
    E { id: "M143", method: "GET", path: "system/sensor-info/select", group: G::Sysgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Hardware sensor readings (temperature, fans, voltage)." },
    E { id: "M144", method: "GET", path: "system/audit/select", group: G::Sysgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Security Fabric audit results." },
    E { id: "M145", method: "GET", path: "system/fortiguard-blacklist/select", group: G::Sysgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("ip", T::Str, true), P::new("timeout", T::Int, false)], summary: "FortiGuard blacklist verdict for one IPv4 address (timeout default 5 s)." },
    E { id: "M146", method: "GET", path: "switch-controller/managed-switch/faceplate-xml", group: G::Wifi, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("mkey", T::Str, false)], summary: "XML used by the GUI to draw a FortiSwitch faceplate." },
    E { id: "M147", method: "GET", path: "extender-controller/extender/select", group: G::Netgrp, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("id", T::Array, true)], summary: "Statistics for the listed FortiExtender ids." },
    E { id: "M148", method: "POST", path: "extender-controller/extender/reset", group: G::Netgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("id", T::Str, true)], summary: "Reset one FortiExtender." },
    E { id: "M149", method: "GET", path: "user/firewall/select", group: G::Authgrp, result: R::Array, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("start", T::Int, false), P::new("count", T::Int, false), P::new("ipv4", T::Bool, false), P::new("ipv6", T::Bool, false)], summary: "Authenticated firewall users (IPv4 by default, IPv6 optional), paged." },
    E { id: "M150", method: "POST", path: "user/firewall/deauth", group: G::Authgrp, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("user_type", T::Str, false), P::new("id", T::Int, false), P::new("ip", T::Str, false), P::new("ip_version", T::Str, false), P::new("method", T::Str, false), P::new("all", T::Bool, false), P::new("users", T::Array, false)], summary: "Log out one, several or all authenticated firewall/proxy users." },
    E { id: "M151", method: "GET", path: "user/banned/select", group: G::Authgrp, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[], summary: "Quarantined (banned) source IPs." },
    E { id: "M152", method: "POST", path: "user/banned/clear_users", group: G::Authgrp, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("ip_addresses", T::Array, true)], summary: "Remove listed IPs from the banned list." },
    E { id: "M153", method: "POST", path: "user/banned/add_users", group: G::Authgrp, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("ip_addresses", T::Array, true), P::new("expiry", T::Int, false)], summary: "Ban listed IPs, optionally with expiry seconds (0 = forever)." },
    E { id: "M154", method: "POST", path: "user/banned/clear_all", group: G::Authgrp, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[], summary: "Empty the banned list." },
    E { id: "M155", method: "GET", path: "user/fortitoken/select", group: G::Authgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "FortiTokens and their status." },
    E { id: "M156", method: "POST", path: "user/fortitoken/activate", group: G::Authgrp, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("tokens", T::Array, false)], summary: "Activate listed FortiToken serials (all if omitted)." },
    E { id: "M157", method: "GET", path: "user/device/select", group: G::Sysgrp, result: R::Array, etag: true, tier: "P2", depth: D::Deep, params: &[P::new("master_only", T::Bool, false), P::new("fortilink_visibility", T::Bool, false), P::new("compliance_visibility", T::Bool, false), P::new("intf_name", T::Str, false), P::new("master_mac", T::Str, false)], summary: "Detected devices, with optional FortiSwitch port and compliance details." },
    E { id: "M158", method: "POST", path: "user/fortitoken/refresh", group: G::Authgrp, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("tokens", T::Array, false)], summary: "Refresh listed FortiToken serials (all if omitted)." },
    E { id: "M159", method: "POST", path: "user/fortitoken/provision", group: G::Authgrp, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("tokens", T::Array, false)], summary: "Provision listed FortiToken serials (all if omitted)." },
    E { id: "M160", method: "POST", path: "user/fortitoken/send-activation", group: G::Authgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("user_name", T::Str, false), P::new("token", T::Str, false), P::new("method", T::Str, false), P::new("email", T::Str, false), P::new("sms_phone", T::Str, false)], summary: "Send a token activation code to a user by e-mail or SMS." },
    E { id: "M161", method: "POST", path: "user/fsso/refresh-server", group: G::Authgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Refresh group lists from all FSSO agents." },
    E { id: "M162", method: "GET", path: "user/fsso/select", group: G::Authgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "FSSO agents and polling status." },
    E { id: "M163", method: "GET", path: "utm/rating-lookup/select", group: G::UtmgrpWebfilter, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("url", T::Multi, true)], summary: "FortiGuard web-filter rating of one or more URLs." },
    E { id: "M164", method: "GET", path: "utm/app-lookup/select", group: G::Any, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("hosts", T::Array, false), P::new("address", T::Str, false), P::new("dst_port", T::Int, false), P::new("protocol", T::Int, false)], summary: "Resolve host(s) to application-control entries via FortiFlow." },
    E { id: "M165", method: "GET", path: "utm/application-categories/select", group: G::Any, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Application-control category list." },
    E { id: "M166", method: "GET", path: "utm/antivirus/stats", group: G::UtmgrpAntivirus, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Antivirus scanning counters." },
    E { id: "M167", method: "GET", path: "virtual-wan/health-check/select", group: G::Sysgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "SD-WAN health-check results per link." },
    E { id: "M168", method: "GET", path: "webfilter/override/select", group: G::UtmgrpWebfilter, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Admin- and user-created web-filter overrides." },
    E { id: "M169", method: "POST", path: "webfilter/override/delete", group: G::UtmgrpWebfilter, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("mkey", T::Str, false)], summary: "Delete one web-filter override by id." },
    E { id: "M170", method: "GET", path: "webfilter/malicious-urls/select", group: G::UtmgrpWebfilter, result: R::Object, etag: true, tier: "P2", depth: D::Shallow, params: &[], summary: "FortiSandbox malicious-URL list." },
    E { id: "M171", method: "GET", path: "webfilter/malicious-urls/stat", group: G::UtmgrpWebfilter, result: R::Object, etag: true, tier: "P2", depth: D::Shallow, params: &[], summary: "Counts for the malicious-URL list." },
    E { id: "M172", method: "GET", path: "webfilter/category-quota/select", group: G::UtmgrpWebfilter, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("profile", T::Str, false), P::new("user", T::Str, false)], summary: "Category quota consumption (optionally per profile + user/IP)." },
    E { id: "M173", method: "POST", path: "webfilter/category-quota/reset", group: G::UtmgrpWebfilter, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("profile", T::Str, false), P::new("user", T::Str, false)], summary: "Reset category quota for a profile and/or user/IP." },
    E { id: "M174", method: "GET", path: "webfilter/fortiguard-categories/select", group: G::Any, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("include_unrated", T::Bool, false)], summary: "FortiGuard web-filter categories (optionally including Unrated)." },
    E { id: "M175", method: "GET", path: "webfilter/trusted-urls/select", group: G::UtmgrpWebfilter, result: R::Object, etag: true, tier: "P2", depth: D::Shallow, params: &[], summary: "FortiGuard trusted-URL list." },
    E { id: "M176", method: "GET", path: "vpn/ipsec/select", group: G::Vpngrp, result: R::Array, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("tunnel", T::Str, false), P::new("start", T::Int, false), P::new("count", T::Int, false)], summary: "Active IPsec tunnels (phase1 + phase2 selectors, counters), optionally one tunnel, paged." },
    E { id: "M177", method: "POST", path: "vpn/ipsec/tunnel_up", group: G::Vpngrp, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("p1name", T::Str, true), P::new("p2name", T::Str, true), P::new("p2serial", T::Str, false)], summary: "Bring up a phase2 of a phase1 tunnel." },
    E { id: "M178", method: "POST", path: "vpn/ipsec/tunnel_down", group: G::Vpngrp, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("p1name", T::Str, true), P::new("p2name", T::Str, true), P::new("p2serial", T::Str, false)], summary: "Bring down a phase2 of a phase1 tunnel." },
    E { id: "M179", method: "POST", path: "vpn/ipsec/tunnel_reset_stats", group: G::Vpngrp, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("p1name", T::Str, true)], summary: "Zero counters of a phase1 tunnel." },
    E { id: "M180", method: "GET", path: "vpn/ssl/select", group: G::Vpngrp, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[], summary: "SSL-VPN sessions and their sub-sessions." },
    E { id: "M181", method: "POST", path: "vpn/ssl/clear_tunnel", group: G::Vpngrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Deep, params: &[], summary: "Drop every SSL-VPN tunnel session in the current VDOM." },
    E { id: "M182", method: "POST", path: "vpn/ssl/delete", group: G::Vpngrp, result: R::Unspecified, etag: false, tier: "P1", depth: D::Deep, params: &[P::new("type", T::Str, true), P::new("index", T::Int, true)], summary: "Terminate one SSL-VPN web session or sub-session by type + index." },
    E { id: "M183", method: "GET", path: "vpn/ssl/stats", group: G::Vpngrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Deep, params: &[], summary: "SSL-VPN statistics." },
    E { id: "M184", method: "GET", path: "wanopt/history/select", group: G::Wanoptgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("period", T::Str, false)], summary: "WAN-optimisation statistics over a period." },
    E { id: "M185", method: "POST", path: "wanopt/history/reset", group: G::Wanoptgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Zero WAN-opt statistics." },
    E { id: "M186", method: "GET", path: "wanopt/webcache/select", group: G::Wanoptgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("period", T::Str, false)], summary: "Web-cache statistics history over a period." },
    E { id: "M187", method: "POST", path: "wanopt/webcache/reset", group: G::Wanoptgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Zero web-cache statistics." },
    E { id: "M188", method: "GET", path: "wanopt/peer_stats/select", group: G::Wanoptgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Per-peer WAN-opt statistics." },
    E { id: "M189", method: "POST", path: "wanopt/peer_stats/reset", group: G::Wanoptgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Zero per-peer WAN-opt statistics." },
    E { id: "M190", method: "GET", path: "webproxy/pacfile/download", group: G::Netgrp, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Download the explicit-proxy PAC file; file download." },
    E { id: "M191", method: "GET", path: "webcache/stats/select", group: G::Wanoptgrp, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("period", T::Str, false)], summary: "Web-cache statistics over a period." },
    E { id: "M192", method: "POST", path: "webcache/stats/reset", group: G::Wanoptgrp, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Zero all web-cache statistics." },
    E { id: "M193", method: "GET", path: "wifi/client/select", group: G::Wifi, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("start", T::Int, false), P::new("count", T::Int, false), P::new("type", T::Str, false)], summary: "Connected Wi-Fi clients (or failed logins), paged." },
    E { id: "M194", method: "GET", path: "wifi/managed_ap/select", group: G::Wifi, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("wtp_id", T::Str, false), P::new("incl_local", T::Bool, false)], summary: "Managed FortiAPs (optionally one, optionally include local FortiWiFi radio)." },
    E { id: "M195", method: "POST", path: "wifi/managed_ap/set_status", group: G::Wifi, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("wtpname", T::Str, false), P::new("admin", T::Str, false)], summary: "Set a FortiAP admin state (enable / disable / discovered)." },
    E { id: "M196", method: "GET", path: "wifi/firmware/select", group: G::Wifi, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("timeout", T::Str, false)], summary: "Current vs recommended firmware for FortiAPs (FortiGuard timeout default 2 s)." },
    E { id: "M197", method: "POST", path: "wifi/managed_ap/restart", group: G::Wifi, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("wtpname", T::Str, false)], summary: "Reboot one FortiAP by name." },
    E { id: "M198", method: "POST", path: "wifi/managed_ap/upgrade", group: G::Wifi, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("mkey", T::Str, true), P::new("source", T::Str, true), P::new("filename", T::Str, false), P::new("image_id", T::Str, false), P::new("file_content", T::Str, false)], summary: "Upgrade one FortiAP from upload or FortiGuard image id." },
    E { id: "M199", method: "GET", path: "wifi/ap_status/select", group: G::Wifi, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Aggregate statistics of managed FortiAPs." },
    E { id: "M200", method: "GET", path: "wifi/interfering_ap/select", group: G::Wifi, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("wtp", T::Str, true), P::new("radio", T::Int, true), P::new("start", T::Int, false), P::new("count", T::Int, false)], summary: "APs interfering with one radio of one FortiAP, paged." },
    E { id: "M201", method: "GET", path: "wifi/euclid/select", group: G::Wifi, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Presence-analytics statistics." },
    E { id: "M202", method: "POST", path: "wifi/euclid/reset", group: G::Wifi, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Zero presence-analytics statistics." },
    E { id: "M203", method: "GET", path: "wifi/rogue_ap/select", group: G::Wifi, result: R::Array, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("start", T::Int, false), P::new("count", T::Int, false)], summary: "Detected rogue/neighbour APs, paged." },
    E { id: "M204", method: "POST", path: "wifi/rogue_ap/clear_all", group: G::Wifi, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Forget every detected rogue AP." },
    E { id: "M205", method: "POST", path: "wifi/rogue_ap/set_status", group: G::Wifi, result: R::Unspecified, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("bssid", T::Array, false), P::new("ssid", T::Array, false), P::new("status", T::Str, false)], summary: "Classify listed BSSID/SSID pairs (unclassified / rogue / accepted / suppressed)." },
    E { id: "M206", method: "GET", path: "wifi/spectrum/select", group: G::Wifi, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[P::new("wtp_id", T::Str, true)], summary: "Spectrum-analysis data of one FortiAP." },
    E { id: "M207", method: "GET", path: "coverage/download/select", group: G::Any, result: R::Object, etag: false, tier: "P2", depth: D::Shallow, params: &[], summary: "Internal code-coverage download (engineering builds only; see section 6)." },
];
