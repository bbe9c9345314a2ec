import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot, runCli } from '../helpers/cli.js';
import { provisionSetUp } from '../helpers/provision.js';
import { FakeCli } from '../../packages/kind-node-wrapper/test/fake-cli.js';

/** `podchurn cluster up|status|down --provider kind` as a separate process, with the fake CLIs first on PATH. */
describe('podchurn cluster --provider kind (CLI, fake kind and docker)', function () {
  // Each CLI process compiles the sources with tsx first: slow on a busy 2-core machine.
  this.timeout(600_000);
  let fake: FakeCli;
  let cache: string;
  const env = (extra: Record<string, string> = {}, pathDirs?: string[]) => ({ ...fake.env(extra, pathDirs), PODCHURN_CACHE_DIR: cache });

  before(provisionSetUp()); // one test runs the installed entry point, bin/podchurn.js -> dist/
  beforeEach(() => {
    fake = new FakeCli();
    cache = mkdtempSync(join(tmpdir(), 'podchurn-kind-cli-'));
  });
  afterEach(() => {
    fake.cleanup();
    rmSync(cache, { recursive: true, force: true });
  });

  it('up builds and loads the offline images, status reports the node, down removes it: exit codes 0, then 3 once it is gone', async () => {
    const notRunning = await runCli(['cluster', 'status', '--provider', 'kind', '--name', 'pc-cli'], env());
    expect(notRunning.code).to.equal(3);
    expect(notRunning.stdout).to.equal('kind/pc-cli: not running\n');

    const up = await runCli(['cluster', 'up', '--provider', 'kind', '--name', 'pc-cli', '--kubernetes', '1.30.0', '--runtime-request-timeout', '300'], env());
    expect(up.code, up.stderr).to.equal(0);
    const kubeconfig = join(cache, 'clusters', 'kind', 'pc-cli', 'kubeconfig');
    expect(up.stdout).to.equal(`${kubeconfig}\n`);
    const loads = fake.calls().filter((c) => c.argv[0] === 'load');
    expect(loads.map((c) => c.argv[2])).to.satisfy(
      (archives: string[]) => archives.length === 2 && archives.every((a) => a.startsWith(join(cache, 'images')) && existsSync(a)),
    );

    const status = await runCli(['cluster', 'status', '--provider', 'kind', '--name', 'pc-cli'], env());
    expect(status.code, status.stderr).to.equal(0);
    expect(status.stdout).to.equal(`kind/pc-cli: running (kubeconfig ${kubeconfig})\n  pc-cli-control-plane: Up 10 seconds\n`);

    const down = await runCli(['cluster', 'down', '--provider', 'kind', '--name', 'pc-cli'], env());
    expect(down.code, down.stderr).to.equal(0);
    expect(down.stderr).to.include('removed kind node container pc-cli-control-plane');
    expect((await runCli(['cluster', 'status', '--provider', 'kind', '--name', 'pc-cli'], env())).code).to.equal(3);
  });

  it('down exits 3 and names what is left behind', async () => {
    expect((await runCli(['cluster', 'up', '--provider', 'kind', '--name', 'pc-leak', '--kubernetes', '1.30.0'], env())).code).to.equal(0);
    const down = await runCli(['cluster', 'down', '--provider', 'kind', '--name', 'pc-leak'], env({ FAKE_KIND_DELETE_LEAVES: '1' }));
    expect(down.code).to.equal(3);
    expect(down.stderr).to.include('left behind: docker container pc-leak-control-plane (Exited (137) 1 second ago; label io.x-k8s.kind.cluster=pc-leak)');
  });

  it("the installed entry point (bin/podchurn.js, built by npm test's setup) gives the same answers", () => {
    const bin = (args: string[], extra: Record<string, string> = {}, pathDirs?: string[]) =>
      spawnSync(process.execPath, ['bin/podchurn.js', ...args], { cwd: repoRoot, env: { ...process.env, ...env(extra, pathDirs) }, encoding: 'utf8' });
    const notRunning = bin(['cluster', 'status', '--provider', 'kind', '--name', 'pc-bin']);
    expect(notRunning.status, notRunning.stderr).to.equal(3);
    expect(notRunning.stdout).to.equal('kind/pc-bin: not running\n');
    expect(fake.lines()).to.deep.equal(['kind get clusters', 'docker ps -a --filter label=io.x-k8s.kind.cluster=pc-bin --format {{json .}}']);
    const noKind = bin(['cluster', 'status', '--provider', 'kind'], {}, [fake.dockerOnlyDir()]);
    expect(noKind.status).to.equal(3);
    expect(noKind.stderr).to.include('kind was not found on PATH');
  });

  it('a missing kind binary or an unreachable Docker exits 3; an unreadable config file exits 2', async () => {
    const noKind = await runCli(['cluster', 'status', '--provider', 'kind'], env({}, [fake.dockerOnlyDir()]));
    expect(noKind.code).to.equal(3);
    expect(noKind.stderr).to.include('kind was not found on PATH');

    const dockerDown = await runCli(['cluster', 'status', '--provider', 'kind'], env({ FAKE_DOCKER_DOWN: '1' }));
    expect(dockerDown.code).to.equal(3);
    expect(dockerDown.stderr).to.include('Cannot connect to the Docker daemon');

    const createFails = await runCli(['cluster', 'up', '--provider', 'kind', '--kubernetes', '1.30.0'], env({ FAKE_CLI_FAIL: 'kind create cluster' }));
    expect(createFails.code).to.equal(3);
    expect(createFails.stderr).to.include('failed to init node with kubeadm');

    const callsBefore = fake.calls().length;
    const badConfig = await runCli(['cluster', 'up', '--provider', 'kind', '--config', join(cache, 'missing.yaml')], env());
    expect(badConfig.code).to.equal(2);
    expect(badConfig.stderr).to.include('missing.yaml cannot be read');
    expect(fake.calls(), 'nothing runs for bad input').to.have.length(callsBefore);
  });
});
