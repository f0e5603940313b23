#!/usr/bin/env bash
# Builds the sample report and executes notebooks/explore.ipynb headless
# (nbclient) in a virtual environment inside the checkout; fails on any error.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-notebooks
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r notebooks/requirements.txt

report="$(mktemp -d)/sample"
cargo run --quiet -- report data/sample --quiet --out "$report" > /dev/null
BELONG_REPORT="$report" "$venv/bin/python" notebooks/execute.py notebooks/explore.ipynb
rm -rf "$(dirname "$report")"
