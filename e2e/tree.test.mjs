// e2e tests of the Repo tab's file tree (issue 16): the WAI-ARIA tree pattern (one Tab
// stop, arrows, Home/End, type-ahead, collapsible folders), the search and the filters,
// "previous / next file with findings" ([ / ]), and axe-core at zero in both themes.
// Expected statuses and findings come from the native core (examples/native-convert).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setUp, open, axeViolations, shots } from './harness.mjs';

let env;
before(async () => { env = await setUp(); });
after(async () => { await env?.close(); });

const RELEASE = (name) => `apiVersion: helm.fluxcd.io/v1
kind: HelmRelease
metadata:
  name: ${name}
  namespace: apps
spec:
  releaseName: ${name}
  chart:
    repository: https://charts.example.com/
    name: ${name}
    version: 1.0.0
`;
const CONFIGMAP = (name) => `apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: apps}
data: {a: "1"}
`;

/** A small nested repository: folders two deep, a converted, a failed, unchanged files. */
function repo() {
  const top = path.join(env.tmp, 'tree-repo');
  fs.rmSync(top, { recursive: true, force: true });
  const files = {
    'README.md': '# tree\n',
    'apps/alpha.yaml': RELEASE('alpha'),
    'apps/bad.yaml': 'a: [1, 2\n',
    'apps/sub/plain.yaml': CONFIGMAP('plain'),
    'base/config.yaml': CONFIGMAP('config'),
    'zeta.yaml': RELEASE('zeta'),
  };
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(top, p)), { recursive: true });
    fs.writeFileSync(path.join(top, p), text);
  }
  const report = JSON.parse(env.native(['dir-report', top]));
  return { top, report };
}

/** Files with findings (conversion and pre-flight), with their severities, by path. */
function findingsByFile(report) {
  const m = new Map();
  for (const f of [...report.findings, ...report.preflight.findings]) {
    if (!f.file) continue;
    if (!m.has(f.file)) m.set(f.file, new Set());
    m.get(f.file).add(f.severity);
  }
  return m;
}

async function upload(page, top, n) {
  await page.click('#tab-repo');
  await page.setInputFiles('[data-testid=folder-input]', top);
  await page.waitForFunction((k) => document.documentElement.dataset.repoFiles === String(k), n, { timeout: 60000 });
  await page.waitForSelector('[data-testid=file-tree] [role=treeitem]');
  // The pre-flight arrives after the conversion: the tree's badges need it.
  await page.waitForSelector('html[data-preflight=done]');
}

const rows = (page) => page.$$eval('[data-testid=file-tree] [data-path]', (els) => els.map((e) => e.dataset.path));
/** The focused element's tree key (`data-key`), or null if the focus is not on a row. */
const focused = (page) => page.evaluate(() => (document.activeElement?.getAttribute('role') === 'treeitem' ? document.activeElement.dataset.key : null));
const focusInTree = (page) => page.evaluate(() => !!document.activeElement?.closest('[data-testid=file-tree]'));
const item = (page, key) => page.locator(`[data-testid=file-tree] [data-key="${key}"]`);
/** The files outside apps/, in path order (the conversion adds a new file). */
const outsideAppsOf = (report) => report.files.map((f) => f.path).filter((p) => !p.startsWith('apps/')).sort();
const selectedPath = (page) => page.$eval('.file-head .path', (e) => e.textContent);

test('tree: ARIA roles, levels and one Tab stop (Tab lands on the tree, one more Tab leaves it)', async (t) => {
  const page = await open(env, t);
  const { top, report } = repo();
  await upload(page, top, 6);
  assert.equal(await page.getAttribute('[data-testid=file-tree]', 'role'), 'tree');
  const all = await page.$$eval('[data-testid=file-tree] [role=treeitem]', (els) => els.map((e) => [e.dataset.key, e.getAttribute('aria-level'), e.getAttribute('aria-expanded'), e.getAttribute('aria-selected')]));
  const byKey = Object.fromEntries(all.map(([k, ...rest]) => [k, rest]));
  assert.deepEqual(byKey['apps/'], ['1', 'true', null], 'a folder: level 1, expanded, not selectable');
  assert.deepEqual(byKey['apps/sub/'], ['2', 'true', null]);
  assert.equal(byKey['apps/sub/plain.yaml'][0], '3');
  assert.equal(byKey['README.md'][0], '1');
  assert.equal(byKey['README.md'][1], null, 'a file has no aria-expanded');
  const sub = await page.$eval('[data-key="apps/sub/plain.yaml"]', (e) => [e.getAttribute('aria-posinset'), e.getAttribute('aria-setsize')]);
  assert.deepEqual(sub, ['1', '1'], 'position in its folder');
  const apps = await page.$$eval('[data-testid=file-tree] [aria-level="2"]', (els) => els.map((e) => e.dataset.key).filter((k) => k.startsWith('apps/')));
  assert.deepEqual(apps, ['apps/alpha.yaml', 'apps/bad.yaml', 'apps/sub/']);
  assert.equal(await page.getAttribute('[data-key="apps/sub/"]', 'aria-setsize'), '3');
  assert.equal(await page.getAttribute('[data-key="apps/sub/"]', 'aria-posinset'), '3');
  assert.deepEqual(await rows(page), report.files.map((f) => f.path).sort(), 'every file, in path order');
  const stops = await page.$$eval('[data-testid=file-tree] [tabindex="0"]', (els) => els.length);
  assert.equal(stops, 1, 'one row has tabindex=0');
  const focusables = await page.$$eval('[data-testid=file-tree] button, [data-testid=file-tree] a, [data-testid=file-tree] input', (els) => els.length);
  assert.equal(focusables, 0, 'nothing else inside the tree is focusable');

  // Tab from the element before the tree (the "next finding" button) lands on the tree's
  // stop: the selected file; one more Tab leaves the tree.
  const sel = await page.getAttribute('[data-testid=file-tree] [aria-selected=true]', 'data-key');
  await page.focus('[data-testid=next-finding]');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), sel, 'Tab lands on the selected file');
  await page.keyboard.press('Tab');
  assert.equal(await focusInTree(page), false, 'one more Tab leaves the tree');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(page), sel, 'Shift+Tab comes back to the same row');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'next-finding', 'and Shift+Tab again leaves it backwards');
});

test('tree: arrows, Home/End, ←/→ on folders, type-ahead, Enter opens the file', async (t) => {
  const page = await open(env, t);
  const { top, report } = repo();
  const outsideApps = outsideAppsOf(report);
  await upload(page, top, 6);
  await item(page, 'README.md').click();
  assert.equal(await focused(page), 'README.md', 'a click focuses the row');
  assert.equal(await selectedPath(page), 'README.md', 'and opens the file');
  const press = async (k, want, why) => { await page.keyboard.press(k); assert.equal(await focused(page), want, `${k}: ${why}`); };
  await press('ArrowDown', 'apps/', 'next row');
  await press('ArrowDown', 'apps/alpha.yaml', 'into the open folder');
  await press('ArrowUp', 'apps/', 'previous row');
  await press('End', 'zeta.yaml', 'last row');
  await press('Home', 'README.md', 'first row');
  assert.equal(await page.$$eval('[data-testid=file-tree] [tabindex="0"]', (els) => els.length), 1, 'still one tab stop');
  assert.equal(await page.getAttribute('[data-key="README.md"]', 'tabindex'), '0', 'the stop follows the focus');
  assert.equal(await selectedPath(page), 'README.md', 'moving the focus does not open files');

  // ← on an open folder closes it (its files leave the tree), → opens it, → again enters.
  await press('ArrowDown', 'apps/', 'to the folder');
  await press('ArrowLeft', 'apps/', 'closes, stays');
  assert.equal(await item(page, 'apps/').getAttribute('aria-expanded'), 'false');
  assert.deepEqual(await rows(page), outsideApps, 'a closed folder hides its files');
  await press('ArrowDown', 'base/', 'skips the closed folder\'s files');
  await press('ArrowUp', 'apps/', 'back');
  await press('ArrowRight', 'apps/', 'opens, stays');
  assert.equal(await item(page, 'apps/').getAttribute('aria-expanded'), 'true');
  await press('ArrowRight', 'apps/alpha.yaml', 'enters the folder');
  await press('ArrowLeft', 'apps/', 'a file: ← goes to its folder');

  // Type-ahead: the first characters of a name.
  await press('z', 'zeta.yaml', 'type-ahead z');
  await press('b', 'zeta.yaml', 'within 700 ms: "zb" matches nothing, the focus stays');
  await page.waitForTimeout(800);
  await press('b', 'apps/bad.yaml', 'type-ahead b: the next row from the focus (wraps)');
  await page.keyboard.press('Home');
  await page.keyboard.type('bas', { delay: 50 });
  assert.equal(await focused(page), 'base/', 'type-ahead "bas": the first name starting so');
  await page.waitForTimeout(800);
  await press('b', 'apps/bad.yaml', 'after a pause, b starts again: the next b from the focus');

  // Enter opens the focused file; Space too.
  await page.keyboard.press('Enter');
  assert.equal(await selectedPath(page), 'apps/bad.yaml', 'Enter opens the file');
  assert.equal(await item(page, 'apps/bad.yaml').getAttribute('aria-selected'), 'true');
  assert.equal(await item(page, 'README.md').getAttribute('aria-selected'), 'false');
  await press('End', 'zeta.yaml', 'last row');
  await page.keyboard.press(' ');
  assert.equal(await selectedPath(page), 'zeta.yaml', 'Space opens the file');
  assert.equal(await focused(page), 'zeta.yaml', 'the focus stays on it');
  // Enter on a folder toggles it.
  await press('Home', 'README.md', 'first');
  await press('ArrowDown', 'apps/', 'folder');
  await page.keyboard.press('Enter');
  assert.equal(await item(page, 'apps/').getAttribute('aria-expanded'), 'false', 'Enter closes a folder');
  await page.keyboard.press('Enter');
  assert.equal(await item(page, 'apps/').getAttribute('aria-expanded'), 'true', 'and opens it');
});

test('tree: a click on a folder collapses it (its files hidden) and a second opens it', async (t) => {
  const page = await open(env, t);
  const { top, report } = repo();
  const outsideApps = outsideAppsOf(report);
  await upload(page, top, 6);
  await page.click('[data-testid=file-tree] [data-key="apps/sub/"]');
  assert.equal(await item(page, 'apps/sub/').getAttribute('aria-expanded'), 'false');
  assert.ok(!(await rows(page)).includes('apps/sub/plain.yaml'), 'the folder\'s file is hidden');
  assert.ok((await rows(page)).includes('apps/alpha.yaml'), 'its siblings are not');
  await page.click('[data-testid=file-tree] [data-key="apps/"]');
  assert.deepEqual(await rows(page), outsideApps);
  await page.click('[data-testid=file-tree] [data-key="apps/"]');
  assert.ok((await rows(page)).includes('apps/alpha.yaml'), 'reopened');
  assert.ok(!(await rows(page)).includes('apps/sub/plain.yaml'), 'the inner folder keeps its own state');
  // Selecting a file elsewhere (the report's location buttons do this) opens its folders.
  await page.click('[data-testid=file-tree] [data-key="apps/"]');
  await page.click('[data-testid=next-finding]');
  const sel = await selectedPath(page);
  assert.ok((await rows(page)).includes(sel), `the selected ${sel} shows`);
});

test('tree: the search and the status and severity filters reduce the list, with "N of M files"', async (t) => {
  const page = await open(env, t);
  const { top, report } = repo();
  await upload(page, top, 6);
  const total = report.files.length;
  const count = () => page.textContent('[data-testid=tree-count]');
  assert.equal(await count(), `${total} of ${total} files`);
  await page.fill('[data-testid=tree-search]', 'SUB/');
  assert.deepEqual(await rows(page), ['apps/sub/plain.yaml'], 'case-insensitive path substring');
  assert.equal(await count(), `1 of ${total} files`);
  assert.deepEqual(await page.$$eval('[data-testid=file-tree] [role=treeitem]', (els) => els.map((e) => e.dataset.key)), ['apps/', 'apps/sub/', 'apps/sub/plain.yaml'], 'with its folders');
  await page.fill('[data-testid=tree-search]', 'nothing-matches');
  assert.deepEqual(await rows(page), []);
  assert.equal(await count(), `0 of ${total} files`);
  await page.waitForSelector('[data-testid=tree-empty]');
  await page.fill('[data-testid=tree-search]', '');
  assert.equal((await rows(page)).length, total);

  for (const status of ['converted', 'unchanged', 'new', 'deleted', 'failed']) {
    await page.selectOption('[data-testid=tree-status]', status);
    const want = report.files.filter((f) => f.status === status).map((f) => f.path).sort();
    assert.deepEqual(await rows(page), want, `status ${status}`);
    assert.equal(await count(), `${want.length} of ${total} files`);
  }
  assert.ok(report.files.some((f) => f.status === 'failed') && report.files.some((f) => f.status === 'converted'), 'the repo has failed and converted files');
  await page.selectOption('[data-testid=tree-status]', '');

  const by = findingsByFile(report);
  for (const sev of ['error', 'warning', 'info']) {
    await page.selectOption('[data-testid=tree-severity]', sev);
    const want = [...by].filter(([, s]) => s.has(sev)).map(([p]) => p).sort();
    assert.deepEqual(await rows(page), want, `severity ${sev}`);
  }
  assert.ok([...by.values()].some((s) => s.has('error')), 'the repo has an error');
  // Both at once: failed files with errors, then with warnings.
  await page.selectOption('[data-testid=tree-severity]', 'error');
  await page.selectOption('[data-testid=tree-status]', 'failed');
  const both = report.files.filter((f) => f.status === 'failed' && by.get(f.path)?.has('error')).map((f) => f.path).sort();
  assert.ok(both.length > 0);
  assert.deepEqual(await rows(page), both, 'status and severity combine');
  await page.selectOption('[data-testid=tree-severity]', 'warning');
  const none = report.files.filter((f) => f.status === 'failed' && by.get(f.path)?.has('warning')).map((f) => f.path).sort();
  assert.deepEqual(await rows(page), none, 'failed files with a warning');
});

test('tree: previous / next file with findings (buttons and [ / ]) jump to the right files', async (t) => {
  const page = await open(env, t);
  const { top, report } = repo();
  await upload(page, top, 6);
  const paths = report.files.map((f) => f.path).sort();
  const by = findingsByFile(report);
  const hits = paths.filter((p) => by.has(p));
  assert.ok(hits.length >= 2 && hits.length < paths.length, `some files have findings, some not (${hits.join(', ')})`);
  assert.equal(await page.getAttribute('[data-testid=next-finding]', 'aria-keyshortcuts'), ']');
  assert.equal(await page.getAttribute('[data-testid=prev-finding]', 'aria-keyshortcuts'), '[');

  await item(page, paths[0]).click();
  const expectNext = (from, dir) => {
    const i = paths.indexOf(from);
    const after = dir > 0 ? hits.filter((h) => paths.indexOf(h) > i) : hits.filter((h) => paths.indexOf(h) < i).reverse();
    return after[0] ?? (dir > 0 ? hits[0] : hits[hits.length - 1]);
  };
  // Buttons: through every hit and around.
  let at = paths[0];
  for (let k = 0; k <= hits.length; k++) {
    await page.click('[data-testid=next-finding]');
    at = expectNext(at, 1);
    assert.equal(await selectedPath(page), at, `next #${k + 1}`);
  }
  await page.click('[data-testid=prev-finding]');
  at = expectNext(at, -1);
  assert.equal(await selectedPath(page), at, 'previous');

  // Shortcuts, with the focus in the tree: the focus follows the selection.
  await item(page, paths[0]).click();
  await page.keyboard.press(']');
  assert.equal(await selectedPath(page), hits[0], '] from the tree');
  assert.equal(await focused(page), hits[0], 'the focus follows');
  await page.keyboard.press('[');
  assert.equal(await selectedPath(page), hits[hits.length - 1], '[ wraps back to the last file with findings');
  // From the page body too.
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press(']');
  assert.equal(await selectedPath(page), hits[0], '] from the page');
  // Never in a text field: there ] is typed.
  await page.focus('[data-testid=tree-search]');
  await page.keyboard.press(']');
  assert.equal(await page.inputValue('[data-testid=tree-search]'), ']', '] is typed in the search box');
  assert.equal(await selectedPath(page), hits[0], 'and does not jump');
  await page.fill('[data-testid=tree-search]', '');

  // Under a filter, only its files: with an error.
  await page.selectOption('[data-testid=tree-severity]', 'error');
  const errs = hits.filter((p) => by.get(p).has('error'));
  await page.click('[data-testid=next-finding]');
  assert.ok(errs.includes(await selectedPath(page)), 'the jump stays within the filter');
  // Nothing to jump to: the buttons are disabled.
  await page.selectOption('[data-testid=tree-severity]', '');
  await page.fill('[data-testid=tree-search]', 'README');
  assert.equal(await page.isDisabled('[data-testid=next-finding]'), !by.has('README.md'), 'disabled when no shown file has findings');
  // Not on another tab.
  await page.fill('[data-testid=tree-search]', '');
  const before = await selectedPath(page);
  await page.click('#tab-settings');
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press(']');
  await page.click('#tab-repo');
  assert.equal(await selectedPath(page), before, '] does nothing on another tab');
});

test('tree: axe-core finds no violation on the Repo view with the tree, light and dark, 1280 and 400 px', async (t) => {
  const { top } = repo();
  for (const colorScheme of ['light', 'dark']) {
    for (const [w, h] of [[1280, 800], [400, 860]]) {
      const page = await open(env, t, { colorScheme, viewport: { width: w, height: h } });
      await upload(page, top, 6);
      await page.click('[data-testid=file-tree] [data-key="apps/sub/"]');
      await item(page, 'README.md').click();
      await page.keyboard.press('ArrowDown');
      assert.deepEqual(await axeViolations(page), [], `axe-core: repo tab with the tree (${colorScheme}, ${w} px)`);
      await page.screenshot({ path: path.join(shots, `tree-${colorScheme}-${w}.png`) });
      await page.fill('[data-testid=tree-search]', 'apps');
      await page.selectOption('[data-testid=tree-status]', 'converted');
      assert.deepEqual(await axeViolations(page), [], `axe-core: repo tab with a filtered tree (${colorScheme}, ${w} px)`);
      await page.fill('[data-testid=tree-search]', 'nothing-matches');
      assert.deepEqual(await axeViolations(page), [], `axe-core: repo tab with an empty tree (${colorScheme}, ${w} px)`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${colorScheme} ${w}px: no horizontal page overflow (${overflow}px)`);
    }
  }
});
