//! The generic CMDB engine (spec §2.7, §4.2): ordered tables per VDOM and global, singletons,
//! child tables, references. Pure: nothing here knows HTTP, time or revisions (the model does).
//!
//! Objects are stored *normalised*: every schema field present, in schema order, in stored form
//! (see [`crate::value`]). Reads render from that; writes merge into it and validate the result.

use std::collections::{BTreeMap, HashMap};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::schema::{Field, FieldType, Kind, Node, Registry, Scope, TableSchema};
use crate::value;

/// One object: attribute → value, in schema order.
pub type Obj = Map<String, Value>;

/// The factory content (spec §5.0 F0) as data.
pub const FACTORY_TEXT: &str = include_str!("../data/factory.json");

/// The default VDOM.
pub const ROOT: &str = "root";

/// An engine failure; the wire module maps it to the device's status and `error` code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CmdbError {
    /// Unknown `<path>/<name>` (404, no code).
    #[error("unknown CMDB table {0}")]
    UnknownTable(String),
    /// Unknown or inaccessible VDOM (403, spec §2.2, G08).
    #[error("unknown VDOM {0}")]
    UnknownVdom(String),
    /// Unknown mkey / child mkey (404, error -3).
    #[error("entry not found: {0}")]
    NotFound(String),
    /// Duplicate mkey on create / clone / rename (424, error -5).
    #[error("duplicate entry: {0}")]
    Duplicate(String),
    /// Delete / purge / rename of an object still referenced (424, error -23).
    #[error("entry {key} is in use by {by}")]
    InUse { key: String, by: String },
    /// Invalid value or dangling reference (424, error -651).
    #[error("invalid value for {field}: {reason}")]
    Invalid { field: String, reason: String },
    /// Missing required attribute (424, error -651).
    #[error("missing required attribute {0}")]
    MissingRequired(String),
    /// Method not applicable to this URL (405).
    #[error("method not allowed: {0}")]
    MethodNotAllowed(String),
    /// Malformed request: bad filter, non-numeric paging, body not an object (400).
    #[error("bad request: {0}")]
    BadRequest(String),
}

impl CmdbError {
    /// HTTP status of the reference (spec §1.8).
    pub fn http_status(&self) -> u16 {
        match self {
            CmdbError::UnknownTable(_) | CmdbError::NotFound(_) => 404,
            CmdbError::UnknownVdom(_) => 403,
            CmdbError::Duplicate(_)
            | CmdbError::InUse { .. }
            | CmdbError::Invalid { .. }
            | CmdbError::MissingRequired(_) => 424,
            CmdbError::MethodNotAllowed(_) => 405,
            CmdbError::BadRequest(_) => 400,
        }
    }

    /// FortiOS internal error code for the `error` field (spec §1.8), when there is one.
    pub fn error_code(&self) -> Option<i64> {
        match self {
            CmdbError::NotFound(_) => Some(-3),
            CmdbError::Duplicate(_) => Some(-5),
            CmdbError::InUse { .. } => Some(-23),
            CmdbError::Invalid { .. } | CmdbError::MissingRequired(_) => Some(-651),
            _ => None,
        }
    }

    fn invalid(field: &str, reason: impl Into<String>) -> Self {
        CmdbError::Invalid { field: field.to_string(), reason: reason.into() }
    }
}

pub type Result<T, E = CmdbError> = std::result::Result<T, E>;

/// An ordered table: canonical key → object. Serialised as a JSON object in table order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Table {
    pub rows: IndexMap<String, Obj>,
}

/// Every table and singleton of one scope (the global part, or one VDOM).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Store {
    #[serde(default)]
    pub tables: BTreeMap<String, Table>,
    #[serde(default)]
    pub singletons: BTreeMap<String, Obj>,
}

impl Store {
    /// Every table of `scope` empty, every singleton at its defaults.
    pub fn empty(reg: &Registry, scope: Scope) -> Store {
        let mut s = Store::default();
        s.fill_missing(reg, scope);
        s
    }

    fn fill_missing(&mut self, reg: &Registry, scope: Scope) {
        for t in reg.tables().filter(|t| t.scope == scope) {
            match t.kind {
                Kind::Table => {
                    self.tables.entry(t.key()).or_default();
                }
                Kind::Singleton => {
                    self.singletons.entry(t.key()).or_insert_with(|| t.node.defaults());
                }
            }
        }
    }
}

/// Where a request points (spec §2.1): a table (or singleton), optionally one entry, one child
/// table of it, one child entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// `firewall/address`
    pub table: String,
    /// VDOM for VDOM-scoped tables (ignored for global ones).
    pub vdom: String,
    pub mkey: Option<String>,
    pub child: Option<String>,
    pub child_mkey: Option<String>,
}

impl Target {
    pub fn table(table: &str, vdom: &str) -> Target {
        Target { table: table.into(), vdom: vdom.into(), ..Default::default() }
    }
    pub fn entry(table: &str, vdom: &str, mkey: &str) -> Target {
        Target { mkey: Some(mkey.into()), ..Target::table(table, vdom) }
    }
    pub fn with_child(mut self, child: &str, child_mkey: Option<&str>) -> Target {
        self.child = Some(child.into());
        self.child_mkey = child_mkey.map(str::to_string);
        self
    }
}

/// The configuration database: the global part and one store per VDOM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cmdb {
    pub global: Store,
    pub vdoms: IndexMap<String, Store>,
    /// Seed and counter of generated UUIDs (deterministic).
    #[serde(default)]
    pub uuid_seed: u64,
    #[serde(default)]
    pub uuid_counter: u64,
}

/// Canonical key of a JSON key value: strings as-is, integers in decimal.
pub fn key_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

fn key_value(node: &Node, key: &str) -> Value {
    if node.integer_key() {
        key.parse::<i64>().map(Value::from).unwrap_or_else(|_| json!(key))
    } else {
        json!(key)
    }
}

/// Canonical form of a key given in a URL (`01` → `1` for integer keys).
fn canonical_key(node: &Node, key: &str) -> String {
    if node.integer_key() {
        key.trim().parse::<i64>().map(|n| n.to_string()).unwrap_or_else(|_| key.to_string())
    } else {
        key.to_string()
    }
}

impl Cmdb {
    /// An empty database with `root` only (no factory content).
    pub fn empty(reg: &Registry, uuid_seed: u64) -> Cmdb {
        let mut vdoms = IndexMap::new();
        vdoms.insert(ROOT.to_string(), Store::empty(reg, Scope::Vdom));
        Cmdb { global: Store::empty(reg, Scope::Global), vdoms, uuid_seed, uuid_counter: 0 }
    }

    /// Factory content of spec §5.0 F0.
    pub fn factory(reg: &Registry, uuid_seed: u64) -> Result<Cmdb> {
        let seed: Value = serde_json::from_str(FACTORY_TEXT)
            .map_err(|e| CmdbError::BadRequest(format!("factory seed is not JSON: {e}")))?;
        let mut c = Cmdb::empty(reg, uuid_seed);
        c.apply_seed_section(reg, &seed["global"], ROOT)?;
        c.apply_seed_section(reg, &seed["vdom"], ROOT)?;
        c.apply_seed_section(reg, &seed["root"], ROOT)?;
        Ok(c)
    }

    /// Create every entry of one seed section (`{"<table>": [objects] | {singleton}}`).
    fn apply_seed_section(&mut self, reg: &Registry, section: &Value, vdom: &str) -> Result<()> {
        let Some(map) = section.as_object() else { return Ok(()) };
        for (table, content) in map {
            match content {
                Value::Array(rows) => {
                    for row in rows {
                        let body = row.as_object().cloned().unwrap_or_default();
                        self.create(reg, &Target::table(table, vdom), body)?;
                    }
                }
                Value::Object(o) => {
                    self.update(reg, &Target::table(table, vdom), o.clone())?;
                }
                _ => return Err(CmdbError::BadRequest(format!("seed section {table} is not a list"))),
            }
        }
        Ok(())
    }

    /// Add missing tables/singletons (after loading a seed written by hand or an older build).
    pub fn normalize(&mut self, reg: &Registry) {
        self.global.fill_missing(reg, Scope::Global);
        if !self.vdoms.contains_key(ROOT) {
            self.vdoms.insert(ROOT.to_string(), Store::default());
        }
        for s in self.vdoms.values_mut() {
            s.fill_missing(reg, Scope::Vdom);
        }
    }

    pub fn vdom_names(&self) -> Vec<String> {
        self.vdoms.keys().cloned().collect()
    }

    fn schema<'r>(reg: &'r Registry, table: &str) -> Result<&'r TableSchema> {
        reg.get(table).ok_or_else(|| CmdbError::UnknownTable(table.to_string()))
    }

    pub fn store(&self, scope: Scope, vdom: &str) -> Result<&Store> {
        match scope {
            Scope::Global => Ok(&self.global),
            Scope::Vdom => self.vdoms.get(vdom).ok_or_else(|| CmdbError::UnknownVdom(vdom.to_string())),
        }
    }

    fn store_mut(&mut self, scope: Scope, vdom: &str) -> Result<&mut Store> {
        match scope {
            Scope::Global => Ok(&mut self.global),
            Scope::Vdom => self.vdoms.get_mut(vdom).ok_or_else(|| CmdbError::UnknownVdom(vdom.to_string())),
        }
    }

    /// The rows of a table (empty when the table has none).
    pub fn rows(&self, reg: &Registry, table: &str, vdom: &str) -> Result<&IndexMap<String, Obj>> {
        static EMPTY: std::sync::OnceLock<IndexMap<String, Obj>> = std::sync::OnceLock::new();
        let t = Self::schema(reg, table)?;
        let store = self.store(t.scope, vdom)?;
        Ok(store.tables.get(table).map(|t| &t.rows).unwrap_or_else(|| EMPTY.get_or_init(IndexMap::new)))
    }

    /// One table entry.
    pub fn get(&self, reg: &Registry, table: &str, vdom: &str, key: &str) -> Option<&Obj> {
        let t = reg.get(table)?;
        let key = canonical_key(&t.node, key);
        self.store(t.scope, vdom).ok()?.tables.get(table)?.rows.get(&key)
    }

    /// A singleton object.
    pub fn singleton(&self, reg: &Registry, table: &str, vdom: &str) -> Option<&Obj> {
        let t = reg.get(table)?;
        self.store(t.scope, vdom).ok()?.singletons.get(table)
    }

    fn next_uuid(&mut self) -> String {
        self.uuid_counter += 1;
        value::make_uuid(self.uuid_seed, self.uuid_counter)
    }

    fn fresh_uuids(&mut self, node: &Node, obj: &mut Obj, force: bool) {
        for f in &node.fields {
            if f.ty == FieldType::Uuid {
                let nil = obj.get(&f.name).and_then(Value::as_str).map_or(true, |s| s == value::NIL_UUID);
                if force || nil {
                    let u = self.next_uuid();
                    obj.insert(f.name.clone(), json!(u));
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Validation
    // -----------------------------------------------------------------------------------------

    /// Does `key` exist in table `table` as seen from `vdom`?
    fn exists(&self, reg: &Registry, table: &str, vdom: &str, key: &str) -> bool {
        self.get(reg, table, vdom, key).is_some()
    }

    /// Check required attributes and references of one stored object seen from `vdom`.
    pub fn validate_obj(&self, reg: &Registry, node: &Node, obj: &Obj, vdom: &str) -> Result<()> {
        self.validate(reg, node, obj, vdom, "")
    }

    /// Check required attributes and references of a merged object.
    fn validate(&self, reg: &Registry, node: &Node, obj: &Obj, vdom: &str, prefix: &str) -> Result<()> {
        for f in &node.fields {
            let name = format!("{prefix}{}", f.name);
            let v = obj.get(&f.name).unwrap_or(&Value::Null);
            if f.required {
                let missing = match v {
                    Value::String(s) => s.is_empty(),
                    Value::Array(a) => a.is_empty(),
                    Value::Null => true,
                    _ => false,
                };
                if missing {
                    return Err(CmdbError::MissingRequired(name));
                }
            }
            match (&f.ty, v) {
                (FieldType::Table(child), Value::Array(items)) => {
                    for item in items {
                        if let Value::Object(o) = item {
                            self.validate(reg, child, o, vdom, &format!("{name}."))?;
                        }
                    }
                }
                (_, Value::String(s)) if !f.refs.is_empty() && !s.is_empty() => {
                    let ok =
                        f.also.iter().any(|a| a == s) || f.refs.iter().any(|r| self.exists(reg, r, vdom, s));
                    if !ok {
                        return Err(CmdbError::invalid(
                            &name,
                            format!("{s:?} not found in {}", f.refs.join(", ")),
                        ));
                    }
                }
                (_, Value::Number(n)) if !f.refs.is_empty() => {
                    let s = n.to_string();
                    if !f.refs.iter().any(|r| self.exists(reg, r, vdom, &s)) {
                        return Err(CmdbError::invalid(
                            &name,
                            format!("{s} not found in {}", f.refs.join(", ")),
                        ));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // References
    // -----------------------------------------------------------------------------------------

    /// Every object referring to `table`/`key` (as `table:key` strings), excluding referrers in
    /// `exclude_table`.
    pub fn referrers(
        &self,
        reg: &Registry,
        table: &str,
        vdom: &str,
        key: &str,
        exclude_table: Option<&str>,
    ) -> Result<Vec<String>> {
        let t = Self::schema(reg, table)?;
        let mut out = Vec::new();
        self.scan_refs(reg, t.scope, vdom, |rtable, rkey, f, v| {
            if f.refs.iter().any(|r| r == table) && v == key && exclude_table != Some(rtable) {
                let who = if rkey.is_empty() { rtable.to_string() } else { format!("{rtable}:{rkey}") };
                if !out.contains(&who) {
                    out.push(who);
                }
            }
        });
        Ok(out)
    }

    /// Reference counts of every key of `table` (`q_ref`).
    pub fn ref_counts(&self, reg: &Registry, table: &str, vdom: &str) -> Result<HashMap<String, usize>> {
        let t = Self::schema(reg, table)?;
        // Each referring object counts once per referenced key.
        let mut seen: std::collections::HashSet<(String, String, String)> = std::collections::HashSet::new();
        self.scan_refs(reg, t.scope, vdom, |rtable, rkey, f, v| {
            if f.refs.iter().any(|r| r == table) {
                seen.insert((rtable.to_string(), rkey.to_string(), v.to_string()));
            }
        });
        let mut counts: HashMap<String, usize> = HashMap::new();
        for (_, _, v) in seen {
            *counts.entry(v).or_default() += 1;
        }
        Ok(counts)
    }

    /// Visit every reference value in the stores that can refer to a `scope` table of `vdom`.
    fn scan_refs(
        &self,
        reg: &Registry,
        scope: Scope,
        vdom: &str,
        mut f: impl FnMut(&str, &str, &Field, &str),
    ) {
        let mut stores: Vec<(Scope, &Store)> = Vec::new();
        match scope {
            Scope::Global => {
                stores.push((Scope::Global, &self.global));
                stores.extend(self.vdoms.values().map(|s| (Scope::Vdom, s)));
            }
            Scope::Vdom => stores.extend(self.vdoms.get(vdom).map(|s| (Scope::Vdom, s))),
        }
        for (sc, store) in stores {
            for t in reg.tables().filter(|t| t.scope == sc) {
                let key = t.key();
                match t.kind {
                    Kind::Table => {
                        if let Some(table) = store.tables.get(&key) {
                            for (rk, obj) in &table.rows {
                                walk_refs(&t.node, obj, &mut |fl, v| f(&key, rk, fl, v));
                            }
                        }
                    }
                    Kind::Singleton => {
                        if let Some(obj) = store.singletons.get(&key) {
                            walk_refs(&t.node, obj, &mut |fl, v| f(&key, "", fl, v));
                        }
                    }
                }
            }
        }
    }

    /// Rewrite every reference to `table`/`old` as `new` (rename propagation).
    fn rewrite_refs(
        &mut self,
        reg: &Registry,
        table: &str,
        scope: Scope,
        vdom: &str,
        old: &str,
        new: &Value,
    ) {
        let mut stores: Vec<(Scope, &mut Store)> = Vec::new();
        match scope {
            Scope::Global => {
                stores.push((Scope::Global, &mut self.global));
                stores.extend(self.vdoms.values_mut().map(|s| (Scope::Vdom, s)));
            }
            Scope::Vdom => stores.extend(self.vdoms.get_mut(vdom).map(|s| (Scope::Vdom, s))),
        }
        for (sc, store) in stores {
            for t in reg.tables().filter(|t| t.scope == sc) {
                let key = t.key();
                if let Some(tbl) = store.tables.get_mut(&key) {
                    for obj in tbl.rows.values_mut() {
                        rewrite_obj(&t.node, obj, table, old, new);
                    }
                }
                if let Some(obj) = store.singletons.get_mut(&key) {
                    rewrite_obj(&t.node, obj, table, old, new);
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Operations
    // -----------------------------------------------------------------------------------------

    /// POST on a table (create) or on a child table (append). Returns the new key.
    pub fn create(&mut self, reg: &Registry, t: &Target, body: Obj) -> Result<Value> {
        let schema = Self::schema(reg, &t.table)?.clone();
        self.store(schema.scope, &t.vdom)?;
        if let Some(child) = &t.child {
            if t.child_mkey.is_some() {
                return Err(CmdbError::MethodNotAllowed("POST on a child entry".into()));
            }
            return self.child_append(reg, &schema, t, child, body);
        }
        if schema.kind == Kind::Singleton {
            return Err(CmdbError::MethodNotAllowed(format!("POST on the singleton {}", t.table)));
        }
        if let Some(mkey) = &t.mkey {
            return Err(match self.get(reg, &t.table, &t.vdom, mkey) {
                Some(_) => {
                    CmdbError::MethodNotAllowed(format!("POST on existing entry {mkey} without action=clone"))
                }
                None => CmdbError::NotFound(mkey.clone()),
            });
        }
        let node = &schema.node;
        let mkey_name = node.mkey.clone().unwrap_or_default();
        let rows = self.rows(reg, &t.table, &t.vdom)?;
        let mut obj = node.defaults();
        merge(node, &mut obj, &body, "")?;
        assign_key(node, &mut obj, rows.values())?;
        let key = key_string(&obj[&mkey_name]);
        if rows.contains_key(&key) {
            return Err(CmdbError::Duplicate(key));
        }
        self.validate(reg, node, &obj, &t.vdom, "")?;
        self.fresh_uuids(node, &mut obj, false);
        let key_v = obj[&mkey_name].clone();
        self.insert_row(reg, &schema, &t.vdom, key.clone(), obj, None)?;
        Ok(key_v)
    }

    fn insert_row(
        &mut self,
        reg: &Registry,
        schema: &TableSchema,
        vdom: &str,
        key: String,
        obj: Obj,
        at: Option<usize>,
    ) -> Result<()> {
        let store = self.store_mut(schema.scope, vdom)?;
        let table = store.tables.entry(schema.key()).or_default();
        match at {
            Some(i) => {
                table.rows.shift_insert(i, key.clone(), obj);
            }
            None => {
                table.rows.insert(key.clone(), obj);
            }
        }
        if schema.key() == "system/vdom" && !self.vdoms.contains_key(&key) {
            self.instantiate_vdom(reg, &key)?;
        }
        Ok(())
    }

    /// A new VDOM gets every VDOM table with the factory VDOM content.
    fn instantiate_vdom(&mut self, reg: &Registry, name: &str) -> Result<()> {
        self.vdoms.insert(name.to_string(), Store::empty(reg, Scope::Vdom));
        let seed: Value = serde_json::from_str(FACTORY_TEXT)
            .map_err(|e| CmdbError::BadRequest(format!("factory seed is not JSON: {e}")))?;
        self.apply_seed_section(reg, &seed["vdom"], name)
    }

    fn child_append(
        &mut self,
        reg: &Registry,
        schema: &TableSchema,
        t: &Target,
        child: &str,
        body: Obj,
    ) -> Result<Value> {
        let node = schema.node.child(child).ok_or_else(|| CmdbError::NotFound(child.to_string()))?.clone();
        let mut parent = self.parent_obj(reg, schema, t)?.clone();
        let list = parent.get(child).and_then(Value::as_array).cloned().unwrap_or_default();
        let existing: Vec<Obj> = list.iter().filter_map(|v| v.as_object().cloned()).collect();
        let mut obj = node.defaults();
        merge(&node, &mut obj, &body, &format!("{child}."))?;
        assign_key(&node, &mut obj, existing.iter())?;
        let mkey_name = node.mkey.clone().unwrap_or_default();
        let key = key_string(&obj[&mkey_name]);
        if existing.iter().any(|e| e.get(&mkey_name).map(key_string).as_deref() == Some(key.as_str())) {
            return Err(CmdbError::Duplicate(key));
        }
        self.validate(reg, &node, &obj, &t.vdom, &format!("{child}."))?;
        let key_v = obj[&mkey_name].clone();
        let mut list = list;
        list.push(Value::Object(obj.clone()));
        parent.insert(child.to_string(), Value::Array(list.clone()));
        self.validate(reg, &schema.node, &parent, &t.vdom, "")?;
        self.fresh_uuids(&node, &mut obj, false);
        if let Some(last) = list.last_mut() {
            *last = Value::Object(obj);
        }
        parent.insert(child.to_string(), Value::Array(list));
        *self.parent_obj_mut(reg, schema, t)? = parent;
        Ok(key_v)
    }

    /// The object owning a child table: a table entry (`t.mkey`) or the singleton.
    fn parent_obj(&self, reg: &Registry, schema: &TableSchema, t: &Target) -> Result<&Obj> {
        let store = self.store(schema.scope, &t.vdom)?;
        match schema.kind {
            Kind::Singleton => {
                store.singletons.get(&t.table).ok_or_else(|| CmdbError::NotFound(t.table.clone()))
            }
            Kind::Table => {
                let mkey = t.mkey.as_deref().ok_or_else(|| CmdbError::NotFound("(no mkey)".into()))?;
                self.get(reg, &t.table, &t.vdom, mkey).ok_or_else(|| CmdbError::NotFound(mkey.to_string()))
            }
        }
    }

    fn parent_obj_mut(&mut self, _reg: &Registry, schema: &TableSchema, t: &Target) -> Result<&mut Obj> {
        let table = t.table.clone();
        let node = schema.node.clone();
        let store = self.store_mut(schema.scope, &t.vdom)?;
        match schema.kind {
            Kind::Singleton => store.singletons.get_mut(&table).ok_or(CmdbError::NotFound(table)),
            Kind::Table => {
                let mkey = t.mkey.as_deref().ok_or_else(|| CmdbError::NotFound("(no mkey)".into()))?;
                let key = canonical_key(&node, mkey);
                store
                    .tables
                    .get_mut(&table)
                    .and_then(|t| t.rows.get_mut(&key))
                    .ok_or(CmdbError::NotFound(key))
            }
        }
    }

    /// PUT: edit an entry (partial; key change = rename), a singleton, or a child entry.
    /// Returns the key to echo.
    pub fn update(&mut self, reg: &Registry, t: &Target, body: Obj) -> Result<Option<Value>> {
        let schema = Self::schema(reg, &t.table)?.clone();
        self.store(schema.scope, &t.vdom)?;
        if let Some(child) = &t.child {
            let Some(ckey) = &t.child_mkey else {
                return Err(CmdbError::MethodNotAllowed("PUT on a child table".into()));
            };
            return self.child_update(reg, &schema, t, child, ckey, body).map(Some);
        }
        match (schema.kind, &t.mkey) {
            (Kind::Singleton, None) => {
                let mut obj = self.parent_obj(reg, &schema, t)?.clone();
                merge(&schema.node, &mut obj, &body, "")?;
                self.validate(reg, &schema.node, &obj, &t.vdom, "")?;
                *self.parent_obj_mut(reg, &schema, t)? = obj;
                Ok(None)
            }
            (Kind::Singleton, Some(_)) => Err(CmdbError::NotFound(t.table.clone())),
            (Kind::Table, None) => Err(CmdbError::MethodNotAllowed(format!("PUT on the table {}", t.table))),
            (Kind::Table, Some(mkey)) => self.row_update(reg, &schema, t, mkey, body).map(Some),
        }
    }

    fn row_update(
        &mut self,
        reg: &Registry,
        schema: &TableSchema,
        t: &Target,
        mkey: &str,
        body: Obj,
    ) -> Result<Value> {
        let node = &schema.node;
        let mkey_name = node.mkey.clone().unwrap_or_default();
        let old_key = canonical_key(node, mkey);
        let rows = self.rows(reg, &t.table, &t.vdom)?;
        let index = rows.get_index_of(&old_key).ok_or_else(|| CmdbError::NotFound(old_key.clone()))?;
        let mut obj = rows[index].clone();
        merge(node, &mut obj, &body, "")?;
        if node.integer_key() && obj[&mkey_name] == json!(0) {
            obj.insert(mkey_name.clone(), rows[index][&mkey_name].clone());
        }
        let new_key = key_string(&obj[&mkey_name]);
        let renamed = new_key != old_key;
        if renamed {
            if new_key.is_empty() {
                return Err(CmdbError::MissingRequired(mkey_name));
            }
            if rows.contains_key(&new_key) {
                return Err(CmdbError::Duplicate(new_key));
            }
            if schema.statics.contains(&old_key) || schema.key() == "system/vdom" {
                return Err(CmdbError::invalid(&mkey_name, format!("{old_key} cannot be renamed")));
            }
        }
        self.validate(reg, node, &obj, &t.vdom, "")?;
        let new_key_v = obj[&mkey_name].clone();
        let store = self.store_mut(schema.scope, &t.vdom)?;
        let table = store.tables.entry(schema.key()).or_default();
        table.rows[index] = obj;
        if renamed {
            let _ = table.rows.replace_index(index, new_key.clone());
            self.rewrite_refs(reg, &t.table, schema.scope, &t.vdom, &old_key, &new_key_v);
        }
        Ok(json!(mkey))
    }

    fn child_update(
        &mut self,
        reg: &Registry,
        schema: &TableSchema,
        t: &Target,
        child: &str,
        ckey: &str,
        body: Obj,
    ) -> Result<Value> {
        let node = schema.node.child(child).ok_or_else(|| CmdbError::NotFound(child.to_string()))?.clone();
        let mkey_name = node.mkey.clone().unwrap_or_default();
        let ckey = canonical_key(&node, ckey);
        let mut parent = self.parent_obj(reg, schema, t)?.clone();
        let mut list = parent.get(child).and_then(Value::as_array).cloned().unwrap_or_default();
        let idx = find_child(&list, &mkey_name, &ckey).ok_or_else(|| CmdbError::NotFound(ckey.clone()))?;
        let mut obj = list[idx].as_object().cloned().unwrap_or_default();
        merge(&node, &mut obj, &body, &format!("{child}."))?;
        let new_key = key_string(&obj[&mkey_name]);
        if new_key != ckey && find_child(&list, &mkey_name, &new_key).is_some() {
            return Err(CmdbError::Duplicate(new_key));
        }
        self.validate(reg, &node, &obj, &t.vdom, &format!("{child}."))?;
        list[idx] = Value::Object(obj);
        parent.insert(child.to_string(), Value::Array(list));
        self.validate(reg, &schema.node, &parent, &t.vdom, "")?;
        *self.parent_obj_mut(reg, schema, t)? = parent;
        Ok(json!(ckey))
    }

    /// DELETE: an entry, a whole table (purge, all-or-nothing), a child entry or child table.
    pub fn delete(&mut self, reg: &Registry, t: &Target) -> Result<()> {
        let schema = Self::schema(reg, &t.table)?.clone();
        self.store(schema.scope, &t.vdom)?;
        if let Some(child) = &t.child {
            let node =
                schema.node.child(child).ok_or_else(|| CmdbError::NotFound(child.to_string()))?.clone();
            let mut parent = self.parent_obj(reg, &schema, t)?.clone();
            let mut list = parent.get(child).and_then(Value::as_array).cloned().unwrap_or_default();
            match &t.child_mkey {
                Some(ck) => {
                    let mkey_name = node.mkey.clone().unwrap_or_default();
                    let ck = canonical_key(&node, ck);
                    let idx = find_child(&list, &mkey_name, &ck).ok_or(CmdbError::NotFound(ck))?;
                    list.remove(idx);
                }
                None => list.clear(),
            }
            parent.insert(child.to_string(), Value::Array(list));
            self.validate(reg, &schema.node, &parent, &t.vdom, "")?;
            *self.parent_obj_mut(reg, &schema, t)? = parent;
            return Ok(());
        }
        if schema.kind == Kind::Singleton {
            return Err(CmdbError::MethodNotAllowed(format!("DELETE on the singleton {}", t.table)));
        }
        let keys: Vec<String> = match &t.mkey {
            Some(mkey) => {
                let key = canonical_key(&schema.node, mkey);
                if !self.rows(reg, &t.table, &t.vdom)?.contains_key(&key) {
                    return Err(CmdbError::NotFound(key));
                }
                vec![key]
            }
            None => self.rows(reg, &t.table, &t.vdom)?.keys().cloned().collect(),
        };
        // Purge ignores references from inside the table being purged (they go too).
        let exclude = if t.mkey.is_none() { Some(t.table.as_str()) } else { None };
        for key in &keys {
            if schema.statics.contains(key) {
                return Err(CmdbError::InUse { key: key.clone(), by: "system (factory object)".into() });
            }
            let by = self.referrers(reg, &t.table, &t.vdom, key, exclude)?;
            if !by.is_empty() {
                return Err(CmdbError::InUse { key: key.clone(), by: by.join(", ") });
            }
            if schema.key() == "system/vdom" && self.vdom_in_use(key) {
                return Err(CmdbError::InUse { key: key.clone(), by: "its own configuration".into() });
            }
        }
        let store = self.store_mut(schema.scope, &t.vdom)?;
        let table = store.tables.entry(schema.key()).or_default();
        for key in &keys {
            table.rows.shift_remove(key);
        }
        if schema.key() == "system/vdom" {
            for key in &keys {
                self.vdoms.shift_remove(key);
            }
        }
        Ok(())
    }

    /// A VDOM whose firewall policies still exist cannot be deleted.
    fn vdom_in_use(&self, name: &str) -> bool {
        self.vdoms.get(name).is_some_and(|s| {
            ["firewall/policy", "firewall/policy6"]
                .iter()
                .any(|t| s.tables.get(*t).is_some_and(|t| !t.rows.is_empty()))
        })
    }

    /// POST `action=clone&nkey=`: copy an entry under a new key, appended last.
    pub fn clone_entry(&mut self, reg: &Registry, t: &Target, nkey: Option<&str>) -> Result<Value> {
        let schema = Self::schema(reg, &t.table)?.clone();
        self.store(schema.scope, &t.vdom)?;
        if schema.kind == Kind::Singleton || t.child.is_some() {
            return Err(CmdbError::MethodNotAllowed("clone applies to table entries".into()));
        }
        let mkey =
            t.mkey.as_deref().ok_or_else(|| CmdbError::MethodNotAllowed("clone needs an entry".into()))?;
        let node = &schema.node;
        let mkey_name = node.mkey.clone().unwrap_or_default();
        let rows = self.rows(reg, &t.table, &t.vdom)?;
        let key = canonical_key(node, mkey);
        let mut obj = rows.get(&key).ok_or_else(|| CmdbError::NotFound(key.clone()))?.clone();
        let new_key_v = match nkey.filter(|k| !k.is_empty()) {
            Some(k) => {
                let f = node.mkey_field().ok_or_else(|| CmdbError::invalid("nkey", "table has no key"))?;
                value::coerce(&f.ty, &json!(k)).map_err(|e| CmdbError::invalid("nkey", e))?
            }
            None if node.integer_key() => json!(0),
            None => return Err(CmdbError::MissingRequired("nkey".into())),
        };
        obj.insert(mkey_name.clone(), new_key_v);
        assign_key(node, &mut obj, rows.values())?;
        let new_key = key_string(&obj[&mkey_name]);
        if rows.contains_key(&new_key) {
            return Err(CmdbError::Duplicate(new_key));
        }
        self.validate(reg, node, &obj, &t.vdom, "")?;
        self.fresh_uuids(node, &mut obj, true);
        let v = obj[&mkey_name].clone();
        self.insert_row(reg, &schema, &t.vdom, new_key, obj, None)?;
        Ok(v)
    }

    /// PUT `action=move&before=X|after=X` on an entry or a child entry.
    pub fn move_entry(
        &mut self,
        reg: &Registry,
        t: &Target,
        before: Option<&str>,
        after: Option<&str>,
    ) -> Result<()> {
        let schema = Self::schema(reg, &t.table)?.clone();
        self.store(schema.scope, &t.vdom)?;
        let (anchor, is_after) = match (before.filter(|s| !s.is_empty()), after.filter(|s| !s.is_empty())) {
            (Some(b), _) => (b, false),
            (None, Some(a)) => (a, true),
            (None, None) => return Err(CmdbError::MissingRequired("before/after".into())),
        };
        if let Some(child) = &t.child {
            let ck = t
                .child_mkey
                .as_deref()
                .ok_or_else(|| CmdbError::MethodNotAllowed("move needs an entry".into()))?;
            let node =
                schema.node.child(child).ok_or_else(|| CmdbError::NotFound(child.to_string()))?.clone();
            let mkey_name = node.mkey.clone().unwrap_or_default();
            let mut parent = self.parent_obj(reg, &schema, t)?.clone();
            let mut list = parent.get(child).and_then(Value::as_array).cloned().unwrap_or_default();
            let ck = canonical_key(&node, ck);
            let anchor = canonical_key(&node, anchor);
            let from = find_child(&list, &mkey_name, &ck).ok_or_else(|| CmdbError::NotFound(ck.clone()))?;
            let to =
                find_child(&list, &mkey_name, &anchor).ok_or_else(|| CmdbError::NotFound(anchor.clone()))?;
            if from != to {
                let item = list.remove(from);
                let to = if from < to { to - 1 } else { to };
                list.insert(if is_after { to + 1 } else { to }, item);
            }
            parent.insert(child.clone(), Value::Array(list));
            *self.parent_obj_mut(reg, &schema, t)? = parent;
            return Ok(());
        }
        if schema.kind == Kind::Singleton {
            return Err(CmdbError::MethodNotAllowed("move on a singleton".into()));
        }
        let mkey =
            t.mkey.as_deref().ok_or_else(|| CmdbError::MethodNotAllowed("move needs an entry".into()))?;
        let key = canonical_key(&schema.node, mkey);
        let anchor = canonical_key(&schema.node, anchor);
        let store = self.store_mut(schema.scope, &t.vdom)?;
        let rows = &mut store.tables.entry(schema.key()).or_default().rows;
        let from = rows.get_index_of(&key).ok_or_else(|| CmdbError::NotFound(key.clone()))?;
        let to = rows.get_index_of(&anchor).ok_or_else(|| CmdbError::NotFound(anchor.clone()))?;
        if from != to {
            let to = if from < to { to - 1 } else { to };
            rows.move_index(from, if is_after { to + 1 } else { to });
        }
        Ok(())
    }
}

fn find_child(list: &[Value], mkey_name: &str, key: &str) -> Option<usize> {
    list.iter().position(|v| v.get(mkey_name).map(key_string).as_deref() == Some(key))
}

/// Give an integer key that is 0 or absent the next free value (max + 1).
fn assign_key<'a>(node: &Node, obj: &mut Obj, existing: impl Iterator<Item = &'a Obj>) -> Result<()> {
    let Some(mkey) = node.mkey.clone() else { return Ok(()) };
    if node.integer_key() {
        if obj.get(&mkey).and_then(Value::as_i64).unwrap_or(0) == 0 {
            let max = existing.filter_map(|o| o.get(&mkey).and_then(Value::as_i64)).max().unwrap_or(0);
            obj.insert(mkey, json!(max + 1));
        }
    } else if obj.get(&mkey).and_then(Value::as_str).map_or(true, str::is_empty) {
        return Err(CmdbError::MissingRequired(mkey));
    }
    Ok(())
}

/// Merge an input object into a stored one: known attributes are checked and normalised,
/// unknown ones ignored (spec §2.7). A child-table attribute replaces the child table; listed
/// entries that already existed keep their unlisted attributes.
pub fn merge(node: &Node, obj: &mut Obj, body: &Obj, prefix: &str) -> Result<()> {
    for (k, v) in body {
        let Some(f) = node.field(k) else { continue };
        let name = format!("{prefix}{k}");
        match &f.ty {
            FieldType::Table(child) => {
                let items: Vec<Value> = match v {
                    Value::Array(a) => a.clone(),
                    Value::Null => Vec::new(),
                    other => vec![other.clone()],
                };
                let old: Vec<Value> = obj.get(k).and_then(Value::as_array).cloned().unwrap_or_default();
                let mkey_name = child.mkey.clone().unwrap_or_default();
                let mut out: Vec<Value> = Vec::new();
                let mut built: Vec<Obj> = Vec::new();
                for item in items {
                    let item_obj = match item {
                        Value::Object(o) => o,
                        scalar @ (Value::String(_) | Value::Number(_)) => {
                            let mut m = Map::new();
                            m.insert(mkey_name.clone(), scalar);
                            m
                        }
                        _ => return Err(CmdbError::invalid(&name, "child entries must be objects")),
                    };
                    let mut entry = child.defaults();
                    if let Some(kv) = item_obj.get(&mkey_name) {
                        let f =
                            child.field(&mkey_name).ok_or_else(|| CmdbError::invalid(&name, "child key"))?;
                        let kv = value::coerce(&f.ty, kv)
                            .map_err(|e| CmdbError::invalid(&format!("{name}.{mkey_name}"), e))?;
                        let ks = key_string(&kv);
                        if let Some(prev) =
                            old.iter().find(|o| o.get(&mkey_name).map(key_string) == Some(ks.clone()))
                        {
                            entry = prev.as_object().cloned().unwrap_or(entry);
                        }
                    }
                    merge(child, &mut entry, &item_obj, &format!("{name}."))?;
                    assign_key(child, &mut entry, built.iter())
                        .map_err(|_| CmdbError::MissingRequired(format!("{name}.{mkey_name}")))?;
                    let ks = entry.get(&mkey_name).map(key_string).unwrap_or_default();
                    if built.iter().any(|b| b.get(&mkey_name).map(key_string).as_deref() == Some(ks.as_str()))
                    {
                        return Err(CmdbError::Duplicate(format!("{name} {ks}")));
                    }
                    built.push(entry.clone());
                    out.push(Value::Object(entry));
                }
                obj.insert(k.clone(), Value::Array(out));
            }
            ty => {
                let nv = value::coerce(ty, v).map_err(|e| CmdbError::invalid(&name, e))?;
                obj.insert(k.clone(), nv);
            }
        }
    }
    Ok(())
}

/// Visit every non-empty reference value of an object (recursing into child tables).
pub fn walk_refs(node: &Node, obj: &Obj, f: &mut dyn FnMut(&Field, &str)) {
    for field in &node.fields {
        match (&field.ty, obj.get(&field.name)) {
            (FieldType::Table(child), Some(Value::Array(items))) => {
                for item in items {
                    if let Value::Object(o) = item {
                        walk_refs(child, o, f);
                    }
                }
            }
            (_, Some(v)) if !field.refs.is_empty() => {
                let s = key_string(v);
                if !s.is_empty() {
                    f(field, &s);
                }
            }
            _ => {}
        }
    }
}

fn rewrite_obj(node: &Node, obj: &mut Obj, table: &str, old: &str, new: &Value) {
    for field in &node.fields {
        match &field.ty {
            FieldType::Table(child) => {
                if let Some(Value::Array(items)) = obj.get_mut(&field.name) {
                    for item in items.iter_mut() {
                        if let Value::Object(o) = item {
                            rewrite_obj(child, o, table, old, new);
                        }
                    }
                }
            }
            _ if field.refs.iter().any(|r| r == table) => {
                if let Some(v) = obj.get_mut(&field.name) {
                    if key_string(v) == old {
                        *v = match new {
                            Value::Number(n) if v.is_string() => json!(n.to_string()),
                            other => other.clone(),
                        };
                    }
                }
            }
            _ => {}
        }
    }
}

/// Key value of a URL mkey for `table` (integer for integer-keyed tables).
pub fn url_key_value(reg: &Registry, table: &str, key: &str) -> Value {
    reg.get(table).map(|t| key_value(&t.node, key)).unwrap_or_else(|| json!(key))
}
