import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventBus, MoltEvent } from '../../core/events.js';
import type { LogFeed } from './log-feed.js';

/**
 * Server-Sent Events for `/api/events`: every lifecycle event as `event: <type>` with the JSON payload;
 * `?logs=1` adds `log_line` events (app and supervisor). A comment line every 15 s keeps proxies from closing it.
 * INVARIANTS: a client is removed from every source when its socket closes or the server shuts down.
 */
export class EventStreams {
  private readonly clients = new Set<() => void>();
  private seq = 0;
  constructor(private readonly events: EventBus, private readonly logs: LogFeed, private readonly heartbeatMs = 15_000) {}

  get size(): number {
    return this.clients.size;
  }

  open(req: FastifyRequest, reply: FastifyReply, opts: { logs: boolean }): void {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const send = (type: string, data: unknown) => {
      res.write(`id: ${++this.seq}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    send('hello', { time: Date.now() });
    const offs = [
      this.events.onAny((e: MoltEvent) => {
        if (e.type !== 'log_line') send(e.type, e);
      }),
    ];
    if (opts.logs) offs.push(this.logs.subscribe((line) => send('log_line', { type: 'log_line', ...line })));
    const beat = setInterval(() => res.write(': keep-alive\n\n'), this.heartbeatMs);
    beat.unref();
    const close = () => {
      if (!this.clients.delete(close)) return;
      clearInterval(beat);
      offs.forEach((off) => off());
      res.end();
    };
    this.clients.add(close);
    req.raw.on('close', close);
    res.on('error', close);
  }

  closeAll(): void {
    for (const close of [...this.clients]) close();
  }
}
