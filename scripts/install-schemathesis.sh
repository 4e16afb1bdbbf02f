#!/usr/bin/env bash
# Installs schemathesis (PyPI) into .tools/schemathesis-venv unless it is there: the fuzz test drives the API
# from its /openapi.json with it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.tools/schemathesis-venv"
if [ -x "$venv/bin/st" ] && "$venv/bin/st" --version >/dev/null 2>&1; then exit 0; fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check 'schemathesis>=4.0,<5' >&2
"$venv/bin/st" --version >&2
