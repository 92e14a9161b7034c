// End-to-end browser benchmark of the fluxport web build, in headless Chromium.
//
//   node bench/browser.mjs [--rows] [--dist DIR]      (needs `npm install` in bench/)
//   FLUXPORT_BENCH_ONLY=first: only the first-convert rows; FLUXPORT_BENCH_FIRST_RUNS=N (5)
//
// Serves DIST (default: $FLUXPORT_DIST or ./dist) on 127.0.0.1 and measures:
// - navigation → the first conversion's output shown, with the CPU slowed 4× (CDP
//   Emulation.setCPUThrottlingRate, before navigating) and not slowed: median of 5
//   fresh pages each, with the split by the page's data-boot-* marks (see firstConvert);
// - navigation → interactive (the editor and the "Load example" button are there) and
//   navigation → first convert possible (the app's `data-first-convert-at`, else a
//   one-line paste converted);
// - the synthetic repo (fluxport-bench-gen, scale 1, ~5 MB) uploaded through
//   `data-testid=file-input`: time until the file tree is shown (and the app's own
//   `data-repo-ms`);
// - a 1 MB paste (a prefix of the synthetic repo) and then one keystroke at a time:
//   time per keystroke-triggered reconvert (the app's `data-paste-ms` when it sets
//   it, else input event → output changed, minus the debounce), and the main-thread
//   stalls of those real keystrokes (page.keyboard) next to the same keystrokes in a
//   bare <textarea> holding the same text (Chromium's own editing cost);
// - the JS heap (performance.memory / CDP) after all of that.
// Prints markdown rows | Measure | Input | Result | Budget | Within |. Skips with a
// message when the web build is missing.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { execFileSync } from 'node:child_process';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '..');
const argv = process.argv.slice(2);
const rowsOnly = argv.includes('--rows');
const di = argv.indexOf('--dist');
const dist = path.resolve(di >= 0 ? argv[di + 1] : process.env.FLUXPORT_DIST || path.join(root, 'dist'));
const header = '| Measure | Input | Result | Budget | Within |\n|---|---|---|---|---|';
const rows = [];
const row = (m, input, result, budget = '', within = '') => rows.push(`| ${m} | ${input} | ${result} | ${budget} | ${within} |`);
const ok = (b) => (b ? 'yes' : '**NO**');
const done = () => {
  if (!rowsOnly) console.log(header);
  console.log(rows.join('\n'));
};

if (!fs.existsSync(path.join(dist, 'index.html'))) {
  row('browser', dist, 'web build not present (run scripts/build-web): skipped');
  done();
  process.exit(0);
}
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  row('browser', 'playwright-core', 'not installed (cd bench && npm install): skipped');
  done();
  process.exit(0);
}
const exe = process.env.CHROMIUM || '/usr/bin/chromium';
if (!fs.existsSync(exe)) {
  row('browser', exe, 'Chromium not found: skipped');
  done();
  process.exit(0);
}

// The synthetic repo, written by the generator (built in release for speed); not
// needed for the first-convert rows alone.
const onlyFirst = process.env.FLUXPORT_BENCH_ONLY === 'first';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fluxport-bench-'));
const repo = path.join(tmp, 'repo');
const zip = path.join(tmp, 'repo.zip');
let paste = '';
const repoFiles = [];
let repoBytes = 0;
if (!onlyFirst) {
const gen = (args) => execFileSync('cargo', ['run', '-q', '--release', '-p', 'fluxport-bench-gen', '--', ...args],
  { cwd: root, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] }).toString('utf8');
gen(['--out', repo]);
paste = gen(['--paste', '1000000']);
(function walk(d) {
  for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p); else repoFiles.push(p);
  }
})(repo);
repoBytes = repoFiles.reduce((n, f) => n + fs.statSync(f).size, 0);
// `<input type=file multiple>` only gives base names (hr-000.yaml of every cluster
// would collide), so the repo goes through the same input as a zip, paths kept.
execFileSync('python3', ['-c', `
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
    for dp, dn, fn in os.walk(src):
        dn.sort()
        for f in sorted(fn):
            p = os.path.join(dp, f)
            z.write(p, os.path.relpath(p, src))
`, repo, zip]);
}

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm' };
const server = http.createServer((req, res) => {
  const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
  const file = path.join(dist, rel);
  if (!file.startsWith(dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404); return res.end(); }
  res.writeHead(200, { 'content-type': MIME[path.extname(file)] || 'application/octet-stream' });
  res.end(fs.readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fluxport-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: exe,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--enable-precise-memory-info'],
  viewport: { width: 1280, height: 800 },
});
const errors = [];
const attr = (page, name) => page.getAttribute('html', name);

async function fresh() {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  const t0 = Date.now();
  // The output's whole text: CodeMirror draws only the lines on screen (FluxportEditor
  // reads its document); an older build's <pre> has it all as its text.
  await page.addInitScript(() => {
    self.outText = () => {
      const e = document.querySelector('[data-testid=output]');
      if (!e) return '';
      return (self.FluxportEditor && FluxportEditor.text(e)) ?? e.textContent;
    };
  });
  await page.goto(url);
  await page.waitForSelector('[data-testid=input]', { timeout: 30000 });
  return { page, interactive: Date.now() - t0, t0 };
}

// Navigation → the first conversion's output shown, with the CPU slowed `rate`× (CDP
// Emulation.setCPUThrottlingRate on the page's target, set before navigating; 1 = not
// slowed). The page clicks "Load example" itself (an init script, as soon as the
// editor and the button are in the DOM: no harness round-trip), which converts at once
// (no debounce). The moment is the app's `data-first-convert-at` (performance.now(),
// ms since navigation start, set when the answer is decoded and its text put into the
// output view, in one task), and the next animation frame after it (painted). It
// includes: the HTML parse, the script's load and parse (the inlined base64 wasm), the
// base64 decode, the inflate, WebAssembly.compile, instantiating on the page, mounting
// the app, the worker's start (a blob: worker, instantiating the same module, its warm-up
// convert) and the example's conversion in the worker, posted back and decoded.
// Chromium throttles the page's main thread only: the worker runs unthrottled.
async function firstConvert(rate) {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
  await page.addInitScript(() => {
    // Runs before the document exists: one observer of the whole document.
    const mo = new MutationObserver(() => {
      if (self.__clickAt === undefined) {
        const b = document.querySelector('[data-testid=load-example]');
        if (!b || !document.querySelector('[data-testid=input]')) return;
        self.__clickAt = performance.now();
        b.click();
      }
      if (document.documentElement.dataset.firstConvertAt === undefined) return;
      mo.disconnect();
      requestAnimationFrame(() => { self.__paintedAt = performance.now(); });
    });
    mo.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-first-convert-at'] });
  });
  await page.goto(url);
  await page.waitForFunction(() => self.__paintedAt !== undefined, null, { timeout: 60000, polling: 50 });
  const r = await page.evaluate(() => {
    const d = document.documentElement.dataset;
    const nav = performance.getEntriesByType('navigation')[0];
    return {
      html: nav ? nav.domInteractive : NaN, start: Number(d.bootStart), inflated: Number(d.bootInflated), compiled: Number(d.bootCompiled),
      instantiated: Number(d.bootInstantiated), mounted: Number(d.bootStarted), click: self.__clickAt,
      shown: Number(d.firstConvertAt), painted: self.__paintedAt, worker: Number(d.pasteMs), where: d.pasteIn,
    };
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await page.close();
  return r;
}

try {
  // 0. Navigation → first convert's output shown, CPU slowed 4× and not slowed.
  {
    const runs = Number(process.env.FLUXPORT_BENCH_FIRST_RUNS || 5);
    const med = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    for (const rate of [4, 1]) {
      const rs = [];
      for (let i = 0; i < runs; i++) rs.push(await firstConvert(rate));
      const m = (k) => med(rs.map((r) => r[k]));
      const shown = rs.map((r) => r.shown);
      const label = rate === 1 ? 'CPU not slowed' : `CPU slowed ${rate}×`;
      row(`browser: navigation → first convert shown, ${label}`, 'built-in example (68 lines, 1.6 KB), "Load example" clicked by the page as soon as it exists',
        `${m('shown').toFixed(0)} ms median of ${runs} (range ${Math.min(...shown).toFixed(0)}–${Math.max(...shown).toFixed(0)}; next frame ${m('painted').toFixed(0)}); medians: HTML parsed ${m('html').toFixed(0)} → script runs ${m('start').toFixed(0)} → inflated ${m('inflated').toFixed(0)} → compiled ${m('compiled').toFixed(0)} → instantiated ${m('instantiated').toFixed(0)} → app mounted ${m('mounted').toFixed(0)} → clicked ${m('click').toFixed(0)} → shown ${m('shown').toFixed(0)} (the convert itself ${m('worker').toFixed(0)} ms in the ${rs[0].where || 'page'})`,
        rate === 1 ? '' : '≤ 500 ms', rate === 1 ? '' : ok(m('shown') <= 500));
    }
  }
  if (onlyFirst) throw Object.assign(new Error('only'), { only: true });
  // 1. Navigation → interactive → first convert.
  {
    const { page, interactive, t0 } = await fresh();
    // "Load example" converts at once (typing would add the 250 ms debounce).
    await page.click('[data-testid=load-example]');
    await page.waitForFunction(() => document.documentElement.dataset.firstConvertAt !== undefined, null, { timeout: 30000 });
    const firstWall = Date.now() - t0;
    const d = await page.evaluate(() => ({ ...document.documentElement.dataset }));
    const n = (k) => Number(d[k]);
    row('browser: navigation → interactive', 'index.html', `${interactive} ms (harness: until the editor is in the DOM); app mounted at ${n('bootStarted').toFixed(0)} ms`);
    row('browser: boot breakdown', 'ms since navigation', `script runs ${n('bootStart').toFixed(0)} → inflated ${n('bootInflated').toFixed(0)} → compiled ${n('bootCompiled').toFixed(0)} → instantiated ${n('bootInstantiated').toFixed(0)} → app mounted ${n('bootStarted').toFixed(0)}`);
    const possible = n('bootStarted') + n('pasteMs');
    row('browser: navigation → first convert', 'built-in example', `possible at ${possible.toFixed(0)} ms (app mounted + the example's convert, ${n('pasteMs').toFixed(0)} ms in the ${d.pasteIn || 'page'}); with the harness's click: ${n('firstConvertAt').toFixed(0)} ms (wall ${firstWall} ms)`, '≤ 500 ms', ok(possible <= 500));
    await page.close();
  }
  // 2. Synthetic repo upload through the file input.
  {
    const { page } = await fresh();
    if (await page.$('#tab-repo')) await page.click('#tab-repo');
    const t0 = Date.now();
    await page.setInputFiles('[data-testid=file-input]', zip);
    // The app sets data-repo-ms / data-repo-files (input file count) when done.
    await page.waitForFunction(() => document.documentElement.dataset.repoMs !== undefined
      || document.querySelectorAll('[data-testid=file-tree] [data-path]').length > 0, null, { timeout: 120000 });
    const got = Number((await attr(page, 'data-repo-files')) || 0);
    if (got && got !== repoFiles.length) row('browser: repo upload', 'file count', `the app read ${got} of ${repoFiles.length} files`);
    const wall = Date.now() - t0;
    const own = await attr(page, 'data-repo-ms');
    const t = own ? Number(own) : wall;
    const conv = await attr(page, 'data-repo-convert-ms');
    const where = await attr(page, 'data-repo-in');
    // The pre-flight follows the conversion (the tree is shown before it is done).
    await page.waitForSelector('html[data-preflight=done]', { timeout: 120000 }).catch(() => {});
    const pfWall = Date.now() - t0;
    const pf = await attr(page, 'data-preflight-ms');
    row('browser: convert synthetic repo (upload)', `${repoFiles.length} files, ${(repoBytes / 1e6).toFixed(2)} MB (as a zip)`, `${t.toFixed(0)} ms${own ? ` (app's read + unzip + convert; ${wall} ms upload → tree shown)` : ' (upload → tree shown)'}${conv ? `; converting alone ${Number(conv).toFixed(0)} ms in the ${where}` : ''}${pf ? `; then its pre-flight ${Number(pf).toFixed(0)} ms in the worker (upload → pre-flight shown ${pfWall} ms)` : ''}`, '< 1000 ms', ok(t < 1000));
    await page.close();
  }
  // 3. 1 MB paste, then keystrokes.
  {
    const { page } = await fresh();
    await page.$eval('[data-testid=input]', (e, v) => {
      // The CodeMirror editor (web/editor.js), or an older build's <textarea>.
      if (self.FluxportEditor) FluxportEditor.setText(e, v);
      else { e.value = v; e.dispatchEvent(new Event('input', { bubbles: true })); }
    }, paste);
    await page.waitForFunction(() => outText().length > 100000, null, { timeout: 120000 });
    const pasteMs = await attr(page, 'data-paste-ms');
    // Main-thread stalls: a 4 ms timer on the page; the longest gap between its ticks
    // while a keystroke is converted is how long typing could have been blocked.
    // Gaps are split at the moment the answer is taken (data-paste-count changes): before
    // it, the browser's own work on the 1 MB textarea edit; around and after it, taking
    // and rendering the answer.
    await page.evaluate(() => {
      self.__gaps = [];
      self.__answerAt = 0;
      let last = performance.now();
      setInterval(() => { const n = performance.now(); if (n - last > 20) self.__gaps.push([last, n]); last = n; }, 4);
      new MutationObserver(() => { self.__answerAt = performance.now(); }).observe(document.documentElement, { attributeFilter: ['data-paste-count'] });
    });
    // Real keystrokes (page.keyboard), typed at the end of the text: first a new comment
    // line, converted before the measured keys.
    await page.focus('[data-testid=input]');
    await page.$eval('[data-testid=input]', (e) => {
      const v = self.FluxportEditor && FluxportEditor.view(e);
      if (v) v.dispatch({ selection: { anchor: v.state.doc.length }, scrollIntoView: true });
      else e.setSelectionRange(e.value.length, e.value.length);
    });
    const count0 = await attr(page, 'data-paste-count');
    await page.keyboard.press('Enter');
    await page.keyboard.press('#');
    await page.waitForFunction((c) => document.documentElement.dataset.pasteCount !== c, count0, { timeout: 60000 });
    await page.waitForTimeout(600);
    const gaps = [];
    const typingGaps = [];
    const pageMs = [];
    const times = [];
    const walls = [];
    for (let i = 0; i < 5; i++) {
      const count = await attr(page, 'data-paste-count');
      const before = await page.evaluate(() => outText().length);
      await page.evaluate(() => { self.__gaps = []; });
      const k0 = Date.now();
      // One keystroke at the end: the comment line grows by one character.
      await page.keyboard.press('k');
      await page.waitForFunction(([c, b]) => {
        const d = document.documentElement.dataset;
        if (c !== null && d.pasteCount !== undefined) return d.pasteCount !== c;
        return outText().length !== b;
      }, [count, before], { timeout: 60000 });
      walls.push(Date.now() - k0);
      await page.waitForTimeout(300); // let the answer's rendering finish
      const [typing, answer] = await page.evaluate(() => {
        const a = self.__answerAt;
        const t = self.__gaps.filter(([, e]) => e < a).map(([s0, e]) => e - s0);
        const r = self.__gaps.filter(([, e]) => e >= a).map(([s0, e]) => e - s0);
        return [Math.max(0, ...t), Math.max(0, ...r)];
      });
      typingGaps.push(typing);
      gaps.push(answer);
      const pm = await attr(page, 'data-paste-page-ms');
      if (pm) pageMs.push(Number(pm));
      const own = await attr(page, 'data-paste-ms');
      if (own) times.push(Number(own));
    }
    const med = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    const t = times.length ? med(times) : med(walls);
    row('browser: 1 MB paste, first convert', `${(paste.length / 1e6).toFixed(2)} MB, one file`, pasteMs ? `${Number(pasteMs).toFixed(0)} ms (app's data-paste-ms)` : 'n/a');
    const where = await attr(page, 'data-paste-in');
    row('browser: reconvert per keystroke', '1 MB paste', `${t.toFixed(0)} ms median of ${walls.length}${times.length ? ` (app's data-paste-ms, in the ${where || 'page'})` : ''}; keystroke → output shown ${med(walls)} ms incl. 250 ms debounce + render`, '< 100 ms or off the main thread', ok(t < 100 || where === 'worker'));
    row('browser: main-thread stall from the reconvert', '1 MB paste, per keystroke', `longest gap of a 4 ms page timer while the answer is taken and shown: median ${med(gaps).toFixed(0)} ms, max ${Math.max(...gaps).toFixed(0)} ms${pageMs.length ? ` (decoding the worker's answer: ${med(pageMs).toFixed(0)} ms)` : ''}`);
    row('browser: main-thread stall from the editor itself', '1 MB paste, per keystroke', `longest gap before the answer (the editor's own work on the keystroke: CodeMirror 6, or an older build's <textarea>; then only a 250 ms debounce timer): median ${med(typingGaps).toFixed(0)} ms, max ${Math.max(...typingGaps).toFixed(0)} ms`);
    // The same keystrokes in a bare <textarea> holding the same text: Chromium's own cost.
    {
      const bare = await context.newPage();
      await bare.setContent('<textarea spellcheck="false" wrap="off" style="width:600px;height:450px"></textarea>');
      await bare.$eval('textarea', (e, v) => { e.value = v; e.focus(); e.setSelectionRange(v.length, v.length); }, paste + '\n#');
      await bare.evaluate(() => {
        self.__gaps = [];
        let last = performance.now();
        setInterval(() => { const n = performance.now(); if (n - last > 20) self.__gaps.push(n - last); last = n; }, 4);
      });
      const bareGaps = [];
      for (let i = 0; i < 5; i++) {
        await bare.evaluate(() => { self.__gaps = []; });
        await bare.keyboard.press('k');
        await bare.waitForTimeout(400);
        bareGaps.push(await bare.evaluate(() => Math.max(0, ...self.__gaps)));
      }
      row('browser: bare <textarea> keystroke (baseline)', '1 MB text, per keystroke', `longest gap of the same 4 ms timer: median ${med(bareGaps).toFixed(0)} ms, max ${Math.max(...bareGaps).toFixed(0)} ms`);
      await bare.close();
    }
    // 4. JS heap, after the 1 MB paste.
    let heap = await page.evaluate(() => (performance.memory ? performance.memory.usedJSHeapSize : null));
    const cdp = await context.newCDPSession(page);
    const m = await cdp.send('Performance.enable').then(() => cdp.send('Performance.getMetrics')).catch(() => null);
    const used = m?.metrics.find((x) => x.name === 'JSHeapUsedSize')?.value;
    if (used) heap = used;
    const wasmMem = await page.evaluate(() => {
      for (const k of Object.keys(self)) {
        const v = self[k];
        if (v && v.memory instanceof WebAssembly.Memory) return v.memory.buffer.byteLength;
      }
      return null;
    }).catch(() => null);
    row('browser: JS heap after 1 MB paste', 'usedJSHeapSize', `${heap ? (heap / 1e6).toFixed(1) + ' MB' : 'n/a'}${wasmMem ? `; wasm linear memory ${(wasmMem / 1e6).toFixed(1)} MB` : ''}`);
    await page.close();
  }
  if (errors.length) row('browser: page errors', '', errors.slice(0, 3).join('; ').replaceAll('|', '\\|'));
} catch (e) {
  if (!e.only) row('browser', 'error', String(e.message || e).split('\n')[0].replaceAll('|', '\\|'));
} finally {
  await context.close();
  server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
done();
