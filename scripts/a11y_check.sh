#!/usr/bin/env bash
# Checks a report's index.html as a reader with a screen reader or a
# printer meets it: axe-core at WCAG 2.1 AA in headless Chromium, every
# chart named, described and backed by a table of its numbers, and the
# page printing to at most MAX_PAGES A4 pages.
#
#   bash scripts/a11y_check.sh [REPORT_DIR] [MAX_PAGES]
#
# Installs chromium (Debian) and axe-core + playwright-core (npm, pinned in
# scripts/a11y/package.json) into a cache outside the clone when missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
report="$(cd "${1:-reports/example}" && pwd)"
max_pages="${2:-16}"

install() {
    local packages=("$@")
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"
    fi
}
command -v chromium >/dev/null || install chromium
command -v npm >/dev/null || install nodejs npm

cache="${BELONG_A11Y_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/belong/a11y}"
mkdir -p "$cache"
if ! cmp -s "$here/a11y/package.json" "$cache/package.json" || [ ! -d "$cache/node_modules/axe-core" ]; then
  cp "$here/a11y/package.json" "$cache/package.json"
  (cd "$cache" && npm install --no-audit --no-fund --silent >/dev/null)
fi
cp "$here/a11y/check.mjs" "$cache/check.mjs"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
PDF_OUT="$out/index-print.pdf" CHROMIUM="$(command -v chromium)" \
  node "$cache/check.mjs" "$report" "$max_pages"
