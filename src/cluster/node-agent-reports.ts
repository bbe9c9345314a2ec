import type { NodeUnit } from './provider.js';

/**
 * The node agent's reports (images/node-agent/agent.sh): one JSON object per line of its pod's log.
 * podchurn reads them through the API's pod log, mid-run and, at the run's end, followed to the agent's last pass.
 */

export interface VersionsReport {
  kind: 'versions';
  node: string;
  time: string;
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
  crictlOk: boolean;
  shims: { path: string; version: string; processes: number }[];
}

/** The CRI state of one container of the run's namespace, as the agent last saw it. */
export interface AgentContainerState {
  id: string;
  state: string;
  pid: string;
  pidAlive: boolean;
  pod: string;
}

export interface ContainersReport {
  kind: 'containers';
  node: string;
  time: string;
  containers: AgentContainerState[];
}

export interface LogReport {
  kind: 'log';
  unit: NodeUnit;
  node: string;
  time: string;
  lines: string[];
}

/** After each log pass, stamped with the time the pass began; `last` on the pass the agent makes when stopped. */
export interface TickReport {
  kind: 'tick';
  node: string;
  time: string;
  last?: boolean;
}

export type Report = VersionsReport | ContainersReport | LogReport | TickReport;
const REPORT_KINDS = new Set<unknown>(['versions', 'containers', 'log', 'tick']);

/** The reports in a stretch of the agent's log; other lines (a shell's complaint, a cut line) are passed over. */
export function parseReports(text: string): Report[] {
  return text
    .split('\n')
    .map(parseLine)
    .filter((report): report is Report => report !== undefined);
}

function parseLine(line: string): Report | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as { kind?: unknown };
    return REPORT_KINDS.has(value.kind) ? (value as Report) : undefined;
  } catch {
    return undefined;
  }
}

/** The unit's log lines the reports carry, as one text (empty when none). */
export function unitLines(reports: readonly Report[], unit: NodeUnit): string {
  const lines = reports.flatMap((report) => (report.kind === 'log' && report.unit === unit ? report.lines : []));
  return lines.length ? `${lines.join('\n')}\n` : '';
}
