# Shared by scripts/run and scripts/test: install what devsim needs on a Debian machine.
# Sourced, not executed.

# Debian packages the build and the tests need: C toolchain for ring, certificates for cargo,
# ffmpeg (test media, ffprobe as a real RTSP client), a monospace font for the burned-in time, and
# Python with venv (the real FortiOS API clients the FortiGate simulator is tested with).
DEVSIM_DEBS=(build-essential pkg-config ca-certificates curl ffmpeg fonts-dejavu-core python3 python3-venv)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "devsim: need root (or sudo) to run: $*" >&2; return 1; fi
}

ensure_debs() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "devsim: installing Debian packages: ${missing[*]}" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}

ensure_rust() {
  if ! command -v cargo >/dev/null; then
    [ -x "$HOME/.cargo/bin/cargo" ] || {
      echo "devsim: installing the Rust toolchain with rustup" >&2
      curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt,clippy
    }
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
}

# The Python clients of the FortiGate simulator's integration test, in a venv under target/pyenv
# (fortiosapi imports six without declaring it); versions pinned to the ones the test was written
# against. Run from the repository root.
ensure_python_clients() {
  local venv="target/pyenv"
  if ! "$venv/bin/python3" -c 'import fortiosapi, fortigate_api' 2>/dev/null; then
    echo "devsim: installing the Python clients fortigate-api and fortiosapi in $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "fortigate-api==2.0.8" "fortiosapi==1.0.5" "six==1.17.0"
  fi
}

ensure_all() {
  if command -v dpkg-query >/dev/null; then ensure_debs "${DEVSIM_DEBS[@]}"; fi
  ensure_rust
  ensure_python_clients
}
