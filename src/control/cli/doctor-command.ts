import { parseArgs } from 'node:util';
import type { CliCommand } from './command.js';
import { parseDuration } from '../../core/duration.js';
import { runDoctor } from '../../auto/doctor/run-doctor.js';
import type { CheckResult } from '../../auto/doctor/checks.js';

const MARK: Record<CheckResult['status'], string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

function line(r: CheckResult): string {
  return `${MARK[r.status]} ${r.check}: ${r.detail}${r.status === 'fail' || r.status === 'warn' ? (r.fix ? ` — fix: ${r.fix}` : '') : ''}`;
}

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'check the setup: config, git remote and auth, working tree, data dir, disk, node/npm, tini, signing',
  usage: 'molt doctor [--json] [--timeout DUR]',
  help: [
    'Runs every check without a running supervisor and prints one line per check: ✓ ok, ✗ failed (with what to do),',
    '! warning, - skipped. --json prints one JSON object per check ({check, status, detail, fix}) instead.',
    '--timeout bounds the remote check (git ls-remote), default 15s.',
    '',
    'Exit status: 0 when no check failed, 1 when any check failed, 64 for bad options.',
  ].join('\n'),
  async run(args, env) {
    let values: { json?: boolean; timeout?: string };
    try {
      values = parseArgs({ args, options: { json: { type: 'boolean' }, timeout: { type: 'string' } }, strict: true, allowPositionals: false }).values;
    } catch (err) {
      process.stderr.write(`molt doctor: ${(err as Error).message}\nusage: ${this.usage}\n`);
      return 64;
    }
    const timeoutMs = values.timeout === undefined ? 15_000 : parseDuration(values.timeout);
    if (timeoutMs === undefined || timeoutMs < 100) {
      process.stderr.write(`molt doctor: --timeout ${JSON.stringify(values.timeout)}: expected a duration like 5s or 30s (at least 100ms)\n`);
      return 64;
    }
    const results = await runDoctor(env, {
      timeoutMs,
      onResult: (r) => process.stdout.write((values.json ? JSON.stringify(r) : line(r)) + '\n'),
    });
    const failed = results.filter((r) => r.status === 'fail').length;
    if (!values.json) process.stdout.write(failed ? `${failed} check(s) failed\n` : 'all checks passed\n');
    return failed ? 1 : 0;
  },
};
