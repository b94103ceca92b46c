import type { CatalogEntry } from './catalog.js';

/** One backup as `molt backups --json` and `GET /api/backups` show it (same field names in both). */
export interface BackupSummary {
  id: string;
  createdAt: string;
  ageMs: number;
  sizeBytes: number;
  releaseSha: string | null;
  trigger: string | null;
  actor: string | null;
  files: number;
  drill: { ok: boolean; checkedAt: string; problems: string[] } | null;
  /** Set when the manifest cannot be read: the artifact is damaged. */
  error?: string;
}

export function summarise(e: CatalogEntry, nowMs: number): BackupSummary {
  const m = e.manifest;
  return {
    id: e.id,
    createdAt: new Date(e.createdAtMs).toISOString(),
    ageMs: Math.max(0, nowMs - e.createdAtMs),
    sizeBytes: m?.totalBytes ?? 0,
    releaseSha: m?.releaseSha ?? null,
    trigger: m?.trigger ?? null,
    actor: m?.actor ?? null,
    files: m?.files.length ?? 0,
    drill: e.drill ? { ok: e.drill.ok, checkedAt: e.drill.checkedAt, problems: e.drill.problems } : null,
    ...(e.error ? { error: e.error } : {}),
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1073741824) return `${(n / 1048576).toFixed(1)} MiB`;
  return `${(n / 1073741824).toFixed(2)} GiB`;
}

export function formatAge(ms: number): string {
  const m = Math.floor(ms / 60_000);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  return `${Math.floor(h / 24)}d${h % 24 ? `${h % 24}h` : ''}`;
}

/** Plain table for `molt backups`, newest first. */
export function formatTable(rows: BackupSummary[]): string {
  if (!rows.length) return 'no backups yet';
  const head = ['ID', 'AGE', 'SIZE', 'RELEASE', 'TRIGGER', 'DRILL'];
  const body = rows.map((r) => [
    r.id,
    formatAge(r.ageMs),
    formatBytes(r.sizeBytes),
    r.releaseSha?.slice(0, 7) ?? '-',
    r.trigger ?? '-',
    r.error ? 'DAMAGED' : r.drill ? (r.drill.ok ? 'ok' : `FAILED: ${r.drill.problems[0] ?? ''}`) : 'not run',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body].map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}
