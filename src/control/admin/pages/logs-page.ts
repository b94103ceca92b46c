import { html, Raw } from './html.js';
import type { LogLine } from '../../../supervisor/supervisor.js';

export function logLine(l: LogLine): Raw {
  const t = new Date(l.time).toISOString().slice(11, 23);
  return html`<div class="log ${l.source} ${l.stream}"><span class="t">${t}</span> <span class="src">${l.source}</span> ${l.line}</div>`;
}

/** Logs: the recent app + supervisor lines; console.js appends live lines from `/api/events?logs=1`. */
export function logsPage(lines: LogLine[]): Raw {
  return html`<h1>Logs</h1><section class="card"><div class="log-tools"><label class="check"><input type="checkbox" id="follow" checked> Follow</label>
<select id="log-source"><option value="">app + supervisor</option><option value="app">app</option><option value="supervisor">supervisor</option></select></div>
<div id="log-view" class="logs" role="log" aria-live="polite">${lines.map(logLine)}</div></section>`;
}
