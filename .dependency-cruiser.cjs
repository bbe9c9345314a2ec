/**
 * The layering rule of src/ (docs/ARCHITECTURE.md), checked by `npm run lint:layers` in `npm test`:
 * three wings (targets, measurements, reports) stand on a floor of record types, statistics, the
 * engine and the host side; only run/ (use cases) and cli/ join the wings; nothing imports in a cycle.
 * A workspace package (packages/, e.g. kind-node-wrapper) stands alone: it never imports podchurn.
 */
const wings = ['targets', 'measurements', 'reports'];
const floor = '^src/(results|stats|engine|scenario|util|errors\\.ts|cri|runtime|cluster|images)';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Modules import each other in a cycle: move the shared type or function down to the floor.',
      from: { path: '^src' },
      to: { circular: true },
    },
    ...wings.map((wing) => ({
      name: `${wing}-only-on-the-floor`,
      severity: 'error',
      comment:
        `${wing}/ may import only the floor (results, stats, engine, scenario, util, errors) and the host side ` +
        '(cri, runtime, cluster, images): another wing, run/ or cli/ is wired in run/.',
      from: { path: `^src/${wing}/` },
      to: { path: `^src/(${[...wings.filter((w) => w !== wing), 'run', 'cli'].join('|')})/` },
    })),
    {
      name: 'floor-stays-below',
      severity: 'error',
      comment: 'The floor and the host side never import a wing, a use case or the CLI.',
      from: { path: floor },
      to: { path: `^src/(${[...wings, 'run', 'cli'].join('|')})/` },
    },
    {
      name: 'packages-stand-alone',
      severity: 'error',
      comment: 'A workspace package (packages/) is published on its own: it never imports podchurn (src/) or the root tests.',
      from: { path: '^packages/' },
      to: { path: '^(src|test|bench)/' },
    },
    {
      name: 'run-not-cli',
      severity: 'error',
      comment: 'Use cases (run/) never import the command line.',
      from: { path: '^src/run/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^(node_modules|dist)|^packages/[^/]+/(node_modules|dist)/' },
  },
};
