import type { MetricFamily, MetricSample } from './metric-families.js';

/**
 * The two texts of one set of metric families. OpenMetrics 1.0 for metrics.prom (what Prometheus
 * negotiates first when it scrapes a file served as application/openmetrics-text); the Prometheus text
 * format 0.0.4 for the Pushgateway, whose parser knows neither `# UNIT`, `# EOF`, the info type nor
 * counters named without their `_total`.
 */
export const openMetricsContentType = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const prometheusTextContentType = 'text/plain; version=0.0.4; charset=utf-8';

export function renderOpenMetrics(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# TYPE ${family.name} ${family.type}`);
    if (family.unit) lines.push(`# UNIT ${family.name} ${family.unit}`);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help, true)}`);
    for (const sample of family.samples) lines.push(sampleLine(family.name + sample.suffix, sample));
  }
  lines.push('# EOF', '');
  return lines.join('\n');
}

export function renderPrometheusText(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    // 0.0.4 names a counter family by its samples' name and has no info type (an info is a gauge of 1).
    const name = family.type === 'counter' ? `${family.name}_total` : family.type === 'info' ? `${family.name}_info` : family.name;
    const type = family.type === 'info' ? 'gauge' : family.type;
    lines.push(`# HELP ${name} ${escapeHelp(family.help, false)}`, `# TYPE ${name} ${type}`);
    for (const sample of family.samples) lines.push(sampleLine(family.name + sample.suffix, sample));
  }
  lines.push('');
  return lines.join('\n');
}

function sampleLine(name: string, sample: MetricSample): string {
  const labels = sample.labels.map(([label, value]) => `${label}="${escapeLabelValue(value)}"`).join(',');
  return `${name}${labels ? `{${labels}}` : ''} ${formatValue(sample.value)}`;
}

/**
 * A label value as both formats read it: backslash, double quote and line feed escaped. Other
 * control characters (a terminal escape in an axis value would act on whoever cats the file) and
 * lone surrogates (not UTF-8) become U+FFFD, as in every other report.
 */
export function escapeLabelValue(value: string): string {
  return value
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** HELP text: OpenMetrics escapes the double quote too, 0.0.4 only backslash and line feed. */
function escapeHelp(text: string, openMetrics: boolean): string {
  return text.replace(openMetrics ? /[\\"\n]/g : /[\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(value);
}
