// Lighthouse over a list of URLs with one Chromium (scripts/lighthouse.py serves the portal and calls this).
//   node scripts/lighthouse.mjs URL...      prints one JSON line per URL: {url, scores: {...}, failed: {...}}
// CHROME_PATH names the browser (Debian: /usr/bin/chromium). Mobile emulation, simulated throttling
// (Lighthouse's defaults), categories performance, accessibility, best-practices, seo.
import lighthouse from "lighthouse";
import * as chromeLauncher from "chrome-launcher";

const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"];
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH,
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu"],
});
try {
  for (const url of process.argv.slice(2)) {
    const run = await lighthouse(url, { port: chrome.port, output: "json", logLevel: "error", onlyCategories: CATEGORIES });
    const lhr = run.lhr;
    const scores = {};
    const failed = {};
    for (const id of CATEGORIES) {
      const category = lhr.categories[id];
      scores[id] = category.score === null ? null : Math.round(category.score * 100);
      failed[id] = category.auditRefs
        .filter((ref) => ref.weight > 0)
        .map((ref) => lhr.audits[ref.id])
        .filter((audit) => audit.score !== null && audit.score < 1)
        .map((audit) => audit.id);
    }
    console.log(JSON.stringify({ url, status: lhr.runtimeError ? lhr.runtimeError.code : "ok", scores, failed }));
  }
} finally {
  await chrome.kill();
}
