// Assembles the static site and the single-file build from wasm-pack's output.
//   dist/index.html, dist/web/app.css, dist/pkg/fluxport.js (one script: the wasm module,
//   gzip + base64; the editor (web/editor.js: CodeMirror 6, bundled here by the pinned
//   esbuild); the wasm-bindgen glue; web/boot.js — one request, nothing to wait for
//   between them), dist/fluxport.html (everything inlined; works from file://)
// Usage: node scripts/assemble-web.mjs <wasm-pack out dir> <dist dir>
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import * as esbuild from 'esbuild';

const [pkgDir = 'target/web-pkg', dist = 'dist'] = process.argv.slice(2);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const r = (p) => path.resolve(root, p);

fs.rmSync(r(dist), { recursive: true, force: true });
fs.mkdirSync(r(`${dist}/pkg`), { recursive: true });
fs.mkdirSync(r(`${dist}/web`), { recursive: true });

// The glue is wrapped in a named function so web/boot.js can also start the conversion
// worker from it (fluxportGlue.toString()), without shipping the glue twice.
const glue = `function fluxportGlue() {\n${fs.readFileSync(r(`${pkgDir}/fluxport_web.js`), 'utf8')}\nreturn wasm_bindgen;\n}\nvar wasm_bindgen = fluxportGlue();\n`;
const wasm = fs.readFileSync(r(`${pkgDir}/fluxport_web_bg.wasm`));
// The wasm travels gzip-compressed inside a script (base64): no fetch (CSP connect-src
// 'none'; file:// cannot fetch), and base64 costs a third of the compressed size, not
// of the raw module. web/boot.js inflates it with the browser's DecompressionStream.
const wasmGz = zlib.gzipSync(wasm, { level: 9 });
const wasmJs = `self.FLUXPORT_WASM_GZ="${wasmGz.toString('base64')}";\n`;
const boot = fs.readFileSync(r('web/boot.js'), 'utf8');
// The editor and diff views: web/editor.js and the CodeMirror 6 packages it imports
// (exact versions in package.json / package-lock.json), one IIFE defining FluxportEditor.
// Plain ASCII output (esbuild escapes the rest), no source map, no eval.
const editorJs = '/* CodeMirror 6, MIT licence, (C) Marijn Haverbeke and others: https://codemirror.net (versions: package.json) */\n' +
  esbuild.buildSync({
    entryPoints: [r('web/editor.js')], bundle: true, minify: true, format: 'iife', write: false,
    target: ['chrome111', 'firefox115', 'safari16.4'], legalComments: 'none', logLevel: 'warning',
  }).outputFiles[0].text;
const css = fs.readFileSync(r('web/app.css'), 'utf8');
const index = fs.readFileSync(r('index.html'), 'utf8');

const bundle = `${editorJs}${wasmJs}${glue}${boot}`;
fs.writeFileSync(r(`${dist}/pkg/fluxport.js`), bundle);
fs.writeFileSync(r(`${dist}/web/app.css`), css);
fs.writeFileSync(r(`${dist}/index.html`), index);

// Also into the repo root's pkg/ (gitignored), so the root index.html works when the
// repository itself is served.
fs.mkdirSync(r('pkg'), { recursive: true });
for (const old of ['fluxport_web.js', 'fluxport_web_wasm.js']) fs.rmSync(r(`pkg/${old}`), { force: true });
fs.writeFileSync(r('pkg/fluxport.js'), bundle);

// ---- single file: inline scripts and style, pin them in the CSP by hash.
const sha = (s) => `'sha256-${crypto.createHash('sha256').update(s, 'utf8').digest('base64')}'`;
for (const [name, s] of [['script', bundle], ['css', css]]) {
  if (/<\/(script|style)/i.test(s)) throw new Error(`${name} contains a closing tag; cannot inline`);
}
const scripts = [bundle];
const csp = [
  "default-src 'none'",
  // Only these exact inline scripts (by hash) may run, plus wasm compilation.
  `script-src ${scripts.map(sha).join(' ')} 'wasm-unsafe-eval'`,
  `style-src ${sha(css)}`,
  "img-src data: blob:",
  "connect-src 'none'", "font-src 'none'", "media-src 'none'", "object-src 'none'", "frame-src 'none'",
  // The conversion worker is made from a blob: URL (web/boot.js).
  "worker-src blob:", "manifest-src 'none'", "base-uri 'none'", "form-action 'none'",
].join('; ');
let single = index
  .replace(/<meta http-equiv="Content-Security-Policy" content="[^"]*">/, `<meta http-equiv="Content-Security-Policy" content="${csp}">`)
  .replace('<link rel="stylesheet" href="web/app.css">', () => `<style>${css}</style>`)
  .replace('<script src="pkg/fluxport.js"></script>', () => `<script>${bundle}</script>`);
if (/(src|href)="(web|pkg)\//.test(single)) throw new Error('single-file build still references an external file');
fs.writeFileSync(r(`${dist}/fluxport.html`), single);

// ---- sizes
const gz = (b) => zlib.gzipSync(b, { level: 9 }).length;
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const rows = [];
const add = (label, buf) => rows.push([label, buf.length, gz(buf)]);
add('wasm (raw .wasm)', wasm);
add('editor: CodeMirror 6 (in pkg/fluxport.js)', Buffer.from(editorJs));
add('glue + boot (in pkg/fluxport.js)', Buffer.from(glue + boot));
add('wasm, gzip + base64 (in pkg/fluxport.js)', Buffer.from(wasmJs));
add('pkg/fluxport.js (all script)', Buffer.from(bundle));
const siteFiles = ['index.html', 'web/app.css', 'pkg/fluxport.js'];
const site = siteFiles.map((f) => fs.readFileSync(r(`${dist}/${f}`)));
rows.push(['site total (dist/ without fluxport.html)', site.reduce((a, b) => a + b.length, 0), site.reduce((a, b) => a + gz(b), 0)]);
add('dist/fluxport.html (single file)', Buffer.from(single));
console.log('\nfluxport web build sizes (raw / gzip -9):');
for (const [l, raw, g] of rows) console.log(`  ${l.padEnd(44)} ${kib(raw).padStart(11)} / ${kib(g).padStart(10)}`);
fs.writeFileSync(r(`${dist}/sizes.json`), JSON.stringify(Object.fromEntries(rows.map(([l, raw, g]) => [l, { raw, gzip: g }])), null, 2));
