import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CliCommand } from './command.js';
import { loadConfig, EXIT_CONFIG } from '../../config/load.js';
import { HistoryStore, HISTORY_DB } from '../../store/history-db.js';
import type { HistoryRow } from '../../update/api.js';
import { table, short, ms } from './table.js';

const FIELDS = ['id', 'trigger', 'actor', 'fromSha', 'toSha', 'fromSubject', 'toSubject', 'outcome', 'startedAt', 'finishedAt', 'steps', 'error'] as const;

/** The admin API's field names, in its order (plus kind/details when present). */
export function historyJson(r: HistoryRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) out[f] = r[f];
  out.kind = r.kind;
  if (r.details) out.details = r.details;
  return out;
}

export const historyCommand: CliCommand = {
  name: 'history',
  summary: 'list updates, rollbacks and recoveries (reads data/molt.db directly)',
  usage: 'molt history [--json] [--limit N] [--app-dir DIR] [--data-dir DIR]',
  help: [
    'Reads the history database in the data dir (MOLT_DATA_DIR, default <MOLT_APP_DIR>/data); works whether or not',
    'a supervisor is running. --json prints an array of rows with the admin API field names:',
    `${FIELDS.join(', ')}.`,
    'Exit status: 0 ok, 64 usage error, 78 configuration error.',
  ].join('\n'),
  async run(args, env) {
    let values: Record<string, string | boolean | undefined>;
    try {
      values = parseArgs({ args, options: { json: { type: 'boolean' }, limit: { type: 'string' }, 'app-dir': { type: 'string' }, 'data-dir': { type: 'string' } }, strict: true, allowPositionals: false }).values;
    } catch (err) {
      process.stderr.write(`molt history: ${(err as Error).message}\nusage: ${this.usage}\n`);
      return 64;
    }
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      process.stderr.write(`molt history: --limit ${JSON.stringify(values.limit)}: expected an integer from 1 to 10000\n`);
      return 64;
    }
    const loaded = loadConfig(env, { MOLT_APP_DIR: values['app-dir'] as string | undefined, MOLT_DATA_DIR: values['data-dir'] as string | undefined });
    if (!loaded.ok) {
      for (const p of loaded.problems) process.stderr.write(`molt: config: ${p}\n`);
      return EXIT_CONFIG;
    }
    const { dataDir } = loaded.config;
    let rows: HistoryRow[] = [];
    if (existsSync(join(dataDir, HISTORY_DB))) {
      const store = HistoryStore.open(dataDir, { readonly: true });
      try {
        rows = store.history(limit);
      } finally {
        store.close();
      }
    }
    if (values.json) {
      process.stdout.write(JSON.stringify(rows.map(historyJson), null, 2) + '\n');
      return 0;
    }
    if (!rows.length) {
      process.stdout.write(`no updates recorded in ${join(dataDir, HISTORY_DB)}\n`);
      return 0;
    }
    const dur = (r: HistoryRow) => (r.finishedAt ? ms(Date.parse(r.finishedAt) - Date.parse(r.startedAt)) : '-');
    process.stdout.write(
      table(
        ['id', 'when', 'kind', 'trigger', 'actor', 'from', 'to', 'outcome', 'took', 'detail'],
        rows.map((r) => [String(r.id), r.startedAt.replace('T', ' ').slice(0, 19), r.kind, r.trigger, r.actor, short(r.fromSha), short(r.toSha), r.outcome, dur(r), r.error ? `${r.error.code}${r.error.step ? ` at ${r.error.step}` : ''}: ${r.error.message.slice(0, 80)}` : r.toSubject ?? '']),
      ) + '\n',
    );
    return 0;
  },
};
