import { formatDuration } from '../../core/duration.js';
import type { OperationError } from '../../update/api.js';
import type { UpdateCard } from './update-card.js';

/** Telegram rejects texts over 4096 characters; we stay below with room for markup. */
export const MAX_TEXT = 3900;
const SUBJECTS_SHOWN = 5;
const OUTPUT_LINES_SHOWN = 10;

export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 7) : '—';
}

/** `abc1234 Subject` with the sha in monospace. */
export function commitLine(sha: string | null, subject: string | null | undefined): string {
  return `<code>${shortSha(sha)}</code>${subject ? ` ${esc(oneLine(subject, 80))}` : ''}`;
}

export function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Keeps the end of a text (the newest lines matter most) within `max` characters. */
export function clipHead(text: string, max: number): string {
  return text.length <= max ? text : `…${text.slice(text.length - max + 1)}`;
}

const KIND_TITLE: Record<string, string> = { update: 'Update', rollback: 'Rollback', recovery: 'Recovery', restore: 'Restore', backup: 'Backup', drill: 'Restore drill' };
const STEP_ICON: Record<string, string> = { started: '⏳', done: '✅', skipped: '⏭', failed: '❌' };

export function outputTail(error: OperationError): string {
  const lines = (error.outputTail ?? []).slice(-OUTPUT_LINES_SHOWN).map((l) => oneLine(l, 200));
  return lines.length ? `\n<pre>${esc(clipHead(lines.join('\n'), 1500))}</pre>` : '';
}

/** The progress message of one operation: header, commits, per-step times, final state. */
export function renderCard(card: UpdateCard): string {
  const title = `${KIND_TITLE[card.kind] ?? card.kind} #${card.id}`;
  const o = card.outcome;
  const head =
    o.kind === 'running' ? `🔄 <b>${title}</b> running`
    : o.kind === 'succeeded' ? `✅ <b>${title} succeeded</b> in ${formatDuration(o.durationMs)}`
    : o.kind === 'rolled_back' ? `↩️ <b>${title} failed and was rolled back</b> (${formatDuration(o.durationMs)})`
    : `🚨 <b>CRITICAL: ${title} — rollback failed</b>`;
  const lines = [head];
  if (card.kind === 'rollback' && ['crash_loop', 'probation', 'recovery'].includes(card.trigger)) lines.push(`🚨 <b>Automatic rollback</b> (${esc(card.trigger.replace('_', ' '))})`);
  lines.push(`${commitLine(card.fromSha, null)} → ${commitLine(card.toSha || null, card.toSubject)}`);
  if (card.commits.length) {
    lines.push(`${card.commits.length} commit${card.commits.length === 1 ? '' : 's'}:`);
    for (const c of card.commits.slice(0, SUBJECTS_SHOWN)) lines.push(`• ${commitLine(c.sha, c.subject)}`);
    if (card.commits.length > SUBJECTS_SHOWN) lines.push(`• … and ${card.commits.length - SUBJECTS_SHOWN} more`);
  }
  lines.push(`Trigger: ${esc(card.trigger)} · actor: ${esc(card.actor)}`);
  if (card.steps.length) {
    lines.push('');
    for (const s of card.steps) {
      const time = s.durationMs !== undefined ? ` ${formatDuration(s.durationMs)}` : s.status === 'started' ? ' …' : '';
      lines.push(`${STEP_ICON[s.status] ?? '•'} ${esc(s.step)}${time}${s.detail ? ` <i>(${esc(oneLine(s.detail, 60))})</i>` : ''}`);
    }
  }
  if (o.kind === 'rolled_back') {
    lines.push('', `Failed step: <b>${esc(o.failedStep)}</b> · <code>${esc(o.error.code)}</code>`, esc(oneLine(o.error.message, 300)) + outputTail(o.error));
    lines.push(`The previous release ${commitLine(card.fromSha, null)} is running again.`);
  }
  if (o.kind === 'rollback_failed') {
    lines.push('', `<code>${esc(o.error.code)}</code>: ${esc(oneLine(o.error.message, 300))}${outputTail(o.error)}`);
  }
  return clip(lines.join('\n'));
}

/** Short line posted under the card when it reaches its final state (edits do not notify phones; this does). */
export function renderFinalNotice(card: UpdateCard): string {
  const title = `${KIND_TITLE[card.kind] ?? card.kind} #${card.id}`;
  const o = card.outcome;
  if (o.kind === 'succeeded') return `✅ ${title} to ${commitLine(card.toSha, card.toSubject)} succeeded in ${formatDuration(o.durationMs)}.`;
  if (o.kind === 'rolled_back') return `↩️ ${title} to ${commitLine(card.toSha, card.toSubject)} failed at <b>${esc(o.failedStep)}</b> (<code>${esc(o.error.code)}</code>); rolled back to <code>${shortSha(card.fromSha)}</code>.`;
  if (o.kind === 'rollback_failed') return `🚨 <b>CRITICAL</b>: ${title} could not be rolled back (<code>${esc(o.error.code)}</code>). The app may be down: check /status and the logs now.`;
  return '';
}

/** Severe conditions get a siren and the word CRITICAL so they stand out in a busy chat. */
export function renderAlert(severity: 'info' | 'warning' | 'critical', title: string, body: string): string {
  const mark = severity === 'critical' ? '🚨 <b>CRITICAL</b>' : severity === 'warning' ? '⚠️ <b>Warning</b>' : 'ℹ️';
  return clip(`${mark} — <b>${esc(title)}</b>\n${body}`);
}

export function clip(html: string): string {
  if (html.length <= MAX_TEXT) return html;
  // Cutting HTML could leave an open tag; fall back to plain escaped text.
  const plain = html.replace(/<[^>]+>/g, '');
  return plain.length <= MAX_TEXT ? plain : `${plain.slice(0, MAX_TEXT - 1).replace(/&[a-z#0-9]*$/i, '')}…`;
}
