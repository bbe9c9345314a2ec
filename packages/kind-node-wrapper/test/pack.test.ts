import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

function run(file: string, args: readonly string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, timeout: 5 * 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** What a user of the package gets: `npm pack` (prepack builds dist/), installed into a project of its own elsewhere. */
describe('the packed kind-node-wrapper, installed into another project', function () {
  this.timeout(10 * 60_000);
  const work = mkdtempSync(join(tmpdir(), 'kind-node-wrapper-pack-'));
  const project = join(work, 'project');

  before(async () => {
    const packed = await run('npm', ['pack', '--pack-destination', work], packageDir);
    expect(packed.code, packed.stderr).to.equal(0);
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    expect(tarball, 'npm pack wrote a tarball').to.equal('kind-node-wrapper-0.1.0.tgz');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
    const installed = await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', join(work, tarball!)], project);
    expect(installed.code, installed.stderr).to.equal(0);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('holds only the built code, the README and package.json', async () => {
    const listed = await run('tar', ['tzf', join(work, 'kind-node-wrapper-0.1.0.tgz')], work);
    const files = listed.stdout.split('\n').filter(Boolean);
    expect(files).to.include.members(['package/package.json', 'package/README.md', 'package/dist/index.js', 'package/dist/index.d.ts']);
    expect(files.filter((f) => !/^package\/(package\.json|README\.md|dist\/.+)$/.test(f))).to.deep.equal([]);
  });

  it('imports from the installed package and does what it says', async () => {
    const program = [
      "import { KindInputError, KindCluster, kindArgv, renderKindConfig } from 'kind-node-wrapper';",
      'const config = renderKindConfig({ containerdConfigPatches: [], runtimeRequestTimeoutSeconds: 90 });',
      'let refused = false;',
      "try { new KindCluster('Bad/Name'); } catch (error) { refused = error instanceof KindInputError; }",
      "console.log(JSON.stringify({ config, refused, argv: kindArgv.loadImageArchive('/tmp/a.tar', 'lab') }));",
    ].join('\n');
    writeFileSync(join(project, 'use.mjs'), program);
    const ran = await run(process.execPath, ['use.mjs'], project);
    expect(ran.code, ran.stderr).to.equal(0);
    const answer = JSON.parse(ran.stdout) as { config: string; refused: boolean; argv: string[] };
    expect(answer.config).to.include('runtimeRequestTimeout: 90s');
    expect(answer.refused).to.equal(true);
    expect(answer.argv).to.deep.equal(['load', 'image-archive', '/tmp/a.tar', '--name', 'lab']);
  });

  it('its types check a TypeScript consumer and catch a misuse', async () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const typeRoots = dirname(dirname(require.resolve('@types/node/package.json')));
    const options = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2023'];
    const typeOptions = ['--types', 'node', '--typeRoots', typeRoots, '--skipLibCheck'];
    writeFileSync(
      join(project, 'good.ts'),
      [
        "import { createCluster, type CommandResult, type NodePins } from 'kind-node-wrapper';",
        "const pins: NodePins = { runc: { version: '1.3.3', binary: '/opt/runc' } };",
        'export async function demo(): Promise<CommandResult> {',
        "  const cluster = await createCluster({ name: 'lab', config: 'kind.yaml', image: 'kindest/node:v1.34.0', kubeconfig: 'kubeconfig' });",
        "  return cluster.exec((await cluster.nodes())[0] ?? 'lab-control-plane', ['runc', '--version']);",
        '}',
        'export { pins };',
      ].join('\n'),
    );
    const good = await run(process.execPath, [tsc, ...options, ...typeOptions, 'good.ts'], project);
    expect(good.code, good.stdout + good.stderr).to.equal(0);
    writeFileSync(join(project, 'bad.ts'), "import { createCluster } from 'kind-node-wrapper';\nexport const p = createCluster({ name: 'lab' });\n");
    const bad = await run(process.execPath, [tsc, ...options, ...typeOptions, 'bad.ts'], project);
    expect(bad.code).to.not.equal(0);
    expect(bad.stdout).to.match(/bad\.ts.*error TS2345.*config/s);
  });
});
