#!/usr/bin/env bash
# Renders a report's index.html in headless Chromium: a full-page
# screenshot (PNG) and a PDF through the browser's print path, then checks
# that the PDF has pages and that every chart SVG made it into the page.
# Installs Debian's chromium (and poppler-utils for pdfinfo) when missing.
#
#   bash scripts/render_check.sh [REPORT_DIR] [OUTPUT_DIR]
#
# Defaults: reports/example, and a temporary folder for the outputs.
set -euo pipefail
report="${1:-reports/example}"
out="${2:-$(mktemp -d)}"
mkdir -p "$out"

install() {
    local packages=("$@")
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"
    fi
}
command -v chromium >/dev/null || install chromium
command -v pdfinfo >/dev/null || install poppler-utils

page="file://$(cd "$report" && pwd)/index.html"
profile="$(mktemp -d)"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
    --disable-background-networking --disable-component-update --disable-sync
    --user-data-dir="$profile" --hide-scrollbars)

chromium "${flags[@]}" --window-size=1280,12000 --screenshot="$out/index.png" "$page" 2>/dev/null
chromium "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$out/index.pdf" "$page" 2>/dev/null
rm -rf "$profile"

pages=$(pdfinfo "$out/index.pdf" | awk '/^Pages:/ {print $2}')
charts=$(ls "$report"/charts/*.svg | wc -l)
inline=$(grep -o '<svg ' "$report/index.html" | wc -l)
echo "screenshot: $out/index.png"
echo "pdf:        $out/index.pdf ($pages pages)"
echo "charts:     $charts SVG files, $inline SVGs inline in index.html"
[ "$pages" -ge 1 ] || { echo "the PDF has no pages" >&2; exit 1; }
[ "$inline" -ge "$charts" ] || { echo "some charts are missing from index.html" >&2; exit 1; }
if command -v pdftotext >/dev/null; then
    # Into a file first: `grep -q` stops reading at the first match, and
    # with pipefail the writer's broken pipe would fail a long PDF.
    pdftotext "$out/index.pdf" "$out/index.txt"
    grep -q "Methods" "$out/index.txt" || { echo "the PDF has no readable Methods section" >&2; exit 1; }
    echo "pdf text:   readable (Methods section found)"
fi
