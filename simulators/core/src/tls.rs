//! TLS material for the HTTPS listeners.
//!
//! A device serves HTTPS with either a certificate and key the user supplies (PEM files), or a
//! self-signed certificate made with rcgen. The self-signed one is made on first start and kept
//! in the state directory (`<state-dir>/tls/cert.pem`, `key.pem`), so clients that pinned it keep
//! working across restarts; with `--ephemeral` it is made in memory and forgotten at exit.
//!
//! The subject alternative names are always `localhost`, `127.0.0.1` and `::1`, plus the host
//! names the caller adds. When the stored certificate was made for another set of names, a new
//! one replaces it (the set is recorded in `<state-dir>/tls/names.txt`).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

use crate::error::{Error, Result};
use crate::persist::write_atomic;

/// The names every self-signed certificate covers.
pub const DEFAULT_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// A certificate chain and its private key, both PEM.
#[derive(Clone, PartialEq, Eq)]
pub struct PemPair {
    pub cert_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for PemPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never log the key.
        f.debug_struct("PemPair").field("cert_pem_len", &self.cert_pem.len()).finish_non_exhaustive()
    }
}

/// Where a listener's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSource {
    /// User-supplied PEM files.
    Files { cert: PathBuf, key: PathBuf },
    /// Self-signed, kept in `<dir>/tls/` and reused on later starts.
    StateDir { dir: PathBuf, extra_names: Vec<String> },
    /// Self-signed, in memory only.
    Ephemeral { extra_names: Vec<String> },
}

/// The sorted, de-duplicated SAN list: the defaults plus `extra`.
pub fn subject_names(extra: &[String]) -> Vec<String> {
    let mut names: Vec<String> = DEFAULT_NAMES.iter().map(|s| s.to_string()).collect();
    for n in extra {
        let n = n.trim();
        if !n.is_empty() && !names.iter().any(|x| x.eq_ignore_ascii_case(n)) {
            names.push(n.to_owned());
        }
    }
    names
}

/// Make a self-signed certificate for the default names plus `extra_names`.
pub fn self_signed(extra_names: &[String]) -> Result<PemPair> {
    let names = subject_names(extra_names);
    let mut params = rcgen::CertificateParams::new(names)
        .map_err(|e| Error::invalid(format!("cannot make a certificate for these host names: {e}")))?;
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CommonName, "devsim self-signed");
    dn.push(rcgen::DnType::OrganizationName, "devsim");
    params.distinguished_name = dn;
    let key =
        rcgen::KeyPair::generate().map_err(|e| Error::internal(format!("cannot make a TLS key: {e}")))?;
    let cert = params
        .self_signed(&key)
        .map_err(|e| Error::internal(format!("cannot sign the TLS certificate: {e}")))?;
    Ok(PemPair { cert_pem: cert.pem(), key_pem: key.serialize_pem() })
}

/// The self-signed certificate kept in `<state_dir>/tls/`: reused when present and made for the
/// same names, made (and saved atomically) otherwise.
pub fn load_or_create(state_dir: &Path, extra_names: &[String]) -> Result<PemPair> {
    let dir = state_dir.join("tls");
    let (cert_path, key_path, names_path) =
        (dir.join("cert.pem"), dir.join("key.pem"), dir.join("names.txt"));
    let wanted = subject_names(extra_names).join("\n");
    if cert_path.exists() && key_path.exists() {
        let same_names = fs::read_to_string(&names_path).map(|s| s.trim() == wanted).unwrap_or(false);
        if same_names {
            let pair = read_pair(&cert_path, &key_path)?;
            // Refuse a damaged pair now rather than at the first handshake.
            server_config(&pair).map_err(|e| {
                Error::internal(format!("{} (delete {} to make a new certificate)", e.message, dir.display()))
            })?;
            tracing::debug!(dir = %dir.display(), "reusing the self-signed certificate");
            return Ok(pair);
        }
        tracing::info!(dir = %dir.display(), "host names changed; making a new self-signed certificate");
    }
    fs::create_dir_all(&dir)
        .map_err(|e| Error::internal(format!("cannot create TLS directory {}: {e}", dir.display())))?;
    let pair = self_signed(extra_names)?;
    let write = |p: &Path, bytes: &[u8]| {
        write_atomic(p, bytes).map_err(|e| Error::internal(format!("cannot write {}: {e}", p.display())))
    };
    write(&key_path, pair.key_pem.as_bytes())?;
    write(&cert_path, pair.cert_pem.as_bytes())?;
    write(&names_path, format!("{wanted}\n").as_bytes())?;
    tracing::info!(cert = %cert_path.display(), "made a self-signed certificate");
    Ok(pair)
}

/// Read a user-supplied certificate chain and key.
pub fn read_pair(cert: &Path, key: &Path) -> Result<PemPair> {
    let read = |p: &Path| {
        fs::read_to_string(p).map_err(|e| Error::invalid(format!("cannot read {}: {e}", p.display())))
    };
    let pair = PemPair { cert_pem: read(cert)?, key_pem: read(key)? };
    // Name the file in the error when one of the two does not parse.
    parse_certs(&pair.cert_pem).map_err(|e| Error::invalid(format!("{}: {}", cert.display(), e.message)))?;
    parse_key(&pair.key_pem).map_err(|e| Error::invalid(format!("{}: {}", key.display(), e.message)))?;
    Ok(pair)
}

fn parse_certs(pem: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::invalid(format!("not a PEM certificate chain ({e})")))?;
    if certs.is_empty() {
        return Err(Error::invalid("no CERTIFICATE block in the PEM data"));
    }
    Ok(certs)
}

fn parse_key(pem: &str) -> Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| Error::invalid(format!("not a PEM private key ({e})")))
}

/// A rustls server configuration (HTTP/2 and HTTP/1.1 offered by ALPN) for `pair`.
pub fn server_config(pair: &PemPair) -> Result<Arc<ServerConfig>> {
    let certs = parse_certs(&pair.cert_pem)?;
    let key = parse_key(&pair.key_pem)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::internal(format!("TLS protocol setup failed: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| Error::invalid(format!("certificate and key do not make a usable pair: {e}")))?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

/// Resolve a [`TlsSource`] into PEM material.
pub fn material(source: &TlsSource) -> Result<PemPair> {
    match source {
        TlsSource::Files { cert, key } => read_pair(cert, key),
        TlsSource::StateDir { dir, extra_names } => load_or_create(dir, extra_names),
        TlsSource::Ephemeral { extra_names } => self_signed(extra_names),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_pair_makes_a_server_config() {
        let pair = self_signed(&["devsim.test".into()]).unwrap();
        assert!(pair.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        server_config(&pair).unwrap();
    }

    #[test]
    fn state_dir_certificate_is_reused_until_names_change() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create(dir.path(), &[]).unwrap();
        let b = load_or_create(dir.path(), &[]).unwrap();
        assert_eq!(a, b);
        assert!(dir.path().join("tls/cert.pem").exists());
        let c = load_or_create(dir.path(), &["other.test".into()]).unwrap();
        assert_ne!(a.cert_pem, c.cert_pem);
    }

    #[test]
    fn garbage_files_are_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
        fs::write(&cert, "not pem").unwrap();
        fs::write(&key, "not pem").unwrap();
        let e = read_pair(&cert, &key).unwrap_err();
        assert!(e.message.contains("c.pem"), "{e}");
        let e = read_pair(&dir.path().join("missing.pem"), &key).unwrap_err();
        assert!(e.message.contains("missing.pem"), "{e}");
    }

    #[test]
    fn subject_names_keep_defaults_and_drop_duplicates() {
        let n = subject_names(&["LOCALHOST".into(), "cam.test".into(), " ".into()]);
        assert_eq!(n, ["localhost", "127.0.0.1", "::1", "cam.test"]);
    }
}
