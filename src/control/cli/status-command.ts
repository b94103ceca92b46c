import { parseArgs } from 'node:util';
import type { CliCommand } from './command.js';
import { AdminClient, CLIENT_EXIT, ClientExit, runClient } from './admin-client.js';
import { short, ms } from './table.js';
import type { StatusJson } from '../admin/status-view.js';

export const EXIT_CODES_HELP = 'Exit status: 0 ok, 1 the operation rolled back or failed, 2 refused by the API (invalid input, conflict),\n3 supervisor unreachable or internal error, 4 wrong/missing token, 64 usage error, 78 configuration error.';

export interface ParsedFlags {
  values: { [k: string]: string | boolean | undefined };
  positionals: string[];
}

export function parseFlags(args: string[], options: Record<string, { type: 'string' | 'boolean'; short?: string }>, positionals = 0): ParsedFlags {
  try {
    const r = parseArgs({ args, options, strict: true, allowPositionals: positionals > 0 });
    if (r.positionals.length > positionals) throw new Error(`unexpected argument "${r.positionals[positionals]}"`);
    return r;
  } catch (err) {
    throw new ClientExit(CLIENT_EXIT.USAGE, (err as Error).message);
  }
}

export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'show the running release, app state and any update in progress',
  usage: 'molt status [--json]',
  help: `Asks the running supervisor (MOLT_ADMIN_URL, token MOLT_ADMIN_TOKEN or data/admin-token).\n--json prints GET /api/status unchanged.\n${EXIT_CODES_HELP}`,
  run: (args, env) =>
    runClient('status', async () => {
      const { values } = parseFlags(args, { json: { type: 'boolean' } });
      const client = await AdminClient.fromEnv(env);
      const s = await client.get<StatusJson>('/api/status');
      if (values.json) {
        process.stdout.write(JSON.stringify(s, null, 2) + '\n');
        return 0;
      }
      const lines = [
        `state     ${s.state}`,
        `release   ${short(s.currentSha)} ${s.currentSubject ?? ''}`.trimEnd(),
        `app       ${s.app.up ? `up (pid ${s.app.pid}, ${ms(s.app.since ? Date.now() - Date.parse(s.app.since) : null)})` : 'down'}, ${s.app.restarts} restarts`,
      ];
      if (s.update) lines.push(`update    #${s.update.id} ${s.update.kind} ${short(s.update.fromSha)} -> ${short(s.update.toSha)}, step ${s.update.step}`);
      for (const [k, v] of [['probation', s.probation], ['auto', s.autoUpdate], ['canary', s.canary]] as const) if (v !== null && v !== undefined) lines.push(`${k.padEnd(9)} ${summary(v)}`);
      process.stdout.write(lines.join('\n') + '\n');
      return 0;
    }),
};

// Provider objects are open-ended: show their scalar fields as key=value (the full object is in --json).
function summary(v: unknown): string {
  if (typeof v !== 'object' || v === null) return String(v);
  return Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== null && typeof x !== 'object')
    .map(([k, x]) => `${k}=${typeof x === 'number' && k.endsWith('Ms') ? ms(x) : String(x)}`)
    .join(' ');
}
