//! Persistence of device state.
//!
//! Each device owns one JSON file `<state-dir>/<device-id>.json`:
//! `{"format": "devsim-state", "version": N, "kind": "<kind>", "state": {...}}`.
//! A write is atomic and durable (temp file, fsync, rename, fsync of the directory), so an
//! acknowledged write survives `kill -9`. A file that is corrupt, of another kind, or of an
//! unknown version stops start-up with an error naming the file; it is never silently reset.
//! An ephemeral store keeps nothing.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

const FORMAT: &str = "devsim-state";

/// Where one device's state lives.
#[derive(Debug, Clone)]
pub struct Store {
    file: Option<PathBuf>,
    kind: String,
    version: u32,
}

#[derive(Serialize)]
struct EnvelopeOut<'a, T> {
    format: &'a str,
    version: u32,
    kind: &'a str,
    state: &'a T,
}

#[derive(Deserialize)]
struct EnvelopeIn {
    format: String,
    version: u32,
    kind: String,
    state: serde_json::Value,
}

impl Store {
    /// A store that keeps nothing (`--ephemeral`).
    pub fn ephemeral(kind: &str, version: u32) -> Self {
        Store { file: None, kind: kind.to_owned(), version }
    }

    /// The store of device `id` inside `dir` (created if needed).
    pub fn in_dir(dir: &Path, id: &str, kind: &str, version: u32) -> Result<Self> {
        fs::create_dir_all(dir)
            .map_err(|e| Error::internal(format!("cannot create state directory {}: {e}", dir.display())))?;
        Ok(Store { file: Some(dir.join(format!("{id}.json"))), kind: kind.to_owned(), version })
    }

    pub fn path(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    pub fn is_ephemeral(&self) -> bool {
        self.file.is_none()
    }

    /// Load the saved state; `Ok(None)` when nothing was saved yet (or the store is ephemeral).
    pub fn load<T: DeserializeOwned>(&self) -> Result<Option<T>> {
        let Some(path) = &self.file else { return Ok(None) };
        let bytes = match fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::internal(format!("cannot read state file {}: {e}", path.display()))),
        };
        let env: EnvelopeIn = serde_json::from_slice(&bytes).map_err(|e| {
            Error::internal(format!(
                "state file {} is corrupt ({e}); move it away to start from the seed",
                path.display()
            ))
        })?;
        if env.format != FORMAT {
            return Err(Error::internal(format!(
                "state file {} is not a devsim state file (format {:?})",
                path.display(),
                env.format
            )));
        }
        if env.kind != self.kind {
            return Err(Error::internal(format!(
                "state file {} holds a {:?} device, not {:?}",
                path.display(),
                env.kind,
                self.kind
            )));
        }
        if env.version != self.version {
            return Err(Error::internal(format!(
                "state file {} has version {}, this devsim reads version {} of {:?} state",
                path.display(),
                env.version,
                self.version,
                self.kind
            )));
        }
        let state = serde_json::from_value(env.state).map_err(|e| {
            Error::internal(format!(
                "state file {} does not match the {} state model ({e})",
                path.display(),
                self.kind
            ))
        })?;
        Ok(Some(state))
    }

    /// Save `state` atomically and durably. A no-op for an ephemeral store.
    pub fn save<T: Serialize>(&self, state: &T) -> Result<()> {
        let Some(path) = &self.file else { return Ok(()) };
        let env = EnvelopeOut { format: FORMAT, version: self.version, kind: &self.kind, state };
        let bytes = serde_json::to_vec_pretty(&env)
            .map_err(|e| Error::internal(format!("cannot encode state for {}: {e}", path.display())))?;
        write_atomic(path, &bytes)
            .map_err(|e| Error::internal(format!("cannot write state file {}: {e}", path.display())))
    }

    /// Forget the saved state (used by reset: the seed is saved afterwards).
    pub fn remove(&self) -> Result<()> {
        let Some(path) = &self.file else { return Ok(()) };
        match fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::internal(format!("cannot remove state file {}: {e}", path.display()))),
        }
    }
}

/// Write `bytes` to `path` so that a crash leaves either the old or the new content.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    {
        let mut f = OpenOptions::new().write(true).create(true).truncate(true).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    // Make the rename itself durable.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct S {
        a: u32,
    }

    #[test]
    fn round_trips_and_survives_a_new_store() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::in_dir(dir.path(), "d1", "kind", 1).unwrap();
        assert_eq!(s.load::<S>().unwrap(), None);
        s.save(&S { a: 7 }).unwrap();
        let s2 = Store::in_dir(dir.path(), "d1", "kind", 1).unwrap();
        assert_eq!(s2.load::<S>().unwrap(), Some(S { a: 7 }));
    }

    #[test]
    fn corrupt_file_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::in_dir(dir.path(), "d1", "kind", 1).unwrap();
        fs::write(s.path().unwrap(), b"{not json").unwrap();
        let e = s.load::<S>().unwrap_err();
        assert!(e.message.contains("d1.json"), "{e}");
        assert!(e.message.contains("corrupt"), "{e}");
    }

    #[test]
    fn unknown_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        Store::in_dir(dir.path(), "d1", "kind", 2).unwrap().save(&S { a: 1 }).unwrap();
        let e = Store::in_dir(dir.path(), "d1", "kind", 1).unwrap().load::<S>().unwrap_err();
        assert!(e.message.contains("version 2"), "{e}");
    }

    #[test]
    fn other_kind_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        Store::in_dir(dir.path(), "d1", "a", 1).unwrap().save(&S { a: 1 }).unwrap();
        let e = Store::in_dir(dir.path(), "d1", "b", 1).unwrap().load::<S>().unwrap_err();
        assert!(e.message.contains("holds a"), "{e}");
    }

    #[test]
    fn ephemeral_keeps_nothing() {
        let s = Store::ephemeral("kind", 1);
        s.save(&S { a: 1 }).unwrap();
        assert_eq!(s.load::<S>().unwrap(), None);
    }
}
