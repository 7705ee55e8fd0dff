//! Property tests: random command sequences keep order, unique keys and valid references; failed
//! commands change nothing; the filter parser never panics; CLI render → parse is the identity.

use devsim_fortios::cli::{parse_config, render_cmdb};
use devsim_fortios::cmdb::{key_string, Target};
use devsim_fortios::filter::Filter;
use devsim_fortios::fixtures;
use devsim_fortios::model::{Command, Model};
use devsim_fortios::query::Query;
use devsim_fortios::schema::Registry;
use proptest::prelude::*;
use serde_json::{json, Value};

const ADDR: &str = "firewall/address";
const GRP: &str = "firewall/addrgrp";
const POLICY: &str = "firewall/policy";

#[derive(Debug, Clone)]
enum Op {
    CreateAddr(u8, String),
    CreateGroup(u8, Vec<u8>),
    CreatePolicy(u8, u8),
    Rename(u8, u8),
    DeleteAddr(u8),
    DeleteGroup(u8),
    DeletePolicy(u8),
    CloneAddr(u8, u8),
    ClonePolicy(u8),
    MovePolicy(u8, u8, bool),
    MoveAddr(u8, u8, bool),
    PurgeGroups,
}

fn addr_name(i: u8) -> String {
    format!("a{}", i % 8)
}
fn grp_name(i: u8) -> String {
    format!("g{}", i % 4)
}
fn addr_or_group(i: u8) -> String {
    if i % 3 == 0 {
        grp_name(i / 3)
    } else {
        addr_name(i)
    }
}

fn comment() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[a-z ,\\\\\"#\n]{0,12}", Just("edit \"x\"\nnext".to_string())]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<u8>(), comment()).prop_map(|(i, c)| Op::CreateAddr(i, c)),
        (any::<u8>(), prop::collection::vec(any::<u8>(), 0..3)).prop_map(|(i, m)| Op::CreateGroup(i, m)),
        (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::CreatePolicy(a, b)),
        (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::Rename(a, b)),
        any::<u8>().prop_map(Op::DeleteAddr),
        any::<u8>().prop_map(Op::DeleteGroup),
        any::<u8>().prop_map(Op::DeletePolicy),
        (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::CloneAddr(a, b)),
        any::<u8>().prop_map(Op::ClonePolicy),
        (any::<u8>(), any::<u8>(), any::<bool>()).prop_map(|(a, b, c)| Op::MovePolicy(a, b, c)),
        (any::<u8>(), any::<u8>(), any::<bool>()).prop_map(|(a, b, c)| Op::MoveAddr(a, b, c)),
        Just(Op::PurgeGroups),
    ]
}

fn keys(m: &Model, table: &str) -> Vec<String> {
    m.cmdb.rows(Registry::builtin(), table, "root").unwrap().keys().cloned().collect()
}

fn nth_key(m: &Model, table: &str, i: u8) -> String {
    let k = keys(m, table);
    if k.is_empty() {
        "999".into()
    } else {
        k[i as usize % k.len()].clone()
    }
}

fn to_command(m: &Model, op: &Op) -> Command {
    let t = |table: &str| Target::table(table, "root");
    let e = |table: &str, k: &str| Target::entry(table, "root", k);
    match op {
        Op::CreateAddr(i, c) => Command::Create {
            target: t(ADDR),
            body: json!({"name": addr_name(*i), "subnet": format!("10.{}.0.0/16", i), "comment": c}),
        },
        Op::CreateGroup(i, members) => Command::Create {
            target: t(GRP),
            body: json!({"name": grp_name(*i), "member": members.iter().map(|m| json!({"name": addr_or_group(*m)})).collect::<Vec<_>>()}),
        },
        Op::CreatePolicy(s, d) => Command::Create {
            target: t(POLICY),
            body: json!({"srcintf":[{"name":"port1"}],"dstintf":[{"name":"port2"}],"srcaddr":[{"name": addr_or_group(*s)}],
                "dstaddr":[{"name": addr_or_group(*d)}],"schedule":"always","service":[{"name":"ALL"}],"action":"accept"}),
        },
        Op::Rename(a, b) => {
            Command::Update { target: e(ADDR, &addr_name(*a)), body: json!({"name": addr_name(*b)}) }
        }
        Op::DeleteAddr(a) => Command::Delete { target: e(ADDR, &addr_name(*a)) },
        Op::DeleteGroup(g) => Command::Delete { target: e(GRP, &grp_name(*g)) },
        Op::DeletePolicy(p) => Command::Delete { target: e(POLICY, &nth_key(m, POLICY, *p)) },
        Op::CloneAddr(a, b) => Command::Clone { target: e(ADDR, &addr_name(*a)), nkey: Some(addr_name(*b)) },
        Op::ClonePolicy(p) => Command::Clone { target: e(POLICY, &nth_key(m, POLICY, *p)), nkey: None },
        Op::MovePolicy(a, b, after) => {
            let anchor = nth_key(m, POLICY, *b);
            Command::Move {
                target: e(POLICY, &nth_key(m, POLICY, *a)),
                before: (!after).then(|| anchor.clone()),
                after: after.then_some(anchor),
            }
        }
        Op::MoveAddr(a, b, after) => {
            let anchor = nth_key(m, ADDR, *b);
            Command::Move {
                target: e(ADDR, &nth_key(m, ADDR, *a)),
                before: (!after).then(|| anchor.clone()),
                after: after.then_some(anchor),
            }
        }
        Op::PurgeGroups => Command::Delete { target: t(GRP) },
    }
}

/// Expected key order after a successful command (the shadow model).
fn expected_order(
    before: &[String],
    op: &Op,
    cmd: &Command,
    new_key: Option<&Value>,
) -> Option<(String, Vec<String>)> {
    let mut v = before.to_vec();
    match (op, cmd) {
        (Op::CreateAddr(..) | Op::CloneAddr(..), _) => {
            v.push(key_string(new_key?));
            Some((ADDR.into(), v))
        }
        (Op::CreatePolicy(..) | Op::ClonePolicy(..), _) => {
            v.push(key_string(new_key?));
            Some((POLICY.into(), v))
        }
        (Op::Rename(a, b), _) => {
            let i = v.iter().position(|k| *k == addr_name(*a))?;
            v[i] = addr_name(*b);
            Some((ADDR.into(), v))
        }
        (Op::DeleteAddr(_), Command::Delete { target })
        | (Op::DeletePolicy(_), Command::Delete { target }) => {
            let k = target.mkey.clone()?;
            v.retain(|x| *x != k);
            Some((target.table.clone(), v))
        }
        (Op::MovePolicy(..) | Op::MoveAddr(..), Command::Move { target, before, after }) => {
            let k = target.mkey.clone()?;
            let anchor = before.clone().or(after.clone())?;
            if k != anchor {
                v.retain(|x| *x != k);
                let j = v.iter().position(|x| *x == anchor)?;
                v.insert(if after.is_some() && before.is_none() { j + 1 } else { j }, k);
            }
            Some((target.table.clone(), v))
        }
        _ => None,
    }
}

fn check_invariants(m: &Model) -> Result<(), TestCaseError> {
    let reg = Registry::builtin();
    m.cmdb.check_all(reg).map_err(|e| TestCaseError::fail(format!("dangling reference: {e}")))?;
    for (table, mkey) in [(ADDR, "name"), (GRP, "name"), (POLICY, "policyid")] {
        for (k, o) in m.cmdb.rows(reg, table, "root").unwrap() {
            prop_assert_eq!(k, &key_string(&o[mkey]), "stored key matches the mkey attribute");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_command_sequences_keep_order_keys_and_references(ops in prop::collection::vec(op(), 1..40)) {
        let mut m = fixtures::lab(1).unwrap();
        for (i, op) in ops.iter().enumerate() {
            let cmd = to_command(&m, op);
            let before = m.clone();
            let table = cmd.target().map(|t| t.table.clone()).unwrap_or_default();
            let order_before = keys(&m, &table);
            match m.apply(10 + i as i64, cmd.clone()) {
                Ok(out) => {
                    prop_assert_eq!(m.revision.counter, before.revision.counter + 1);
                    if let Some((t, want)) = expected_order(&order_before, op, &cmd, out.mkey.as_ref()) {
                        prop_assert_eq!(keys(&m, &t), want, "order after {:?}", op);
                    }
                }
                Err(_) => prop_assert_eq!(&m, &before, "a failed command changed the model: {:?}", op),
            }
            check_invariants(&m)?;
        }
    }

    #[test]
    fn cli_render_parse_is_identity(ops in prop::collection::vec(op(), 0..30), vdom_mode in any::<bool>()) {
        let reg = Registry::builtin();
        let mut m = if vdom_mode { fixtures::lab(1).unwrap() } else { fixtures::factory(1).unwrap() };
        for op in &ops {
            let cmd = to_command(&m, op);
            let _ = m.apply(5, cmd);
        }
        let text = render_cmdb(reg, &m.cmdb);
        let parsed = parse_config(reg, &text, &m.cmdb).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&parsed, &m.cmdb);
        prop_assert_eq!(render_cmdb(reg, &parsed), text);
    }

    #[test]
    fn filter_parser_never_panics(params in prop::collection::vec(".{0,40}", 0..4)) {
        if let Ok(f) = Filter::parse(&params) {
            let row = json!({"name": "x", "srcintf": [{"name": "port1"}], "policyid": 3});
            let _ = f.matches(row.as_object().unwrap());
        }
    }

    #[test]
    fn query_params_never_panic(k in "[a-z_]{0,10}", v in ".{0,30}") {
        let _ = Query::from_params([(k.as_str(), v.as_str())]);
        let _ = devsim_fortios::request::parse_query(&v);
        let _ = devsim_fortios::path::parse_cmdb_path(Registry::builtin(), &v);
    }

    #[test]
    fn cli_parser_never_panics(text in "(config|edit|set|next|end|\"|\\\\|[a-z. ]|\n){0,80}") {
        let reg = Registry::builtin();
        let base = devsim_fortios::cmdb::Cmdb::empty(reg, 1);
        let _ = parse_config(reg, &text, &base);
    }
}
