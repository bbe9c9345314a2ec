/** `npm run bench`: every benchmark, each writing its figures under bench/results/. */
const benchmarks = [
  './cli-start-up.js',
  './report-render.js',
  './report-end-to-end.js',
  './event-log-slow-disk.js',
  './cri-overhead.js',
  './exit-stream-overhead.js',
  './containerd-stress.js',
  './kube-api-churn.js',
  './kube-burner.js',
  './local-cluster.js',
  './kind-cluster.js',
];
for (const benchmark of benchmarks) await import(benchmark);
