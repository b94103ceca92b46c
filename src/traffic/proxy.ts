import { Agent, request, type IncomingMessage, type ServerResponse, type OutgoingHttpHeaders } from 'node:http';

/** Headers that describe one hop and must not be forwarded (RFC 9110 §7.6.1). */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);
const RETRYABLE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function upstreamAgent(): Agent {
  // Free sockets expire before Node's default server keepAliveTimeout (5 s), so we rarely reuse one the app is closing.
  return new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256, timeout: 4000, scheduling: 'lifo', noDelay: true } as ConstructorParameters<typeof Agent>[0]);
}

function requestHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  const h: OutgoingHttpHeaders = {};
  const named = req.headers.connection ? new Set(req.headers.connection.toLowerCase().split(',').map((s) => s.trim())) : undefined;
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k) && !named?.has(k)) h[k] = v;
  const remote = req.socket.remoteAddress ?? '';
  h['x-forwarded-for'] = req.headers['x-forwarded-for'] ? `${req.headers['x-forwarded-for']}, ${remote}` : remote;
  if (!req.headers['x-forwarded-proto']) h['x-forwarded-proto'] = 'http';
  if (req.headers.host && !req.headers['x-forwarded-host']) h['x-forwarded-host'] = req.headers.host;
  return h;
}

function copyResponseHeaders(up: IncomingMessage, res: ServerResponse): void {
  const named = up.headers.connection ? new Set(up.headers.connection.toLowerCase().split(',').map((s) => s.trim())) : undefined;
  for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP.has(k) && !named?.has(k)) res.setHeader(k, v);
}

export interface ForwardTarget {
  host: string;
  port: number;
  agent: Agent;
}

export interface ForwardCallbacks {
  /** The app answered and the response went to the client completely (status) or broke off midway (0). */
  onResponse(status: number): void;
  /** The app refused or closed the connection before answering; the caller answers instead (holding page). */
  onUnavailable(err: Error): void;
}

/**
 * Forwards one request to the app and streams the answer back. A reused keep-alive socket that the app closed
 * in the meantime is retried once for bodiless idempotent methods; anything else that fails before the app
 * answered goes to onUnavailable, so clients never see a raw 502 or a reset.
 */
export function forward(req: IncomingMessage, res: ServerResponse, target: () => ForwardTarget, cb: ForwardCallbacks, attempt = 0): void {
  const t = target();
  const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
  const up = request({ host: t.host, port: t.port, method: req.method, path: req.url, headers: requestHeaders(req), agent: t.agent });
  let answered = false;
  const onClientClose = () => {
    if (!res.writableFinished) up.destroy();
  };
  res.once('close', onClientClose);
  up.on('response', (ures) => {
    answered = true;
    res.statusCode = ures.statusCode ?? 502;
    if (ures.statusMessage) res.statusMessage = ures.statusMessage;
    copyResponseHeaders(ures, res);
    ures.on('error', () => res.destroy());
    res.once('finish', () => cb.onResponse(res.statusCode));
    res.once('close', () => {
      if (!res.writableFinished) cb.onResponse(0);
    });
    ures.pipe(res);
  });
  up.on('error', (err: NodeJS.ErrnoException) => {
    if (answered) return res.destroy();
    res.off('close', onClientClose);
    if (res.destroyed || res.writableEnded) return;
    if (attempt === 0 && up.reusedSocket && RETRYABLE.has(req.method ?? '') && !hasBody && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) return forward(req, res, target, cb, 1);
    cb.onUnavailable(err);
  });
  // Bodiless requests (most GETs) end at once: piping an empty stream costs an extra tick and a separate write.
  if (attempt === 0 && hasBody) req.pipe(up);
  else up.end();
}
