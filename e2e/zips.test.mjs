// e2e tests of a zip that an unsafe entry path kept out (issue 16): the notice offers
// "load the N safe entries", which loads exactly those and names each entry left out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
