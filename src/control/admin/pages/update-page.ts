import { html, Raw, short, fmtTime } from './html.js';
import type { PendingReleases } from '../../../update/api.js';

/** Update: the changelog up to the remote tip, what changes besides code, and "Update now" behind a confirmation. */
export function updatePage(p: PendingReleases | { error: string }, csrf: string, running: boolean, demo: boolean): Raw {
  const demoBox = demo
    ? html`<section class="card demo"><h2>Demo releases</h2><p class="muted">Push a new commit to the demo remote, then update to it.</p>
<form method="post" action="/ui/demo-release" class="inline"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="kind" value="good"><button type="submit" id="demo-good">Publish a good release</button></form>
<form method="post" action="/ui/demo-release" class="inline"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="kind" value="broken"><button type="submit" class="danger" id="demo-broken">Publish a broken release</button></form></section>`
    : '';
  if ('error' in p) return html`<h1>Update</h1><section class="card"><p class="error">${p.error}</p></section>${demoBox}`;
  const rows = p.commits.map(
    (c) => html`<tr data-sha="${c.sha}"><td><code>${short(c.sha)}</code></td><td>${c.subject}</td><td class="hide-sm">${c.author}</td><td class="hide-sm">${fmtTime(c.date)}</td></tr>`,
  );
  const changes = html`<p>
<span class="badge ${p.lockfileChanged ? 'warn' : 'ok'}" id="deps-change">${p.lockfileChanged ? 'dependencies change (npm ci will run)' : 'dependencies unchanged'}</span>
<span class="badge ${p.migrationsChanged ? 'warn' : 'ok'}" id="migrations-change">${p.migrationsChanged ? 'migrations change' : 'no new migrations'}</span></p>`;
  const action = p.commits.length
    ? html`<details class="confirm"><summary class="button primary" id="update-now">Update now</summary>
<div class="confirm-body"><p>Update from <code>${short(p.currentSha)}</code> to <code>${short(p.targetSha)}</code> (${p.commits.length} commit${p.commits.length === 1 ? '' : 's'}).
The app is stopped, the holding page answers meanwhile, and any failure rolls code, dependencies and database back.</p>
<form method="post" action="/ui/update"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="sha" value="${p.targetSha}">
<button type="submit" class="primary" id="confirm-update" ${running ? 'disabled' : ''}>Confirm update to ${short(p.targetSha)}</button></form></div></details>`
    : html`<p class="muted">Up to date with ${p.branch}.</p>`;
  return html`<h1>Update</h1>
<section class="card"><h2>Pending on ${p.branch} <span class="badge" id="pending-count">${p.commits.length}</span></h2>
${p.commits.length ? html`<table class="list"><thead><tr><th>Commit</th><th>Subject</th><th class="hide-sm">Author</th><th class="hide-sm">Date</th></tr></thead><tbody id="pending">${rows}</tbody></table>${changes}` : ''}
${running ? html`<p class="warn-text">An update is running — see <a href="/">Status</a>.</p>` : ''}${action}</section>${demoBox}`;
}
