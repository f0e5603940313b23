#!/usr/bin/env bash
# Converts a report's report.docx to PDF with LibreOffice headless, as a
# reader's word processor would open it, and checks the result: the
# conversion succeeds, the page count is within bounds, and the summary,
# Table 1 and the methods appendix are there as text (pdftotext), not
# pictures. Installs Debian's LibreOffice Writer and poppler-utils when
# missing.
#
#   bash scripts/docx_check.sh [REPORT_DIR] [OUTPUT_DIR] [MAX_PAGES]
#
# Defaults: reports/example, a temporary folder, and 30 pages.
set -euo pipefail
report="${1:-reports/example}"
out="${2:-$(mktemp -d)}"
max_pages="${3:-30}"
mkdir -p "$out"

install() {
    local packages=("$@")
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"
    fi
}
command -v soffice >/dev/null || install libreoffice-writer-nogui
command -v pdftotext >/dev/null || install poppler-utils

docx="$report/report.docx"
[ -s "$docx" ] || { echo "$docx is missing or empty" >&2; exit 1; }
# A profile of its own: a first start writes one, and two conversions
# sharing a profile block each other.
profile="$(mktemp -d)"
soffice -env:UserInstallation="file://$profile" --headless --norestore \
    --convert-to pdf --outdir "$out" "$docx" >"$out/soffice.log" 2>&1 || {
    cat "$out/soffice.log" >&2
    echo "LibreOffice could not convert $docx" >&2
    exit 1
}
rm -rf "$profile"
pdf="$out/report.pdf"
[ -s "$pdf" ] || { cat "$out/soffice.log" >&2; echo "no PDF was written for $docx" >&2; exit 1; }

pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
echo "pdf:        $pdf ($pages pages)"
[ "$pages" -ge 3 ] || { echo "report.docx printed to $pages pages: expected a title page, the report and an appendix" >&2; exit 1; }
[ "$pages" -le "$max_pages" ] || { echo "report.docx printed to $pages pages, more than $max_pages" >&2; exit 1; }

pdftotext -layout "$pdf" "$out/report.txt"
for wanted in "Summary" "Table 1." "Who took part" "Figure 1." "Appendix A. Methods" "Page 2 of $pages"; do
    grep -qF "$wanted" "$out/report.txt" || { echo "the PDF has no readable \"$wanted\"" >&2; exit 1; }
done
# The summary's first sentence, as belong wrote it in report.md.
first=$(awk '/^## Summary/ {getline; getline; print; exit}' "$report/report.md" | sed 's/^- //' | cut -c1-40)
if [ -n "$first" ]; then
    tr -s ' \n' ' ' <"$out/report.txt" | grep -qF "$first" || {
        echo "the PDF does not show the summary's first words: $first" >&2
        exit 1
    }
fi
echo "pdf text:   readable (summary, Table 1, figures, methods appendix, page numbers)"
