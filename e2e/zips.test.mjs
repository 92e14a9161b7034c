// e2e tests of a zip that an unsafe entry path kept out (issue 16): the notice offers
// "load the N safe entries", which loads exactly those and names each entry left out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setUp, open, axeViolations, shots } from './harness.mjs';

let env;
before(async () => { env = await setUp(); });
after(async () => { await env?.close(); });

/** A zip at `out` with these entries (name → text), names written as given. */
function zipOf(out, entries) {
  execFileSync('python3', ['-c', `
import zipfile, json, sys
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    for name, text in json.loads(sys.argv[2]).items():
        z.writestr(name, text)
`, out, JSON.stringify(entries)]);
  return out;
}

const CM = (n) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${n}}\ndata: {a: "1"}\n`;
const rows = (page) => page.$$eval('[data-testid=file-tree] [data-path]', (els) => els.map((e) => e.dataset.path));

test('zips: an unsafe entry offers "load the N safe entries", which loads them and names each one left out', async (t) => {
  const page = await open(env, t);
  const zip = zipOf(path.join(env.tmp, 'mixed.zip'), {
    'ok.yaml': CM('ok'), 'sub/two.yaml': CM('two'), '../../etc/evil.yaml': CM('evil'), '/abs.yaml': CM('abs'),
  });
  await page.click('#tab-repo');
  await page.setInputFiles('[data-testid=file-input]', zip);
  const notice = page.locator('.notice');
  await notice.first().waitFor();
  assert.match(await notice.first().textContent(), /^mixed\.zip: zip entry "\.\.\/\.\.\/etc\/evil\.yaml" rejected: unsafe path .*1 more unsafe entries; nothing from this zip was loaded, not even its 2 safe entries$/);
  assert.equal(await page.locator('[data-testid=file-tree]').count(), 0, 'nothing loaded yet');
  const btn = page.locator('[data-testid=load-safe]');
  assert.equal(await btn.textContent(), 'Load the 2 safe entries of mixed.zip');
  assert.deepEqual(await axeViolations(page), [], 'axe-core: the offer');
  await page.screenshot({ path: path.join(shots, 'zip-offer.png') });
  await btn.click();
  await page.waitForSelector('[data-testid=file-tree] [data-path]');
  const got = await rows(page);
  assert.deepEqual(got.filter((p) => p === 'ok.yaml' || p === 'sub/two.yaml'), ['ok.yaml', 'sub/two.yaml'], 'both safe entries are loaded');
  assert.ok(!got.some((p) => p.includes('evil') || p.includes('abs')), 'no unsafe entry is loaded');
  const note = await page.locator('.notice').allTextContents();
  assert.equal(note.length, 1);
  assert.match(note[0], /^mixed\.zip: loaded its 2 safe entries; left out, unsafe: "\.\.\/\.\.\/etc\/evil\.yaml" \([^)]+\), "\/abs\.yaml" \([^)]+\)\.$/, 'each entry left out is named');
  assert.equal(await btn.count(), 0, 'the offer is gone');
});

test('zips: no offer for a safe zip, nor for one with only unsafe entries', async (t) => {
  const page = await open(env, t);
  await page.click('#tab-repo');
  await page.setInputFiles('[data-testid=file-input]', zipOf(path.join(env.tmp, 'safe.zip'), { 'ok.yaml': CM('ok') }));
  await page.waitForSelector('[data-testid=file-tree] [data-path="ok.yaml"]');
  assert.equal(await page.locator('[data-testid=load-safe]').count(), 0, 'a safe zip loads, no offer');
  await page.click('.tree-head >> text=Clear');
  await page.setInputFiles('[data-testid=file-input]', zipOf(path.join(env.tmp, 'evil-only.zip'), { '../x.yaml': CM('x') }));
  await page.locator('.notice').first().waitFor();
  assert.match(await page.locator('.notice').first().textContent(), /not even its 0 safe entries/);
  assert.equal(await page.locator('[data-testid=load-safe]').count(), 0, 'nothing safe to offer');
});

test('zips: each entry left out is a PATH_NOT_READ finding in the report view and both report downloads', async (t) => {
  const page = await open(env, t);
  const zip = zipOf(path.join(env.tmp, 'mixed-report.zip'), {
    'ok.yaml': CM('ok'), '../../etc/evil.yaml': CM('evil'), '/abs.yaml': CM('abs'),
  });
  await page.click('#tab-repo');
  await page.setInputFiles('[data-testid=file-input]', zip);
  await page.click('[data-testid=load-safe]');
  await page.waitForSelector('[data-testid=file-tree] [data-path="ok.yaml"]');
  await page.click('#tab-report');
  const shown = await page.locator('#panel-report tr[data-code=PATH_NOT_READ]').allTextContents();
  assert.equal(shown.length, 2, `one row per entry left out: ${shown}`);
  assert.ok(shown.some((r) => r.includes('../../etc/evil.yaml') && r.includes('mixed-report.zip')), shown.join('\n'));
  assert.ok(shown.some((r) => r.includes('/abs.yaml')), shown.join('\n'));
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('text=Download JSON')]);
  const json = JSON.parse(fs.readFileSync(await dl.path(), 'utf8'));
  const nr = json.findings.filter((f) => f.code === 'PATH_NOT_READ').map((f) => [f.file, f.message]);
  assert.deepEqual(nr.map(([f]) => f).sort(), ['../../etc/evil.yaml', '/abs.yaml'].sort());
  for (const [, m] of nr) assert.match(m, /^entry of mixed-report\.zip, left out as unsafe \(.+\): not read, so it is not in the output$/);
  assert.equal(json.counts.by_code.PATH_NOT_READ, 2);
  const [md] = await Promise.all([page.waitForEvent('download'), page.click('text=Download Markdown')]);
  const text = fs.readFileSync(await md.path(), 'utf8');
  assert.ok(text.includes('PATH_NOT_READ') && text.includes('evil.yaml') && text.includes('abs.yaml'), text.slice(0, 2000));
});

test('zips: a safe zip has no PATH_NOT_READ finding (the clean twin)', async (t) => {
  const page = await open(env, t);
  await page.click('#tab-repo');
  await page.setInputFiles('[data-testid=file-input]', zipOf(path.join(env.tmp, 'clean.zip'), { 'ok.yaml': CM('ok') }));
  await page.waitForSelector('[data-testid=file-tree] [data-path="ok.yaml"]');
  await page.click('#tab-report');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('text=Download JSON')]);
  const json = JSON.parse(fs.readFileSync(await dl.path(), 'utf8'));
  assert.equal(json.findings.filter((f) => f.code === 'PATH_NOT_READ').length, 0);
});
