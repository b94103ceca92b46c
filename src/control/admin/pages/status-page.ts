import { html, Raw, short, fmtTime } from './html.js';
import type { StatusJson } from '../status-view.js';

function extra(title: string, value: unknown, key: string): Raw {
  if (value === null || value === undefined) return html``;
  const rows = typeof value === 'object' ? Object.entries(value as Record<string, unknown>) : [['value', value] as [string, unknown]];
  return html`<section class="card" data-extra="${key}"><h2>${title}</h2><dl class="kv">${rows.map(
    ([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}</dd>`,
  )}</dl></section>`;
}

/** Status: current release, app state, and the live progress of a running update (filled by console.js via SSE). */
export function statusPage(s: StatusJson, op: string | undefined): Raw {
  const appState = s.app.up ? 'up' : s.state;
  return html`<h1>Status</h1>
<div class="grid">
<section class="card"><h2>Current release</h2>
<p class="sha-line"><code data-current-sha="${s.currentSha ?? ''}" id="current-sha">${short(s.currentSha)}</code> <span id="current-subject">${s.currentSubject ?? (s.engine ? 'unknown' : 'update engine not configured')}</span></p>
<dl class="kv"><dt>Author</dt><dd id="current-author">${s.currentAuthor ?? '—'}</dd><dt>Committed</dt><dd id="current-date">${fmtTime(s.currentDate)}</dd></dl></section>
<section class="card"><h2>App</h2>
<p><span class="badge ${s.app.up ? 'ok' : 'warn'}" id="app-state">${appState}</span></p>
<dl class="kv"><dt>PID</dt><dd id="app-pid">${s.app.pid ?? '—'}</dd><dt>Up since</dt><dd id="app-since" data-since="${s.app.since ?? ''}">${fmtTime(s.app.since)}</dd>
<dt>Uptime</dt><dd id="app-uptime">—</dd><dt>Restarts</dt><dd id="app-restarts">${s.app.restarts}</dd></dl></section>
</div>
<section class="card" id="operation" data-op="${op ?? ''}" ${s.update ? html`data-running="${String(s.update.id)}"` : html`hidden`}>
<h2><span id="op-title">${s.update ? `${s.update.kind === 'rollback' ? 'Rollback' : 'Update'} #${s.update.id}` : 'Update'}</span>
<span class="badge" id="op-outcome">${s.update ? 'running' : ''}</span></h2>
<p class="muted" id="op-target">${s.update ? `${short(s.update.fromSha)} → ${short(s.update.toSha)}` : ''}</p>
<table class="steps"><thead><tr><th>Step</th><th>Status</th><th>Elapsed</th></tr></thead><tbody id="op-steps">
${s.update ? html`<tr data-step="${s.update.step}" data-started="${Date.now()}"><td>${s.update.step}</td><td><span class="badge run">started</span></td><td class="elapsed">…</td></tr>` : ''}
</tbody></table><p class="error" id="op-error" hidden></p></section>
${extra('Probation', s.probation, 'probation')}${extra('Automatic updates', s.autoUpdate, 'autoUpdate')}${extra('Canary', s.canary, 'canary')}`;
}
