//! Table schemas as data (spec §4.2): the registry parsed from `data/schema-5.6.0.txt`.
//!
//! One registry feeds validation, defaults, `skip`, references, `action=schema` and
//! `action=default`. Adding a table is adding lines to the data file; nothing here names a table.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{json, Map, Value};

/// The embedded 5.6.0 registry text.
pub const SCHEMA_TEXT: &str = include_str!("../data/schema-5.6.0.txt");

/// Where one instance of a table lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One instance per VDOM.
    Vdom,
    /// One instance for the whole device (`config global`).
    Global,
}

/// Table shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Ordered entries keyed by the first field.
    Table,
    /// Exactly one object ("complex" table).
    Singleton,
}

/// The type of one attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldType {
    /// Quoted string, at most `size` characters (`string`, `var-string`).
    String {
        size: usize,
        var: bool,
    },
    /// Secret; stored plain, read back as `ENC <hex>`.
    Password {
        size: usize,
    },
    Integer {
        min: i64,
        max: i64,
    },
    /// One of the listed words.
    Option(Vec<String>),
    /// Space-separated subset of the listed words.
    Multi(Vec<String>),
    /// `a.b.c.d m.m.m.m`, host bits cleared (addresses, routes).
    Ipv4Classnet,
    /// `a.b.c.d m.m.m.m`, any mask bits (wildcards).
    Ipv4ClassnetAny,
    /// `a.b.c.d m.m.m.m`, host bits kept (interface addresses).
    Ipv4ClassnetHost,
    Ipv4Address,
    Ipv4Netmask,
    Ipv6Prefix,
    Ipv6Address,
    MacAddress,
    Uuid,
    /// `hh:mm`.
    Time,
    /// `hh:mm yyyy/mm/dd`.
    Datetime,
    /// Child table keyed by `node.mkey`.
    Table(Node),
}

impl FieldType {
    /// The name `action=schema` reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            FieldType::String { var: false, .. } => "string",
            FieldType::String { var: true, .. } => "var-string",
            FieldType::Password { .. } => "password",
            FieldType::Integer { .. } => "integer",
            FieldType::Option(_) | FieldType::Multi(_) => "option",
            FieldType::Ipv4Classnet => "ipv4-classnet",
            FieldType::Ipv4ClassnetAny => "ipv4-classnet-any",
            FieldType::Ipv4ClassnetHost => "ipv4-classnet-host",
            FieldType::Ipv4Address => "ipv4-address",
            FieldType::Ipv4Netmask => "ipv4-netmask",
            FieldType::Ipv6Prefix => "ipv6-prefix",
            FieldType::Ipv6Address => "ipv6-address",
            FieldType::MacAddress => "mac-address",
            FieldType::Uuid => "uuid",
            FieldType::Time => "user",
            FieldType::Datetime => "user",
            FieldType::Table(_) => "table",
        }
    }

    pub fn is_integer(&self) -> bool {
        matches!(self, FieldType::Integer { .. })
    }
}

/// CLI skip condition: the field matters only when `field` holds one of `values`.
#[derive(Debug, Clone, PartialEq)]
pub struct When {
    pub field: String,
    pub values: Vec<String>,
}

/// One attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub ty: FieldType,
    /// Default of a new object, already in stored form.
    pub default: Value,
    pub required: bool,
    /// Tables (`path/name`) a value must exist in.
    pub refs: Vec<String>,
    /// Literal values accepted besides references (`any`).
    pub also: Vec<String>,
    pub when: Option<When>,
    pub help: String,
}

/// An ordered set of fields; `mkey` is the key field of a table (the first field).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub mkey: Option<String>,
    pub fields: Vec<Field>,
}

impl Node {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The key field of this table node.
    pub fn mkey_field(&self) -> Option<&Field> {
        self.mkey.as_deref().and_then(|m| self.field(m))
    }

    /// `true` when the key is an integer (`policyid`, `id`, `seq-num`).
    pub fn integer_key(&self) -> bool {
        self.mkey_field().is_some_and(|f| f.ty.is_integer())
    }

    /// The child table node of attribute `name`, if it is a child table.
    pub fn child(&self, name: &str) -> Option<&Node> {
        match self.field(name).map(|f| &f.ty) {
            Some(FieldType::Table(n)) => Some(n),
            _ => None,
        }
    }

    /// A child table holding nothing but its key: rendered `set x "a" "b"` on the CLI.
    pub fn is_key_list(&self) -> bool {
        self.fields.len() == 1 && self.mkey.is_some()
    }

    /// A new object with every default.
    pub fn defaults(&self) -> Map<String, Value> {
        self.fields.iter().map(|f| (f.name.clone(), f.default.clone())).collect()
    }
}

/// One table of the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSchema {
    /// `firewall.schedule`
    pub path: String,
    /// `recurring`
    pub name: String,
    pub scope: Scope,
    pub kind: Kind,
    pub help: String,
    pub node: Node,
    /// Factory objects that cannot be deleted (`q_static`).
    pub statics: Vec<String>,
    /// Stable numeric type id (`q_type`).
    pub type_id: u32,
}

impl TableSchema {
    /// `firewall.schedule/recurring`
    pub fn key(&self) -> String {
        format!("{}/{}", self.path, self.name)
    }

    /// `firewall.schedule.recurring` (datasource notation).
    pub fn dotted(&self) -> String {
        format!("{}.{}", self.path, self.name)
    }

    /// CLI words: `firewall schedule recurring`.
    pub fn cli_words(&self) -> String {
        format!("{} {}", self.path.replace('.', " "), self.name)
    }

    /// `action=schema` results (spec §2.7).
    pub fn schema_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("name".into(), json!(self.name));
        out.insert("path".into(), json!(self.path));
        out.insert(
            "category".into(),
            json!(match self.kind {
                Kind::Table => "table",
                Kind::Singleton => "complex",
            }),
        );
        out.insert("help".into(), json!(self.help));
        if let Some(mkey) = &self.node.mkey {
            out.insert("mkey".into(), json!(mkey));
            out.insert("mkey_type".into(), json!(if self.node.integer_key() { "integer" } else { "string" }));
        }
        out.insert("children".into(), children_json(&self.node));
        Value::Object(out)
    }

    /// `action=default` results: attribute → default of a new entry.
    pub fn default_json(&self) -> Value {
        Value::Object(self.node.defaults())
    }
}

fn children_json(node: &Node) -> Value {
    let mut children = Map::new();
    for f in &node.fields {
        let mut c = Map::new();
        c.insert("name".into(), json!(f.name));
        c.insert(
            "category".into(),
            json!(if matches!(f.ty, FieldType::Table(_)) { "table" } else { "unitary" }),
        );
        c.insert("type".into(), json!(f.ty.type_name()));
        match &f.ty {
            FieldType::String { size, .. } | FieldType::Password { size } => {
                c.insert("size".into(), json!(size));
            }
            FieldType::Integer { min, max } => {
                c.insert("min-value".into(), json!(min));
                c.insert("max-value".into(), json!(max));
            }
            FieldType::Option(opts) | FieldType::Multi(opts) => {
                c.insert("options".into(), opts.iter().map(|o| json!({"name": o, "help": o})).collect());
                if matches!(f.ty, FieldType::Multi(_)) {
                    c.insert("multiple_values".into(), json!(true));
                }
            }
            _ => {}
        }
        c.insert("help".into(), json!(f.help));
        if f.required {
            c.insert("required".into(), json!(true));
        }
        if !f.refs.is_empty() {
            c.insert(
                "datasource".into(),
                f.refs.iter().map(|r| json!(format!("{}.name", r.replace('/', ".")))).collect(),
            );
        }
        match &f.ty {
            FieldType::Table(n) => {
                if let Some(mkey) = &n.mkey {
                    c.insert("mkey".into(), json!(mkey));
                    c.insert("mkey_type".into(), json!(if n.integer_key() { "integer" } else { "string" }));
                }
                c.insert("children".into(), children_json(n));
            }
            _ => {
                c.insert("default".into(), f.default.clone());
            }
        }
        children.insert(f.name.clone(), Value::Object(c));
    }
    Value::Object(children)
}

/// Every table, in registry (file) order.
#[derive(Debug, Clone)]
pub struct Registry {
    tables: Vec<TableSchema>,
    index: HashMap<String, usize>,
}

/// A line of the registry text that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schema line {line}: {message}")]
pub struct SchemaError {
    pub line: usize,
    pub message: String,
}

impl Registry {
    /// The embedded 5.6.0 registry (parsed once; its validity is a unit test).
    pub fn builtin() -> &'static Registry {
        static REG: OnceLock<Registry> = OnceLock::new();
        REG.get_or_init(|| match Registry::parse(SCHEMA_TEXT) {
            Ok(r) => r,
            Err(e) => panic!("embedded FortiOS schema is invalid: {e}"),
        })
    }

    pub fn get(&self, key: &str) -> Option<&TableSchema> {
        self.index.get(key).map(|&i| &self.tables[i])
    }

    /// Look up by URL segments (`firewall.schedule`, `recurring`).
    pub fn lookup(&self, path: &str, name: &str) -> Option<&TableSchema> {
        self.get(&format!("{path}/{name}"))
    }

    pub fn tables(&self) -> impl Iterator<Item = &TableSchema> {
        self.tables.iter()
    }

    /// Whole-tree `action=schema`.
    pub fn schema_json(&self) -> Value {
        Value::Array(self.tables.iter().map(|t| t.schema_json()).collect())
    }

    /// Whole-tree `action=default`: `{ "<path>/<name>": {defaults} }`.
    pub fn default_json(&self) -> Value {
        Value::Array(
            self.tables
                .iter()
                .map(|t| json!({"path": t.path, "name": t.name, "results": t.default_json()}))
                .collect(),
        )
    }

    /// Parse the registry text (grammar at the top of the data file).
    pub fn parse(text: &str) -> Result<Registry, SchemaError> {
        let mut tables: Vec<TableSchema> = Vec::new();
        // Stack of open nodes: (indent depth, node). Depth 1 = table fields.
        let mut stack: Vec<(usize, Node, Option<Field>)> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let err = |message: String| SchemaError { line: line_no, message };
            let trimmed = raw.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = raw.len() - trimmed.len();
            if indent % 2 != 0 {
                return Err(err("indentation must be a multiple of two spaces".into()));
            }
            let depth = indent / 2;
            let tokens = tokenize(trimmed).map_err(&err)?;
            if depth == 0 {
                close_all(&mut stack, &mut tables).map_err(&err)?;
                let t = parse_table_line(&tokens, tables.len() as u32).map_err(&err)?;
                tables.push(t);
                stack.push((0, Node { mkey: None, fields: Vec::new() }, None));
                continue;
            }
            if tables.is_empty() {
                return Err(err("field before any table".into()));
            }
            // Close nodes deeper than this line's parent.
            while stack.len() > depth {
                close_one(&mut stack, &mut tables).map_err(&err)?;
            }
            if stack.len() != depth {
                return Err(err("field indented deeper than its parent allows".into()));
            }
            let (field, child) = parse_field_line(&tokens).map_err(&err)?;
            let parent = &mut stack.last_mut().expect("depth >= 1").1;
            if parent.fields.iter().any(|f| f.name == field.name) {
                return Err(err(format!("duplicate field {}", field.name)));
            }
            if let Some(child_mkey) = child {
                stack.push((depth, Node { mkey: Some(child_mkey), fields: Vec::new() }, Some(field)));
            } else {
                parent.fields.push(field);
            }
        }
        close_all(&mut stack, &mut tables).map_err(|m| SchemaError { line: 0, message: m })?;
        let mut index = HashMap::new();
        for (i, t) in tables.iter().enumerate() {
            if index.insert(t.key(), i).is_some() {
                return Err(SchemaError { line: 0, message: format!("duplicate table {}", t.key()) });
            }
        }
        let reg = Registry { tables, index };
        reg.check_refs()?;
        Ok(reg)
    }

    fn check_refs(&self) -> Result<(), SchemaError> {
        fn walk(reg: &Registry, t: &TableSchema, node: &Node) -> Result<(), String> {
            for f in &node.fields {
                for r in &f.refs {
                    let target =
                        reg.get(r).ok_or_else(|| format!("{}: {} refers to unknown {r}", t.key(), f.name))?;
                    if target.kind != Kind::Table {
                        return Err(format!("{}: {} refers to singleton {r}", t.key(), f.name));
                    }
                    if t.scope == Scope::Global && target.scope == Scope::Vdom {
                        return Err(format!("{}: global {} refers to VDOM table {r}", t.key(), f.name));
                    }
                }
                if let FieldType::Table(n) = &f.ty {
                    walk(reg, t, n)?;
                }
            }
            Ok(())
        }
        for t in &self.tables {
            walk(self, t, &t.node).map_err(|message| SchemaError { line: 0, message })?;
        }
        Ok(())
    }
}

fn close_one(
    stack: &mut Vec<(usize, Node, Option<Field>)>,
    tables: &mut [TableSchema],
) -> Result<(), String> {
    let (_, node, field) = stack.pop().ok_or("internal: empty stack")?;
    match field {
        Some(mut f) => {
            if node.fields.is_empty() {
                return Err(format!("child table {} has no fields", f.name));
            }
            check_mkey(&node, &f.name)?;
            f.ty = FieldType::Table(node);
            f.default = Value::Array(Vec::new());
            stack.last_mut().ok_or("internal: child without parent")?.1.fields.push(f);
        }
        None => {
            let t = tables.last_mut().ok_or("internal: no table")?;
            let mut node = node;
            if t.kind == Kind::Table {
                node.mkey = node.fields.first().map(|f| f.name.clone());
                check_mkey(&node, &t.key())?;
            }
            if node.fields.is_empty() {
                return Err(format!("table {} has no fields", t.key()));
            }
            t.node = node;
        }
    }
    Ok(())
}

fn check_mkey(node: &Node, owner: &str) -> Result<(), String> {
    let mkey = node.mkey.as_deref().unwrap_or_default();
    match node.field(mkey) {
        None => Err(format!("{owner}: key field {mkey} is not declared")),
        Some(f) if matches!(f.ty, FieldType::Table(_)) => Err(format!("{owner}: key {mkey} is a table")),
        Some(_) => Ok(()),
    }
}

fn close_all(
    stack: &mut Vec<(usize, Node, Option<Field>)>,
    tables: &mut [TableSchema],
) -> Result<(), String> {
    while !stack.is_empty() {
        close_one(stack, tables)?;
    }
    Ok(())
}

/// A token and whether it was entirely quoted (a help text).
struct Tok {
    text: String,
    quoted: bool,
}

fn tokenize(line: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        let mut text = String::new();
        let mut quoted = first == '"';
        let mut any_bare = false;
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            if c == '"' {
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => text.push(chars.next().ok_or("dangling escape")?),
                        '"' => {
                            closed = true;
                            break;
                        }
                        c => text.push(c),
                    }
                }
                if !closed {
                    return Err("unterminated quote".into());
                }
            } else {
                any_bare = true;
                text.push(c);
            }
        }
        if any_bare {
            quoted = false;
        }
        out.push(Tok { text, quoted });
    }
    Ok(out)
}

fn parse_table_line(tokens: &[Tok], type_id: u32) -> Result<TableSchema, String> {
    let kind = match tokens.first().map(|t| t.text.as_str()) {
        Some("table") => Kind::Table,
        Some("singleton") => Kind::Singleton,
        other => return Err(format!("expected `table` or `singleton`, found {other:?}")),
    };
    let key = tokens.get(1).ok_or("missing table path")?;
    let (path, name) = key.text.rsplit_once('/').ok_or("table path must be <path>/<name>")?;
    let scope = match tokens.get(2).map(|t| t.text.as_str()) {
        Some("vdom") => Scope::Vdom,
        Some("global") => Scope::Global,
        other => return Err(format!("expected scope vdom|global, found {other:?}")),
    };
    let mut statics = Vec::new();
    let mut help = String::new();
    for t in &tokens[3..] {
        if t.quoted {
            help = t.text.clone();
        } else if let Some(list) = t.text.strip_prefix("static=") {
            statics = list.split(',').map(str::to_string).collect();
        } else {
            return Err(format!("unknown table attribute {}", t.text));
        }
    }
    Ok(TableSchema {
        path: path.to_string(),
        name: name.to_string(),
        scope,
        kind,
        help,
        node: Node { mkey: None, fields: Vec::new() },
        statics,
        type_id: 100 + type_id,
    })
}

/// Parse one field line; returns the field and, for `table(<mkey>)`, the child key name.
fn parse_field_line(tokens: &[Tok]) -> Result<(Field, Option<String>), String> {
    let name = tokens.first().ok_or("empty field line")?.text.clone();
    let ty_tok = tokens.get(1).ok_or_else(|| format!("field {name}: missing type"))?;
    let (ty_name, args) = match ty_tok.text.split_once('(') {
        Some((n, rest)) => {
            let inner = rest.strip_suffix(')').ok_or_else(|| format!("field {name}: unclosed ("))?;
            (n, Some(inner))
        }
        None => (ty_tok.text.as_str(), None),
    };
    let list = |a: Option<&str>| -> Result<Vec<String>, String> {
        let a = a.ok_or_else(|| format!("field {name}: {ty_name} needs a list"))?;
        Ok(a.split(',').map(str::to_string).collect())
    };
    let size = |a: Option<&str>| -> Result<usize, String> {
        a.ok_or_else(|| format!("field {name}: {ty_name} needs a size"))?
            .parse()
            .map_err(|_| format!("field {name}: bad size"))
    };
    let mut child = None;
    let ty = match ty_name {
        "string" => FieldType::String { size: size(args)?, var: false },
        "var-string" => FieldType::String { size: size(args)?, var: true },
        "password" => FieldType::Password { size: size(args)? },
        "integer" => match args {
            None => FieldType::Integer { min: 0, max: 4_294_967_295 },
            Some(a) => {
                let (lo, hi) = a.split_once(',').ok_or_else(|| format!("field {name}: integer(min,max)"))?;
                let min = lo.parse().map_err(|_| format!("field {name}: bad min"))?;
                let max = hi.parse().map_err(|_| format!("field {name}: bad max"))?;
                FieldType::Integer { min, max }
            }
        },
        "option" => FieldType::Option(list(args)?),
        "multi" => FieldType::Multi(list(args)?),
        "enable" => FieldType::Option(vec!["enable".into(), "disable".into()]),
        "ipv4-classnet" => FieldType::Ipv4Classnet,
        "ipv4-classnet-any" => FieldType::Ipv4ClassnetAny,
        "ipv4-classnet-host" => FieldType::Ipv4ClassnetHost,
        "ipv4-address" => FieldType::Ipv4Address,
        "ipv4-netmask" => FieldType::Ipv4Netmask,
        "ipv6-prefix" => FieldType::Ipv6Prefix,
        "ipv6-address" => FieldType::Ipv6Address,
        "mac-address" => FieldType::MacAddress,
        "uuid" => FieldType::Uuid,
        "time" => FieldType::Time,
        "datetime" => FieldType::Datetime,
        "table" => {
            child = Some(args.ok_or_else(|| format!("field {name}: table(<mkey>)"))?.to_string());
            FieldType::Table(Node { mkey: None, fields: Vec::new() })
        }
        other => return Err(format!("field {name}: unknown type {other}")),
    };
    let mut field = Field {
        name: name.clone(),
        ty,
        default: Value::Null,
        required: false,
        refs: Vec::new(),
        also: Vec::new(),
        when: None,
        help: String::new(),
    };
    let mut default_text: Option<String> = None;
    for t in &tokens[2..] {
        if t.quoted {
            field.help = t.text.clone();
        } else if t.text == "required" {
            field.required = true;
        } else if let Some(v) = t.text.strip_prefix("default=") {
            default_text = Some(v.to_string());
        } else if let Some(v) = t.text.strip_prefix("ref=") {
            field.refs = v.split(',').map(str::to_string).collect();
        } else if let Some(v) = t.text.strip_prefix("also=") {
            field.also = v.split(',').map(str::to_string).collect();
        } else if let Some(v) = t.text.strip_prefix("when=") {
            let (f, vals) = v.split_once(':').ok_or_else(|| format!("field {name}: when=<field>:<v>|<v>"))?;
            field.when =
                Some(When { field: f.to_string(), values: vals.split('|').map(str::to_string).collect() });
        } else {
            return Err(format!("field {name}: unknown attribute {}", t.text));
        }
    }
    field.default = match (&field.ty, default_text) {
        (FieldType::Table(_), Some(_)) => return Err(format!("field {name}: a table has no default")),
        (FieldType::Table(_), None) => Value::Array(Vec::new()),
        (ty, Some(text)) => crate::value::coerce(ty, &Value::String(text))
            .map_err(|e| format!("field {name}: default: {e}"))?,
        (ty, None) => implicit_default(ty),
    };
    Ok((field, child))
}

fn implicit_default(ty: &FieldType) -> Value {
    match ty {
        FieldType::Integer { min, .. } => json!((*min).max(0)),
        FieldType::Option(opts) => json!(opts.first().cloned().unwrap_or_default()),
        FieldType::Ipv4Classnet | FieldType::Ipv4ClassnetAny | FieldType::Ipv4ClassnetHost => {
            json!("0.0.0.0 0.0.0.0")
        }
        FieldType::Ipv4Address | FieldType::Ipv4Netmask => json!("0.0.0.0"),
        FieldType::Ipv6Prefix => json!("::/0"),
        FieldType::Ipv6Address => json!("::"),
        FieldType::MacAddress => json!("00:00:00:00:00:00"),
        FieldType::Uuid => json!(crate::value::NIL_UUID),
        FieldType::Table(_) => json!([]),
        _ => json!(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_registry_parses_and_has_the_first_tables() {
        let reg = Registry::parse(SCHEMA_TEXT).expect("embedded schema parses");
        for key in [
            "firewall/address",
            "firewall/addrgrp",
            "firewall/policy",
            "firewall.service/custom",
            "firewall.service/group",
            "firewall.schedule/recurring",
            "firewall.schedule/onetime",
            "system/interface",
            "system/global",
            "system/admin",
            "router/static",
            "user/local",
            "user/group",
            "vpn.ssl/settings",
            "application/list",
        ] {
            assert!(reg.get(key).is_some(), "{key} missing");
        }
        let policy = reg.get("firewall/policy").unwrap();
        assert_eq!(policy.node.mkey.as_deref(), Some("policyid"));
        assert!(policy.node.integer_key());
        assert!(policy.node.child("srcintf").unwrap().is_key_list());
        assert_eq!(reg.get("system/global").unwrap().kind, Kind::Singleton);
    }

    #[test]
    fn address_schema_reports_mkey_and_type_options() {
        let reg = Registry::builtin();
        let s = reg.get("firewall/address").unwrap().schema_json();
        assert_eq!(s["mkey"], "name");
        assert_eq!(s["mkey_type"], "string");
        let opts: Vec<&str> = s["children"]["type"]["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        assert!(opts.contains(&"ipmask") && opts.contains(&"iprange") && opts.contains(&"fqdn"));
        assert_eq!(s["children"]["associated-interface"]["datasource"][0], "system.interface.name");
    }

    #[test]
    fn address_defaults_match_the_spec() {
        let d = Registry::builtin().get("firewall/address").unwrap().default_json();
        assert_eq!(d["type"], "ipmask");
        assert_eq!(d["subnet"], "0.0.0.0 0.0.0.0");
        assert_eq!(d["visibility"], "enable");
        assert_eq!(d["color"], 0);
        assert_eq!(d["comment"], "");
        assert_eq!(d["associated-interface"], "");
    }

    #[test]
    fn rejects_unknown_types_refs_and_bad_indentation() {
        let bad_type = "table a/b vdom\n  name strin(3)\n";
        assert!(Registry::parse(bad_type).unwrap_err().message.contains("unknown type"));
        let bad_ref = "table a/b vdom\n  name string(3) ref=x/y\n";
        assert!(Registry::parse(bad_ref).unwrap_err().message.contains("unknown x/y"));
        let bad_indent = "table a/b vdom\n   name string(3)\n";
        assert_eq!(Registry::parse(bad_indent).unwrap_err().line, 2);
        let bad_default = "table a/b vdom\n  name string(3)\n  n integer(1,5) default=9\n";
        assert!(Registry::parse(bad_default).unwrap_err().message.contains("default"));
        let global_to_vdom = "table a/b vdom\n  name string(3)\ntable c/d global\n  name string(3) ref=a/b\n";
        assert!(Registry::parse(global_to_vdom).is_err());
    }
}
