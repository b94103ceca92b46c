import { Writable } from 'node:stream';
import { EventBus } from '../../src/core/events.js';
import { createLogger } from '../../src/core/logger.js';
import { RingBuffer } from '../../src/supervisor/ring-buffer.js';
import type { LogLine } from '../../src/supervisor/supervisor.js';
import { startAdminServer, type AdminServer } from '../../src/control/admin/server.js';
import { createMetricsRegistry, registerMoltMetrics } from '../../src/control/metrics.js';
import type { AdminDeps } from '../../src/control/admin/types.js';
import { FakeEngine } from './fake-engine.js';
import type { LogRecord } from '../helpers/molt-process.js';

export const TOKEN = 'test-token-0123456789abcdef';

export interface Harness {
  server: AdminServer;
  url: string;
  events: EventBus;
  engine: FakeEngine;
  logs: RingBuffer<LogLine>;
  records: LogRecord[];
  app: { up: boolean; pid: number | null; restarts: number };
  api(path: string, init?: RequestInit & { token?: string | null }): Promise<{ status: number; body: any; headers: Headers }>;
}

/** A real admin server on 127.0.0.1 (random port) over an in-test engine; pino records are captured as JSON. */
export async function startHarness(t: { after(fn: () => unknown): void }, extra: Partial<AdminDeps> = {}): Promise<Harness> {
  const records: LogRecord[] = [];
  const dest = new Writable({
    write(chunk, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) records.push(JSON.parse(line));
      cb();
    },
  });
  const logger = createLogger({ level: 'debug', destination: dest, pretty: false });
  const events = new EventBus();
  const engine = new FakeEngine(events);
  const logs = new RingBuffer<LogLine>(1000);
  const app = { up: true, pid: 4242, restarts: 0 };
  const supervisor = {
    status: () => ({ state: app.up ? ({ kind: 'running', pid: app.pid!, since: Date.now() - 5000 } as const) : ({ kind: 'backoff', delayMs: 1000, until: Date.now() + 1000 } as const), pid: app.pid, up: app.up, restarts: app.restarts, since: app.up ? Date.now() - 5000 : null }),
    logs,
  };
  const metrics = createMetricsRegistry({ defaultMetrics: false });
  const off = registerMoltMetrics(metrics, { events, app: () => supervisor.status(), engine: () => engine });
  const server = await startAdminServer({ host: '127.0.0.1', port: 0, token: TOKEN, engine, supervisor, events, metrics, logger, ...extra });
  t.after(async () => {
    engine.release();
    off();
    await server.close();
  });
  const api = async (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    const token = init.token === undefined ? TOKEN : init.token;
    if (token !== null) headers.set('authorization', `Bearer ${token}`);
    if (init.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
    const res = await fetch(server.url + path, { ...init, headers, redirect: 'manual' });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* html or metrics */
    }
    return { status: res.status, body, headers: res.headers };
  };
  return { server, url: server.url, events, engine, logs, records, app, api };
}

/** Reads SSE messages from `/api/events` until `until` returns true for one of them (bounded by timeoutMs). */
export async function collectEvents(url: string, token: string, start: () => Promise<unknown>, until: (type: string, data: any) => boolean, timeoutMs = 10_000): Promise<{ type: string; data: any }[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const res = await fetch(`${url}/api/events`, { headers: { authorization: `Bearer ${token}` }, signal: ac.signal });
  const out: { type: string; data: any }[] = [];
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let started = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) !== -1) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const type = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!type || !data) continue;
        out.push({ type, data: JSON.parse(data) });
        if (type === 'hello' && !started) {
          started = true;
          await start();
        }
        if (until(type, JSON.parse(data))) return out;
      }
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  throw new Error(`event stream ended before the expected event; got ${out.map((e) => e.type).join(', ')}`);
}
