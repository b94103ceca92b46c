// Log-scale latency bins: fixed memory per histogram, quantiles within ~2 % of (1 + latency in ms).
const GROWTH = 1.04;
const LN_GROWTH = Math.log(GROWTH);
/** Latencies above this land in the last bin (an hour: far beyond any request timeout). */
export const MAX_LATENCY_MS = 3_600_000;
/** Bin 0 holds 0 ms (and invalid values); bin b ≥ 1 holds (1 + ms) in [GROWTH^(b-1), GROWTH^b). */
export const BIN_COUNT = 2 + Math.floor(Math.log1p(MAX_LATENCY_MS) / LN_GROWTH);

export function binOf(ms: number): number {
  if (!(ms > 0)) return 0;
  const b = 1 + Math.floor(Math.log1p(ms) / LN_GROWTH);
  return b < BIN_COUNT ? b : BIN_COUNT - 1;
}

/** The value reported for a bin: the middle of its range. */
export function binValue(bin: number): number {
  if (bin <= 0) return 0;
  const lo = Math.pow(GROWTH, bin - 1) - 1;
  const hi = Math.pow(GROWTH, bin) - 1;
  return (lo + hi) / 2;
}

/** Nearest-rank quantile (q in (0, 1]) of a histogram; null when it is empty. */
export function quantile(counts: ArrayLike<number>, total: number, q: number): number | null {
  if (total <= 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let b = 0; b < counts.length; b++) {
    seen += counts[b];
    if (seen >= rank) return binValue(b);
  }
  return binValue(counts.length - 1);
}
