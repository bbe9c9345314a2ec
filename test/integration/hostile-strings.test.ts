import { expect } from 'chai';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { stringify } from 'yaml';
import { isPodEvent } from '../../src/engine/events.js';
import { parseEventLines } from '../../src/results/event-log.js';
import type { RunSummary } from '../../src/results/summary.js';
import { repoRoot, runCli } from '../helpers/cli.js';
import { hostLeftovers } from '../helpers/host-leftovers.js';

/**
 * Strings a user, a runtime or a workload can put in front of podchurn: shell metacharacters that
 * would run a command if any of them reached a shell, markup and script, terminal escapes, very long
 * values and bytes that are not UTF-8. None may run anything, and no report may carry them as markup.
 */
const marker = join(tmpdir(), `podchurn-pwned-${process.pid}`);
const shell = `$(touch ${marker}) \`touch ${marker}\` ; touch ${marker} | touch ${marker} && touch ${marker} > ${marker} '"`;
const markup = '<script>alert("podchurn")</script><img src=x onerror=alert(2)>';
const terminal = '\u001b[2J\u001b]0;owned\u0007';
const long = 'L'.repeat(5000);
const notUtf8 = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0x28]);

/** Every `<script` in the HTML must be one of the report's own tags, and none may hold input. */
function expectNoInjectedScript(html: string): void {
  expect(html).not.to.include('<script>alert');
  expect(html).not.to.include('<img src=x');
  expect(html).not.to.include('\u001b');
  for (const tag of html.match(/<script[^>]*>/g) ?? [])
    expect(tag).to.match(/^<script( type="application\/json" id="podchurn-data"| type="module")?( nonce="[^"]*")?>$|^<script>$/);
}

describe('hostile strings in scenarios, cells, paths and runtime logs', function () {
  this.timeout(240_000);

  before(() => rmSync(marker, { force: true }));
  after(() => rmSync(marker, { force: true }));

  it('run and report: nothing is executed, every report escapes them, nothing is left behind', async () => {
    // A reports directory whose path is itself hostile: it reaches containerd's log file and every report.
    const base = mkdtempSync(join(tmpdir(), 'podchurn-hostile-'));
    const reportsDir = join(base, `r $(touch ${marker}); \`touch ${marker}\` <script>`);
    mkdirSync(reportsDir, { recursive: true });
    const file = join(base, 'hostile.yaml');
    const yaml = stringify({
      apiVersion: 'podchurn/v1',
      kind: 'Scenario',
      metadata: { name: 'hostile', description: `${shell} ${markup} ${terminal} ${long} NOTUTF8` },
      target: { type: 'cri' },
      pods: 2,
      batchSize: 2,
      holdSeconds: 1,
      gracePeriodSeconds: 1,
      requestTimeoutSeconds: 20,
      execProbe: { enabled: true, periodMs: 200, workers: 1 },
      // Cell values: an exec probe command (argv: runs in the container without a shell) and an image
      // reference that cannot exist (its create fails; the runtime's error echoes it back).
      matrix: {
        'execProbe.command': [['/bin/echo', shell, markup, `${long}${terminal}`]],
        'workload.image': ['podchurn.local/workload:1', `podchurn.local/${markup}${shell}${terminal}:1`],
      },
      gates: { maxStuck: 0 },
    });
    // Raw bytes that are not UTF-8 inside the YAML file itself.
    writeFileSync(file, Buffer.concat(yaml.split('NOTUTF8').flatMap((part, i) => (i === 0 ? [Buffer.from(part)] : [notUtf8, Buffer.from(part)]))));

    const run = await runCli(['run', file, '--reports-dir', reportsDir]);
    expect(run.stderr).not.to.match(/\n\s+at /);
    expect(run.stderr).not.to.match(/internal error/);
    expect([0, 1], run.stderr).to.include(run.code);
    expect(existsSync(marker), 'a hostile string reached a shell').to.equal(false);
    expect(run.stdout).not.to.include('\u001b', 'terminal escapes from input reach the terminal');

    const [runId] = readdirSync(reportsDir);
    const dir = join(reportsDir, runId!);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.cells).to.have.length(2);
    // The real image churned; the hostile one failed at create, with the runtime's error recorded.
    expect(summary.cells[0]!.outcomes.ok).to.equal(2);
    expect(summary.cells[1]!.outcomes['infra-error']).to.equal(2);
    const events = parseEventLines(readFileSync(join(dir, 'events.jsonl'), 'utf8')).filter(isPodEvent);
    expect(events.some((e) => e.kind === 'error' && String(e.data?.message).includes('<script>'))).to.equal(true);
    expect(summary.leakCheck.leaked).to.deep.equal([]);
    expect(await hostLeftovers(runId!)).to.deep.equal([]);

    // The runtime's log gains lines with the same strings and raw non-UTF-8 bytes, one of them a
    // signature line for a real container of the run, so it is quoted in every report as evidence.
    const containerId = String(events.find((e) => e.kind === 'created' && e.cell === 'cell-01')!.data!.containerId);
    const log = join(dir, 'logs', 'containerd-1.log');
    appendFileSync(
      log,
      Buffer.concat([
        Buffer.from(
          `time="2026-11-27T20:00:00Z" level=error msg="StopContainer for ` +
            `\\"${containerId}\\" failed" error="rpc error: code = DeadlineExceeded desc = wait container \\"${containerId}\\": context deadline exceeded `,
        ),
        notUtf8,
        Buffer.from(` ${markup} ${shell} ${terminal} ${long}"\n`),
        notUtf8,
        Buffer.from(`${markup}\u0000\u0001${terminal}\n`),
      ]),
    );
    const report = await runCli(['report', dir]);
    expect(report.stderr).not.to.match(/\n\s+at |internal error/);
    expect([0, 1], report.stderr).to.include(report.code);
    expect(existsSync(marker)).to.equal(false);
    expect(report.stdout).not.to.include('\u001b');
    const rerun = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
    expect(rerun.topFindings.some((f) => f.signature === 'stop-deadline' && f.line.includes('<script>'))).to.equal(true);

    // HTML: the strings are there as text, never as markup or script.
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expectNoInjectedScript(html);
    expect(html).to.match(/&lt;script&gt;alert|\\u003cscript>alert/);

    // Markdown: outside fenced code, no raw markup; every table row keeps its column count.
    const markdown = readFileSync(join(dir, 'report.md'), 'utf8');
    const outsideCode = markdown.replace(/(`{3,})text\n[\s\S]*?\n\1/g, '');
    expect(outsideCode).not.to.include('<script');
    expect(outsideCode).not.to.include('<img');
    expect(markdown).not.to.include('\u001b');
    for (const table of outsideCode.split(/\n\n+/).filter((block) => block.startsWith('|'))) {
      const columns = table.split('\n').map((row) => row.replace(/\\\|/g, '').split('|').length);
      expect(new Set(columns).size, `a table lost its shape:\n${table.slice(0, 500)}`).to.equal(1);
    }

    // JUnit: well-formed XML, strings escaped.
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(xml).not.to.include('<script');
    const schema = readFileSync(join(repoRoot, 'test/fixtures/junit.xsd'), 'utf8');
    const validation = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: schema }] });
    expect(validation.errors.map((e) => e.rawMessage)).to.deep.equal([]);

    // metrics.prom: each hostile axis value is one label value, escaped (\\ \" \n), other controls as U+FFFD;
    // every sample stays one well-formed line, so no value can forge a label or a sample.
    const metrics = readFileSync(join(dir, 'metrics.prom'), 'utf8');
    expect(metrics).not.to.include('\u001b');
    expect(metrics.endsWith('\n# EOF\n')).to.equal(true);
    const sample = /^podchurn_[a-z0-9_]+\{(?:[a-z_][a-z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)+\} \S+$/;
    const samples = metrics.split('\n').filter((l) => l && !l.startsWith('#'));
    for (const line of samples) expect(sample.test(line), line.slice(0, 300)).to.equal(true);
    const unescapeLabel = (value: string) => value.replace(/\\([\\"n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const cell2 = samples.find((l) => l.startsWith('podchurn_pods_total{') && l.includes('cell="cell-02"'))!;
    const imageLabel = cell2.match(/axis_workload_image="((?:[^"\\]|\\.)*)"/);
    const controls = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
    expect(unescapeLabel(imageLabel![1]!)).to.equal(`podchurn.local/${markup}${shell}${terminal}:1`.replace(controls, '\uFFFD'));
  });

  it('a hostile scenario name is refused as input (exit 2), its message printed without escapes', async () => {
    const base = mkdtempSync(join(tmpdir(), 'podchurn-hostile-name-'));
    const file = join(base, 'name.yaml');
    writeFileSync(
      file,
      stringify({ apiVersion: 'podchurn/v1', kind: 'Scenario', metadata: { name: `${shell}${markup}${terminal}${long}` }, target: { type: 'cri' } }),
    );
    const result = await runCli(['run', file, '--reports-dir', join(base, 'reports')]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/metadata\.name/);
    expect(result.stderr).not.to.include('\u001b');
    expect(existsSync(marker)).to.equal(false);
    expect(existsSync(join(base, 'reports'))).to.equal(false);
  });
});
