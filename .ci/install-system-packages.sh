#!/usr/bin/env bash
# System packages the tests need on a fresh CI machine: Chromium (and CJK fonts) for the browser tests, a
# PostgreSQL 15 server with its dev headers, and pgvector built from the vendored source
# (Debian has no pgvector package). Safe to re-run: each step is skipped when already done.
set -euo pipefail

# fonts-noto-cjk: Chinese text in the label page and report screenshots renders as text, not boxes.
APT_PACKAGES=(chromium fonts-noto-cjk postgresql postgresql-server-dev-15 openssl)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-system-packages: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
if [ ! -f "$("$PG_CONFIG" --sharedir)/extension/vector.control" ]; then
  here="$(cd "$(dirname "$0")/.." && pwd)"
  tarball=""
  for candidate in "$here/../shared/vendor/pgvector-0.8.6.tar.gz" "$here/../../shared/vendor/pgvector-0.8.6.tar.gz"; do
    if [ -f "$candidate" ]; then tarball="$candidate"; break; fi
  done
  if [ -z "$tarball" ]; then
    # The real-server tests then skip (or fail, when RAG_REQUIRE_PG=1 asks for them).
    echo "install-system-packages: pgvector-0.8.6.tar.gz not found beside the repository (../shared/vendor); pgvector not installed" >&2
  fi
  if [ -n "$tarball" ]; then
  build="$(mktemp -d)"
  tar -xzf "$tarball" -C "$build"
  make -C "$build"/pgvector-0.8.6 PG_CONFIG="$PG_CONFIG" OPTFLAGS="" >/dev/null
  make -C "$build"/pgvector-0.8.6 PG_CONFIG="$PG_CONFIG" install >/dev/null
  rm -rf "$build"
  fi
fi
