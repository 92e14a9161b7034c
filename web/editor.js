// The editor and diff views of the web app, on CodeMirror 6 (vendored from npm, pinned in
// package.json; bundled by scripts/assemble-web.mjs with the pinned esbuild into the one
// page script, before the wasm glue). It defines one global, `FluxportEditor`, which the
// Rust side calls (crates/fluxport-web/src/editor.rs) and the e2e suite reads:
//   editor(host, opts, onChange)   a YAML editor (or a read-only view) in `host`
//   view(element), text(viewOrElement)   the view in (or at) an element, its whole text
//   setText(view, text)            replaces the text (one transaction; also an element)
//   setMarks(view, json)           the findings as lint markers: [{line, col, sev, msg}]
//   jump(view, line, col)          selects the line, scrolls it to the middle, marks it
//   diff(host, before, after, split, marksA, marksB)   a merge view (side by side, or
//                                  unified: the output with the removed lines between)
//   jumpDiff(handle, side, line, col)   as jump, on side 'a' (the input) or 'b' (the output)
//   destroy(handleOrView)
// Privacy: nothing here touches the network, storage or `eval`; user text reaches the DOM
// only as CodeMirror's text nodes.
import { EditorState, StateEffect, StateField } from '@codemirror/state';
import {
  EditorView, Decoration, drawSelection, placeholder, highlightActiveLine, highlightActiveLineGutter,
  highlightSpecialChars, keymap, lineNumbers,
} from '@codemirror/view';
import { syntaxHighlighting } from '@codemirror/language';
import { classHighlighter } from '@lezer/highlight';
import { yaml } from '@codemirror/lang-yaml';
import { highlightSelectionMatches, search, searchKeymap } from '@codemirror/search';
import { forEachDiagnostic, lintGutter, setDiagnostics } from '@codemirror/lint';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { MergeView, getChunks, unifiedMergeView } from '@codemirror/merge';
import { StyleModule } from 'style-mod';

// CodeMirror's own styles come from style-mod, which puts them in a <style> element on
// a document (a shadow root gets a constructed sheet instead). The page's CSP allows no
// inline <style> ('unsafe-inline' is never given), so every mount goes to one constructed
// sheet in document.adoptedStyleSheets: CSSOM, which style-src does not govern. The
// ordering logic stays style-mod's own (it is the same code path as for a shadow root).
const docRoot = {
  ownerDocument: document,
  get adoptedStyleSheets() { return document.adoptedStyleSheets; },
  set adoptedStyleSheets(v) { document.adoptedStyleSheets = v; },
};
const mount = StyleModule.mount;
StyleModule.mount = (root, modules, options) =>
  mount.call(StyleModule, root && root.nodeType === 9 ? docRoot : root, modules, options);

// ---- the marked line (a jump's target)
const setTarget = StateEffect.define();
const targetLine = StateField.define({
  create: () => Decoration.none,
  update(deco, tr) {
    deco = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (e.is(setTarget)) {
        deco = e.value == null ? Decoration.none
          : Decoration.set([Decoration.line({ class: 'cm-target-line' }).range(e.value)]);
      }
    }
    return deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

// Lines are split at \n only: a \r stays in the text (shown as a special character), so
// the text read back is the text put in, byte for byte.
function base(readOnly, label) {
  return [
    EditorState.lineSeparator.of('\n'),
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    drawSelection(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    syntaxHighlighting(classHighlighter),
    yaml(),
    search({ top: true }),
    lintGutter(),
    targetLine,
    EditorState.tabSize.of(2),
    EditorState.readOnly.of(readOnly),
    EditorView.editable.of(true), // read-only views stay focusable, selectable and searchable
    EditorView.contentAttributes.of({ tabindex: '0', 'aria-label': label, 'aria-readonly': String(readOnly), spellcheck: 'false', autocorrect: 'off', autocapitalize: 'off', translate: 'no' }),
    keymap.of([...searchKeymap, ...(readOnly ? [] : historyKeymap), ...defaultKeymap, ...(readOnly ? [] : [indentWithTab])]),
    ...(readOnly ? [] : [history()]),
  ];
}

const SEV = { error: 'error', warning: 'warning', info: 'info' };

// [{line, col, sev, msg}] (1-based; line 0 = the whole file: its first line) as CodeMirror
// diagnostics of `doc`, from the column to the end of the line. `map` moves a position
// into the `target` document (the unified view maps input positions onto the output).
function diagnostics(doc, marks, map = (p) => p, target = doc) {
  const out = [];
  for (const m of marks || []) {
    const p = pos(doc, m.line, m.col);
    if (p == null) continue;
    const at = map(p);
    const line = target.lineAt(at);
    out.push({ from: at, to: Math.max(at, line.to), severity: SEV[m.sev] || 'info', message: m.msg, source: m.code });
  }
  return out;
}

function pos(doc, line, col) {
  if (!(line >= 0)) return null;
  const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
  return Math.min(l.from + Math.max((col || 1) - 1, 0), l.to);
}

// The beforeinput types that put text in place of the selection (typing, the browser's
// replacement of a misspelt word, paste and yank when they come as beforeinput).
const INSERTS = new Set(['insertText', 'insertReplacementText', 'insertFromPaste', 'insertFromYank']);

/** The document range of the page's (non-empty) selection in `view`, or null. */
function domSelection(view) {
  const sel = view.root.getSelection ? view.root.getSelection() : document.getSelection();
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
  const r = sel.getRangeAt(0);
  const c = view.contentDOM;
  if (!c.contains(r.startContainer) || !c.contains(r.endContainer)) return null;
  const a = view.posAtDOM(r.startContainer, r.startOffset);
  const b = view.posAtDOM(r.endContainer, r.endOffset);
  return a === b ? null : { from: Math.min(a, b), to: Math.max(a, b) };
}

function viewOf(x) {
  if (x instanceof EditorView) return x;
  if (x && x.b instanceof EditorView) return x.b;
  return x && EditorView.findFromDOM(x);
}

function jumpView(view, p) {
  const line = view.state.doc.lineAt(p);
  view.dispatch({
    selection: { anchor: line.from, head: line.to },
    effects: [setTarget.of(line.from), EditorView.scrollIntoView(line.from, { y: 'center' })],
  });
  view.focus();
}

// A position of the input (side a) in the unified view's document (the output): shifted
// by the chunks before it; inside a changed chunk, the chunk's start in the output.
function aToB(view, p) {
  const c = getChunks(view.state);
  if (!c) return p;
  let shift = 0;
  for (const ch of c.chunks) {
    if (p < ch.fromA) break;
    if (p < ch.toA) return Math.min(ch.fromB, view.state.doc.length);
    shift = ch.toB - ch.toA;
  }
  return Math.min(Math.max(p + shift, 0), view.state.doc.length);
}

function stats(host, chunks, a, b) {
  let add = 0, del = 0;
  for (const ch of chunks) {
    if (ch.toA > ch.fromA) del += a.lineAt(Math.min(ch.toA, a.length)).number - a.lineAt(ch.fromA).number + (ch.toA > a.length ? 1 : 0);
    if (ch.toB > ch.fromB) add += b.lineAt(Math.min(ch.toB, b.length)).number - b.lineAt(ch.fromB).number + (ch.toB > b.length ? 1 : 0);
  }
  const p = document.createElement('p');
  p.className = 'diff-stats';
  p.setAttribute('data-testid', 'diff-stats');
  const plus = document.createElement('span');
  plus.className = 'plus';
  plus.textContent = `+${add}`;
  const minus = document.createElement('span');
  minus.className = 'minus';
  minus.textContent = `\u2212${del}`;
  p.append(plus, ' ', minus);
  host.prepend(p);
}

const DIFF = { timeout: 1000 }; // a huge file falls back to a coarser diff, never hangs

self.FluxportEditor = {
  editor(host, opts, onChange) {
    const o = opts || {};
    host.replaceChildren();
    const ext = base(!!o.readOnly, o.label || 'YAML');
    if (onChange) ext.push(EditorView.updateListener.of((u) => { if (u.docChanged) onChange(); }));
    if (o.testid) ext.push(EditorView.contentAttributes.of({ 'data-testid': o.testid }));
    if (o.id) ext.push(EditorView.contentAttributes.of({ id: o.id }));
    if (o.placeholder) ext.push(placeholder(o.placeholder));
    // A dropped file is the page's (browser.rs: on Paste a YAML file replaces the text),
    // not CodeMirror's (which would insert it at the drop point).
    ext.push(EditorView.domEventHandlers({
      // (CodeMirror cancels the default of a drop it is told is handled: the mark tells
      // the page's handler, browser::catch_page_drops, that the drop is still its own.)
      drop: (e) => {
        if (!(e.dataTransfer && e.dataTransfer.files.length)) return false;
        e.fluxportPageDrop = true;
        return true;
      },
      // Typing, pasting or deleting over a selection: CodeMirror replaces it itself.
      // Left to the browser, Chromium merges the selected line elements and adds inline
      // style attributes to keep their look, which the CSP (style-src, no
      // 'unsafe-inline') blocks and reports on the console. The range is read from the
      // DOM selection when it is not yet CodeMirror's: a selection made by script or by
      // the browser (e.g. select-all before an insertText, as Playwright's fill does)
      // reaches the state only at the next selectionchange, after this event.
      beforeinput(e, view) {
        if (view.state.readOnly || view.composing) return false;
        const t = e.inputType;
        const insert = INSERTS.has(t);
        if (!insert && !t.startsWith('delete')) return false;
        const dom = domSelection(view);
        const main = view.state.selection.main;
        let spec;
        const text = insert ? (e.data ?? (e.dataTransfer && e.dataTransfer.getData('text/plain')) ?? '') : '';
        if (dom && (dom.from !== main.from || dom.to !== main.to)) {
          const ins = view.state.toText(text);
          spec = { changes: { from: dom.from, to: dom.to, insert: ins }, selection: { anchor: dom.from + ins.length } };
        } else if (view.state.selection.ranges.some((r) => !r.empty)) {
          spec = view.state.replaceSelection(text);
        } else {
          return false; // nothing selected: CodeMirror's own input handling
        }
        e.preventDefault();
        view.dispatch(spec, { userEvent: insert ? (t === 'insertFromPaste' ? 'input.paste' : 'input.type') : 'delete.selection', scrollIntoView: true });
        return true;
      },
    }));
    return new EditorView({ state: EditorState.create({ doc: o.text || '', extensions: ext }), parent: host });
  },
  text(x) {
    const v = viewOf(x);
    return v ? v.state.doc.toString() : null;
  },
  view: viewOf,
  setText(x, text) {
    const view = viewOf(x);
    if (view.state.doc.length === text.length && view.state.doc.toString() === text) return;
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, effects: setTarget.of(null) });
  },
  setMarks(view, json) {
    view.dispatch(setDiagnostics(view.state, diagnostics(view.state.doc, JSON.parse(json))));
  },
  // The lint markers as [line, severity] (tests).
  marks(x) {
    const v = viewOf(x);
    const out = [];
    forEachDiagnostic(v.state, (d, from) => out.push([v.state.doc.lineAt(from).number, d.severity]));
    return out;
  },
  jump(view, line, col) {
    const p = pos(view.state.doc, line, col);
    if (p != null) jumpView(view, p);
  },
  diff(host, before, after, split, marksA, marksB) {
    host.replaceChildren();
    const ma = JSON.parse(marksA || '[]');
    const mb = JSON.parse(marksB || '[]');
    let h;
    if (split) {
      const mv = new MergeView({
        a: { doc: before, extensions: base(true, 'Input (Flux v1)') },
        b: { doc: after, extensions: base(true, 'Output (Flux v2)') },
        parent: host, highlightChanges: true, gutter: true, diffConfig: DIFF,
      });
      mv.a.dispatch(setDiagnostics(mv.a.state, diagnostics(mv.a.state.doc, ma)));
      mv.b.dispatch(setDiagnostics(mv.b.state, diagnostics(mv.b.state.doc, mb)));
      h = { mv, a: mv.a, b: mv.b, split: true };
      stats(host, mv.chunks, mv.a.state.doc, mv.b.state.doc);
    } else {
      const original = EditorState.create({ doc: before, extensions: [EditorState.lineSeparator.of('\n')] }).doc;
      const b = new EditorView({
        state: EditorState.create({
          doc: after,
          extensions: [base(true, 'Changes (unified)'), unifiedMergeView({ original, mergeControls: false, highlightChanges: true, gutter: true, diffConfig: DIFF })],
        }),
        parent: host,
      });
      const diags = diagnostics(b.state.doc, mb).concat(diagnostics(original, ma, (p) => aToB(b, p), b.state.doc));
      b.dispatch(setDiagnostics(b.state, diags));
      h = { b, original, split: false };
      stats(host, getChunks(b.state).chunks, original, b.state.doc);
    }
    return h;
  },
  jumpDiff(h, side, line, col) {
    if (side === 'a' && h.split) {
      const p = pos(h.a.state.doc, line, col);
      if (p != null) jumpView(h.a, p);
    } else if (side === 'a') {
      const p = pos(h.original, line, col);
      if (p != null) jumpView(h.b, aToB(h.b, p));
    } else {
      const p = pos(h.b.state.doc, line, col);
      if (p != null) jumpView(h.b, p);
    }
  },
  destroy(h) {
    if (!h) return;
    if (h instanceof EditorView) h.destroy();
    else if (h.mv) h.mv.destroy();
    else if (h.b) h.b.destroy();
  },
};
