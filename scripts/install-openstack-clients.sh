#!/usr/bin/env bash
# Installs the real OpenStack clients (openstacksdk and python-openstackclient, from PyPI) into
# .tools/openstack-venv unless they are already there: the client-compatibility tests drive the API with them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.tools/openstack-venv"
if [ -x "$venv/bin/openstack" ] && "$venv/bin/python" -c 'import openstack' >/dev/null 2>&1; then exit 0; fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check 'openstacksdk>=4.0' 'python-openstackclient>=7.0' >&2
"$venv/bin/openstack" --version >&2
