//! The CMDB filter language (spec §2.4).
//!
//! `filter=a,b` ORs expressions, repeated `filter=` parameters AND them; inside a pattern `\,`
//! is a literal comma and `\\` a literal backslash. Expressions are `key op pattern` with the
//! operators `==`, `!=`, `=@`, `!@`, `<=`, `<`, `>=`, `>`.

use std::cmp::Ordering;

use serde_json::{Map, Value};

/// The eight operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Contains,
    NotContains,
    Le,
    Lt,
    Ge,
    Gt,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Contains => "=@",
            Op::NotContains => "!@",
            Op::Le => "<=",
            Op::Lt => "<",
            Op::Ge => ">=",
            Op::Gt => ">",
        }
    }
}

/// `key op pattern`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    pub key: String,
    pub op: Op,
    pub pattern: String,
}

/// A malformed filter (answered with 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid filter {expr:?}: {reason}")]
pub struct FilterError {
    pub expr: String,
    pub reason: &'static str,
}

/// AND of ORs: every group must have at least one matching expression.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub groups: Vec<Vec<Expr>>,
}

impl Filter {
    /// Parse the values of every `filter=` parameter (already URL-decoded).
    pub fn parse<S: AsRef<str>>(params: &[S]) -> Result<Filter, FilterError> {
        let mut groups = Vec::new();
        for p in params {
            let group = split_unescaped(p.as_ref())
                .into_iter()
                .map(|e| parse_expr(&e))
                .collect::<Result<Vec<_>, _>>()?;
            groups.push(group);
        }
        Ok(Filter { groups })
    }

    /// Add `key==pattern` as one more AND-ed group (`key`/`pattern` parameters).
    pub fn and_equals(&mut self, key: &str, pattern: &str) {
        self.groups.push(vec![Expr { key: key.to_string(), op: Op::Eq, pattern: pattern.to_string() }]);
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    pub fn matches(&self, row: &Map<String, Value>) -> bool {
        self.groups.iter().all(|g| g.iter().any(|e| e.matches(row)))
    }
}

/// Split on commas not preceded by a backslash escape; `\,` → `,` and `\\` → `\`.
/// Any other backslash is kept as written.
fn split_unescaped(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&n @ (',' | '\\')) => {
                    cur.push(n);
                    chars.next();
                }
                _ => cur.push('\\'),
            },
            ',' => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn parse_expr(e: &str) -> Result<Expr, FilterError> {
    let err = |reason| FilterError { expr: e.to_string(), reason };
    let bytes = e.as_bytes();
    for i in 0..bytes.len() {
        let two = bytes.get(i..i + 2);
        let op = match two {
            Some(b"==") => Some((Op::Eq, 2)),
            Some(b"!=") => Some((Op::Ne, 2)),
            Some(b"=@") => Some((Op::Contains, 2)),
            Some(b"!@") => Some((Op::NotContains, 2)),
            Some(b"<=") => Some((Op::Le, 2)),
            Some(b">=") => Some((Op::Ge, 2)),
            _ => match bytes[i] {
                b'<' => Some((Op::Lt, 1)),
                b'>' => Some((Op::Gt, 1)),
                _ => None,
            },
        };
        if let Some((op, len)) = op {
            // Operators are ASCII, so both slice points are char boundaries.
            let key = e[..i].trim();
            if key.is_empty() {
                return Err(err("missing attribute name"));
            }
            return Ok(Expr { key: key.to_string(), op, pattern: e[i + len..].to_string() });
        }
    }
    Err(err("no operator (==, !=, =@, !@, <=, <, >=, >)"))
}

/// String forms of an attribute: one for a scalar, one per element for a list (the element's
/// first attribute, which is its key), `[""]` when absent or empty.
fn values_of(row: &Map<String, Value>, key: &str) -> Vec<String> {
    fn scalar(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Object(o) => o.values().next().map(scalar).unwrap_or_default(),
            Value::Null | Value::Array(_) => String::new(),
        }
    }
    match row.get(key) {
        None => vec![String::new()],
        Some(Value::Array(items)) if items.is_empty() => vec![String::new()],
        Some(Value::Array(items)) => items.iter().map(scalar).collect(),
        Some(v) => vec![scalar(v)],
    }
}

fn number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite())
}

fn compare(value: &str, pattern: &str) -> Ordering {
    match (number(value), number(pattern)) {
        (Some(a), Some(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
        _ => value.to_lowercase().cmp(&pattern.to_lowercase()),
    }
}

impl Expr {
    pub fn matches(&self, row: &Map<String, Value>) -> bool {
        let values = values_of(row, &self.key);
        let pat = self.pattern.to_lowercase();
        let eq = |v: &String| v.to_lowercase() == pat;
        let has = |v: &String| v.to_lowercase().contains(&pat);
        match self.op {
            Op::Eq => values.iter().any(eq),
            Op::Ne => !values.iter().any(eq),
            Op::Contains => values.iter().any(has),
            Op::NotContains => !values.iter().any(has),
            Op::Le => values.iter().any(|v| compare(v, &self.pattern) != Ordering::Greater),
            Op::Lt => values.iter().any(|v| compare(v, &self.pattern) == Ordering::Less),
            Op::Ge => values.iter().any(|v| compare(v, &self.pattern) != Ordering::Less),
            Op::Gt => values.iter().any(|v| compare(v, &self.pattern) == Ordering::Greater),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn one(f: &str) -> Expr {
        Filter::parse(&[f]).unwrap().groups.remove(0).remove(0)
    }

    #[test]
    fn parses_every_operator() {
        for (text, op) in [
            ("a==b", Op::Eq),
            ("a!=b", Op::Ne),
            ("a=@b", Op::Contains),
            ("a!@b", Op::NotContains),
            ("a<=b", Op::Le),
            ("a<b", Op::Lt),
            ("a>=b", Op::Ge),
            ("a>b", Op::Gt),
        ] {
            let e = one(text);
            assert_eq!((e.key.as_str(), e.op, e.pattern.as_str()), ("a", op, "b"), "{text}");
        }
    }

    #[test]
    fn two_character_operator_wins_and_pattern_may_contain_operators() {
        let e = one("name==a==b");
        assert_eq!((e.op, e.pattern.as_str()), (Op::Eq, "a==b"));
        let e = one("x<=3");
        assert_eq!(e.op, Op::Le);
        let e = one("comment==");
        assert_eq!(e.pattern, "");
    }

    #[test]
    fn equality_and_substring_are_case_insensitive() {
        let r = row(json!({"type":"fqdn","name":"FQDN1"}));
        assert!(one("type==FQDN").matches(&r));
        assert!(!one("type!=fqdn").matches(&r));
        assert!(one("name=@fqdn").matches(&r));
        assert!(!one("name!@Fqdn").matches(&r));
    }

    #[test]
    fn ordering_is_numeric_when_both_sides_are_numbers() {
        let r = row(json!({"policyid": 10, "name":"b"}));
        assert!(one("policyid>9").matches(&r));
        assert!(!one("policyid<9").matches(&r));
        assert!(one("policyid>=10").matches(&r));
        assert!(one("policyid<=10").matches(&r));
        assert!(one("name>A").matches(&r));
        assert!(one("name<c").matches(&r));
    }

    #[test]
    fn list_attributes_match_any_element() {
        let r = row(json!({"srcintf":[{"name":"port1"},{"name":"lan"}]}));
        assert!(one("srcintf==lan").matches(&r));
        assert!(!one("srcintf!=lan").matches(&r));
        assert!(one("srcintf!=port9").matches(&r));
        let empty = row(json!({"srcintf":[]}));
        assert!(one("srcintf==").matches(&empty));
    }

    #[test]
    fn unknown_keys_behave_as_empty() {
        let r = row(json!({"name":"a"}));
        assert!(one("nosuch==").matches(&r));
        assert!(!one("nosuch==x").matches(&r));
        assert!(one("nosuch!=x").matches(&r));
    }

    #[test]
    fn comma_ors_and_repeats_and() {
        let f = Filter::parse(&["schedule==always", "action==accept,action==deny"]).unwrap();
        assert_eq!(f.groups.len(), 2);
        assert_eq!(f.groups[1].len(), 2);
        assert!(f.matches(&row(json!({"schedule":"always","action":"deny"}))));
        assert!(!f.matches(&row(json!({"schedule":"once","action":"deny"}))));
    }

    #[test]
    fn escaped_comma_and_backslash_stay_in_the_pattern() {
        let f = Filter::parse(&[r"comment==a\,b\\c"]).unwrap();
        assert_eq!(f.groups[0].len(), 1);
        assert_eq!(f.groups[0][0].pattern, r"a,b\c");
        assert!(f.matches(&row(json!({"comment": "a,b\\c"}))));
        let lone = Filter::parse(&[r"comment==a\b"]).unwrap();
        assert_eq!(lone.groups[0][0].pattern, r"a\b");
        let trailing = Filter::parse(&["comment==a\\"]).unwrap();
        assert_eq!(trailing.groups[0][0].pattern, "a\\");
    }

    #[test]
    fn malformed_filters_are_errors() {
        assert!(Filter::parse(&["type"]).is_err());
        assert!(Filter::parse(&["comment==a,b"]).is_err(), "b has no operator");
        assert!(Filter::parse(&["==x"]).is_err());
        assert!(Filter::parse(&["type=fqdn"]).is_err());
        assert!(Filter::parse(&[""]).is_err());
    }

    #[test]
    fn multibyte_text_never_panics() {
        assert!(Filter::parse(&["é<ü"]).is_ok());
        assert!(Filter::parse(&["名前==値,é"]).is_err());
        let e = one("名前=@値");
        assert!(e.matches(&row(json!({"名前":"大値"}))));
    }
}
