#!/usr/bin/env node
// Probe for the size plan (docs/size.md): what the web build would weigh if the inlined
// wasm were LZMA-compressed (decoded by the small JS decoder below) instead of gzip
// (decoded by the browser's DecompressionStream), and what decoding costs.
// Prints sizes and the decode time in Node; checks the round trip byte for byte.
// Usage: node bench/lzma-probe.mjs [module.wasm]   (default: target/web-pkg/fluxport_web_bg.wasm)
// Needs the `xz` command (xz-utils).
import fs from 'node:fs';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';

const wasmPath = process.argv[2] || 'target/web-pkg/fluxport_web_bg.wasm';
const wasm = fs.readFileSync(wasmPath);
const lz = new Uint8Array(execFileSync('xz', ['--format=lzma', '--lzma1=preset=9e,lc=3,lp=0,pb=0', '-c', wasmPath], { maxBuffer: 1 << 28 }));

// ---- LZMA ("alone" .lzma) decoder: 13-byte header (props, dictionary size, unpacked
// size or all-ones with an end marker), then the range-coded stream.
function lzmaDecode(inp) {
  var d = inp[0], lc = d % 9, lp = ((d / 9) | 0) % 5, pb = (d / 45) | 0;
  var size = inp[5] + inp[6] * 256 + inp[7] * 65536 + inp[8] * 16777216 + (inp[9] + inp[10] * 256 + inp[11] * 65536 + inp[12] * 16777216) * 4294967296;
  var known = !(inp[5] === 255 && inp[6] === 255 && inp[7] === 255 && inp[8] === 255 && inp[9] === 255 && inp[10] === 255 && inp[11] === 255 && inp[12] === 255);
  var out = new Uint8Array(known ? size : inp.length * 8), pos = 0;
  var ip = 14, range = 0xFFFFFFFF, code = ((inp[14] << 24) | (inp[15] << 16) | (inp[16] << 8) | inp[17]) >>> 0;
  ip = 18;
  // probability layout
  var LIT = 0, nLit = 0x300 << (lc + lp);
  var IS_MATCH = nLit, IS_REP = IS_MATCH + 192, G0 = IS_REP + 12, G1 = G0 + 12, G2 = G1 + 12, REP0L = G2 + 12;
  var SLOT = REP0L + 192, SPEC = SLOT + 256, ALIGN = SPEC + 114, LEN = ALIGN + 16, REPLEN = LEN + 514, N = REPLEN + 514;
  var p = new Uint16Array(N).fill(1024);
  function bit(i) {
    var b = (range >>> 11) * p[i], r;
    if ((code >>> 0) < b) { range = b; p[i] += (2048 - p[i]) >> 5; r = 0; }
    else { range = (range - b) >>> 0; code = (code - b) >>> 0; p[i] -= p[i] >> 5; r = 1; }
    if (range < 16777216) { range = (range << 8) >>> 0; code = ((code << 8) | inp[ip++]) >>> 0; }
    return r;
  }
  function tree(base, n) { var m = 1; for (var i = 0; i < n; i++) m = (m << 1) | bit(base + m); return m - (1 << n); }
  function rtree(base, n) { var m = 1, s = 0; for (var i = 0; i < n; i++) { var b = bit(base + m); m = (m << 1) | b; s |= b << i; } return s; }
  function direct(n) {
    var s = 0;
    for (; n > 0; n--) {
      range >>>= 1;
      var b = (code >>> 0) >= range ? 1 : 0;
      if (b) code = (code - range) >>> 0;
      s = ((s << 1) | b) >>> 0;
      if (range < 16777216) { range = (range << 8) >>> 0; code = ((code << 8) | inp[ip++]) >>> 0; }
    }
    return s;
  }
  // length decoder at base: choice, choice2, low[16][8], mid[16][8], high[256]
  function len(base, ps) {
    if (!bit(base)) return tree(base + 2 + ps * 8, 3);
    if (!bit(base + 1)) return 8 + tree(base + 130 + ps * 8, 3);
    return 16 + tree(base + 258, 8);
  }
  var state = 0, r0 = 0, r1 = 0, r2 = 0, r3 = 0, pbm = (1 << pb) - 1, lpm = (1 << lp) - 1;
  while (!known || pos < size) {
    var ps = pos & pbm;
    if (pos >= out.length) { var o2 = new Uint8Array(out.length * 2); o2.set(out); out = o2; }
    if (!bit(IS_MATCH + (state << 4) + ps)) {
      var prev = pos > 0 ? out[pos - 1] : 0;
      var base = LIT + 0x300 * (((pos & lpm) << lc) + (prev >> (8 - lc)));
      var s = 1;
      if (state >= 7) {
        var mb = out[pos - r0 - 1];
        while (s < 0x100) {
          var m = (mb >> 7) & 1; mb <<= 1;
          var b = bit(base + ((1 + m) << 8) + s);
          s = (s << 1) | b;
          if (m !== b) break;
        }
      }
      while (s < 0x100) s = (s << 1) | bit(base + s);
      out[pos++] = s & 255;
      state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
      continue;
    }
    var l;
    if (bit(IS_REP + state)) {
      if (!bit(G0 + state)) {
        if (!bit(REP0L + (state << 4) + ps)) {
          state = state < 7 ? 9 : 11;
          out[pos] = out[pos - r0 - 1]; pos++;
          continue;
        }
      } else {
        var dist;
        if (!bit(G1 + state)) dist = r1;
        else { if (!bit(G2 + state)) dist = r2; else { dist = r3; r3 = r2; } r2 = r1; }
        r1 = r0; r0 = dist;
      }
      l = len(REPLEN, ps);
      state = state < 7 ? 8 : 11;
    } else {
      r3 = r2; r2 = r1; r1 = r0;
      l = len(LEN, ps);
      state = state < 7 ? 7 : 10;
      var slot = tree(SLOT + ((l < 3 ? l : 3) << 6), 6);
      if (slot < 4) r0 = slot;
      else {
        var nd = (slot >> 1) - 1;
        r0 = ((2 | (slot & 1)) << nd) >>> 0;
        if (slot < 14) r0 = (r0 + rtree(SPEC + r0 - slot - 1, nd)) >>> 0;
        else {
          r0 = (r0 + (direct(nd - 4) << 4)) >>> 0;
          r0 = (r0 + rtree(ALIGN - 1, 4)) >>> 0;
        }
        if (r0 === 0xFFFFFFFF) break; // end marker
      }
    }
    l += 2;
    if (r0 >= pos) throw new Error('lzma: bad distance');
    if (pos + l > out.length) { var o3 = new Uint8Array(Math.max(out.length * 2, pos + l)); o3.set(out); out = o3; }
    if (known && pos + l > size) l = size - pos;
    for (; l > 0; l--, pos++) out[pos] = out[pos - r0 - 1];
  }
  return known ? out : out.subarray(0, pos);
}

const gz = (b) => zlib.gzipSync(b, { level: 9 }).length;
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
const times = [];
let out;
for (let i = 0; i < 5; i++) {
  const t = process.hrtime.bigint();
  out = lzmaDecode(lz);
  times.push(Number(process.hrtime.bigint() - t) / 1e6);
}
if (Buffer.compare(Buffer.from(out), wasm) !== 0) throw new Error('LZMA round trip differs');
const decoderSrc = lzmaDecode.toString();
const b64 = (b) => Buffer.from(Buffer.from(b).toString('base64'));
console.log(`module ${wasmPath}: ${kb(wasm.length)} raw`);
console.log(`  gzip -9 (today):            ${kb(gz(wasm))}; as inlined base64, gzipped: ${kb(gz(b64(zlib.gzipSync(wasm, { level: 9 }))))}`);
console.log(`  LZMA (xz preset 9e, lc3):   ${kb(lz.length)}; as inlined base64, gzipped: ${kb(gz(b64(lz)))}`);
console.log(`  decoder source:             ${kb(decoderSrc.length)} raw, ${kb(gz(Buffer.from(decoderSrc)))} gzip`);
console.log(`  decode time (Node, ms):     first ${times[0].toFixed(0)}, best ${Math.min(...times).toFixed(0)} (load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
