import { join } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { readTokenFile, TOKEN_FILE } from '../admin/token.js';

/** Documented exit codes of the client subcommands (docs/cli.md). */
export const CLIENT_EXIT = {
  OK: 0,
  /** The update/rollback finished but not as succeeded (rolled back, failed, refused). */
  OUTCOME_FAILED: 1,
  /** The API refused the request (validation, 409 conflict, unknown ref). */
  REFUSED: 2,
  /** The supervisor could not be reached, or answered 5xx. */
  UNREACHABLE: 3,
  /** Wrong or missing token (401). */
  AUTH: 4,
  USAGE: 64,
  CONFIG: 78,
} as const;

/** A failure that ends the command with a specific exit code and one message line on stderr. */
export class ClientExit extends Error {
  constructor(readonly exitCode: number, message: string, readonly body?: unknown) {
    super(message);
  }
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

/** Talks to the running supervisor's admin API (MOLT_ADMIN_URL, token from MOLT_ADMIN_TOKEN or data/admin-token). */
export class AdminClient {
  constructor(readonly baseUrl: string, private readonly token: string) {}

  static async fromEnv(env: NodeJS.ProcessEnv): Promise<AdminClient> {
    const r = loadConfig(env);
    if (!r.ok) throw new ClientExit(CLIENT_EXIT.CONFIG, r.problems.map((p) => `config: ${p}`).join('\n'));
    const c = r.config;
    let token = c.adminToken;
    const file = join(c.dataDir, TOKEN_FILE);
    if (!token) token = await readTokenFile(file).catch((err: Error) => { throw new ClientExit(CLIENT_EXIT.CONFIG, err.message); });
    if (!token) throw new ClientExit(CLIENT_EXIT.CONFIG, `MOLT_ADMIN_TOKEN: missing: set it, or run where ${file} exists (the supervisor writes it on loopback)`);
    return new AdminClient(c.adminUrl.replace(/\/+$/, ''), token);
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, 'x-molt-client': 'cli', ...extra };
  }

  /** One request; maps 401/4xx/5xx/network errors to ClientExit with the API's message. */
  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<ApiResponse<T>> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (err) {
      throw new ClientExit(CLIENT_EXIT.UNREACHABLE, `cannot reach the supervisor at ${this.baseUrl} (${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}); is \`molt run\` running? set MOLT_ADMIN_URL`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON (metrics) */
    }
    if (res.status < 400) return { status: res.status, body: parsed as T };
    const err = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    const msg = err ? `${err.code}: ${err.message}` : `HTTP ${res.status}`;
    if (res.status === 401) throw new ClientExit(CLIENT_EXIT.AUTH, `${msg} (check MOLT_ADMIN_TOKEN)`, parsed);
    if (res.status >= 500) throw new ClientExit(CLIENT_EXIT.UNREACHABLE, msg, parsed);
    throw new ClientExit(CLIENT_EXIT.REFUSED, msg, parsed);
  }

  get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, undefined, signal).then((r) => r.body);
  }

  /** Opens `/api/events` and calls `onEvent` for each SSE message until `signal` aborts or the stream ends. */
  async events(query: string, onEvent: (type: string, data: unknown) => void, signal: AbortSignal, onOpen?: () => void): Promise<void> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/api/events${query}`, { headers: this.headers({ accept: 'text/event-stream' }), signal });
    } catch (err) {
      if (signal.aborted) return;
      throw new ClientExit(CLIENT_EXIT.UNREACHABLE, `cannot reach the supervisor at ${this.baseUrl} (${(err as Error).message})`);
    }
    if (res.status === 401) throw new ClientExit(CLIENT_EXIT.AUTH, 'MOLT_E_AUTH: authentication required (check MOLT_ADMIN_TOKEN)');
    if (!res.ok || !res.body) throw new ClientExit(CLIENT_EXIT.UNREACHABLE, `event stream answered HTTP ${res.status}`);
    onOpen?.();
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let idx: number;
        while ((idx = buf.indexOf('\n\n')) !== -1) {
          const block = buf.slice(0, idx);
          buf = buf.slice(idx + 2);
          let type = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) type = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (data.length) onEvent(type, JSON.parse(data.join('\n')));
        }
      }
    } catch (err) {
      if (!signal.aborted) throw new ClientExit(CLIENT_EXIT.UNREACHABLE, `event stream broke: ${(err as Error).message}`);
    }
  }
}

/** Runs a client command body, turning ClientExit into its message on stderr and its exit code. */
export async function runClient(name: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ClientExit) {
      process.stderr.write(`molt ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
