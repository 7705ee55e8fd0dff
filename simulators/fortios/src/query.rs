//! CMDB reads (spec §2.3, §2.4 rule 7): filter → window (`start`, `count`) → projection
//! (`format`, `skip`) → decoration (`with_meta`, `datasource`, `q_origin_key`). Pure functions
//! over rows.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::cmdb::{key_string, Cmdb, CmdbError, Obj, Result, Target};
use crate::filter::Filter;
use crate::schema::{FieldType, Kind, Node, Registry, TableSchema};
use crate::value;

/// The read options of one GET.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub filter: Filter,
    pub start: Option<usize>,
    /// `None`, 0 or negative = all.
    pub count: Option<i64>,
    /// Attribute names to keep (`format=a|b`).
    pub format: Option<Vec<String>>,
    pub with_meta: bool,
    pub skip: bool,
    pub datasource: bool,
}

/// Boolean URL parameter: `1`/`0`, `true`/`false` in any case (spec §2.3).
pub fn parse_bool(name: &str, v: &str) -> Result<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        _ => Err(CmdbError::BadRequest(format!("{name}={v} is not a boolean"))),
    }
}

/// Split a `format` value on `|` and whitespace (spec §2.3 T01).
pub fn parse_format(v: &str) -> Vec<String> {
    v.split(|c: char| c == '|' || c == '+' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl Query {
    /// Build from decoded query parameters; parameters that are not read options are ignored.
    pub fn from_params<'a, I>(params: I) -> Result<Query>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut q = Query::default();
        let mut filters: Vec<&str> = Vec::new();
        let (mut key, mut pattern) = (None, None);
        for (k, v) in params {
            match k {
                "filter" => filters.push(v),
                "key" => key = Some(v),
                "pattern" => pattern = Some(v),
                "start" => {
                    q.start =
                        Some(v.trim().parse().map_err(|_| CmdbError::BadRequest(format!("start={v}")))?);
                }
                "count" => {
                    q.count =
                        Some(v.trim().parse().map_err(|_| CmdbError::BadRequest(format!("count={v}")))?);
                }
                "format" => q.format = Some(parse_format(v)),
                "with_meta" => q.with_meta = parse_bool(k, v)?,
                "skip" => q.skip = parse_bool(k, v)?,
                "datasource" => q.datasource = parse_bool(k, v)?,
                _ => {}
            }
        }
        q.filter = Filter::parse(&filters).map_err(|e| CmdbError::BadRequest(e.to_string()))?;
        match (key, pattern) {
            (Some(k), Some(p)) => q.filter.and_equals(k, p),
            (Some(k), None) => q.filter.and_equals(k, ""),
            _ => {}
        }
        Ok(q)
    }

    /// Apply `start`/`count` to a filtered list.
    pub fn window<T>(&self, items: Vec<T>) -> Vec<T> {
        let start = self.start.unwrap_or(0);
        let it = items.into_iter().skip(start);
        match self.count {
            Some(c) if c > 0 => it.take(c as usize).collect(),
            _ => it.collect(),
        }
    }
}

/// What decoration needs to know about the table being read.
pub struct ReadCtx<'a> {
    pub reg: &'a Registry,
    pub cmdb: &'a Cmdb,
    pub vdom: &'a str,
    pub query: &'a Query,
}

/// Render one stored object: `q_origin_key` after the key, `format`/`skip` projection,
/// `datasource` on reference entries, secrets as `ENC`.
pub fn render_obj(ctx: &ReadCtx, node: &Node, obj: &Obj, top: bool) -> Map<String, Value> {
    let mut out = Map::new();
    let mkey = node.mkey.as_deref();
    for (k, v) in obj {
        let Some(f) = node.field(k) else { continue };
        let is_key = Some(k.as_str()) == mkey;
        if top && !is_key {
            if let Some(fmt) = &ctx.query.format {
                if !fmt.iter().any(|n| n == k) {
                    continue;
                }
            }
        }
        if ctx.query.skip && !is_key {
            if let Some(w) = &f.when {
                let cur = obj.get(&w.field).map(key_string).unwrap_or_default();
                // Multi-option fields match when any word matches.
                if !cur.split(' ').any(|c| w.values.iter().any(|x| x == c)) && !w.values.contains(&cur) {
                    continue;
                }
            }
        }
        let rendered = match (&f.ty, v) {
            (FieldType::Table(child), Value::Array(items)) => Value::Array(
                items
                    .iter()
                    .filter_map(Value::as_object)
                    .map(|o| Value::Object(render_obj(ctx, child, o, false)))
                    .collect(),
            ),
            (FieldType::Password { .. }, Value::String(s)) => json!(value::encode_secret(s)),
            _ => v.clone(),
        };
        out.insert(k.clone(), rendered);
        if is_key {
            out.insert("q_origin_key".into(), v.clone());
            if ctx.query.datasource && !top && !f.refs.is_empty() {
                let s = key_string(v);
                if let Some(t) = f.refs.iter().find(|r| ctx.cmdb.get(ctx.reg, r, ctx.vdom, &s).is_some()) {
                    out.insert("datasource".into(), json!(t.replace('/', ".")));
                }
            }
        }
    }
    out
}

fn add_meta(out: &mut Map<String, Value>, t: &TableSchema, key: &str, refs: &HashMap<String, usize>) {
    let is_static = t.statics.iter().any(|s| s == key);
    out.insert("q_type".into(), json!(t.type_id));
    out.insert("q_path".into(), json!(t.path));
    out.insert("q_name".into(), json!(t.name));
    out.insert("q_mkey_type".into(), json!(if t.node.integer_key() { "integer" } else { "string" }));
    out.insert("q_ref".into(), json!(refs.get(key).copied().unwrap_or(0)));
    out.insert("q_static".into(), json!(is_static));
    out.insert("q_no_rename".into(), json!(is_static || t.key() == "system/vdom"));
    out.insert("q_no_edit".into(), json!(false));
}

/// A CMDB GET: `results` for the target (array for tables and child tables, object for a
/// singleton).
pub fn select(reg: &Registry, cmdb: &Cmdb, t: &Target, q: &Query) -> Result<Value> {
    let schema = reg.get(&t.table).ok_or_else(|| CmdbError::UnknownTable(t.table.clone()))?;
    cmdb.store(schema.scope, &t.vdom)?;
    let ctx = ReadCtx { reg, cmdb, vdom: &t.vdom, query: q };
    // Parent object of a child read.
    let parent: Option<&Obj> = match (schema.kind, &t.mkey, &t.child) {
        (Kind::Singleton, _, None) => {
            let obj =
                cmdb.singleton(reg, &t.table, &t.vdom).ok_or_else(|| CmdbError::NotFound(t.table.clone()))?;
            return Ok(Value::Object(render_obj(&ctx, &schema.node, obj, true)));
        }
        (Kind::Singleton, _, Some(_)) => cmdb.singleton(reg, &t.table, &t.vdom),
        (Kind::Table, Some(k), Some(_)) => {
            Some(cmdb.get(reg, &t.table, &t.vdom, k).ok_or_else(|| CmdbError::NotFound(k.clone()))?)
        }
        (Kind::Table, None, Some(_)) => return Err(CmdbError::NotFound("(no mkey)".into())),
        (Kind::Table, _, None) => None,
    };
    if let (Some(p), Some(child)) = (parent, &t.child) {
        let node = schema.node.child(child).ok_or_else(|| CmdbError::NotFound(child.clone()))?;
        let items: Vec<&Obj> = p
            .get(child)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .collect();
        let mkey_name = node.mkey.as_deref().unwrap_or_default();
        let chosen: Vec<&Obj> = match &t.child_mkey {
            Some(ck) => {
                let found: Vec<&Obj> = items
                    .into_iter()
                    .filter(|o| o.get(mkey_name).map(key_string).as_deref() == Some(ck))
                    .collect();
                if found.is_empty() {
                    return Err(CmdbError::NotFound(ck.clone()));
                }
                found
            }
            None => q.window(items.into_iter().filter(|o| q.filter.matches(o)).collect()),
        };
        return Ok(Value::Array(
            chosen.into_iter().map(|o| Value::Object(render_obj(&ctx, node, o, false))).collect(),
        ));
    }
    let rows = cmdb.rows(reg, &t.table, &t.vdom)?;
    let chosen: Vec<(&String, &Obj)> = match &t.mkey {
        Some(k) => {
            let obj = cmdb.get(reg, &t.table, &t.vdom, k).ok_or_else(|| CmdbError::NotFound(k.clone()))?;
            let key =
                obj.get(schema.node.mkey.as_deref().unwrap_or_default()).map(key_string).unwrap_or_default();
            let (k, o) = rows.get_key_value(&key).ok_or_else(|| CmdbError::NotFound(key.clone()))?;
            vec![(k, o)]
        }
        None => q.window(rows.iter().filter(|(_, o)| q.filter.matches(o)).collect()),
    };
    let refs = if q.with_meta { cmdb.ref_counts(reg, &t.table, &t.vdom)? } else { HashMap::new() };
    Ok(Value::Array(
        chosen
            .into_iter()
            .map(|(k, o)| {
                let mut out = render_obj(&ctx, &schema.node, o, true);
                if q.with_meta {
                    add_meta(&mut out, schema, k, &refs);
                }
                Value::Object(out)
            })
            .collect(),
    ))
}
