// llhttp as Node itself uses it for http.Server/ClientRequest. Not a public API (process.binding), so it is loaded
// defensively: when it is missing the front falls back to the full HTTP proxy (proxy.ts) for every connection.

export interface RawParser {
  initialize(type: number, resource: object): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  close?(): void;
  [k: number]: unknown;
}

export interface ParserBinding {
  HTTPParser: { new (): RawParser; REQUEST: number; RESPONSE: number; kOnMessageBegin: number; kOnHeaders: number; kOnHeadersComplete: number; kOnBody: number; kOnMessageComplete: number; kOnExecute: number };
  methods: string[];
}

let cached: ParserBinding | null | undefined;

/** The llhttp binding, or null when this Node does not expose it. */
export function parserBinding(): ParserBinding | null {
  if (cached !== undefined) return cached;
  // process.binding prints DEP0111 once; molt's stderr is for operators, so only that one warning is muted here.
  const emit = process.emitWarning;
  process.emitWarning = ((w: string | Error, ...rest: unknown[]) => {
    if (!String(typeof w === 'string' ? w : w.message).includes('process.binding')) (emit as (...a: unknown[]) => void).call(process, w, ...rest);
  }) as typeof process.emitWarning;
  try {
    const b = (process as unknown as { binding(name: string): ParserBinding }).binding('http_parser');
    cached = typeof b?.HTTPParser === 'function' && Array.isArray(b.methods) ? b : null;
  } catch {
    cached = null;
  } finally {
    process.emitWarning = emit;
  }
  return cached;
}

/** Headers array [k, v, k, v] → the two the holding page negotiates on. */
export function negotiationHeaders(raw: unknown): { accept?: string; acceptLanguage?: string } {
  const out: { accept?: string; acceptLanguage?: string } = {};
  if (!Array.isArray(raw)) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = String(raw[i]).toLowerCase();
    if (k === 'accept') out.accept = String(raw[i + 1]);
    else if (k === 'accept-language') out.acceptLanguage = String(raw[i + 1]);
  }
  return out;
}
