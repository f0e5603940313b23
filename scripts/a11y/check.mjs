// Opens a report's index.html in headless Chromium (Debian's, driven by
// playwright-core), runs axe-core at WCAG 2.1 AA, checks that every chart
// has an accessible name, a <title>, a <desc> and a table of its numbers,
// and prints the page to A4 PDF to count its pages.
//
//   node scripts/a11y/check.mjs REPORT_DIR MAX_PAGES
//
// Exits 1 naming each violation; scripts/a11y_check.sh installs what this
// needs.
import { chromium } from "playwright-core";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const report = path.resolve(process.argv[2] ?? "reports/example");
const maxPages = Number(process.argv[3] ?? 16);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
let failures = 0;
const fail = (message) => {
  failures += 1;
  console.error(`FAIL ${message}`);
};
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // The page is self-contained: any request is a fault.
  page.on("request", (request) => {
    if (!request.url().startsWith("file:")) fail(`the page requested ${request.url()}`);
  });
  await page.goto(`file://${report}/index.html`);
  await page.addScriptTag({ content: axeSource });
  const results = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      resultTypes: ["violations"],
    }),
  );
  for (const violation of results.violations) {
    const where = violation.nodes
      .slice(0, 3)
      .map((node) => node.target.join(" "))
      .join("; ");
    fail(`axe ${violation.id} (${violation.impact}, ${violation.nodes.length} elements): ${violation.help} — ${where}`);
  }
  console.log(`axe-core ${results.testEngine.version}: ${results.violations.length} violations at WCAG 2.1 AA, ${results.passes?.length ?? 0} rules passed`);

  const charts = await page.evaluate(() =>
    [...document.querySelectorAll("figure")].map((figure) => {
      const svg = figure.querySelector("svg");
      return {
        svg: Boolean(svg),
        role: svg?.getAttribute("role"),
        label: svg?.getAttribute("aria-label") ?? "",
        title: svg?.querySelector("title")?.textContent ?? "",
        desc: svg?.querySelector("desc")?.textContent ?? "",
        numbers: figure.querySelectorAll("details table tr").length,
        caption: figure.querySelector("figcaption")?.textContent ?? "",
      };
    }),
  );
  charts.forEach((chart, index) => {
    const name = chart.caption.slice(0, 60) || `figure ${index + 1}`;
    if (!chart.svg) fail(`${name}: no chart`);
    if (chart.role !== "img") fail(`${name}: the chart has no role="img"`);
    if (!chart.label.trim()) fail(`${name}: the chart has no aria-label`);
    if (!chart.title.trim()) fail(`${name}: the chart has no <title>`);
    if (!chart.desc.trim()) fail(`${name}: the chart has no <desc>`);
    if (chart.numbers < 2) fail(`${name}: no table of the numbers behind the chart`);
  });
  console.log(`charts:     ${charts.length} figures checked for a name, title, description and numbers`);

  const pdf = await page.pdf({ format: "A4", printBackground: false });
  const out = process.env.PDF_OUT ?? path.join(report, "..", "index-print.pdf");
  writeFileSync(out, pdf);
  const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  console.log(`print:      ${pages} A4 pages (at most ${maxPages})`);
  if (pages > maxPages) fail(`index.html prints to ${pages} A4 pages, more than ${maxPages}`);
} finally {
  await browser.close();
}
process.exit(failures > 0 ? 1 : 0);
