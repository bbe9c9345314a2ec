import type { PodRecord } from '../../results/pod-record.js';
import { signatureCatalog, type Signature } from './signatures.js';
import type { Finding } from '../../results/finding.js';

/** One log line that matched a signature, attributed to a pod where the line names its container. */
const MAX_LINE = 2000;

/** Matches every line of a log against the catalog. Non-UTF-8 bytes arrive as U+FFFD and are kept as text. */
export function scanLog(text: string, source: string, catalog: readonly Signature[] = signatureCatalog): Finding[] {
  const findings: Finding[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    for (const signature of catalog) {
      const match = signature.pattern.exec(line);
      if (!match) continue;
      findings.push({
        signature: signature.id,
        severity: signature.severity,
        benign: signature.benignAlone,
        source,
        lineNumber: index + 1,
        time: /time="([^"]+)"/.exec(line)?.[1],
        containerId: match[1],
        line: line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line,
        reference: signature.reference,
      });
    }
  });
  return findings;
}

/**
 * Attributes findings to pods through the container ids the run recorded, then applies the
 * lost-exit rule: "cannot exec in a stopped container" is a benign race alone, but next to a stop
 * that never returned (or a state mismatch) for the same container it is evidence that CRI says
 * RUNNING while runc says stopped.
 */
export function attributeAndCorrelate(findings: readonly Finding[], records: readonly PodRecord[]): Finding[] {
  const byContainer = new Map(records.filter((r) => r.containerId).map((r) => [r.containerId!, r]));
  const attributed = findings.map((finding) => {
    const record = finding.containerId ? byContainer.get(finding.containerId) : undefined;
    return record ? { ...finding, pod: record.pod, cell: record.cell } : { ...finding };
  });
  const hungContainers = new Set([
    ...attributed.filter((f) => f.signature === 'stop-deadline' || f.signature === 'stop-canceled').map((f) => f.containerId),
    ...records.filter((r) => r.phases['state-mismatch'] !== undefined || r.stopFailure?.code === 'DEADLINE_EXCEEDED').map((r) => r.containerId),
  ]);
  return attributed.map((finding) =>
    finding.signature === 'exec-in-stopped' && finding.containerId && hungContainers.has(finding.containerId)
      ? { ...finding, benign: false, severity: 'error' as const }
      : finding,
  );
}

export function countBySignature(findings: readonly Finding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const finding of findings) counts[finding.signature] = (counts[finding.signature] ?? 0) + 1;
  return counts;
}
