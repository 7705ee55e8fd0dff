//! The FortiGate state (spec §4.1-§4.3) and every CMDB operation on it.
//!
//! Pure and synchronous: time comes in as `now` (Unix seconds), nothing here knows HTTP. The
//! JSON of [`Model`] is the seed / persisted format.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::cmdb::{Cmdb, CmdbError, Result, Target, ROOT};
use crate::query::{self, Query};
use crate::schema::{Registry, Scope};

/// Device identity reported in every envelope (spec §1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub serial: String,
    pub hostname: String,
    /// `FGT60D`, `FGVM64` ...
    pub model: String,
    pub version: String,
    pub build: u32,
}

impl Default for Identity {
    fn default() -> Self {
        Identity {
            serial: "FGT60D4617000001".into(),
            hostname: "FGT60D4617000001".into(),
            model: "FGT60D".into(),
            version: "v5.6.0".into(),
            build: 1449,
        }
    }
}

/// The configuration revision (spec §4.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// Bumped once per successful CMDB mutation (and per VDOM for `global=1`).
    pub counter: u64,
    pub boot_nonce: u32,
    pub boot_epoch: i64,
}

impl Revision {
    /// `<counter>.0.0.<boot_nonce>.<boot_epoch>`.
    pub fn render(&self) -> String {
        format!("{}.0.0.{}.{}", self.counter, self.boot_nonce, self.boot_epoch)
    }
}

/// One CMDB request, decoded from the URL, the query and the body.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// GET (`action=select` or none).
    Select { target: Target, query: Query },
    /// GET `action=schema`; `None` = whole tree.
    Schema { table: Option<String> },
    /// GET `action=default`; `None` = whole tree.
    Default { table: Option<String> },
    /// GET `/api/v2/cmdb/`: the table directory.
    Directory,
    /// POST on a table or child table.
    Create { target: Target, body: Value },
    /// PUT on an entry, child entry or singleton.
    Update { target: Target, body: Value },
    /// DELETE of an entry / child entry, or purge of a table / child table.
    Delete { target: Target },
    /// POST `action=clone`.
    Clone { target: Target, nkey: Option<String> },
    /// PUT `action=move`.
    Move { target: Target, before: Option<String>, after: Option<String> },
}

impl Command {
    pub fn target(&self) -> Option<&Target> {
        match self {
            Command::Select { target, .. }
            | Command::Create { target, .. }
            | Command::Update { target, .. }
            | Command::Delete { target }
            | Command::Clone { target, .. }
            | Command::Move { target, .. } => Some(target),
            Command::Schema { .. } | Command::Default { .. } | Command::Directory => None,
        }
    }

    fn target_mut(&mut self) -> Option<&mut Target> {
        match self {
            Command::Select { target, .. }
            | Command::Create { target, .. }
            | Command::Update { target, .. }
            | Command::Delete { target }
            | Command::Clone { target, .. }
            | Command::Move { target, .. } => Some(target),
            Command::Schema { .. } | Command::Default { .. } | Command::Directory => None,
        }
    }

    /// Reads never change the revision.
    pub fn is_write(&self) -> bool {
        !matches!(
            self,
            Command::Select { .. } | Command::Schema { .. } | Command::Default { .. } | Command::Directory
        )
    }

    /// `action` to echo in the envelope.
    pub fn action(&self) -> Option<&'static str> {
        match self {
            Command::Schema { .. } => Some("schema"),
            Command::Default { .. } => Some("default"),
            Command::Clone { .. } => Some("clone"),
            Command::Move { .. } => Some("move"),
            _ => None,
        }
    }
}

/// What a successful command produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// `results` of reads; `None` for writes.
    pub results: Option<Value>,
    /// `mkey` to echo (URL key on GET/PUT/DELETE, new key on POST / clone).
    pub mkey: Option<Value>,
}

/// Body as received: unwrap `{"json": {...}}` (spec §2.6) and insist on an object.
pub fn body_object(body: &Value) -> Result<Map<String, Value>> {
    let inner = match body {
        Value::Object(o) if o.len() == 1 && o.get("json").is_some_and(Value::is_object) => &o["json"],
        other => other,
    };
    match inner {
        Value::Object(o) => Ok(o.clone()),
        Value::Null => Ok(Map::new()),
        _ => Err(CmdbError::BadRequest("body must be a JSON object".into())),
    }
}

/// The whole device state the CMDB side needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub identity: Identity,
    pub revision: Revision,
    pub cmdb: Cmdb,
    /// Time of the last successful CMDB change (Unix seconds).
    #[serde(default)]
    pub last_change: i64,
}

fn seed_from(identity: &Identity) -> u64 {
    identity
        .serial
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

impl Model {
    pub fn registry(&self) -> &'static Registry {
        Registry::builtin()
    }

    /// Factory state (F0) booted at `now`.
    pub fn factory(identity: Identity, now: i64) -> Result<Model> {
        let reg = Registry::builtin();
        let seed = seed_from(&identity);
        let mut cmdb = Cmdb::factory(reg, seed)?;
        cmdb.update(
            reg,
            &Target::table("system/global", ROOT),
            json_obj(json!({"hostname": identity.hostname})),
        )
        .or_else(|_| {
            cmdb.update(
                reg,
                &Target::table("system/global", ROOT),
                json_obj(json!({"hostname": "FortiGate"})),
            )
        })?;
        Ok(Model {
            identity,
            revision: Revision { counter: 1, boot_nonce: (seed as u32) | 1, boot_epoch: now },
            cmdb,
            last_change: now,
        })
    }

    /// Load a seed / persisted state (missing tables are added).
    pub fn from_json(text: &str) -> std::result::Result<Model, serde_json::Error> {
        let mut m: Model = serde_json::from_str(text)?;
        m.cmdb.normalize(Registry::builtin());
        Ok(m)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }

    pub fn revision_string(&self) -> String {
        self.revision.render()
    }

    pub fn vdom_names(&self) -> Vec<String> {
        self.cmdb.vdom_names()
    }

    /// Scope of a table, `None` when unknown.
    pub fn scope_of(&self, table: &str) -> Option<Scope> {
        self.registry().get(table).map(|t| t.scope)
    }

    /// Run one command. Writes bump the revision when they succeed and change nothing when
    /// they fail.
    pub fn apply(&mut self, now: i64, cmd: Command) -> Result<Output> {
        let reg = Registry::builtin();
        if let Some(t) = cmd.target() {
            let schema = reg.get(&t.table).ok_or_else(|| CmdbError::UnknownTable(t.table.clone()))?;
            if schema.scope == Scope::Vdom && !self.cmdb.vdoms.contains_key(&t.vdom) {
                return Err(CmdbError::UnknownVdom(t.vdom.clone()));
            }
        }
        // The engine checks everything before it changes anything, so a failed write leaves
        // the CMDB as it was (property-tested).
        let write = cmd.is_write();
        let out = apply_to(reg, &mut self.cmdb, cmd)?;
        if write {
            self.revision.counter += 1;
            self.last_change = now;
        }
        Ok(out)
    }

    /// `global=1`: run the command in each of `vdoms` (spec §2.2); a global-scope table runs
    /// once. Each element carries the VDOM it ran in (`None` for global scope).
    pub fn apply_global(
        &mut self,
        now: i64,
        cmd: &Command,
        vdoms: &[String],
    ) -> Vec<(Option<String>, Result<Output>)> {
        let global_scope = cmd.target().and_then(|t| self.scope_of(&t.table)) == Some(Scope::Global)
            || cmd.target().is_none();
        if global_scope {
            return vec![(None, self.apply(now, cmd.clone()))];
        }
        vdoms
            .iter()
            .map(|v| {
                let mut c = cmd.clone();
                if let Some(t) = c.target_mut() {
                    t.vdom = v.clone();
                }
                (Some(v.clone()), self.apply(now, c))
            })
            .collect()
    }

    /// Replace the whole CMDB (config restore); bumps the revision.
    pub fn replace_cmdb(&mut self, now: i64, cmdb: Cmdb) {
        self.cmdb = cmdb;
        self.cmdb.normalize(Registry::builtin());
        self.revision.counter += 1;
        self.last_change = now;
    }
}

fn json_obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn apply_to(reg: &Registry, cmdb: &mut Cmdb, cmd: Command) -> Result<Output> {
    match cmd {
        Command::Select { target, query } => {
            let results = query::select(reg, cmdb, &target, &query)?;
            Ok(Output { results: Some(results), mkey: target.mkey.map(Value::String) })
        }
        Command::Schema { table } => {
            let results = match table {
                Some(t) => reg.get(&t).ok_or(CmdbError::UnknownTable(t))?.schema_json(),
                None => reg.schema_json(),
            };
            Ok(Output { results: Some(results), mkey: None })
        }
        Command::Default { table } => {
            let results = match table {
                Some(t) => reg.get(&t).ok_or(CmdbError::UnknownTable(t))?.default_json(),
                None => reg.default_json(),
            };
            Ok(Output { results: Some(results), mkey: None })
        }
        Command::Directory => {
            let results = reg
                .tables()
                .map(|t| json!({"path": t.path, "name": t.name, "help": t.help, "category": if t.kind == crate::schema::Kind::Table { "table" } else { "complex" }}))
                .collect();
            Ok(Output { results: Some(Value::Array(results)), mkey: None })
        }
        Command::Create { target, body } => {
            let body = body_object(&body)?;
            let key = cmdb.create(reg, &target, body)?;
            Ok(Output { results: None, mkey: Some(key) })
        }
        Command::Update { target, body } => {
            let body = body_object(&body)?;
            let key = cmdb.update(reg, &target, body)?;
            Ok(Output { results: None, mkey: key.or(target.mkey.map(Value::String)) })
        }
        Command::Delete { target } => {
            cmdb.delete(reg, &target)?;
            Ok(Output { results: None, mkey: target.mkey.map(Value::String) })
        }
        Command::Clone { target, nkey } => {
            let key = cmdb.clone_entry(reg, &target, nkey.as_deref())?;
            Ok(Output { results: None, mkey: Some(key) })
        }
        Command::Move { target, before, after } => {
            cmdb.move_entry(reg, &target, before.as_deref(), after.as_deref())?;
            Ok(Output { results: None, mkey: target.mkey.map(Value::String) })
        }
    }
}
