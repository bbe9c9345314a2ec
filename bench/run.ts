/** `npm run bench`: every benchmark, each writing its figures under bench/results/. */
const benchmarks = ['./cri-overhead.js'];
for (const benchmark of benchmarks) await import(benchmark);
