//! CMDB URL path grammar (spec §2.1): `<path>/<name>[/<mkey>[/<child>[/<child_mkey>]]][/]`.

use crate::cmdb::CmdbError;
use crate::schema::{Kind, Registry};

/// A decoded CMDB URL (without the VDOM, which comes from the query string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CmdbPath {
    /// `/api/v2/cmdb/` itself (directory, whole-tree schema/default).
    Root,
    Table {
        table: String,
        mkey: Option<String>,
        child: Option<String>,
        child_mkey: Option<String>,
    },
}

/// Percent-decode one segment (`%2F`, `%20`; `+` stays literal in a path).
pub fn percent_decode(s: &str) -> Result<String, CmdbError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            let b = hex.and_then(|h| u8::from_str_radix(h, 16).ok());
            match b {
                Some(b) => {
                    out.push(b);
                    i += 3;
                    continue;
                }
                None => return Err(CmdbError::BadRequest(format!("bad percent-encoding in {s:?}"))),
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).map_err(|_| CmdbError::BadRequest(format!("{s:?} is not UTF-8")))
}

/// Decode the part of the URL path after `/api/v2/cmdb/`.
pub fn parse_cmdb_path(reg: &Registry, rest: &str) -> Result<CmdbPath, CmdbError> {
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return Ok(CmdbPath::Root);
    }
    let segs = rest.split('/').map(percent_decode).collect::<Result<Vec<_>, _>>()?;
    if segs.len() < 2 || segs.len() > 5 || segs.iter().any(String::is_empty) {
        return Err(CmdbError::UnknownTable(rest.to_string()));
    }
    let t = reg
        .lookup(&segs[0], &segs[1])
        .ok_or_else(|| CmdbError::UnknownTable(format!("{}/{}", segs[0], segs[1])))?;
    let table = t.key();
    let mut it = segs.into_iter().skip(2);
    let (mkey, child, child_mkey) = match t.kind {
        Kind::Table => (it.next(), it.next(), it.next()),
        Kind::Singleton => {
            let c = (None, it.next(), it.next());
            if it.next().is_some() {
                return Err(CmdbError::UnknownTable(rest.to_string()));
            }
            c
        }
    };
    if let Some(c) = &child {
        if t.node.child(c).is_none() {
            return Err(CmdbError::NotFound(c.clone()));
        }
    }
    Ok(CmdbPath::Table { table, mkey, child, child_mkey })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<CmdbPath, CmdbError> {
        parse_cmdb_path(Registry::builtin(), s)
    }

    #[test]
    fn decodes_the_spec_examples() {
        assert_eq!(p("").unwrap(), CmdbPath::Root);
        assert_eq!(
            p("firewall/policy/1/srcintf/lan/").unwrap(),
            CmdbPath::Table {
                table: "firewall/policy".into(),
                mkey: Some("1".into()),
                child: Some("srcintf".into()),
                child_mkey: Some("lan".into())
            }
        );
        assert_eq!(
            p("vpn.ssl/settings/authentication-rule").unwrap(),
            CmdbPath::Table {
                table: "vpn.ssl/settings".into(),
                mkey: None,
                child: Some("authentication-rule".into()),
                child_mkey: None
            }
        );
        match p("firewall/address/a%2Fb%20c").unwrap() {
            CmdbPath::Table { mkey, .. } => assert_eq!(mkey.as_deref(), Some("a/b c")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rejects_unknown_tables_children_and_bad_encoding() {
        assert!(matches!(p("firewall"), Err(CmdbError::UnknownTable(_))));
        assert!(matches!(p("firewall/nosuch"), Err(CmdbError::UnknownTable(_))));
        assert!(matches!(p("firewall/policy/1/nosuch"), Err(CmdbError::NotFound(_))));
        assert!(matches!(p("firewall/policy/1/srcintf/a/b"), Err(CmdbError::UnknownTable(_))));
        assert!(matches!(p("firewall/address/%zz"), Err(CmdbError::BadRequest(_))));
        assert!(matches!(p("firewall/address/%"), Err(CmdbError::BadRequest(_))));
    }
}
