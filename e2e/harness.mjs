// Shared set-up for the e2e test files (not a test file itself: node --test runs only
// *.test.mjs): builds dist/ (unless FLUXPORT_E2E_NO_BUILD=1 and it exists), serves it
// from a sub-path on 127.0.0.1, starts /usr/bin/chromium, opens guarded pages and runs
// axe-core. Used by e2e/web.test.mjs, e2e/tree.test.mjs and e2e/zips.test.mjs.
//
// The server also answers `__bare-textarea.html` (a bare <textarea>, `?css` with the
// app's stylesheet: the baseline of the editor's keystroke cost) and, for `?noworker`,
// sends a policy that forbids workers (to test the on-page fallback).
//
// Env: FLUXPORT_E2E_NO_BUILD=1 uses the existing dist/ instead of running
//      scripts/build-web; CHROMIUM=/path/to/chromium (default /usr/bin/chromium).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { chromium } from 'playwright-core';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
export const dist = path.join(root, 'dist');
export const shots = path.join(root, 'artifacts/screenshots');
export const BASE_PATH = '/some/sub/path/'; // proves the site works from any sub-path
const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm' };

/** Starts everything; returns `{ browser, url, tmp, native, close }`. */
export async function setUp() {
  if (process.env.FLUXPORT_E2E_NO_BUILD !== '1' || !fs.existsSync(path.join(dist, 'index.html'))) {
    execFileSync(path.join(root, 'scripts/build-web'), { stdio: 'inherit', cwd: root });
  }
  execFileSync('cargo', ['build', '-q', '-p', 'fluxport-web', '--example', 'native-convert'], { stdio: 'inherit', cwd: root });
  const helper = path.join(root, 'target/debug/examples/native-convert');
  const native = (args, input) => execFileSync(helper, args, { input, maxBuffer: 256 << 20 }).toString('utf8');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fluxport-e2e-'));
  fs.mkdirSync(shots, { recursive: true });
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    if (!u.pathname.startsWith(BASE_PATH)) { res.writeHead(404); return res.end(); }
    const rel = decodeURIComponent(u.pathname.slice(BASE_PATH.length)) || 'index.html';
    if (rel === '__bare-textarea.html') {
      res.writeHead(200, { 'content-type': MIME['.html'] });
      const css = u.searchParams.has('css') ? '<link rel="stylesheet" href="web/app.css">' : '';
      const cls = u.searchParams.has('css') ? ' class="code editor"' : ' style="width:600px;height:450px"';
      return res.end(`<!doctype html><meta charset="utf-8"><title>bare</title><link rel="icon" href="data:,">${css}<textarea data-testid="input" spellcheck="false" wrap="off"${cls}></textarea>`);
    }
    const file = path.join(dist, rel);
    if (!file.startsWith(dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404); return res.end(); }
    const headers = { 'content-type': MIME[path.extname(file)] || 'application/octet-stream' };
    if (u.searchParams.has('noworker')) headers['content-security-policy'] = "worker-src 'none'";
    res.writeHead(200, headers);
    res.end(fs.readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const port = server.address().port;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const url = `http://127.0.0.1:${port}${BASE_PATH}`;
  return {
    browser, url, tmp, native, port,
    async close() { await browser.close(); server.close(); },
  };
}

/** A fresh context + page with guards: every request must stay on 127.0.0.1 (or, for
 * file:// pages, no request at all besides the page itself); no console errors (unless
 * `allowErrors`). Checked at the test's end. Waits for `ready`; returns
 * `{ page, problems, ready }` (`ready`: ms from navigation until it was there). */
export async function openPage(env, t, { url = env.url, colorScheme = 'light', viewport = { width: 1280, height: 800 }, allowErrors = false, ready = '[data-testid=load-example]' } = {}) {
  const context = await env.browser.newContext({ colorScheme, viewport, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  const fileMode = url.startsWith('file:');
  context.on('request', (req) => {
    const u = req.url();
    if (fileMode) {
      if (u !== url && !u.startsWith('data:') && !u.startsWith('blob:')) problems.push(`request from file:// page: ${u}`);
    } else {
      const ok = u.startsWith(`http://127.0.0.1:${env.port}/`) || u.startsWith('data:') || u.startsWith(`blob:http://127.0.0.1:${env.port}/`);
      if (!ok) problems.push(`request left 127.0.0.1: ${u}`);
    }
  });
  page.on('console', (m) => { if (m.type() === 'error' && !allowErrors) problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => { if (!allowErrors) problems.push(`page error: ${e.message}`); });
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForSelector(ready);
  const readyMs = Date.now() - t0;
  t.after(async () => {
    await context.close();
    assert.deepEqual(problems, [], 'no outside requests and no console errors');
  });
  return { page, problems, ready: readyMs };
}

/** [`openPage`] at the site's address, light or dark, at a viewport: the page only. */
export async function open(env, t, { colorScheme = 'light', viewport = { width: 1280, height: 800 } } = {}) {
  return (await openPage(env, t, { colorScheme, viewport })).page;
}

const AXE = fs.readFileSync(path.join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');

/** axe-core's violations on the page as it is now (evaluated through the DevTools
 * protocol: the page's CSP, which forbids it, stays as it is). */
export async function axeViolations(page) {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  });
}
