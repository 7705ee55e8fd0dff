//! CLI configuration text: backup → restore round-trips exactly; bad text changes nothing.

mod common;

use common::{Dev, NOW};
use serde_json::json;

#[test]
fn factory_backup_is_flat_fortios_cli_text() {
    let d = Dev::factory();
    let text = d.m.backup_text(None, "admin").unwrap();
    assert!(text.starts_with("#config-version=FGT60D-5.06-FW-build1449-170330:opmode=0:vdom=0:user=admin\n"));
    assert!(text.contains("config firewall address\n    edit \"all\"\n"));
    assert!(text.contains("config system global\n"));
    assert!(!text.contains("config vdom"));
    insta::assert_snapshot!("factory_backup", text);
}

#[test]
fn lab_backup_has_vdom_sections_and_restores_after_mutations() {
    let mut d = Dev::lab();
    let text = d.m.backup_text(None, "admin").unwrap();
    assert!(text.contains(":vdom=1:"));
    assert!(text.contains("config global\n") && text.contains("config vdom\nedit root\n"));
    let before = d.m.cmdb.clone();
    let listing = d.get("/api/v2/cmdb/firewall/policy?vdom=root").body["results"].clone();
    d.put("/api/v2/cmdb/firewall/policy/1?vdom=root&action=move&after=3", json!(null));
    d.post("/api/v2/cmdb/firewall/address?vdom=vdom1", json!({"name":"late","comment":"x \"q\" \\ y"}));
    d.delete("/api/v2/cmdb/firewall/policy/2?vdom=root");
    let rev = d.m.revision.counter;
    d.m.restore_text(NOW, &text, None).unwrap();
    // Same objects, values and order; the UUID generator keeps counting (no UUID reuse).
    assert!(d.m.cmdb.global == before.global && d.m.cmdb.vdoms == before.vdoms, "restore differs");
    assert!(d.m.cmdb.uuid_counter >= before.uuid_counter);
    assert_eq!(d.m.revision.counter, rev + 1, "restore bumps the revision");
    assert_eq!(d.get("/api/v2/cmdb/firewall/policy?vdom=root").body["results"], listing);
}

#[test]
fn vdom_backup_restores_only_that_vdom() {
    let mut d = Dev::lab();
    let text = d.m.backup_text(Some("vdom1"), "admin").unwrap();
    assert!(!text.contains("config system global"));
    d.post("/api/v2/cmdb/firewall/address?vdom=vdom1", json!({"name":"tmp"}));
    d.post("/api/v2/cmdb/firewall/address?vdom=root", json!({"name":"keep"}));
    d.m.restore_text(NOW, &text, Some("vdom1")).unwrap();
    assert_eq!(d.get("/api/v2/cmdb/firewall/address/tmp?vdom=vdom1").status, 404);
    assert_eq!(d.get("/api/v2/cmdb/firewall/address/keep?vdom=root").status, 200);
    assert!(d.m.backup_text(Some("nosuch"), "admin").is_err());
}

#[test]
fn malformed_or_dangling_configs_are_refused_and_change_nothing() {
    let mut d = Dev::lab();
    let before = d.m.clone();
    for bad in [
        "config firewall address\n    edit \"x\"\n",
        "config firewall nosuch\nend\n",
        "config firewall address\n    edit \"x\"\n        set subnet 1.2.3.4 255.0.255.0\n    next\nend\n",
        "config firewall address\n    edit \"x\"\n        set nosuch 1\n    next\nend\n",
        "config firewall policy\n    edit 1\n        set srcaddr \"ghost\"\n    next\nend\n",
        "config firewall address\n    edit \"x\n",
        "set x 1\n",
    ] {
        assert!(d.m.restore_text(NOW, bad, None).is_err(), "{bad:?} accepted");
        assert!(d.m == before, "{bad:?} changed the model");
    }
}
