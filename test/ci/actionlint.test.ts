import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli.js';
import { ensureSetUp, PROVISION_TIMEOUT_MS } from '../helpers/provision.js';
import { expressionsIn, inputsReadBy, readActionMetadata, stepTexts } from './action-metadata.js';

/**
 * Lints every workflow with actionlint (built from the Go module proxy by scripts/actionlint-tool.sh,
 * with its shellcheck integration on) and checks what actionlint does not lint: action.yml itself.
 */
const workflowsDir = join(repoRoot, '.github', 'workflows');
const workflows = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f));

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command]).status === 0;
}

describe('workflows and the GitHub Action pass their linters', function () {
  this.timeout(120_000);
  let actionlint = '';

  before(async function () {
    this.timeout(PROVISION_TIMEOUT_MS);
    // shellcheck comes with the test set-up's Debian packages (scripts/setup.sh --test).
    if (!onPath('shellcheck')) await ensureSetUp({ test: true });
    const built = spawnSync('bash', [join(repoRoot, 'scripts', 'actionlint-tool.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    expect(built.status, 'scripts/actionlint-tool.sh').to.equal(0);
    actionlint = built.stdout.trim();
  });

  it('actionlint, with shellcheck on, finds nothing in any workflow (they include the action through uses: ./)', () => {
    expect(workflows).to.include('nightly.yml');
    const lint = spawnSync(actionlint, ['-verbose', ...workflows.map((w) => join('.github', 'workflows', w))], { cwd: repoRoot, encoding: 'utf8' });
    expect(lint.stdout + lint.stderr, 'actionlint findings').to.not.match(/\[[a-z-]+\]$/m);
    expect(lint.status, lint.stdout).to.equal(0);
    expect(lint.stderr).to.not.include('Rule "shellcheck" was disabled');
  });

  it('actionlint reads action.yml for uses: ./ and refuses an input the action does not declare', () => {
    const project = mkdtempSync(join(tmpdir(), 'podchurn-actionlint-'));
    mkdirSync(join(project, '.github', 'workflows'), { recursive: true });
    copyFileSync(join(repoRoot, 'action.yml'), join(project, 'action.yml'));
    const nightly = readFileSync(join(workflowsDir, 'nightly.yml'), 'utf8');
    expect(nightly).to.include('uses: ./\n');
    writeFileSync(
      join(project, '.github', 'workflows', 'nightly.yml'),
      nightly.replace(/uses: \.\/\n(\s+)with:\n/, 'uses: ./\n$1with:\n$1  baseline-commit: main\n'),
    );
    // actionlint finds local actions from the project root, which a git repository marks.
    expect(spawnSync('git', ['init', '-q', project]).status).to.equal(0);
    const lint = spawnSync(actionlint, ['.github/workflows/nightly.yml'], { cwd: project, encoding: 'utf8' });
    expect(lint.status).to.equal(1);
    expect(lint.stdout).to.include('input "baseline-commit" is not defined in action "podchurn"');
  });

  it("the README's pipeline example is a workflow actionlint accepts, with the action's inputs", () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### In a pipeline'));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    expect(example).to.include('uses: OWNER/podchurn@REF');
    const project = mkdtempSync(join(tmpdir(), 'podchurn-readme-action-'));
    mkdirSync(join(project, '.github', 'workflows'), { recursive: true });
    copyFileSync(join(repoRoot, 'action.yml'), join(project, 'action.yml'));
    writeFileSync(join(project, '.github', 'workflows', 'example.yml'), `name: example\non: push\n${example.replace('OWNER/podchurn@REF', './')}`);
    expect(spawnSync('git', ['init', '-q', project]).status).to.equal(0);
    const lint = spawnSync(actionlint, ['.github/workflows/example.yml'], { cwd: project, encoding: 'utf8' });
    expect(lint.status, lint.stdout).to.equal(0);
  });

  describe('action.yml (actionlint lints workflows, not actions)', () => {
    const action = readActionMetadata();
    const steps = action.runs.steps;

    it('is a composite action whose run steps are bash and whose steps and outputs read only declared inputs and earlier steps', () => {
      expect(action.runs.using).to.equal('composite');
      expect(action.name).to.be.a('string').and.not.empty;
      for (const [name, spec] of Object.entries(action.inputs)) {
        expect(spec.description, `inputs.${name}.description`).to.be.a('string').and.not.empty;
        if (!spec.required) expect(spec.default, `inputs.${name} has a default`).to.be.a('string');
      }
      const declared = new Set(Object.keys(action.inputs));
      const read = new Set<string>();
      const ids: string[] = [];
      for (const step of steps) {
        expect(Boolean(step.run) !== Boolean(step.uses), `${step.name}: run or uses`).to.equal(true);
        if (step.run) expect(step.shell, `${step.name}: composite run steps name their shell`).to.equal('bash');
        const expressions = stepTexts(step).flatMap((text) => (text === step.if ? [text, ...expressionsIn(text)] : expressionsIn(text)));
        for (const expression of expressions) {
          for (const input of inputsReadBy(expression)) {
            expect(declared.has(input), `${step.name} reads inputs.${input}, which is not declared`).to.equal(true);
            read.add(input);
          }
          for (const [, id] of expression.matchAll(/\bsteps\.([A-Za-z0-9_-]+)\./g)) {
            expect(ids, `${step.name} reads steps.${id}, which is not an earlier step`).to.include(id);
          }
        }
        if (step.id) ids.push(step.id);
      }
      for (const [name, output] of Object.entries(action.outputs)) {
        for (const [, id] of output.value.matchAll(/\bsteps\.([A-Za-z0-9_-]+)\./g)) expect(ids, `outputs.${name}`).to.include(id);
      }
      expect(
        [...declared].filter((input) => !read.has(input)),
        'declared inputs no step reads',
      ).to.deep.equal([]);
    });

    it('passes inputs to shell code only through env (no ${{ }} inside a run: script, so no script injection)', () => {
      for (const step of steps.filter((s) => s.run)) expect(expressionsIn(step.run!), step.name).to.deep.equal([]);
    });

    it('has run: scripts that pass shellcheck, as the runner runs them (bash -eo pipefail)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'podchurn-action-shellcheck-'));
      const runSteps = steps.filter((s) => s.run);
      expect(runSteps.length).to.be.at.least(5);
      for (const [index, step] of runSteps.entries()) {
        const file = join(dir, `step-${index}.sh`);
        writeFileSync(file, `#!/usr/bin/env bash\nset -eo pipefail\n${step.run!}`);
        const check = spawnSync('shellcheck', ['--shell=bash', '--severity=info', file], { encoding: 'utf8' });
        expect(check.status, `${step.name}:\n${check.stdout}${check.stderr}`).to.equal(0);
      }
      // The check can fail: a classic unquoted expansion is reported.
      const bad = join(dir, 'bad.sh');
      writeFileSync(bad, '#!/usr/bin/env bash\nrm -rf $1/tmp\n');
      expect(spawnSync('shellcheck', ['--shell=bash', bad]).status).to.equal(1);
    });
  });
});
