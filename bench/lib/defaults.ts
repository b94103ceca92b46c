// Imported first by bench/run.ts: keeps the whole `npm run bench` under 10 minutes on a 2-core machine.
// Every row still takes ≥ 5 runs; only the length of each load run is shortened (override with BENCH_LOAD_SECONDS).
process.env.BENCH_LOAD_SECONDS ??= '3';
export {};
