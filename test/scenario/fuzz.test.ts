import { expect } from 'chai';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { InputError } from '../../src/errors.js';
import { parseScenario } from '../../src/scenario/load.js';
import { expandMatrix, matrixAxisPaths } from '../../src/scenario/matrix.js';
import { targetScenarioRules } from '../../src/targets/registry.js';

/** Either a run plan or an InputError with a message naming the file: nothing else may come out. */
function planOrInputError(text: string, overrides: string[]): 'plan' | 'input-error' {
  try {
    const loaded = parseScenario(text, 'fuzz.yaml', overrides);
    // As podchurn run and validate plan it: written keys that would do nothing are refused too.
    const cells = expandMatrix(loaded.scenario, 'fuzz.yaml', { written: loaded, rulesFor: targetScenarioRules });
    expect(cells.length).to.be.greaterThan(0);
    return 'plan';
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    expect(error.message).to.match(/^fuzz\.yaml/);
    expect(error.message).not.to.match(/\n\s+at /);
    return 'input-error';
  }
}

const scalar = fc.oneof(
  fc.integer({ min: -5, max: 200 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('exit', 'ignore', 'delay', 'cri', 'kube', 'system', '1.7.22', 'podchurn/v1', 'Scenario'),
);
const fieldNames = [
  'apiVersion',
  'kind',
  'metadata',
  'target',
  'runtime',
  'pods',
  'batchSize',
  'concurrency',
  'cycles',
  'holdSeconds',
  'gracePeriodSeconds',
  'requestTimeoutSeconds',
  'workload',
  'execProbe',
  'matrix',
  'gates',
  'repetitions',
  'stop_timeout',
];
const paths = [...matrixAxisPaths(), 'nope', 'runtime', 'metadata.name', 'a..b', ''];

/** Mostly a valid value, sometimes anything: both sides of the validator get exercised. */
const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: scalar });
const positive = fc.integer({ min: 1, max: 50 });

/** Scenario-shaped documents: mostly the right keys with plausible values, sometimes nonsense. */
const scenarioDocument = fc
  .record(
    {
      apiVersion: mostly(fc.constant('podchurn/v1')),
      kind: mostly(fc.constant('Scenario')),
      metadata: mostly(fc.record({ name: mostly(fc.constantFrom('ok-name', 'x', 'seed-repro')) })),
      // Plausible sizes: a batch of at most the cycle (a larger one is refused as having no effect).
      pods: mostly(fc.integer({ min: 10, max: 50 })),
      batchSize: mostly(fc.integer({ min: 1, max: 10 })),
      gracePeriodSeconds: mostly(fc.integer({ min: 0, max: 60 })),
      workload: mostly(fc.record({ onSigterm: mostly(fc.constantFrom('exit', 'ignore')) }, { requiredKeys: [] })),
      execProbe: mostly(
        fc.record(
          { enabled: mostly(fc.boolean()), periodMs: mostly(positive), workers: mostly(positive), command: mostly(fc.constant(['true'])) },
          { requiredKeys: [] },
        ),
      ),
      matrix: mostly(fc.dictionary(fc.constantFrom(...paths), mostly(fc.array(positive, { minLength: 1, maxLength: 3 })), { maxKeys: 2 })),
      gates: mostly(fc.dictionary(fc.constantFrom('maxStuck', 'maxP99StopMs', 'maxBananas'), mostly(positive), { maxKeys: 2 })),
      extra: fc.dictionary(fc.constantFrom(...fieldNames), scalar, { maxKeys: 1 }),
    },
    { requiredKeys: ['apiVersion', 'kind', 'metadata'] },
  )
  .map(({ extra, ...rest }) => ({ ...rest, ...extra }));

const override = fc.oneof(
  fc.tuple(fc.constantFrom(...paths), scalar).map(([path, value]) => `${path}=${typeof value === 'string' ? value : JSON.stringify(value)}`),
  fc.string({ maxLength: 30 }),
);

describe('scenario fuzzing (fast-check)', function () {
  this.timeout(300_000);
  const outcomes = { plan: 0, 'input-error': 0 };

  it('8,000 generated scenario documents with overrides: a plan or exit 2, never anything else', () => {
    fc.assert(
      fc.property(scenarioDocument, fc.array(override, { maxLength: 2 }), (document, overrides) => {
        outcomes[planOrInputError(stringify(document), overrides)]++;
      }),
      { numRuns: 8000, seed: 20261127 },
    );
    // The generator must reach both sides, or the property proves little.
    expect(outcomes.plan).to.be.greaterThan(50);
    expect(outcomes['input-error']).to.be.greaterThan(1000);
  });

  it('2,000 arbitrary texts (not YAML, YAML of any shape, binary noise)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.jsonValue().map((v) => stringify(v)),
          fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString('latin1')),
        ),
        (text) => {
          planOrInputError(text, []);
        },
      ),
      { numRuns: 2000, seed: 7 },
    );
  });
});
