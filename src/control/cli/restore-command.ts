import type { CliCommand } from './command.js';
import { AdminClient, CLIENT_EXIT, ClientExit, runClient } from './admin-client.js';
import { isBackupId } from '../../backup/manifest.js';
import type { RestoreResult } from '../../backup/restore.js';
import { formatBytes } from '../../backup/summary.js';

function describe(r: RestoreResult): string {
  const lines = [
    `backup ${r.backupId}  taken ${r.backup.createdAt}  release ${r.backup.releaseSha?.slice(0, 7) ?? '-'} (now ${r.currentReleaseSha?.slice(0, 7) ?? '-'})  ${formatBytes(r.backup.totalBytes)}`,
    `artifact verified: ${r.verify.ok ? 'checksums, integrity_check and row counts ok' : r.verify.problems.join('; ')}`,
    r.dryRun ? 'would replace:' : 'replaced:',
    ...r.plan.map((p) => `  ${p.kind.padEnd(6)} ${p.to}${p.replaces ? '' : ' (new)'}`),
  ];
  if (!r.dryRun) {
    lines.push(`outcome: ${r.outcome}${r.safetyBackupId ? `  (safety backup of the previous state: ${r.safetyBackupId})` : ''}`);
    if (r.error) lines.push(`error: ${r.error.code}: ${r.error.message}`);
  }
  return lines.join('\n');
}

export const restoreCommand: CliCommand = {
  name: 'restore',
  summary: 'restore a backup through the running supervisor (safety backup first, health-gated)',
  usage: 'molt restore <backup-id> [--dry-run] [--json]',
  help: [
    'Asks the running supervisor (MOLT_ADMIN_URL, token from MOLT_ADMIN_TOKEN or data/admin-token) to restore a backup:',
    'stop the app, take a safety backup, restore, start, health-gate; if the gate fails it goes back to the safety backup.',
    '--dry-run verifies the artifact (checksums, integrity_check, row counts) and shows what would be replaced; changes nothing.',
    '--json prints the API result as JSON.',
    'Exit codes: 0 restored (or verified), 1 restore ran but did not succeed (rolled back to the safety backup, failed),',
    '2 refused (unknown or damaged backup, update in progress), 3 supervisor unreachable, 4 auth, 64 usage, 78 config.',
  ].join('\n'),
  async run(args, env) {
    return runClient('restore', async () => {
      const ids = args.filter((a) => !a.startsWith('-'));
      const unknown = args.filter((a) => a.startsWith('-') && a !== '--dry-run' && a !== '--json');
      if (unknown.length || ids.length !== 1) {
        throw new ClientExit(CLIENT_EXIT.USAGE, `${unknown.length ? `unknown option ${unknown[0]}` : 'expected exactly one backup id'}; usage: molt restore <backup-id> [--dry-run] [--json] (ids: \`molt backups\`)`);
      }
      if (!isBackupId(ids[0])) throw new ClientExit(CLIENT_EXIT.USAGE, `backup id ${JSON.stringify(ids[0])}: expected an id like 20261126T030000Z-1a2b (see \`molt backups\`)`);
      const client = await AdminClient.fromEnv(env);
      const dryRun = args.includes('--dry-run');
      const res = await client.request<RestoreResult>('POST', `/api/backups/${ids[0]}/restore`, { dryRun });
      const r = res.body;
      process.stdout.write((args.includes('--json') ? JSON.stringify(r, null, 2) : describe(r)) + '\n');
      return r.outcome === 'succeeded' || r.outcome === 'verified' ? CLIENT_EXIT.OK : CLIENT_EXIT.OUTCOME_FAILED;
    });
  },
};
