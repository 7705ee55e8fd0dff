//! CLI configuration text (spec §4.7): render the CMDB as FortiOS `config` / `edit` / `set` /
//! `next` / `end` text and parse it back. `parse(render(c)) == c` for every valid database (a
//! property test), which is what config backup → restore needs.
//!
//! Only values that differ from the schema default are written (like `show`); parsing starts
//! every object from its defaults, so nothing is lost. Without VDOM mode (only `root`, default
//! settings) the text is flat; otherwise it has the `config vdom` declaration, a `config global`
//! section and one `config vdom` / `edit <vdom>` section per VDOM.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use crate::cmdb::{key_string, Cmdb, CmdbError, Obj, Store, ROOT};
use crate::model::Model;
use crate::schema::{Field, FieldType, Kind, Node, Registry, Scope, TableSchema};
use crate::value;

/// A configuration text that cannot be restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("config line {line}: {message}")]
pub struct CliError {
    pub line: usize,
    pub message: String,
}

impl From<CliError> for CmdbError {
    fn from(e: CliError) -> Self {
        CmdbError::BadRequest(e.to_string())
    }
}

/// Build date of 5.6.0 GA in the `#config-version` header.
const BUILD_DATE: &str = "170330";

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Text of one scalar value in a `set` line.
fn scalar_text(f: &Field, v: &Value) -> String {
    match (&f.ty, v) {
        (FieldType::String { .. }, Value::String(s)) => quote(s),
        (FieldType::Password { .. }, Value::String(s)) => {
            if s.is_empty() {
                quote("")
            } else {
                value::encode_secret(s)
            }
        }
        (_, Value::String(s)) if s.is_empty() => quote(""),
        (_, Value::String(s)) => s.clone(),
        (_, other) => key_string(other),
    }
}

fn key_text(node: &Node, v: &Value) -> String {
    if node.integer_key() {
        key_string(v)
    } else {
        quote(&key_string(v))
    }
}

fn pad(depth: usize) -> String {
    "    ".repeat(depth)
}

fn render_fields(out: &mut String, node: &Node, obj: &Obj, depth: usize) {
    for f in &node.fields {
        if Some(&f.name) == node.mkey.as_ref() {
            continue;
        }
        let Some(v) = obj.get(&f.name) else { continue };
        if *v == f.default {
            continue;
        }
        match (&f.ty, v) {
            (FieldType::Table(child), Value::Array(items)) => {
                if child.is_key_list() {
                    let mk = child.mkey.as_deref().unwrap_or_default();
                    let words: Vec<String> =
                        items.iter().filter_map(|i| i.get(mk)).map(|k| key_text(child, k)).collect();
                    let _ = writeln!(out, "{}set {} {}", pad(depth), f.name, words.join(" "));
                } else {
                    let _ = writeln!(out, "{}config {}", pad(depth), f.name);
                    render_entries(out, child, items.iter().filter_map(Value::as_object), depth + 1);
                    let _ = writeln!(out, "{}end", pad(depth));
                }
            }
            _ => {
                let _ = writeln!(out, "{}set {} {}", pad(depth), f.name, scalar_text(f, v));
            }
        }
    }
}

fn render_entries<'a>(out: &mut String, node: &Node, entries: impl Iterator<Item = &'a Obj>, depth: usize) {
    let mk = node.mkey.as_deref().unwrap_or_default();
    for e in entries {
        let key = e.get(mk).cloned().unwrap_or(Value::Null);
        let _ = writeln!(out, "{}edit {}", pad(depth), key_text(node, &key));
        render_fields(out, node, e, depth + 1);
        let _ = writeln!(out, "{}next", pad(depth));
    }
}

fn render_table(out: &mut String, t: &TableSchema, store: &Store, depth: usize) {
    let key = t.key();
    match t.kind {
        Kind::Singleton => {
            let Some(obj) = store.singletons.get(&key) else { return };
            if *obj == t.node.defaults() {
                return;
            }
            let _ = writeln!(out, "{}config {}", pad(depth), t.cli_words());
            render_fields(out, &t.node, obj, depth + 1);
            let _ = writeln!(out, "{}end", pad(depth));
        }
        Kind::Table => {
            let Some(table) = store.tables.get(&key) else { return };
            if table.rows.is_empty() {
                return;
            }
            let _ = writeln!(out, "{}config {}", pad(depth), t.cli_words());
            render_entries(out, &t.node, table.rows.values(), depth + 1);
            let _ = writeln!(out, "{}end", pad(depth));
        }
    }
}

fn render_scope(out: &mut String, reg: &Registry, scope: Scope, store: &Store, depth: usize) {
    for t in reg.tables().filter(|t| t.scope == scope && t.key() != "system/vdom") {
        render_table(out, t, store, depth);
    }
}

/// True when the text needs VDOM sections.
fn vdom_mode(reg: &Registry, cmdb: &Cmdb) -> bool {
    let vdom_admin = cmdb
        .singleton(reg, "system/global", ROOT)
        .and_then(|g| g.get("vdom-admin"))
        .is_some_and(|v| v == "enable");
    let plain_root = || {
        let (Some(t), Some(vt)) = (reg.get("system/vdom"), cmdb.global.tables.get("system/vdom")) else {
            return false;
        };
        let mut d = t.node.defaults();
        d.insert("name".into(), json!(ROOT));
        vt.rows.len() == 1 && vt.rows.get(ROOT) == Some(&d)
    };
    vdom_admin || cmdb.vdoms.len() != 1 || !cmdb.vdoms.contains_key(ROOT) || !plain_root()
}

/// The configuration body (no header) of the whole database.
pub fn render_cmdb(reg: &Registry, cmdb: &Cmdb) -> String {
    let mut out = String::new();
    if !vdom_mode(reg, cmdb) {
        render_scope(&mut out, reg, Scope::Global, &cmdb.global, 0);
        if let Some(root) = cmdb.vdoms.get(ROOT) {
            render_scope(&mut out, reg, Scope::Vdom, root, 0);
        }
        return out;
    }
    // Declaration of every VDOM (the `system/vdom` table).
    if let (Some(vt), Some(ts)) = (cmdb.global.tables.get("system/vdom"), reg.get("system/vdom")) {
        out.push_str("config vdom\n");
        for (name, row) in &vt.rows {
            let _ = writeln!(out, "edit {name}");
            render_fields(&mut out, &ts.node, row, 1);
            out.push_str("next\n");
        }
        out.push_str("end\n");
    }
    out.push_str("config global\n");
    render_scope(&mut out, reg, Scope::Global, &cmdb.global, 0);
    out.push_str("end\n");
    out.push_str("config vdom\n");
    for (name, store) in &cmdb.vdoms {
        let _ = writeln!(out, "edit {name}");
        render_scope(&mut out, reg, Scope::Vdom, store, 0);
        out.push_str("next\n");
    }
    out.push_str("end\n");
    out
}

fn header(model: &Model, vdom: bool, user: &str) -> String {
    let id = &model.identity;
    let ver = id.version.trim_start_matches('v');
    let mut parts = ver.split('.');
    let major = parts.next().unwrap_or("5");
    let minor: u32 = parts.next().and_then(|m| m.parse().ok()).unwrap_or(6);
    format!(
        "#config-version={}-{}.{:02}-FW-build{}-{}:opmode=0:vdom={}:user={}\n#conf_file_ver={}\n#buildno={}\n#global_vdom=1\n",
        id.model,
        major,
        minor,
        id.build,
        BUILD_DATE,
        u8::from(vdom),
        user,
        model.revision.counter,
        id.build
    )
}

/// Full backup (`scope=global`): header and the whole database.
pub fn render_backup(model: &Model, user: &str) -> String {
    let reg = Registry::builtin();
    let mut out = header(model, vdom_mode(reg, &model.cmdb), user);
    out.push_str(&render_cmdb(reg, &model.cmdb));
    out
}

/// VDOM backup (`scope=vdom`): header and that VDOM's tables only.
pub fn render_vdom_backup(model: &Model, vdom: &str, user: &str) -> Result<String, CmdbError> {
    let reg = Registry::builtin();
    let store = model.cmdb.vdoms.get(vdom).ok_or_else(|| CmdbError::UnknownVdom(vdom.to_string()))?;
    let mut out = header(model, vdom_mode(reg, &model.cmdb), user);
    render_scope(&mut out, reg, Scope::Vdom, store, 0);
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// One token of a line (quotes removed, escapes resolved).
#[derive(Debug, Clone)]
struct Tok {
    text: String,
}

/// Lines of tokens, with their 1-based line numbers; `#` comment lines dropped.
fn lex(text: &str) -> Result<Vec<(usize, Vec<Tok>)>, CliError> {
    let mut lines = Vec::new();
    let mut cur: Vec<Tok> = Vec::new();
    let mut line = 1usize;
    let mut start_line = 1usize;
    let mut chars = text.chars().peekable();
    let mut at_line_start = true;
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                if !cur.is_empty() {
                    lines.push((start_line, std::mem::take(&mut cur)));
                }
                line += 1;
                at_line_start = true;
            }
            '#' if at_line_start && cur.is_empty() => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            c if c.is_whitespace() => {}
            '"' => {
                if cur.is_empty() {
                    start_line = line;
                }
                at_line_start = false;
                let mut s = String::new();
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => match chars.next() {
                            Some(n) => {
                                if n == '\n' {
                                    line += 1;
                                }
                                s.push(n);
                            }
                            None => break,
                        },
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\n' => {
                            line += 1;
                            s.push('\n');
                        }
                        c => s.push(c),
                    }
                }
                if !closed {
                    return Err(CliError { line, message: "unterminated quoted string".into() });
                }
                cur.push(Tok { text: s });
            }
            c => {
                if cur.is_empty() {
                    start_line = line;
                }
                at_line_start = false;
                let mut s = String::from(c);
                while let Some(&n) = chars.peek() {
                    if n.is_whitespace() || n == '"' {
                        break;
                    }
                    s.push(n);
                    chars.next();
                }
                cur.push(Tok { text: s });
            }
        }
        if c == '\n' {
            at_line_start = true;
        }
    }
    if !cur.is_empty() {
        lines.push((start_line, cur));
    }
    Ok(lines)
}

struct Parser<'a> {
    reg: &'a Registry,
    lines: Vec<(usize, Vec<Tok>)>,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn err<T>(&self, message: impl Into<String>) -> Result<T, CliError> {
        let line = self.lines.get(self.pos.saturating_sub(1)).map(|l| l.0).unwrap_or(0);
        Err(CliError { line, message: message.into() })
    }

    fn next_line(&mut self) -> Option<Vec<Tok>> {
        let l = self.lines.get(self.pos).map(|l| l.1.clone());
        if l.is_some() {
            self.pos += 1;
        }
        l
    }

    fn word(toks: &[Tok], i: usize) -> &str {
        toks.get(i).map(|t| t.text.as_str()).unwrap_or("")
    }

    /// `config <words>` → table schema.
    fn table_for(&self, toks: &[Tok]) -> Result<&'a TableSchema, CliError> {
        let words: Vec<&str> = toks[1..].iter().map(|t| t.text.as_str()).collect();
        if words.is_empty() {
            return self.err("`config` without a table");
        }
        let (name, path) = words.split_last().map(|(n, p)| (*n, p.join("."))).unwrap_or_default();
        match self.reg.lookup(&path, name) {
            Some(t) => Ok(t),
            None => self.err(format!("unknown table `{}`", words.join(" "))),
        }
    }

    /// Parse the body of a table or singleton block (after `config ...`) up to its `end`.
    fn table_block(&mut self, t: &TableSchema, store: &mut Store) -> Result<(), CliError> {
        match t.kind {
            Kind::Singleton => {
                let mut obj = store.singletons.get(&t.key()).cloned().unwrap_or_else(|| t.node.defaults());
                let term = self.object_body(&t.node, &mut obj)?;
                if term != "end" {
                    return self.err("`next` inside a singleton");
                }
                store.singletons.insert(t.key(), obj);
            }
            Kind::Table => {
                let entries = self.entries(&t.node)?;
                let table = store.tables.entry(t.key()).or_default();
                for e in entries {
                    let k = key_string(&e[t.node.mkey.as_deref().unwrap_or_default()]);
                    if table.rows.insert(k.clone(), e).is_some() {
                        return self.err(format!("duplicate entry {k}"));
                    }
                }
            }
        }
        Ok(())
    }

    /// `edit <key>` ... `next` blocks up to `end`.
    fn entries(&mut self, node: &Node) -> Result<Vec<Obj>, CliError> {
        let mk = node.mkey.clone().unwrap_or_default();
        let key_field = node.mkey_field().cloned();
        let mut out: Vec<Obj> = Vec::new();
        loop {
            let Some(toks) = self.next_line() else { return self.err("missing `end`") };
            match Self::word(&toks, 0) {
                "end" => return Ok(out),
                "edit" if toks.len() == 2 => {
                    let Some(kf) = &key_field else { return self.err("table without key") };
                    let key = match value::coerce(&kf.ty, &json!(toks[1].text)) {
                        Ok(k) => k,
                        Err(e) => return self.err(format!("bad key {:?}: {e}", toks[1].text)),
                    };
                    let ks = key_string(&key);
                    if out.iter().any(|o| o.get(&mk).map(key_string).as_deref() == Some(ks.as_str())) {
                        return self.err(format!("duplicate entry {ks}"));
                    }
                    let mut obj = node.defaults();
                    obj.insert(mk.clone(), key);
                    if self.object_body(node, &mut obj)? != "next" {
                        return self.err("`end` before `next`");
                    }
                    out.push(obj);
                }
                other => return self.err(format!("expected `edit` or `end`, found `{other}`")),
            }
        }
    }

    /// `set` / `unset` / `config <child>` lines up to `next` or `end` (returned).
    fn object_body(&mut self, node: &Node, obj: &mut Obj) -> Result<&'static str, CliError> {
        loop {
            let Some(toks) = self.next_line() else { return self.err("missing `end`") };
            match Self::word(&toks, 0) {
                "next" => return Ok("next"),
                "end" => return Ok("end"),
                "set" | "unset" if toks.len() >= 2 => {
                    let name = &toks[1].text;
                    let Some(f) = node.field(name) else {
                        return self.err(format!("unknown attribute {name}"));
                    };
                    if Some(name) == node.mkey.as_ref() {
                        return self.err(format!("`set {name}` changes the key"));
                    }
                    if Self::word(&toks, 0) == "unset" {
                        obj.insert(name.clone(), f.default.clone());
                        continue;
                    }
                    let v = self.set_value(f, &toks[2..])?;
                    obj.insert(name.clone(), v);
                }
                "config" if toks.len() == 2 => {
                    let name = &toks[1].text;
                    let Some(child) = node.child(name) else {
                        return self.err(format!("{name} is not a child table"));
                    };
                    let entries = self.entries(child)?;
                    obj.insert(name.clone(), Value::Array(entries.into_iter().map(Value::Object).collect()));
                }
                other => return self.err(format!("unexpected `{other}`")),
            }
        }
    }

    fn set_value(&self, f: &Field, vals: &[Tok]) -> Result<Value, CliError> {
        match &f.ty {
            FieldType::Table(child) if child.is_key_list() => {
                let kf =
                    child.mkey_field().ok_or_else(|| CliError { line: 0, message: "child key".into() })?;
                let mk = kf.name.clone();
                let mut items: Vec<Value> = Vec::new();
                for t in vals {
                    let k = match value::coerce(&kf.ty, &json!(t.text)) {
                        Ok(k) => k,
                        Err(e) => return self.err(format!("{}: {e}", f.name)),
                    };
                    if items.iter().any(|i| i.get(&mk) == Some(&k)) {
                        return self.err(format!("{}: duplicate {}", f.name, key_string(&k)));
                    }
                    let mut m: Map<String, Value> = child.defaults();
                    m.insert(mk.clone(), k);
                    items.push(Value::Object(m));
                }
                Ok(Value::Array(items))
            }
            FieldType::Table(_) => self.err(format!("{} needs a `config` block", f.name)),
            ty => {
                if vals.is_empty() {
                    return self.err(format!("`set {}` without a value", f.name));
                }
                let text = vals.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ");
                value::coerce(ty, &json!(text)).or_else(|e| self.err(format!("{}: {e}", f.name)))
            }
        }
    }
}

/// Parse a whole configuration (as [`render_backup`] writes it, or flat) into a new database.
/// The UUID generator state is taken from `base`; every reference is checked.
pub fn parse_config(reg: &Registry, text: &str, base: &Cmdb) -> Result<Cmdb, CliError> {
    let mut cmdb = Cmdb::empty(reg, base.uuid_seed);
    cmdb.uuid_counter = base.uuid_counter;
    ensure_vdom(reg, &mut cmdb, ROOT);
    let mut p = Parser { reg, lines: lex(text)?, pos: 0 };
    while let Some(toks) = p.next_line() {
        if Parser::word(&toks, 0) != "config" || toks.len() < 2 {
            return p.err(format!("expected `config`, found `{}`", Parser::word(&toks, 0)));
        }
        match (toks.len(), Parser::word(&toks, 1)) {
            (2, "global") => loop {
                let Some(inner) = p.next_line() else { return p.err("missing `end` of config global") };
                match Parser::word(&inner, 0) {
                    "end" => break,
                    "config" => {
                        let t = p.table_for(&inner)?;
                        if t.scope != Scope::Global {
                            return p.err(format!("{} is not a global table", t.key()));
                        }
                        p.table_block(t, &mut cmdb.global)?;
                    }
                    other => return p.err(format!("unexpected `{other}` in config global")),
                }
            },
            (2, "vdom") => loop {
                let Some(inner) = p.next_line() else { return p.err("missing `end` of config vdom") };
                match (Parser::word(&inner, 0), inner.len()) {
                    ("end", _) => break,
                    ("edit", 2) => {
                        let name = inner[1].text.clone();
                        if value::coerce(&FieldType::String { size: 31, var: false }, &json!(name)).is_err()
                            || name.is_empty()
                        {
                            return p.err(format!("bad VDOM name {name:?}"));
                        }
                        ensure_vdom(reg, &mut cmdb, &name);
                        vdom_section(&mut p, &mut cmdb, &name)?;
                    }
                    (other, _) => return p.err(format!("unexpected `{other}` in config vdom")),
                }
            },
            _ => {
                let t = p.table_for(&toks)?;
                let store = match t.scope {
                    Scope::Global => &mut cmdb.global,
                    Scope::Vdom => {
                        cmdb.vdoms.get_mut(ROOT).ok_or(CliError { line: 0, message: "no root".into() })?
                    }
                };
                p.table_block(t, store)?;
            }
        }
    }
    cmdb.check_all(reg).map_err(|e| CliError { line: 0, message: e.to_string() })?;
    Ok(cmdb)
}

/// Inside `config vdom` / `edit <name>`: `set` lines of the VDOM entry, `config` blocks of its
/// tables, up to `next`.
fn vdom_section(p: &mut Parser, cmdb: &mut Cmdb, name: &str) -> Result<(), CliError> {
    let reg = p.reg;
    let vt = reg.get("system/vdom").ok_or(CliError { line: 0, message: "no system/vdom table".into() })?;
    loop {
        let Some(toks) = p.next_line() else { return p.err("missing `next`") };
        match Parser::word(&toks, 0) {
            "next" => return Ok(()),
            "set" | "unset" => {
                // Re-run this line through the object parser of the VDOM entry.
                p.pos -= 1;
                let rows = &mut cmdb.global.tables.entry("system/vdom".into()).or_default().rows;
                let mut obj = rows.get(name).cloned().unwrap_or_else(|| vt.node.defaults());
                let mut one =
                    Parser { reg, lines: vec![p.lines[p.pos].clone(), (0, vec![tok("next")])], pos: 0 };
                p.pos += 1;
                one.object_body(&vt.node, &mut obj)?;
                rows.insert(name.to_string(), obj);
            }
            "config" => {
                let t = p.table_for(&toks)?;
                if t.scope != Scope::Vdom {
                    return p.err(format!("{} is not a VDOM table", t.key()));
                }
                let store = cmdb.vdoms.get_mut(name).ok_or(CliError { line: 0, message: "vdom".into() })?;
                p.table_block(t, store)?;
            }
            other => return p.err(format!("unexpected `{other}` in VDOM {name}")),
        }
    }
}

fn tok(s: &str) -> Tok {
    Tok { text: s.to_string() }
}

fn ensure_vdom(reg: &Registry, cmdb: &mut Cmdb, name: &str) {
    if !cmdb.vdoms.contains_key(name) {
        cmdb.vdoms.insert(name.to_string(), Store::empty(reg, Scope::Vdom));
    }
    if let Some(vt) = reg.get("system/vdom") {
        let rows = &mut cmdb.global.tables.entry(vt.key()).or_default().rows;
        if !rows.contains_key(name) {
            let mut d = vt.node.defaults();
            d.insert("name".into(), json!(name));
            rows.insert(name.to_string(), d);
        }
    }
}

/// Parse a VDOM configuration (flat, VDOM tables only) and put it in place of `vdom` in a copy
/// of `base`.
pub fn parse_vdom_config(reg: &Registry, text: &str, base: &Cmdb, vdom: &str) -> Result<Cmdb, CliError> {
    if !base.vdoms.contains_key(vdom) {
        return Err(CliError { line: 0, message: format!("unknown VDOM {vdom}") });
    }
    let mut store = Store::empty(reg, Scope::Vdom);
    let mut p = Parser { reg, lines: lex(text)?, pos: 0 };
    while let Some(toks) = p.next_line() {
        if Parser::word(&toks, 0) != "config" || toks.len() < 2 {
            return p.err(format!("expected `config`, found `{}`", Parser::word(&toks, 0)));
        }
        let t = p.table_for(&toks)?;
        if t.scope != Scope::Vdom {
            return p.err(format!("{} is not a VDOM table", t.key()));
        }
        p.table_block(t, &mut store)?;
    }
    let mut out = base.clone();
    out.vdoms.insert(vdom.to_string(), store);
    out.check_all(reg).map_err(|e| CliError { line: 0, message: e.to_string() })?;
    Ok(out)
}

impl Model {
    /// `system/config/backup` text (`scope=global` when `vdom` is `None`).
    pub fn backup_text(&self, vdom: Option<&str>, user: &str) -> Result<String, CmdbError> {
        match vdom {
            None => Ok(render_backup(self, user)),
            Some(v) => render_vdom_backup(self, v, user),
        }
    }

    /// `system/config/restore`: replace the global configuration (or one VDOM's) atomically.
    pub fn restore_text(&mut self, now: i64, text: &str, vdom: Option<&str>) -> Result<(), CmdbError> {
        let reg = Registry::builtin();
        let cmdb = match vdom {
            None => parse_config(reg, text, &self.cmdb)?,
            Some(v) => parse_vdom_config(reg, text, &self.cmdb, v)?,
        };
        self.replace_cmdb(now, cmdb);
        Ok(())
    }
}

/// Check a whole database (every reference resolves, every required attribute is set).
impl Cmdb {
    pub fn check_all(&self, reg: &Registry) -> Result<(), CmdbError> {
        for t in reg.tables() {
            let stores: Vec<(&str, &Store)> = match t.scope {
                Scope::Global => vec![(ROOT, &self.global)],
                Scope::Vdom => self.vdoms.iter().map(|(n, s)| (n.as_str(), s)).collect(),
            };
            for (vdom, store) in stores {
                match t.kind {
                    Kind::Table => {
                        if let Some(table) = store.tables.get(&t.key()) {
                            for obj in table.rows.values() {
                                self.validate_obj(reg, &t.node, obj, vdom)?;
                            }
                        }
                    }
                    Kind::Singleton => {
                        if let Some(obj) = store.singletons.get(&t.key()) {
                            self.validate_obj(reg, &t.node, obj, vdom)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
