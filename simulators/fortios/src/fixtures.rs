//! The spec's fixtures (§5.0): F0 (factory) and F1 (lab), built through the same commands a
//! client would send, so the lab script also prepares a real unit.

use serde_json::{json, Value};

use crate::cmdb::{CmdbError, Target, ROOT};
use crate::model::{Command, Identity, Model};

/// F0: factory state.
pub fn factory(now: i64) -> Result<Model, CmdbError> {
    Model::factory(Identity::default(), now)
}

fn create(m: &mut Model, now: i64, table: &str, vdom: &str, body: Value) -> Result<(), CmdbError> {
    m.apply(now, Command::Create { target: Target::table(table, vdom), body }).map(|_| ())
}

/// The three lab policies of F1 step 5 (`srcintf` etc. as the spec lists them).
pub fn lab_policies() -> Vec<Value> {
    let p = |id: i64, name: &str, srcintf: Vec<&str>, action: &str, schedule: &str| {
        json!({"json": {
            "policyid": id, "name": name,
            "srcintf": srcintf.iter().map(|n| json!({"name": n})).collect::<Vec<_>>(),
            "dstintf": [{"name": "port2"}], "srcaddr": [{"name": "all"}], "dstaddr": [{"name": "all"}],
            "action": action, "schedule": schedule, "service": [{"name": "ALL"}], "nat": "disable"
        }})
    };
    vec![
        p(1, "p1", vec!["port1", "lan"], "accept", "always"),
        p(2, "p2", vec!["port1"], "deny", "always"),
        p(3, "p3", vec!["port1", "lan"], "accept", "once"),
    ]
}

/// F1: F0 plus VDOM mode with `vdom1`, admin `ro`, the lab addresses, schedule `once` and
/// policies 1-3 in `firewall/policy` and `firewall/policy6` of root.
pub fn lab(now: i64) -> Result<Model, CmdbError> {
    let mut m = factory(now)?;
    m.apply(
        now,
        Command::Update {
            target: Target::table("system/global", ROOT),
            body: json!({"vdom-admin": "enable"}),
        },
    )?;
    create(&mut m, now, "system/vdom", ROOT, json!({"name": "vdom1"}))?;
    create(
        &mut m,
        now,
        "system/admin",
        ROOT,
        json!({"name":"ro","password":"ro","accprofile":"super_admin_readonly","vdom":[{"name":"root"}]}),
    )?;
    for body in [
        json!({"name":"address1","type":"ipmask","subnet":"1.1.1.0 255.255.255.0"}),
        json!({"name":"fqdn1","type":"fqdn","fqdn":"www.example.com","associated-interface":"lan"}),
        json!({"name":"fqdn2","type":"fqdn","fqdn":"ftp.example.com"}),
        json!({"name":"range1","type":"iprange","start-ip":"10.0.0.1","end-ip":"10.0.0.10"}),
        json!({"name":"hidden1","type":"ipmask","subnet":"3.3.3.0 255.255.255.0","visibility":"disable"}),
    ] {
        create(&mut m, now, "firewall/address", ROOT, body)?;
    }
    create(
        &mut m,
        now,
        "firewall.schedule/onetime",
        ROOT,
        json!({"name":"once","start":"00:00 2017/01/01","end":"00:00 2037/01/01"}),
    )?;
    for p in lab_policies() {
        create(&mut m, now, "firewall/policy", ROOT, p.clone())?;
        create(&mut m, now, "firewall/policy6", ROOT, p)?;
    }
    Ok(m)
}
