import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveInstanceId } from '../../src/auto/instance-id.js';
import { isMoltError } from '../../src/core/errors.js';
import { tempDir } from '../helpers/tmp.js';

test('without MOLT_INSTANCE_ID a random id is generated once, persisted in data/instance-id and reused', async (t) => {
  const dataDir = join(await tempDir(t), 'data');
  const first = await resolveInstanceId({ dataDir });
  assert.equal(first.source, 'generated');
  assert.match(first.id, /^[0-9a-f]{24}$/);
  assert.equal((await readFile(join(dataDir, 'instance-id'), 'utf8')).trim(), first.id);
  const again = await resolveInstanceId({ dataDir });
  assert.deepEqual(again, { id: first.id, source: 'file' });
});

test('MOLT_INSTANCE_ID wins over the persisted id', async (t) => {
  const dataDir = await tempDir(t);
  await resolveInstanceId({ dataDir });
  assert.deepEqual(await resolveInstanceId({ configured: 'web-0', dataDir }), { id: 'web-0', source: 'env' });
});

test('an instance id with spaces or a corrupt id file is refused with MOLT_E_CONFIG naming the source', async (t) => {
  const dataDir = await tempDir(t);
  await assert.rejects(resolveInstanceId({ configured: 'web 0', dataDir }), (e) => isMoltError(e, 'MOLT_E_CONFIG') && e.message.includes('MOLT_INSTANCE_ID'));
  await writeFile(join(dataDir, 'instance-id'), 'bad id\n');
  await assert.rejects(resolveInstanceId({ dataDir }), (e) => isMoltError(e, 'MOLT_E_CONFIG') && e.message.includes('instance-id'));
});
