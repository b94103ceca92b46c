import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VARS } from '../../src/config/schema.js';
import { ERROR_CODES } from '../../src/core/errors.js';
import type { VarSpec } from '../../src/config/fields.js';
import { ROOT } from '../helpers/paths.js';

const readme = () => readFile(join(ROOT, 'README.md'), 'utf8');

test('the README documents every environment variable with its default', async () => {
  const text = await readme();
  const missing = Object.values(VARS).map((v) => (v as VarSpec<unknown>).env).filter((env) => !text.includes(`| \`${env}\` |`));
  assert.deepEqual(missing, [], 'variables missing from the README configuration table (regenerate with `molt config --markdown`)');
});

test('the README documents every MOLT_E_* error code', async () => {
  const text = await readme();
  const missing = Object.keys(ERROR_CODES).filter((code) => !text.includes(`| \`${code}\` |`));
  assert.deepEqual(missing, [], 'error codes missing from the README error table');
});

test('every MOLT_E_* code used in the source is a declared code', async () => {
  const { readdir } = await import('node:fs/promises');
  const files = (await readdir(join(ROOT, 'src'), { recursive: true })).filter((f) => f.endsWith('.ts'));
  const used = new Set<string>();
  for (const f of files) for (const m of (await readFile(join(ROOT, 'src', f), 'utf8')).matchAll(/'(MOLT_E_[A-Z_]+)'/g)) used.add(m[1]);
  const undeclared = [...used].filter((c) => !(c in ERROR_CODES));
  assert.deepEqual(undeclared, [], 'codes used but not declared in src/core/errors.ts');
});

test('the README shows the quick start and the test command', async () => {
  const text = await readme();
  assert.match(text, /npm ci && npm start/);
  assert.match(text, /npm test/);
});
