import { html, Raw, short, fmtTime, fmtMs } from './html.js';
import type { HistoryRow } from '../../../update/api.js';

export const KIND_TITLE: Record<string, string> = { update: 'Update', rollback: 'Rollback', recovery: 'Recovery', restore: 'Restore', backup: 'Backup', drill: 'Restore drill' };

function duration(r: HistoryRow): string {
  if (!r.finishedAt) return 'running';
  return fmtMs(new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime());
}

const outcomeClass = (o: string) => (o === 'succeeded' ? 'ok' : o === 'running' ? 'run' : o === 'rolled_back' ? 'warn' : 'bad');

/** History: every update and rollback with outcome, duration, trigger and actor. */
export function historyPage(rows: HistoryRow[]): Raw {
  return html`<h1>History</h1><section class="card"><table class="list history"><thead><tr><th>#</th><th>Kind</th><th>Release</th><th>Outcome</th><th class="hide-sm">Duration</th><th class="hide-sm">Trigger</th><th class="hide-sm">Actor</th><th class="hide-sm">Started</th></tr></thead><tbody>
${rows.map(
  (r) => html`<tr data-id="${String(r.id)}"><td><a href="/history/${String(r.id)}">${String(r.id)}</a></td><td>${r.kind}</td><td><code>${short(r.fromSha)}</code> → <code>${short(r.toSha)}</code></td>
<td><span class="badge ${outcomeClass(r.outcome)}">${r.outcome}</span></td><td class="hide-sm">${duration(r)}</td><td class="hide-sm">${r.trigger}</td><td class="hide-sm">${r.actor}</td><td class="hide-sm">${fmtTime(r.startedAt)}</td></tr>`,
)}</tbody></table>${rows.length ? '' : html`<p class="muted">No updates yet.</p>`}</section>`;
}

/** Details of one operation: step timings, error tail, and "Roll back to this release" stating the data rule. */
export function historyDetailPage(r: HistoryRow, currentSha: string | null, csrf: string): Raw {
  // A release this operation installed can be returned to; for the one running now, offer the release before it.
  const own = r.outcome === 'succeeded' && r.toSha !== null && r.toSha !== currentSha;
  const target = own ? r.toSha : r.fromSha !== null && r.fromSha !== currentSha ? r.fromSha : null;
  const targetSubject = own ? r.toSubject : r.fromSubject;
  const label = own ? 'Roll back to this release' : 'Roll back to the release before this one';
  const canRollBack = target !== null && r.outcome !== 'running';
  return html`<h1>${KIND_TITLE[r.kind] ?? 'Operation'} #${String(r.id)} <span class="badge ${outcomeClass(r.outcome)}">${r.outcome}</span></h1>
<section class="card"><dl class="kv"><dt>From</dt><dd><code>${short(r.fromSha)}</code> ${r.fromSubject ?? ''}</dd><dt>To</dt><dd><code>${short(r.toSha)}</code> ${r.toSubject ?? ''}</dd>
<dt>Trigger</dt><dd>${r.trigger}</dd><dt>Actor</dt><dd>${r.actor}</dd><dt>Started</dt><dd>${fmtTime(r.startedAt)}</dd><dt>Duration</dt><dd>${duration(r)}</dd></dl></section>
<section class="card"><h2>Steps</h2><table class="steps"><thead><tr><th>Step</th><th>Status</th><th>Duration</th><th class="hide-sm">Detail</th></tr></thead><tbody>
${r.steps.map((s) => html`<tr><td>${s.step}</td><td><span class="badge ${s.status === 'failed' ? 'bad' : s.status === 'done' ? 'ok' : ''}">${s.status}</span></td><td>${fmtMs(s.durationMs)}</td><td class="hide-sm">${s.detail ?? ''}</td></tr>`)}
</tbody></table></section>
${r.error ? html`<section class="card"><h2>Error <code>${r.error.code}</code></h2><p class="error">${r.error.message}${r.error.step ? ` (step ${r.error.step})` : ''}</p>${r.error.outputTail?.length ? html`<pre class="tail">${r.error.outputTail.join('\n')}</pre>` : ''}</section>` : ''}
${canRollBack ? html`<section class="card"><details class="confirm"><summary class="button danger" id="rollback">${label}</summary><div class="confirm-body">
<p>Roll back to <code>${short(target)}</code> ${targetSubject ?? ''}. Code and dependencies of that release are restored.</p>
<p><strong>Data rule:</strong> the database is migrated <em>down</em> with the newer releases' down migrations, so data written since then is kept.
If a down migration is missing the rollback is refused — unless you force it, which restores the database backup taken when this release was replaced and <strong>discards every write made since</strong>.</p>
<form method="post" action="/ui/rollback"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="sha" value="${target}">
<label class="check"><input type="checkbox" name="force" value="1"> Force: restore the backup and discard newer data</label>
<button type="submit" class="danger" id="confirm-rollback">Confirm rollback to ${short(target)}</button></form></div></details></section>` : ''}`;
}
