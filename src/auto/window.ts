/** An update window in minutes after local midnight; `endMin` may be ≤ `startMin` (the window crosses midnight). */
export interface UpdateWindow {
  startMin: number;
  endMin: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(tz, f);
  }
  return f;
}

/** Minutes after local midnight in `tz` at instant `now` (ms since epoch). */
export function minuteOfDay(now: number, tz: string): number {
  let h = 0;
  let m = 0;
  for (const p of formatter(tz).formatToParts(new Date(now))) {
    if (p.type === 'hour') h = Number(p.value);
    else if (p.type === 'minute') m = Number(p.value);
  }
  return (h % 24) * 60 + m;
}

/** Whether a local minute lies in [start, end); a window with end ≤ start covers start..24:00 and 00:00..end. */
export function minuteInWindow(min: number, w: UpdateWindow): boolean {
  if (w.startMin < w.endMin) return min >= w.startMin && min < w.endMin;
  return min >= w.startMin || min < w.endMin;
}

/** `null` window = always open. */
export function isWindowOpen(now: number, w: UpdateWindow | null, tz: string): boolean {
  return w === null || minuteInWindow(minuteOfDay(now, tz), w);
}

/**
 * The first instant ≥ now at which the window is open (now itself when open).
 * Why the bounded minute walk: DST shifts make "start minus current minute" off by up to an hour, so the estimate
 * is corrected by stepping one minute at a time (at most 3 h of steps).
 */
export function nextWindowOpen(now: number, w: UpdateWindow | null, tz: string): number {
  if (isWindowOpen(now, w, tz)) return now;
  const win = w as UpdateWindow;
  const cur = minuteOfDay(now, tz);
  const delta = (win.startMin - cur + 1440) % 1440;
  const minuteStart = now - (now % 60_000);
  let t = minuteStart + delta * 60_000;
  // DST: when the estimate lands inside the window, walk back to its first open minute; else walk forward.
  if (isWindowOpen(t, win, tz)) {
    for (let i = 0; i < 180 && t - 60_000 > now && isWindowOpen(t - 60_000, win, tz); i++) t -= 60_000;
    return Math.max(t, now);
  }
  for (let i = 0; i < 180 && !isWindowOpen(t, win, tz); i++) t += 60_000;
  return t;
}

export function formatMinute(min: number): string {
  return `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
}

export function formatWindow(w: UpdateWindow | null): string {
  return w === null ? 'always' : `${formatMinute(w.startMin)}-${formatMinute(w.endMin)}`;
}
