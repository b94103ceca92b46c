import type { CliCommand } from './command.js';
import { loadConfig, EXIT_CONFIG } from '../../config/load.js';
import { listBackups } from '../../backup/catalog.js';
import { formatTable, summarise } from '../../backup/summary.js';

export const backupsCommand: CliCommand = {
  name: 'backups',
  summary: 'list backups with size, age, release and restore-drill result',
  usage: 'molt backups [--json]',
  help: [
    'Reads MOLT_BACKUP_DIR directly (works while the supervisor is down), newest first.',
    'With --json prints { "backups": [ { id, createdAt, ageMs, sizeBytes, releaseSha, trigger, actor, files, drill, error? } ] }.',
    'Exit codes: 0 ok, 64 unknown option, 78 configuration invalid.',
  ].join('\n'),
  async run(args, env) {
    const bad = args.filter((a) => a !== '--json');
    if (bad.length) {
      process.stderr.write(`molt backups: unknown argument ${JSON.stringify(bad[0])}: expected only --json\n`);
      return 64;
    }
    const r = loadConfig(env);
    if (!r.ok) {
      for (const p of r.problems) process.stderr.write(`molt: config: ${p}\n`);
      return EXIT_CONFIG;
    }
    const now = Date.now();
    const rows = (await listBackups(r.config.backupDir)).map((e) => summarise(e, now));
    if (args.includes('--json')) process.stdout.write(JSON.stringify({ backups: rows }, null, 2) + '\n');
    else process.stdout.write(`${formatTable(rows)}\n`);
    return 0;
  },
};
