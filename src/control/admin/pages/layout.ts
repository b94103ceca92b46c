import { html, Raw } from './html.js';

export interface PageContext {
  title: string;
  active: string;
  csrf: string;
  actor: string;
  nav: { href: string; label: string }[];
  demo: boolean;
}

export const NAV = [
  { href: '/', label: 'Status' },
  { href: '/update', label: 'Update' },
  { href: '/history', label: 'History' },
  { href: '/logs', label: 'Logs' },
];

/** The console shell: header with navigation, the CSRF token for scripts, and the local static bundle (no CDN). */
export function layout(ctx: PageContext, body: Raw): string {
  const links = [...NAV, ...ctx.nav].map((n) => html`<a href="${n.href}" class="${n.href === ctx.active ? 'active' : ''}">${n.label}</a>`);
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${ctx.csrf}"><title>${ctx.title} · molt</title>
<link rel="stylesheet" href="/static/console.css"></head>
<body data-page="${ctx.active}">
<header class="top"><a class="brand" href="/">molt</a><nav>${links}</nav>
<form method="post" action="/logout" class="logout"><input type="hidden" name="_csrf" value="${ctx.csrf}"><button class="link" title="${ctx.actor}">Log out</button></form></header>
${ctx.demo ? html`<div class="demo-banner">Demo mode — releases come from a local demo remote.</div>` : ''}
<main>${body}</main>
<script src="/static/console.js" defer></script>
</body></html>`.value;
}

/** Pages shown without a session (login, errors). */
export function bare(title: string, body: Raw): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · molt</title><link rel="stylesheet" href="/static/console.css"></head>
<body class="bare"><main>${body}</main></body></html>`.value;
}

export function loginPage(opts: { next: string; error?: string }): string {
  return bare(
    'Log in',
    html`<section class="card login"><h1>molt console</h1>
<p class="muted">Enter the admin token (MOLT_ADMIN_TOKEN, or the one in data/admin-token).</p>
${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}
<form method="post" action="/login"><input type="hidden" name="next" value="${opts.next}">
<label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button class="primary" type="submit">Log in</button></form></section>`,
  );
}

export function errorPage(status: number, message: string): string {
  return bare(`Error ${status}`, html`<section class="card"><h1>Error ${status}</h1><p class="error">${message}</p><p><a href="javascript:history.back()">Back</a> · <a href="/">Status</a></p></section>`);
}
