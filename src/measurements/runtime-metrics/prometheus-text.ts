import type { MetricSample } from '../../results/runtime-metrics.js';

/*
 * The Prometheus text exposition format (version 0.0.4), as containerd's /v1/metrics and the kubelet's
 * /metrics write it: `# HELP` / `# TYPE` lines, other comments, and sample lines
 * `name{label="value",...} value [timestamp]`. A small parser of its own rather than an npm package:
 * the one there is (parse-prometheus-text-format) ships no types and builds whole metric families,
 * where podchurn needs the flat samples of a few families.
 */

export class PrometheusTextError extends Error {}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string, line: number): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new PrometheusTextError(`line ${line}: "${text}" is not a sample value`);
  return value;
}

/** Reads `{a="x",b="y"}` starting at text[start] === '{'; returns the labels and the index after '}'. */
function parseLabels(text: string, start: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  const fail = (what: string): never => {
    throw new PrometheusTextError(`line ${line}: ${what} at column ${i + 1}`);
  };
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (text[i] === '}') return { labels, end: i + 1 };
    const name = LABEL_NAME.exec(text.slice(i))?.[0] ?? fail('a label name was expected');
    i += name.length;
    while (text[i] === ' ') i++;
    if (text[i] !== '=') fail('"=" was expected');
    i++;
    while (text[i] === ' ') i++;
    if (text[i] !== '"') fail('a quoted label value was expected');
    i++;
    let value = '';
    while (text[i] !== '"') {
      if (i >= text.length) fail('the label value is not closed');
      if (text[i] === '\\') {
        const next = text[i + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        i += 2;
      } else {
        value += text[i];
        i++;
      }
    }
    i++;
    labels[name] = value;
  }
}

/**
 * The sample lines of a scrape whose metric name passes `keep` (all by default). Throws
 * PrometheusTextError, naming the line, for text that is not the exposition format.
 */
export function parsePrometheusText(text: string, keep: (name: string) => boolean = () => true): MetricSample[] {
  const samples: MetricSample[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const name = NAME.exec(line)?.[0];
    if (!name) throw new PrometheusTextError(`line ${index + 1}: a metric name was expected: ${line.slice(0, 80)}`);
    if (!keep(name)) continue;
    let rest = name.length;
    let labels: Record<string, string> = {};
    if (line[rest] === '{') ({ labels, end: rest } = parseLabels(line, rest, index + 1));
    const [value = '', timestamp] = line.slice(rest).trim().split(/\s+/);
    if (timestamp !== undefined && !/^-?\d+$/.test(timestamp)) throw new PrometheusTextError(`line ${index + 1}: "${timestamp}" is not a timestamp`);
    samples.push({ name, labels, value: parseValue(value, index + 1) });
  }
  return samples;
}
