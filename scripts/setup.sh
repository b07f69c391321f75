#!/usr/bin/env bash
# Installs the Debian 12 packages the offline Bazel build needs (see
# BUILD_OFFLINE.md). Idempotent: does nothing (no apt-get at all) when every
# package is already installed. Progress goes to stderr.
set -euo pipefail

PACKAGES=(
  bazel-bootstrap
  libgrpc++-dev
  protobuf-compiler-grpc
  libprotobuf-dev
  protobuf-compiler
  libabsl-dev
  libsqlite3-dev
  libboost-dev
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  nlohmann-json3-dev
)

log() { echo "setup.sh: $*" >&2; }

missing=()
for pkg in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "${pkg}" 2>/dev/null || true)"
  if [[ "${status}" != "install ok installed" ]]; then
    missing+=("${pkg}")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  log "all ${#PACKAGES[@]} packages installed"
  exit 0
fi

sudo_cmd=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    log "not root and no sudo; install manually: apt-get install -y ${missing[*]}"
    exit 1
  fi
fi

log "missing: ${missing[*]}"
log "running: ${sudo_cmd[*]:+${sudo_cmd[*]} }apt-get update"
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >&2
log "running: ${sudo_cmd[*]:+${sudo_cmd[*]} }apt-get install -y --no-install-recommends ${missing[*]}"
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}" >&2
log "done"
