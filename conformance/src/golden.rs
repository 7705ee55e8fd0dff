//! Golden files (`golden/<device>/<profile>/<area>/<scenario>.txt`), their provenance, field-level
//! diffs, and the known-deviation ledger (`golden/<device>/<profile>/ledger.toml`).
//!
//! A golden is plain text shaped like the HTTP exchanges:
//!
//! ```text
//! # golden: fortirecorder/doc-7.2.3 auth/g01_service_login
//! # source: simulator devsim-fortirecorder 0.1.0
//! # scenario: scenarios/fortirecorder/auth/g01_service_login.toml
//!
//! === step 1: login
//! POST /api/v1/ServiceLogin/
//! content-type: application/json
//!
//! { ...request body... }
//! --- 200
//! content-type: application/json
//! set-cookie: APSCookie=<<<cookie>>>; Path=/; HttpOnly
//!
//! { ...response body, keys sorted... }
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::normalize::{NormExchange, NormPart};

/// Where a golden came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Source {
    /// `simulator <crate> <version>`.
    Simulator { name: String },
    /// `hardware model=<m> firmware=<f>`.
    Hardware { model: String, firmware: String },
}

impl Source {
    fn line(&self) -> String {
        match self {
            Source::Simulator { name } => format!("simulator {name}"),
            Source::Hardware { model, firmware } => format!("hardware model={model} firmware={firmware}"),
        }
    }

    fn parse(s: &str) -> Option<Source> {
        if let Some(n) = s.strip_prefix("simulator ") {
            return Some(Source::Simulator { name: n.trim().to_owned() });
        }
        let rest = s.strip_prefix("hardware ")?;
        let (m, f) = rest.split_once(" firmware=")?;
        Some(Source::Hardware { model: m.strip_prefix("model=")?.to_owned(), firmware: f.trim().to_owned() })
    }

    pub fn is_hardware(&self) -> bool {
        matches!(self, Source::Hardware { .. })
    }
}

/// A parsed golden file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Golden {
    pub source: Source,
    /// Step name → normalised exchange.
    pub steps: Vec<(String, NormExchange)>,
}

/// `<golden root>/<device>/<profile>/<scenario id>.txt`.
pub fn path_for(root: &Path, device: &str, profile: &str, scenario_id: &str) -> PathBuf {
    root.join(device).join(profile).join(format!("{scenario_id}.txt"))
}

fn write_part(out: &mut String, p: &NormPart) {
    for (k, v) in &p.headers {
        let _ = writeln!(out, "{k}: {v}");
    }
    if !p.body.is_empty() {
        out.push('\n');
        out.push_str(&p.body);
        out.push('\n');
    }
}

/// Render a golden file.
pub fn render(device: &str, profile: &str, scenario_id: &str, scenario_file: &str, g: &Golden) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# golden: {device}/{profile} {scenario_id}");
    let _ = writeln!(out, "# source: {}", g.source.line());
    let _ = writeln!(out, "# scenario: {scenario_file}");
    let _ =
        writeln!(out, "# Normalised by conform: volatile values are <<<holes>>>; review changes in diffs.");
    for (i, (name, ex)) in g.steps.iter().enumerate() {
        let _ = writeln!(out, "\n=== step {}: {name}", i + 1);
        let _ = writeln!(out, "{}", ex.request.start);
        write_part(&mut out, &ex.request);
        let _ = writeln!(out, "--- {}", ex.response.start);
        write_part(&mut out, &ex.response);
    }
    out
}

fn parse_part(lines: &[&str], start: String) -> NormPart {
    let mut headers = Vec::new();
    let mut i = 0;
    while i < lines.len() && !lines[i].is_empty() {
        if let Some((k, v)) = lines[i].split_once(": ") {
            headers.push((k.to_owned(), v.to_owned()));
        }
        i += 1;
    }
    let body = if i < lines.len() { lines[i + 1..].join("\n") } else { String::new() };
    let body = body.trim_end_matches('\n').to_owned();
    let json = serde_json::from_str::<Value>(&body).is_ok_and(|v| v.is_object() || v.is_array());
    NormPart { start, headers, body, json }
}

/// Parse a golden file.
pub fn parse(text: &str) -> Result<Golden, String> {
    let mut source = None;
    let mut steps = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() && !lines[i].starts_with("=== step ") {
        if let Some(s) = lines[i].strip_prefix("# source: ") {
            source = Some(Source::parse(s).ok_or_else(|| format!("line {}: bad source line", i + 1))?);
        }
        i += 1;
    }
    let source = source.ok_or("no `# source:` line")?;
    while i < lines.len() {
        let head = lines[i];
        let name = head
            .strip_prefix("=== step ")
            .and_then(|r| r.split_once(": "))
            .map(|(_, n)| n.to_owned())
            .ok_or_else(|| format!("line {}: expected `=== step N: name`", i + 1))?;
        let end = (i + 1..lines.len()).find(|&j| lines[j].starts_with("=== step ")).unwrap_or(lines.len());
        let block = &lines[i + 1..end];
        let sep = block
            .iter()
            .position(|l| l.starts_with("--- "))
            .ok_or_else(|| format!("line {}: step {name:?} has no `--- STATUS` line", i + 1))?;
        let req_start = block.first().map(|s| s.to_string()).unwrap_or_default();
        let mut req_lines = &block[1.min(sep)..sep];
        while let Some(l) = req_lines.last().filter(|l| l.is_empty()) {
            let _ = l;
            req_lines = &req_lines[..req_lines.len() - 1];
        }
        let request = parse_part(req_lines, req_start);
        let mut resp_lines = &block[sep + 1..];
        while resp_lines.last().is_some_and(|l| l.is_empty()) {
            resp_lines = &resp_lines[..resp_lines.len() - 1];
        }
        let response = parse_part(resp_lines, block[sep][4..].trim().to_owned());
        steps.push((name, NormExchange { request, response }));
        i = end;
    }
    Ok(Golden { source, steps })
}

/// Read a golden file if it exists.
pub fn load(path: &Path) -> Result<Option<Golden>, String> {
    match std::fs::read_to_string(path) {
        Ok(t) => parse(&t).map(Some).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 120 {
        format!("{}…", &s[..s.char_indices().nth(120).map(|(i, _)| i).unwrap_or(s.len())])
    } else {
        s
    }
}

/// Field-level differences between two JSON values, as `path: expected X, got Y` lines.
pub fn json_diff(expected: &Value, actual: &Value, at: &str, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = format!("{at}.{k}");
                match a.get(k) {
                    Some(av) => json_diff(ev, av, &p, out),
                    None => out.push(format!("{p}: expected {}, missing", short(ev))),
                }
            }
            for (k, av) in a {
                if !e.contains_key(k) {
                    out.push(format!("{at}.{k}: unexpected {}", short(av)));
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                json_diff(ev, av, &format!("{at}[{i}]"), out);
            }
            if e.len() != a.len() {
                out.push(format!("{at}: expected {} items, got {}", e.len(), a.len()));
            }
        }
        _ => {
            if expected != actual {
                out.push(format!("{at}: expected {}, got {}", short(expected), short(actual)));
            }
        }
    }
}

/// Differences of a response against its golden. Empty ⇒ conforms.
pub fn diff_response(expected: &NormPart, actual: &NormPart) -> Vec<String> {
    let mut out = Vec::new();
    if expected.start != actual.start {
        out.push(format!("status: expected {}, got {}", expected.start, actual.start));
    }
    let eh: BTreeMap<&str, Vec<&str>> = group(&expected.headers);
    let ah: BTreeMap<&str, Vec<&str>> = group(&actual.headers);
    for (k, ev) in &eh {
        match ah.get(k) {
            None => out.push(format!("header {k}: expected {:?}, missing", ev.join(" | "))),
            Some(av) if av != ev => {
                out.push(format!("header {k}: expected {:?}, got {:?}", ev.join(" | "), av.join(" | ")))
            }
            _ => {}
        }
    }
    for (k, av) in &ah {
        if !eh.contains_key(k) {
            out.push(format!("header {k}: unexpected {:?}", av.join(" | ")));
        }
    }
    match (
        serde_json::from_str::<Value>(&expected.body).ok().filter(|_| expected.json),
        serde_json::from_str::<Value>(&actual.body).ok().filter(|_| actual.json),
    ) {
        (Some(e), Some(a)) => json_diff(&e, &a, "$", &mut out),
        _ => {
            if expected.body != actual.body {
                let el: Vec<&str> = expected.body.lines().collect();
                let al: Vec<&str> = actual.body.lines().collect();
                let n = el.iter().zip(&al).take_while(|(x, y)| x == y).count();
                out.push(format!(
                    "body line {}: expected {:?}, got {:?}",
                    n + 1,
                    el.get(n).copied().unwrap_or("<end of body>"),
                    al.get(n).copied().unwrap_or("<end of body>")
                ));
            }
        }
    }
    out
}

fn group(h: &[(String, String)]) -> BTreeMap<&str, Vec<&str>> {
    let mut m: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (k, v) in h {
        m.entry(k.as_str()).or_default().push(v.as_str());
    }
    m
}

/// One known deviation of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Deviation {
    /// `<area>/<scenario>#<step name>`.
    pub step: String,
    pub reason: String,
    /// Text of a step failure (status or assert) the device is known to produce: a scenario
    /// expectation it does not meet. Such a failure is reported as known, not as a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ledger {
    #[serde(default, rename = "deviation")]
    pub deviations: Vec<Deviation>,
}

impl Ledger {
    pub fn load(path: &Path) -> Result<Ledger, String> {
        match std::fs::read_to_string(path) {
            Ok(t) => toml::from_str(&t).map_err(|e| {
                let line = e.span().map(|s| crate::scenario::line_of(&t, s.start)).unwrap_or(0);
                format!("{}:{line}: {}", path.display(), e.message().trim())
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Ledger::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// The entry excusing failure `message` of step `step_id`, if any.
    pub fn find_failure(&self, step_id: &str, message: &str) -> Option<&Deviation> {
        self.deviations
            .iter()
            .find(|d| d.step == step_id && d.failure.as_deref().is_some_and(|f| message.contains(f)))
    }

    pub fn find(&self, step_id: &str) -> Option<&Deviation> {
        self.deviations.iter().find(|d| d.step == step_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn part(start: &str, headers: &[(&str, &str)], body: &str, json: bool) -> NormPart {
        NormPart {
            start: start.into(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: body.into(),
            json,
        }
    }

    #[test]
    fn golden_round_trips_through_text() {
        let g = Golden {
            source: Source::Hardware { model: "FRC-400D".into(), firmware: "v7.2.3".into() },
            steps: vec![
                (
                    "login".into(),
                    NormExchange {
                        request: part(
                            "POST /x",
                            &[("content-type", "application/json")],
                            "{\n  \"a\": 1\n}",
                            true,
                        ),
                        response: part(
                            "200",
                            &[("set-cookie", "A=<<<cookie>>>")],
                            "{\n  \"b\": [\n    1\n  ]\n}",
                            true,
                        ),
                    },
                ),
                (
                    "empty".into(),
                    NormExchange {
                        request: part("GET /y", &[], "", false),
                        response: part("403", &[], "", false),
                    },
                ),
            ],
        };
        let text = render("dev", "p", "a/s", "s.toml", &g);
        assert_eq!(parse(&text).unwrap(), g, "{text}");
    }

    #[test]
    fn json_diff_names_paths() {
        let mut out = Vec::new();
        json_diff(
            &json!({"a": 1, "b": [1, 2], "c": "x"}),
            &json!({"a": 2, "b": [1], "d": true}),
            "$",
            &mut out,
        );
        assert_eq!(
            out,
            [
                "$.a: expected 1, got 2",
                "$.b: expected 2 items, got 1",
                "$.c: expected \"x\", missing",
                "$.d: unexpected true"
            ]
        );
    }

    #[test]
    fn response_diff_covers_status_headers_and_text() {
        let e = part("200", &[("content-type", "text/plain")], "a\nb", false);
        let a = part("404", &[("x-new", "1")], "a\nc", false);
        let d = diff_response(&e, &a);
        assert_eq!(
            d,
            [
                "status: expected 200, got 404",
                "header content-type: expected \"text/plain\", missing",
                "header x-new: unexpected \"1\"",
                "body line 2: expected \"b\", got \"c\""
            ]
        );
        assert!(diff_response(&e, &e).is_empty());
    }

    #[test]
    fn ledger_rejects_unknown_keys_with_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ledger.toml");
        std::fs::write(&p, "[[deviation]]\nstep = \"a/b#c\"\nreason = \"r\"\nwhy = 1\n").unwrap();
        let e = Ledger::load(&p).unwrap_err();
        assert!(e.contains(":4:") && e.contains("why"), "{e}");
        std::fs::write(&p, "[[deviation]]\nstep = \"a/b#c\"\nreason = \"r\"\n").unwrap();
        assert_eq!(Ledger::load(&p).unwrap().find("a/b#c").unwrap().reason, "r");
    }
}
