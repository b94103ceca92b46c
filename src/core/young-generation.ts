import { setFlagsFromString } from 'node:v8';

// Imported first by the CLI entry point. V8 doubles the young generation whenever startup (loading a few hundred
// modules) promotes a lot, and a long-running supervisor then keeps ~10 MB of semi-spaces it rarely needs again.
// Without growth they stay at their initial size: RSS row 4 of bench/RESULTS.md, with no measurable cost to req/s.
setFlagsFromString('--semi-space-growth-factor=1');
