import type { HoldInfo } from './api.js';
import { negotiateLanguage, wantsJson, type HoldingLanguage } from './negotiate.js';

/** A complete HTTP answer, ready to write (the same for the supervisor's front and the SDK plugin). */
export interface HoldingResponse {
  status: 503;
  headers: Record<string, string>;
  body: string;
}

export interface HoldingRequest {
  accept?: string;
  acceptLanguage?: string;
}

export interface HoldingOptions {
  info: HoldInfo;
  /** Seconds for Retry-After and the page's estimate (rounded up, at least 1). */
  retryAfter: number;
  /** MOLT_HOLDING_PAGE contents; `{{sha}}` and `{{seconds}}` are substituted. */
  customHtml?: string;
}

const TEXT: Record<HoldingLanguage, { title: string; action: Record<HoldInfo['reason'], string>; usually: (s: number) => string; note: string }> = {
  en: {
    title: 'Be right back',
    action: { update: 'Updating', rollback: 'Rolling back', restart: 'Restarting', recovery: 'Recovering', restore: 'Restoring a backup', stopped: 'Stopping' },
    usually: (s) => `usually takes ~${s} s`,
    note: 'This page refreshes by itself.',
  },
  zh: {
    title: '马上回来',
    action: { update: '正在更新', rollback: '正在回滚', restart: '正在重启', recovery: '正在恢复', restore: '正在恢复备份', stopped: '正在停止' },
    usually: (s) => `通常需要约 ${s} 秒`,
    note: '本页面会自动刷新。',
  },
};

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const shortSha = (sha: string | undefined) => (sha && /^[0-9a-f]{4,64}$/i.test(sha) ? sha.slice(0, 7).toLowerCase() : undefined);

/** The sentence shown on the page, e.g. "Updating to abc1234 — usually takes ~40 s". */
export function holdingSentence(info: HoldInfo, seconds: number, lang: HoldingLanguage): string {
  const t = TEXT[lang];
  const sha = shortSha(info.targetSha);
  const to = sha ? (lang === 'zh' ? `到 ${sha}` : ` to ${sha}`) : '';
  return `${t.action[info.reason]}${to} — ${t.usually(seconds)}`;
}

function builtinHtml(info: HoldInfo, seconds: number, lang: HoldingLanguage): string {
  const t = TEXT[lang];
  const refresh = Math.min(Math.max(seconds, 5), 30);
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${refresh}">
<title>${escapeHtml(t.title)}</title>
<style>
  html,body{height:100%;margin:0}
  body{display:flex;align-items:center;justify-content:center;background:#f4f5f7;color:#1f2933;
    font:16px/1.5 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif}
  main{max-width:32rem;margin:1rem;padding:2rem 2.5rem;background:#fff;border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.08);text-align:center}
  h1{font-size:1.5rem;margin:.5rem 0}
  p{margin:.5rem 0}
  .note{color:#616e7c;font-size:.875rem}
  .spin{width:36px;height:36px;margin:0 auto 1rem;border:4px solid #d9e2ec;border-top-color:#3e7bfa;border-radius:50%;animation:s 1s linear infinite}
  @keyframes s{to{transform:rotate(360deg)}}
  @media (prefers-reduced-motion:reduce){.spin{animation:none}}
</style>
</head>
<body>
<main role="status" aria-live="polite">
  <div class="spin" aria-hidden="true"></div>
  <h1>${escapeHtml(t.title)}</h1>
  <p id="what">${escapeHtml(holdingSentence(info, seconds, lang))}</p>
  <p class="note">${escapeHtml(t.note)}</p>
</main>
</body>
</html>
`;
}

/** Builds the 503 holding answer for one request: JSON for `Accept: application/json`, else localized HTML. */
export function renderHolding(req: HoldingRequest, opts: HoldingOptions): HoldingResponse {
  const seconds = Math.max(1, Math.ceil(opts.retryAfter));
  const headers: Record<string, string> = { 'retry-after': String(seconds), 'cache-control': 'no-store' };
  if (wantsJson(req.accept)) {
    const body = JSON.stringify({ status: 'updating', retryAfter: seconds });
    return { status: 503, headers: { ...headers, 'content-type': 'application/json; charset=utf-8' }, body };
  }
  const lang = negotiateLanguage(req.acceptLanguage);
  const body = opts.customHtml !== undefined
    ? opts.customHtml.replaceAll('{{sha}}', escapeHtml(shortSha(opts.info.targetSha) ?? '')).replaceAll('{{seconds}}', String(seconds))
    : builtinHtml(opts.info, seconds, lang);
  return { status: 503, headers: { ...headers, 'content-type': 'text/html; charset=utf-8', 'content-language': lang === 'zh' ? 'zh-CN' : 'en', vary: 'Accept, Accept-Language' }, body };
}

/** The holding answer as raw HTTP/1.1 bytes with `Connection: close` (splice front and hand-off connections). */
export function rawHoldingAnswer(req: HoldingRequest & { head: boolean }, opts: HoldingOptions): string {
  const h = renderHolding(req, opts);
  const headers = { ...h.headers, 'content-length': String(Buffer.byteLength(h.body)), connection: 'close', date: new Date().toUTCString() };
  return `HTTP/1.1 503 Service Unavailable\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${req.head ? '' : h.body}`;
}
