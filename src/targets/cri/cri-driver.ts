import { InfrastructureError, describeCause } from '../../errors.js';
import { getText } from '../../util/http-text.js';
import type { TargetDriver } from '../target.js';
import { ContainerExitWatch } from './container-exit-watch.js';
import { openCriSession, runtimeKey } from './cri-session.js';
import { CriTarget } from './cri-target.js';
import { criScenarioRules } from './scenario-rules.js';

/** Sandboxes and containers over CRI, on a containerd podchurn starts or an existing endpoint. */
export const criDriver: TargetDriver = {
  type: 'cri',
  scenarioRules: criScenarioRules,
  primaryLatency: 'stop',

  async prepare(_cellId, settings, context) {
    // A cri cell needs no cluster: one a previous kube cell asked for goes now.
    await context.clusters.release();
    return settings;
  },

  requiresRoot: () => true,
  sessionKey: runtimeKey,

  async open(settings, instanceNumber, context) {
    const session = await openCriSession(settings, context.runId, instanceNumber, context.runDir, context.onNotice);
    const { record } = session;
    context.environment.runtimes.push(record);
    // The runtime's exit events for the stop waterfall, for as long as the session is open.
    const exitWatch = new ContainerExitWatch(session.client, context.events, record.instance);
    exitWatch.start();
    let notServedNoted = false;
    const noteIfNotServed = () => {
      if (exitWatch.state !== 'not-served' || notServedNoted) return;
      notServedNoted = true;
      record.notes.push(
        `The runtime does not serve CRI GetContainerEvents (${exitWatch.notServedReason}): the stop waterfall has no exit events for its cells.`,
      );
    };
    void session.died.then((reason) => {
      context.events.run('runtime-exited', { reason, runtime: record.instance });
      context.onDied(reason);
    });
    // A stepped runtime no longer runs the pins its key names: the next cell or repetition gets a fresh one.
    let stepped = false;
    return {
      get key() {
        return stepped ? `${session.key}#stepped` : session.key;
      },
      instance: record.instance,
      addCell(cellId) {
        if (!record.cells.includes(cellId)) record.cells.push(cellId);
        noteIfNotServed();
      },
      target: (cellId, _rep, cellSettings) =>
        new CriTarget({
          client: session.client,
          events: context.events,
          runId: context.runId,
          settings: cellSettings,
          workloadImage: session.workloadImage,
          cgroupParent: session.cgroupParent,
          exitWatch,
          // An endpoint podchurn does not own may be restarted by its supervisor mid-run: give it time to come back before cleanup.
          runtimeReturnMs: record.managed ? 0 : 30_000,
          shimAddress: record.managed ? record.endpoint : undefined,
          cniNetwork: session.cniNetwork,
          runtimeStep: cellSettings.runtimeStep && {
            afterCycleHold: cellSettings.runtimeStep.afterCycleHold,
            duringStopsAfterMs:
              cellSettings.runtimeStep.duringStopsAfterSeconds === undefined ? undefined : cellSettings.runtimeStep.duringStopsAfterSeconds * 1000,
            duringCreatesAfterMs:
              cellSettings.runtimeStep.duringCreatesAfterSeconds === undefined ? undefined : cellSettings.runtimeStep.duringCreatesAfterSeconds * 1000,
            perform: async () => {
              if (!session.step)
                throw new InfrastructureError('runtimeStep needs a containerd started by podchurn; this session attached to an existing endpoint');
              const to = {
                containerd: cellSettings.runtimeStep?.containerd ?? cellSettings.runtime.containerd,
                runc: cellSettings.runtimeStep?.runc ?? cellSettings.runtime.runc,
              };
              stepped = true;
              const startedAt = context.clock.now();
              const result = await session.step(to);
              context.events.run(
                'runtime-step',
                { runtime: record.instance, afterCycleHold: cellSettings.runtimeStep?.afterCycleHold, startedAt, ...result },
                cellId,
              );
              record.notes.push(
                `Runtime step in ${cellId}: ` +
                  `containerd ${result.from.measured.containerd} ` +
                  `(shim ${result.from.measured.shim}, runc ${result.from.measured.runc}) replaced in place ` +
                  `by ${result.to.measured.containerd} (shim ${result.to.measured.shim}, runc ${result.to.measured.runc}); running shims were left alone.`,
              );
            },
          },
        }),
      async metricsEndpoints() {
        const address = session.metricsAddress();
        return address ? [{ source: 'containerd', kind: 'containerd' as const, fetch: (signal) => getText(`http://${address}/v1/metrics`, signal) }] : [];
      },
      async close() {
        noteIfNotServed();
        exitWatch.close();
        const teardown = (await session.close().catch((error) => ({
          killedShims: 0,
          killedProcesses: 0,
          unmountFailures: [`teardown failed: ${describeCause(error)}`],
          removedNetworkNamespaces: [],
        }))) ?? { killedShims: 0, killedProcesses: 0, unmountFailures: [], removedNetworkNamespaces: [] };
        // A managed runtime takes whatever it still held (shims, mounts, state) with it; record what that was.
        context.events.run('runtime-teardown', { runtime: record.instance, managed: record.managed, ...teardown });
        return { leftovers: teardown.unmountFailures, clearsCellLeftovers: record.managed && teardown.unmountFailures.length === 0 };
      },
    };
  },
};
