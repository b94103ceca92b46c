import { html, type Raw, short, fmtTime, fmtMs } from '../control/admin/pages/html.js';
import type { RestoreResult } from './restore.js';
import { formatAge, formatBytes, type BackupSummary } from './summary.js';

const drillBadge = (b: BackupSummary) =>
  b.error
    ? html`<span class="badge bad" title="${b.error}">damaged</span>`
    : b.drill
      ? b.drill.ok
        ? html`<span class="badge ok" title="${fmtTime(b.drill.checkedAt)}">ok</span>`
        : html`<span class="badge bad" title="${b.drill.problems.join('; ')}">failed</span>`
      : html`<span class="badge">not run</span>`;

/** Console page: backups newest first, "Back up now", and per backup a dry run and a confirmed restore. */
export function backupsPage(rows: BackupSummary[], csrf: string, now: number, flash?: string): Raw {
  return html`<h1>Backups</h1>
${flash ? html`<p class="card">${flash}</p>` : ''}
<section class="card"><form method="post" action="/ui/backups"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" id="backup-now">Back up now</button></form></section>
<section class="card"><table class="list backups"><thead><tr><th>Backup</th><th>Age</th><th>Size</th><th class="hide-sm">Release</th><th class="hide-sm">Trigger</th><th>Drill</th><th></th></tr></thead><tbody>
${rows.map(
  (b) => html`<tr data-id="${b.id}"><td><code>${b.id}</code></td><td>${formatAge(Math.max(0, now - Date.parse(b.createdAt)))}</td><td>${formatBytes(b.sizeBytes)}</td>
<td class="hide-sm"><code>${short(b.releaseSha)}</code></td><td class="hide-sm">${b.trigger ?? '—'}</td><td>${drillBadge(b)}</td>
<td>${b.error ? '' : html`<details class="confirm"><summary class="button danger">Restore…</summary><div class="confirm-body">
<p>Restoring <code>${b.id}</code> stops the app, takes a safety backup of the current state, puts this backup's database and files in place and health-gates the app.
If the restored state fails its health gate, molt goes back to the safety backup. <strong>Writes made since ${fmtTime(b.createdAt)} are replaced.</strong></p>
<form method="post" action="/ui/backups/${b.id}/restore"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="dryRun" value="true"><button type="submit" class="secondary">Dry run (verify only)</button></form>
<form method="post" action="/ui/backups/${b.id}/restore"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="dryRun" value="false"><button type="submit" class="danger" id="confirm-restore-${b.id}">Confirm restore</button></form>
</div></details>`}</td></tr>`,
)}</tbody></table>${rows.length ? '' : html`<p class="muted">No backups yet.</p>`}</section>`;
}

export function restoreResultPage(r: RestoreResult): Raw {
  const cls = r.outcome === 'succeeded' || r.outcome === 'verified' ? 'ok' : r.outcome === 'rolled_back' ? 'warn' : 'bad';
  return html`<h1>Restore of <code>${r.backupId}</code> <span class="badge ${cls}">${r.dryRun ? 'dry run: ' : ''}${r.outcome}</span></h1>
<section class="card"><dl class="kv"><dt>Taken</dt><dd>${fmtTime(r.backup.createdAt)}</dd><dt>Release</dt><dd><code>${short(r.backup.releaseSha)}</code> (running: <code>${short(r.currentReleaseSha)}</code>)</dd>
<dt>Verified</dt><dd>${r.verify.ok ? 'checksums, integrity_check and row counts ok' : r.verify.problems.join('; ')}</dd>
${r.safetyBackupId ? html`<dt>Safety backup</dt><dd><code>${r.safetyBackupId}</code></dd>` : ''}</dl></section>
<section class="card"><h2>${r.dryRun ? 'Would replace' : 'Replaced'}</h2><ul>${r.plan.map((p) => html`<li>${p.kind}: <code>${p.to}</code>${p.replaces ? '' : ' (new)'}</li>`)}</ul></section>
${r.steps.length ? html`<section class="card"><h2>Steps</h2><table class="steps"><tbody>${r.steps.map((s) => html`<tr><td>${s.step}</td><td><span class="badge ${s.status === 'failed' ? 'bad' : 'ok'}">${s.status}</span></td><td>${fmtMs(s.durationMs)}</td><td class="hide-sm">${s.detail ?? ''}</td></tr>`)}</tbody></table></section>` : ''}
${r.error ? html`<section class="card"><h2>Error <code>${r.error.code}</code></h2><p class="error">${r.error.message}</p></section>` : ''}
<p><a href="/backups">Back to backups</a></p>`;
}
