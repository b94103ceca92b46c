/** One entry of an Accept / Accept-Language header with its q-value. */
export interface Weighted {
  value: string;
  q: number;
  /** Position in the header; breaks ties between equal q-values (earlier wins). */
  order: number;
}

/** Parses `a;q=0.5, b, c;q=0` into entries sorted by q (descending), dropping q=0 and malformed q-values. */
export function parseWeighted(header: string | undefined): Weighted[] {
  if (!header) return [];
  const out: Weighted[] = [];
  header.split(',').forEach((part, order) => {
    const [rawValue, ...params] = part.split(';');
    const value = rawValue.trim().toLowerCase();
    if (!value) return;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    if (!Number.isFinite(q) || q <= 0 || q > 1) return;
    out.push({ value, q, order });
  });
  return out.sort((a, b) => b.q - a.q || a.order - b.order);
}

export type HoldingLanguage = 'en' | 'zh';

/** English or Chinese by Accept-Language (q-values respected); English when nothing matches. */
export function negotiateLanguage(header: string | undefined): HoldingLanguage {
  for (const { value } of parseWeighted(header)) {
    if (value === 'zh' || value.startsWith('zh-')) return 'zh';
    if (value === 'en' || value.startsWith('en-')) return 'en';
  }
  return 'en';
}

/** True when the client prefers JSON over HTML (explicit application/json ranked above text/html). */
export function wantsJson(accept: string | undefined): boolean {
  let json = -1;
  let html = -1;
  for (const e of parseWeighted(accept)) {
    const rank = e.q * 1000 - e.order;
    if ((e.value === 'application/json' || e.value.endsWith('+json')) && json < 0) json = rank;
    if ((e.value === 'text/html' || e.value === 'application/xhtml+xml') && html < 0) html = rank;
  }
  return json >= 0 && json > html;
}
