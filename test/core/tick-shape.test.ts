import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, fixture } from '../helpers/paths.js';

const run = promisify(execFile);
const KEEPER = join(ROOT, 'dist/src/core/tick-shape.js');

interface Probe { keeper: boolean; sameBefore: boolean | null; sameAfter: boolean | null; megamorphic: number; literalSlots: number }

// The probe reads V8's own feedback (natives syntax): deterministic, no timing involved.
async function probe(module: string): Promise<Probe> {
  const { stdout } = await run(process.execPath, ['--allow-natives-syntax', '--expose-gc', fixture('tick-shape-probe.mjs'), module]);
  const feedback = stdout.slice(stdout.indexOf('--feedback--'));
  const slots = feedback.split('\n').filter((line) => line.includes('DefineKeyedOwnPropertyInLiteral'));
  const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Omit<Probe, 'megamorphic' | 'literalSlots'>;
  return { ...result, literalSlots: slots.length, megamorphic: slots.filter((line) => line.includes('MEGAMORPHIC')).length };
}

test('the kept object has exactly the hidden class of a queued tick, before and after full GCs', async () => {
  const withKeeper = await probe(KEEPER);
  assert.equal(withKeeper.keeper, true, 'this Node builds ticks the way tick-shape.ts expects');
  assert.equal(withKeeper.sameBefore, true);
  assert.equal(withKeeper.sameAfter, true);
});

test("nextTick's tick literal stays monomorphic across full GCs taken while no tick is queued", async (t) => {
  const withKeeper = await probe(KEEPER);
  assert.ok(withKeeper.literalSlots >= 4, 'nextTick defines its tick properties through literal feedback slots (4 on Node 20, 5 on 22)');
  assert.equal(withKeeper.megamorphic, 0);
  const control = await probe('none');
  if (control.megamorphic === 0) t.diagnostic('this Node no longer loses the tick shape on GC; the keeper is harmless');
  else assert.equal(control.megamorphic, control.literalSlots - 1, 'without the keeper the same GCs turn every definition after the first megamorphic');
});
