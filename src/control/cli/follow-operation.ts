import type { HistoryRow } from '../../update/api.js';
import { AdminClient, CLIENT_EXIT, ClientExit } from './admin-client.js';
import { ms, short } from './table.js';

type Ev = { type: string; id?: number; [k: string]: unknown };
const TERMINAL = new Set(['update_succeeded', 'update_rolled_back', 'rollback_failed']);

/**
 * Subscribes to the event stream *before* starting the operation (so no event is missed), starts it, prints its
 * steps as they complete, and resolves with the final history row. The stream is only for progress: the outcome
 * comes from history, polled as a fallback if the stream breaks.
 */
export async function startAndFollow(
  client: AdminClient,
  start: () => Promise<{ id: number }>,
  opts: { quiet: boolean; timeoutMs: number; print: (line: string) => void },
): Promise<HistoryRow> {
  const ac = new AbortController();
  const seen: Ev[] = [];
  let id: number | undefined;
  let finished: (() => void) | undefined;
  const terminal = new Promise<void>((r) => (finished = r));
  const show = (e: Ev) => {
    if (opts.quiet || e.id !== id) return;
    if (e.type === 'update_started') opts.print(`${e.kind} #${e.id}: ${short(e.fromSha as string)} -> ${short(e.toSha as string)} ${(e.toSubject as string) ?? ''}`.trimEnd());
    if (e.type === 'update_step' && e.status !== 'started') opts.print(`  ${String(e.step).padEnd(22)} ${String(e.status).padEnd(8)} ${ms(e.durationMs as number | undefined)}`);
  };
  const handle = (e: Ev) => {
    if (id === undefined) return void seen.push(e);
    show(e);
    if (TERMINAL.has(e.type) && e.id === id) finished?.();
  };
  let opened: () => void = () => {};
  const open = new Promise<void>((r) => (opened = r));
  const stream = client.events('', (type, data) => handle({ ...(data as object), type } as Ev), ac.signal, () => opened()).catch((err) => {
    opened();
    if (!(err instanceof ClientExit && err.exitCode === CLIENT_EXIT.UNREACHABLE)) throw err;
  });
  try {
    await Promise.race([open, stream]);
    id = (await start()).id;
    for (const e of seen.splice(0)) handle(e);
    const deadline = Date.now() + opts.timeoutMs;
    // Bounded wait: the stream's terminal event, or history showing an outcome, whichever comes first.
    for (;;) {
      const row = (await client.get<HistoryRow[]>('/api/history?limit=50', ac.signal)).find((r) => r.id === id);
      if (row && row.outcome !== 'running') return row;
      if (Date.now() > deadline) throw new ClientExit(CLIENT_EXIT.UNREACHABLE, `operation ${id} did not finish within ${ms(opts.timeoutMs)}; it keeps running in the supervisor (see molt status)`);
      await Promise.race([terminal, new Promise((r) => setTimeout(r, 1000))]);
    }
  } finally {
    ac.abort();
    await stream.catch(() => {});
  }
}

/** Human summary line and exit code of a finished operation. */
export function outcomeExit(row: HistoryRow): { line: string; code: number } {
  const dur = row.finishedAt ? ms(Date.parse(row.finishedAt) - Date.parse(row.startedAt)) : '-';
  if (row.outcome === 'succeeded') return { line: `${row.kind} #${row.id} succeeded in ${dur}: now at ${short(row.toSha)} ${row.toSubject ?? ''}`.trimEnd(), code: CLIENT_EXIT.OK };
  const err = row.error ? ` — ${row.error.code}: ${row.error.message}${row.error.step ? ` (step ${row.error.step})` : ''}` : '';
  return { line: `${row.kind} #${row.id} ${row.outcome} after ${dur}${err}`, code: CLIENT_EXIT.OUTCOME_FAILED };
}
