import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { parseScenario } from '../../src/scenario/load.js';
import { expandMatrix } from '../../src/scenario/matrix.js';
import { runCli } from '../helpers/cli.js';
import { targetScenarioRules } from '../../src/targets/registry.js';

const header = 'apiVersion: podchurn/v1\nkind: Scenario\nmetadata: {name: t}\n';

function loadError(text: string, overrides: string[] = []): string {
  try {
    const loaded = parseScenario(text, 'bad.yaml', overrides);
    expandMatrix(loaded.scenario, 'bad.yaml', { written: loaded, rulesFor: targetScenarioRules });
  } catch (error) {
    expect(error).to.be.instanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('expected the scenario to be rejected');
}

describe('scenario loading', () => {
  it('applies defaults to a minimal scenario', () => {
    const { scenario } = parseScenario(header, 's.yaml');
    expect(scenario.target.type).to.equal('cri');
    expect(scenario.runtime.containerd).to.equal('system');
    expect(scenario.gracePeriodSeconds).to.equal(2);
    expect(scenario.requestTimeoutSeconds).to.equal(120);
    expect(scenario.workload.onSigterm).to.equal('exit');
  });

  const badScenarios: { name: string; text: string; overrides?: string[]; expect: RegExp[] }[] = [
    { name: 'negative batch size', text: `${header}batchSize: -1\n`, expect: [/batchSize \(line 4\)/, /got -1/] },
    { name: 'unknown SIGTERM behaviour', text: `${header}workload:\n  onSigterm: maybe\n`, expect: [/workload\.onSigterm/, /"exit", "ignore", "delay"/] },
    { name: 'delay without delaySeconds', text: `${header}workload: {onSigterm: delay}\n`, expect: [/workload\.delaySeconds/, /required/] },
    {
      name: 'stop_timeout is named for what it is',
      text: `${header}stop_timeout: 60s\n`,
      expect: [/unknown field "stop_timeout"/, /not a containerd setting/, /line 4/],
    },
    { name: 'wrong apiVersion', text: 'apiVersion: v2\nkind: Scenario\nmetadata: {name: t}\n', expect: [/apiVersion/, /podchurn\/v1/] },
    { name: 'missing metadata', text: 'apiVersion: podchurn/v1\nkind: Scenario\n', expect: [/metadata/] },
    {
      name: 'name that is not a DNS label',
      text: 'apiVersion: podchurn/v1\nkind: Scenario\nmetadata: {name: "Bad Name"}\n',
      expect: [/metadata\.name/, /DNS label/],
    },
    { name: 'unknown target type', text: `${header}target: {type: nomad}\n`, expect: [/target\.type/, /"cri"/] },
    { name: 'probe period zero', text: `${header}execProbe: {enabled: true, periodMs: 0}\n`, expect: [/execProbe\.periodMs/] },
    { name: 'gate with a negative limit', text: `${header}gates: {maxStuck: -2}\n`, expect: [/gates\.maxStuck/] },
    { name: 'unknown gate', text: `${header}gates: {maxBananas: 1}\n`, expect: [/gates/, /"maxBananas"/] },
    { name: 'matrix over an unknown field', text: `${header}matrix: {batchsize: [1, 2]}\n`, expect: [/matrix key "batchsize"/, /batchSize/] },
    { name: 'matrix value out of range', text: `${header}matrix: {batchSize: [50, 0]}\n`, expect: [/matrix\.batchSize\[1\]/] },
    { name: 'empty matrix axis', text: `${header}matrix: {batchSize: []}\n`, expect: [/matrix\.batchSize/] },
    { name: 'override with a bad value', text: header, overrides: ['pods=many'], expect: [/pods \(from --set pods=many\)/] },
    { name: 'override without =', text: header, overrides: ['pods'], expect: [/--set pods: expected key.path=value/] },
    { name: 'not YAML', text: 'a: [1,\n', expect: [/bad\.yaml:\d+:\d+: not valid YAML/] },
    { name: 'not a mapping', text: '- 1\n- 2\n', expect: [/must be a YAML mapping/] },
  ];
  for (const bad of badScenarios) {
    it(`rejects ${bad.name} with the field path`, () => {
      const message = loadError(bad.text, bad.overrides);
      for (const pattern of bad.expect) expect(message).to.match(pattern);
      expect(message).to.match(/^bad\.yaml/);
    });
  }

  it('lets --set override nested fields with typed values', () => {
    const { scenario } = parseScenario(header, 's.yaml', [
      'runtime.containerd=1.7.22',
      'batchSize=50',
      'execProbe.enabled=true',
      'execProbe.command=[date, "-u"]',
    ]);
    expect(scenario.runtime.containerd).to.equal('1.7.22');
    expect(scenario.batchSize).to.equal(50);
    expect(scenario.execProbe.enabled).to.equal(true);
    expect(scenario.execProbe.command).to.deep.equal(['date', '-u']);
  });

  describe('through the CLI', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podchurn-bad-'));
    it('exits 2 with one clear message and no stack trace', async () => {
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, `${header}gracePeriodSeconds: soon\n`);
      const result = await runCli(['run', file]);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include('gracePeriodSeconds (line 4)');
      expect(result.stderr).not.to.match(/\n\s+at /);
      expect(result.stdout).to.equal('');
    });

    it('exits 2 for an unknown flag', async () => {
      const result = await runCli(['run', 'scenarios/quickstart.yaml', '--no-such-flag']);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.match(/Unknown argument/i);
    });

    it('prints a JSON Schema that names every field', async () => {
      const result = await runCli(['schema']);
      expect(result.code).to.equal(0);
      const schema = JSON.parse(result.stdout) as { properties: Record<string, { properties?: Record<string, unknown> }> };
      expect(schema.properties).to.include.keys(
        'apiVersion',
        'kind',
        'metadata',
        'target',
        'runtime',
        'pods',
        'batchSize',
        'matrix',
        'gates',
        'execProbe',
        'workload',
      );
      expect(schema.properties.workload!.properties).to.include.keys('onSigterm', 'delaySeconds');
    });
  });
});
