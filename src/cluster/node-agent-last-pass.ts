import { PassThrough, type Readable } from 'node:stream';
import { type KubeConfig, Log } from '@kubernetes/client-node';
import { type Report, parseReports } from './node-agent-reports.js';

/** What one agent printed from its start until it stopped, or until podchurn stopped waiting. */
export interface AgentEnding {
  reports: Report[];
  /** Whether its last log pass (the tick marked last) is among them: every line written before its stop was read. */
  complete: boolean;
}

const LAST_TICK = '"last":true';

/**
 * Follows one agent pod's log from its start. Resolves once the stream is open, so the agent may be stopped
 * from then on without losing what it prints on the way out; `ended` resolves at its last tick, at the
 * stream's end (the agent exited without one), or after `limitMs`, whichever comes first.
 */
export async function followAgentLog(kubeConfig: KubeConfig, namespace: string, pod: string, limitMs: number): Promise<{ ended: Promise<AgentEnding> }> {
  const sink = new PassThrough();
  sink.setEncoding('utf8');
  let text = '';
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  sink.on('data', (chunk: string) => {
    text += chunk;
    // The last tick is the agent's last line: only the new end of the text needs looking at.
    if (text.includes(LAST_TICK, Math.max(0, text.length - chunk.length - LAST_TICK.length))) finish();
  });
  sink.on('end', finish);
  // The response body is piped in; its errors (a dropped connection, the abort below) would otherwise go unhandled.
  sink.on('pipe', (source: Readable) => source.on('error', finish));
  const controller = await new Log(kubeConfig).log(namespace, pod, 'agent', sink, { follow: true });
  const timer = setTimeout(finish, limitMs);
  const ended = finished.then(() => {
    clearTimeout(timer);
    controller.abort();
    const reports = parseReports(text);
    return { reports, complete: reports.some((report) => report.kind === 'tick' && report.last === true) };
  });
  return { ended };
}
