#!/usr/bin/env bash
# Installs everything snapkeep needs to build, run and test on Debian 12.
# Idempotent: packages already present are skipped by apt; safe to run every time.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config
  # libraries
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libsqlite3-dev libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libcli11-dev
  libzstd-dev libcurl4-openssl-dev libssl-dev libboost-dev libpugixml-dev libabsl-dev
  libgtest-dev libgmock-dev libbenchmark-dev prometheus-cpp-dev
  # runtime: the etcd we protect and its tools
  etcd-server etcd-client
  # tests
  s3cmd python3-pytest python3-requests python3-yaml curl procps
)
# Test-only: the fuzz targets' clang build (libFuzzer, ASan/UBSan runtimes) and
# scripts/lint.sh's clang-format and clang-tidy.
if [ "${SNAPKEEP_SETUP_TEST_TOOLS:-0}" = 1 ]; then
  packages+=(clang-14 libfuzzer-14-dev libclang-rt-14-dev clang-format clang-tidy)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Test-only tools from npm (the S3 server used by integration tests).
if [ "${SNAPKEEP_SETUP_TEST_TOOLS:-0}" = 1 ]; then
  here="$(cd "$(dirname "$0")/.." && pwd)"
  if [ -f "$here/tests/tools/package.json" ] && [ ! -x "$here/tests/tools/node_modules/.bin/s3rver" ]; then
    command -v npm >/dev/null || { SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"; $SUDO apt-get install -y -qq nodejs npm; }
    (cd "$here/tests/tools" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
