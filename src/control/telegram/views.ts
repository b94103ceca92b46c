import { formatDuration } from '../../core/duration.js';
import type { CommitInfo, HistoryRow, PendingReleases, RunningOperation } from '../../update/api.js';
import type { AppView } from './types.js';
import type { PendingAction } from './confirmations.js';
import { clip, clipHead, commitLine, esc, MAX_TEXT, oneLine, shortSha } from './render.js';

export const HELP = [
  '<b>molt bot</b> — commands (admins only):',
  '/status — running release, app state, operation in progress, pending commits',
  '/history [n] — last n operations (default 5, at most 20)',
  '/update [ref] — update to the branch tip or to a ref/sha (asks for confirmation)',
  '/rollback &lt;sha&gt; [force] — go back to an earlier release (asks for confirmation)',
  '/logs [n] — last n app log lines (default 20, at most 100)',
  '/help — this list',
  '',
  'In groups address commands to the bot, e.g. /status@botname. Restoring backups is not offered in chat: use the web console or the CLI.',
].join('\n');

const OUTCOME_ICON: Record<string, string> = { running: '🔄', succeeded: '✅', rolled_back: '↩️', failed: '❌', refused: '🚫' };

export interface StatusInput {
  current: CommitInfo | null;
  running: RunningOperation | null;
  app: ReturnType<AppView['status']>;
  pending: PendingReleases | { error: string } | null;
  pinned: { sha: string; reason: string }[];
  now: number;
}

export function renderStatus(s: StatusInput): string {
  const lines = ['<b>molt status</b>'];
  lines.push(`Release: ${s.current ? `${commitLine(s.current.sha, s.current.subject)} (${esc(s.current.author)})` : 'unknown (no committed release yet)'}`);
  const a = s.app;
  const app =
    a.up ? `🟢 up (pid ${a.pid}${a.since !== null ? `, for ${formatDuration(s.now - a.since)}` : ''})`
    : a.state.kind === 'backoff' ? `🟠 restarting (backoff ${formatDuration(a.state.delayMs ?? 0)})`
    : a.state.kind === 'held' ? `🟡 held (${esc(a.state.reason ?? 'hold')})`
    : `🔴 ${esc(a.state.kind)}`;
  lines.push(`App: ${app} · restarts: ${a.restarts}`);
  if (s.running) {
    const r = s.running;
    lines.push(`Operation: 🔄 ${esc(r.kind)} #${r.id} at <b>${esc(r.step)}</b> (${shortSha(r.fromSha)} → ${shortSha(r.toSha)})`);
  } else lines.push('Operation: none');
  if (s.pending && 'error' in s.pending) lines.push(`Pending: unknown (${esc(oneLine(s.pending.error, 120))})`);
  else if (s.pending) {
    const n = s.pending.commits.length;
    lines.push(n ? `Pending: ${n} new commit${n === 1 ? '' : 's'} on ${esc(s.pending.branch)} up to ${commitLine(s.pending.targetSha, s.pending.commits[0]?.subject)} — /update` : `Pending: up to date with ${esc(s.pending.branch)}`);
  }
  for (const p of s.pinned.slice(0, 5)) lines.push(`📌 pinned <code>${shortSha(p.sha)}</code>: ${esc(oneLine(p.reason, 80))}`);
  return clip(lines.join('\n'));
}

export function renderHistory(rows: HistoryRow[]): string {
  if (!rows.length) return 'No operations recorded yet.';
  const lines = ['<b>History</b> (newest first)'];
  for (const r of rows) {
    const when = r.startedAt.replace('T', ' ').slice(0, 16);
    lines.push(
      `${OUTCOME_ICON[r.outcome] ?? '•'} #${r.id} ${esc(r.kind)} ${esc(r.outcome)} · ${esc(when)} UTC\n` +
        `   ${commitLine(r.fromSha, null)} → ${commitLine(r.toSha, r.toSubject)}\n` +
        `   ${esc(r.trigger)} · ${esc(r.actor)}${r.error ? ` · <code>${esc(r.error.code)}</code>${r.error.step ? ` at ${esc(r.error.step)}` : ''}` : ''}`,
    );
  }
  return clip(lines.join('\n'));
}

/** App log lines in a <pre> block: escaped, each line capped, newest kept when the message would be too long. */
export function renderLogs(lines: { time: number; stream: string; line: string }[], asked: number): string {
  if (!lines.length) return 'No app log lines captured yet.';
  const body = lines.map((l) => `${new Date(l.time).toISOString().slice(11, 19)}${l.stream === 'stderr' ? ' !' : '  '} ${oneLine(l.line, 300)}`).join('\n');
  const head = `<b>Last ${lines.length} of ${asked} requested app log lines</b> (UTC, ! = stderr)\n`;
  return `${head}<pre>${esc(clipHead(body, MAX_TEXT - head.length - 200))}</pre>`;
}

export const DATA_RULE =
  'Data rule: the down migrations of the newer release run to bring the database back. If one is missing the rollback is refused — unless forced, which restores the database backup taken with that release and discards data written since.';

export function renderPrompt(a: PendingAction, current: CommitInfo | null, requester: string, ttlMs: number, extra: string[] = []): string {
  const target = `${commitLine(a.sha, a.subject)}\nby ${esc(a.author)}`;
  const lines =
    a.kind === 'update'
      ? [`<b>Update${a.ref ? ` to ${esc(a.ref)}` : ''}?</b>`, `Target: ${target}`, `From: ${current ? commitLine(current.sha, current.subject) : 'unknown'}`, ...extra]
      : [
          `<b>Roll back${a.force ? ' (FORCED)' : ''}?</b>`,
          `Target: ${target}`,
          `From: ${current ? commitLine(current.sha, current.subject) : 'unknown'}`,
          '',
          esc(DATA_RULE),
          ...(a.force ? ['', '⚠️ <b>Forced</b>: if a down migration is missing, data written since that release is <b>discarded</b>.'] : []),
        ];
  lines.push('', `Only ${esc(requester)} can confirm; expires in ${formatDuration(ttlMs)}.`);
  return clip(lines.join('\n'));
}

export function pendingCommitLines(p: PendingReleases): string[] {
  const out = [`${p.commits.length} commit${p.commits.length === 1 ? '' : 's'}${p.lockfileChanged ? ' · dependencies change' : ''}${p.migrationsChanged ? ' · migrations change' : ''}`];
  for (const c of p.commits.slice(0, 5)) out.push(`• ${commitLine(c.sha, c.subject)}`);
  if (p.commits.length > 5) out.push(`• … and ${p.commits.length - 5} more`);
  return out;
}

export function badArgs(problem: string): string {
  return `❌ Bad argument — ${esc(problem)}`;
}
