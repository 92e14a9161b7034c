// Starts fluxport: inflates the wasm module embedded in pkg/fluxport.js (gzip,
// base64: no fetch() is needed, the page's CSP has connect-src 'none' and file:// pages
// cannot fetch at all), compiles it once, mounts the app on the page, and starts a
// conversion worker from the same glue and module, so converting a large paste (or an
// uploaded repository) never blocks typing. The worker is made from a blob: URL (allowed by worker-src blob:), so
// it works from a static host and from the single file opened from disk alike. Without
// a worker the app converts on the page.
// Timings (ms since navigation) go to data-boot-* attributes on <html>.
(function () {
  'use strict';
  function fail(msg) {
    var el = document.getElementById('boot-msg');
    if (el) { el.textContent = 'fluxport could not start: ' + msg; el.className = 'boot-error'; }
  }
  function mark(name) {
    document.documentElement.setAttribute('data-boot-' + name, performance.now().toFixed(1));
  }
  function fromBase64(b64) {
    if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(b64);
    var bin = atob(b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }
  function gunzip(bytes) {
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).arrayBuffer();
  }

  // ---- the worker's own code (runs in the worker; turned into source with toString)
  function workerMain() {
    var ready = null;
    self.onmessage = function (e) {
      var m = e.data;
      if (m.module) {
        ready = wasm_bindgen({ module_or_path: m.module });
        ready.then(function () { wasm_bindgen.worker_warm(); }, function () {});
        return;
      }
      ready.then(function () {
        var t0 = performance.now();
        var json;
        try {
          json = m.kind === 'repo'
            ? wasm_bindgen.worker_convert_repo(m.text, m.bytes, m.lens, m.options)
            : wasm_bindgen.worker_convert(m.text, m.options, m.selftest);
        } catch (err) {
          // A panic aborts this instance: report it; the page starts a new worker.
          self.postMessage({ id: m.id, panic: self.FLUXPORT_PANIC || String(err) });
          return;
        }
        // The conversion first (shown at once), then its pre-flight.
        self.postMessage({ id: m.id, json: json, ms: performance.now() - t0, more: true });
        var t1 = performance.now();
        var pf;
        try {
          pf = wasm_bindgen.worker_preflight();
        } catch (err) {
          self.postMessage({ id: m.id, panic: self.FLUXPORT_PANIC || String(err), preflight: true });
          return;
        }
        self.postMessage({ id: m.id, preflight: pf || null, ms: performance.now() - t1 });
      }, function (err) {
        self.postMessage({ id: m.id, unavailable: 'the conversion worker could not start: ' + err });
      });
    };
  }

  // ---- on the page
  var module = null;
  var worker = null;
  var inflight = null; // the request the worker is converting
  // The newest waiting request of each kind (older ones are dropped: only the latest
  // paste or upload matters).
  var pending = { paste: null, repo: null };
  var workerSource = 'var wasm_bindgen = (' + fluxportGlue.toString() + ')();\n(' + workerMain.toString() + ')();\n';

  function spawn() {
    try {
      var url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
      worker = new Worker(url);
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    } catch (e) {
      worker = null;
      return;
    }
    worker.onmessage = function (e) {
      var m = e.data;
      var req = inflight;
      if (m.more) {
        // A conversion; the worker stays busy with its pre-flight.
        wasm_bindgen.worker_done(req.kind, m.id, m.json, undefined, m.ms || 0);
        return;
      }
      inflight = null;
      if ('preflight' in m) {
        if (m.panic !== undefined) {
          worker.terminate();
          spawn();
        }
        wasm_bindgen.worker_preflight_done(req.kind, m.id, m.panic === undefined && m.preflight !== null ? m.preflight : undefined, m.panic, m.ms || 0);
        next();
        return;
      }
      if (m.panic !== undefined || m.unavailable !== undefined) {
        worker.terminate();
        worker = null;
        if (m.panic !== undefined) spawn();
      }
      if (m.unavailable !== undefined) {
        console.warn('fluxport: ' + m.unavailable + '; converting on the page');
        giveBack();
        wasm_bindgen.worker_done(req.kind, req.id, undefined, undefined, 0);
      } else {
        wasm_bindgen.worker_done(req.kind, m.id, m.json, m.panic, m.ms || 0);
      }
      next();
    };
    worker.onerror = function (e) {
      // The worker could not load or run: convert on the page from now on.
      e.preventDefault();
      worker.terminate();
      worker = null;
      var req = inflight;
      inflight = null;
      console.warn('fluxport: conversion worker failed (' + (e.message || 'error') + '); converting on the page');
      if (req) wasm_bindgen.worker_done(req.kind, req.id, undefined, undefined, 0);
      giveBack();
    };
    worker.postMessage({ module: module });
  }
  // No worker any more: the waiting requests go back to the page, which converts them.
  function giveBack() {
    ['paste', 'repo'].forEach(function (k) {
      var req = pending[k];
      pending[k] = null;
      if (req) wasm_bindgen.worker_done(req.kind, req.id, undefined, undefined, 0);
    });
  }
  function next() {
    if (!worker || inflight) return;
    var k = pending.paste ? 'paste' : pending.repo ? 'repo' : null;
    if (!k) return;
    inflight = pending[k];
    pending[k] = null;
    worker.postMessage(inflight, inflight.bytes ? [inflight.bytes.buffer] : []);
  }
  // Called by the app (browser::worker_post*). `bytes` and `lens` are views into the
  // wasm memory: copied before they are posted.
  self.fluxportWorkerPost = function (kind, id, text, bytes, lens, options, selftest) {
    if (!worker) return false;
    pending[kind] = { kind: kind, id: id, text: text, options: options, selftest: selftest };
    if (kind === 'repo') {
      pending[kind].bytes = bytes.slice();
      pending[kind].lens = lens.slice();
    }
    next();
    return true;
  };

  try {
    if (typeof WebAssembly !== 'object') { fail('this browser does not support WebAssembly.'); return; }
    if (typeof DecompressionStream !== 'function') { fail('this browser is too old (no DecompressionStream).'); return; }
    var b64 = self.FLUXPORT_WASM_GZ;
    if (!b64 || typeof wasm_bindgen !== 'function' || typeof fluxportGlue !== 'function') { fail('the app files are incomplete.'); return; }
    self.FLUXPORT_WASM_GZ = null;
    mark('start');
    gunzip(fromBase64(b64))
      .then(function (buf) {
        mark('inflated');
        return WebAssembly.compile(buf);
      })
      .then(function (m) {
        mark('compiled');
        module = m;
        spawn();
        return wasm_bindgen({ module_or_path: module });
      })
      .then(function () {
        mark('instantiated');
        wasm_bindgen.start();
        mark('started');
      })
      .catch(function (e) { fail(String(e)); });
  } catch (e) {
    fail(String(e));
  }
})();
