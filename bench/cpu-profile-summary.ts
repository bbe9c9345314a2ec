import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile (written by `node --cpu-prof`) that self time needs. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTimeRow {
  name: string;
  selfMs: number;
  /** Share of the busy time (everything but idle). */
  percent: number;
}

export interface CpuProfileSummary {
  /** Sampled time with the thread doing something: total minus (idle). */
  busyMs: number;
  idleMs: number;
  /** podchurn's own modules, npm packages, Node's own JavaScript, V8's collector, native code. */
  byOrigin: SelfTimeRow[];
  byModule: SelfTimeRow[];
  byFunction: SelfTimeRow[];
}

/**
 * Where a function's code lives: a podchurn module (by its path under dist/), an npm package, Node's
 * own JavaScript, or one of V8's pseudo-frames ((garbage collector), (program): native work outside
 * any JavaScript function).
 */
export function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return `npm ${pkg[1]}`;
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/dist\/(.+)$/.exec(url);
  if (own) return `podchurn ${own[1]!.replace(/\.js$/, '.ts')}`;
  return url;
}

/** Self time per module and per function of one profile, largest first (idle excluded from the shares). */
export function summariseCpuProfile(file: string, top = 15): CpuProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const selfUs = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const modules = new Map<string, number>();
  const functions = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const module = moduleOf(frame.url, frame.functionName);
    modules.set(module, (modules.get(module) ?? 0) + us);
    const where = frame.url ? `${module.replace(/^(podchurn|npm) /, '')}:${frame.lineNumber + 1}` : module;
    const name = `${frame.functionName || '(anonymous)'} (${where})`;
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const busyUs = [...modules.values()].reduce((a, b) => a + b, 0);
  const origins = new Map<string, number>();
  for (const [module, us] of modules) {
    const origin = /^(podchurn|npm) /.exec(module)
      ? `${module.split(' ')[0]} (all modules)`
      : module === '(garbage collector)' || module === 'node internals'
        ? module
        : 'native and V8 ((native), (program))';
    origins.set(origin, (origins.get(origin) ?? 0) + us);
  }
  const rows = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: Math.round(us / 1000), percent: Math.round((us / busyUs) * 1000) / 10 }));
  return {
    busyMs: Math.round(busyUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    byOrigin: rows(origins),
    byModule: rows(modules),
    byFunction: rows(functions),
  };
}
