// Starts the wasm app from bytes embedded in pkg/fluxport_web_wasm.js (base64), so no
// fetch() is needed: the page's CSP has connect-src 'none'.
(function () {
  'use strict';
  function fail(msg) {
    var el = document.getElementById('boot-msg');
    if (el) { el.textContent = 'fluxport could not start: ' + msg; el.className = 'boot-error'; }
  }
  try {
    if (typeof WebAssembly !== 'object') { fail('this browser does not support WebAssembly.'); return; }
    var b64 = self.FLUXPORT_WASM_B64;
    if (!b64 || typeof wasm_bindgen !== 'function') { fail('the app files are incomplete.'); return; }
    var bin = atob(b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    self.FLUXPORT_WASM_B64 = null;
    wasm_bindgen({ module_or_path: bytes }).catch(function (e) { fail(String(e)); });
  } catch (e) {
    fail(String(e));
  }
})();
