//! devsim-conformance: the `conform` runner. Scenarios (TOML, [`scenario`]) are run against a
//! target ([`target`]: the in-process simulator, a running devsim, or hardware) by [`runner`],
//! which checks asserts ([`check`]), normalises exchanges ([`normalize`]), compares or writes
//! goldens ([`golden`]) and builds one result tree that [`report`] renders as text, JSON and JUnit.
//! [`cli`] is the command line of the `conform` binary.

pub mod check;
pub mod cli;
pub mod client;
pub mod devices;
pub mod extract;
pub mod golden;
pub mod media;
pub mod normalize;
pub mod report;
pub mod rtsp;
pub mod runner;
pub mod scenario;
pub mod target;
