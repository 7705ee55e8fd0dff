//! A request-level harness over the pure model: URL + method + body in, envelope out, the way
//! the HTTP layer will drive it (decode → apply → render).

#![allow(dead_code)]

use devsim_fortios::cmdb::CmdbError;
use devsim_fortios::fixtures;
use devsim_fortios::model::Model;
use devsim_fortios::request::{decode, parse_query};
use devsim_fortios::schema::Registry;
use devsim_fortios::wire::{self, ErrorStatusMode, Reply, Request};
use serde_json::Value;

pub const NOW: i64 = 1_513_174_867;

pub struct Dev {
    pub m: Model,
    pub now: i64,
    pub mode: ErrorStatusMode,
}

impl Dev {
    pub fn factory() -> Dev {
        Dev { m: fixtures::factory(NOW).expect("factory"), now: NOW, mode: ErrorStatusMode::Reference }
    }

    pub fn lab() -> Dev {
        Dev { m: fixtures::lab(NOW).expect("lab"), now: NOW, mode: ErrorStatusMode::Reference }
    }

    pub fn req(&mut self, method: &str, url: &str, body: Option<Value>) -> Reply {
        self.now += 1;
        let (path, qs) = url.split_once('?').unwrap_or((url, ""));
        let rest = path.strip_prefix("/api/v2/cmdb/").expect("CMDB URL");
        let decoded = parse_query(qs)
            .and_then(|params| decode(Registry::builtin(), method, rest, &params, body, "root"));
        match decoded {
            Ok(d) if d.global => {
                let vdoms = self.m.vdom_names();
                wire::execute_global(&mut self.m, self.now, method, d.command, &vdoms, self.mode)
            }
            Ok(d) => wire::execute(&mut self.m, self.now, method, d.command, self.mode),
            Err(e) => self.error_reply(method, rest, e),
        }
    }

    fn error_reply(&self, method: &str, rest: &str, e: CmdbError) -> Reply {
        let mut segs = rest.trim_matches('/').split('/');
        let req = Request {
            http_method: method.into(),
            path: segs.next().unwrap_or_default().into(),
            name: segs.next().unwrap_or_default().into(),
            vdom: Some("root".into()),
            mkey: None,
            action: None,
        };
        wire::cmdb_reply(&self.m.identity, &self.m.revision_string(), &req, &Err(e), self.mode)
    }

    pub fn get(&mut self, url: &str) -> Reply {
        self.req("GET", url, None)
    }
    pub fn post(&mut self, url: &str, body: Value) -> Reply {
        self.req("POST", url, Some(body))
    }
    pub fn put(&mut self, url: &str, body: Value) -> Reply {
        self.req("PUT", url, Some(body))
    }
    pub fn delete(&mut self, url: &str) -> Reply {
        self.req("DELETE", url, None)
    }

    /// Keys (`attr`) of the results of a GET, in order.
    pub fn keys(&mut self, url: &str, attr: &str) -> Vec<String> {
        let r = self.get(url);
        assert_eq!(r.status, 200, "{url}: {}", r.body);
        r.body["results"]
            .as_array()
            .expect("results array")
            .iter()
            .map(|o| match &o[attr] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()
    }
}
