import { InputError } from '../errors.js';
import { comparedPercentiles, type ComparedMetric, type MetricComparison, type StuckComparison } from './compare.js';

/** --max-regression p99=10%: the candidate's p99 may be at most 10 % above the baseline's. */
export interface RegressionLimit {
  metric: ComparedMetric;
  /** Allowed increase as a fraction (0.1 = 10 %). */
  maxIncrease: number;
}

export interface ComparisonLimits {
  regressions: RegressionLimit[];
  /** Most stuck (+ state-mismatch) pods the candidate may have. */
  maxStuck?: number;
}

export interface LimitViolation {
  subject: string;
  metric: string;
  measured: string;
  limit: string;
}

const allowedMetrics = Object.keys(comparedPercentiles).join(', ');

export function parseRegressionLimit(text: string): RegressionLimit {
  const match = /^\s*(p\d+)\s*=\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (!match) {
    throw new InputError(`--max-regression "${text}" is not METRIC=PERCENT%; use e.g. --max-regression p99=10% (metrics: ${allowedMetrics}).`);
  }
  const metric = match[1]!;
  if (!(metric in comparedPercentiles)) throw new InputError(`--max-regression "${text}": unknown metric ${metric}; allowed: ${allowedMetrics}.`);
  return { metric: metric as ComparedMetric, maxIncrease: Number(match[2]) / 100 };
}

export function parseMaxStuck(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InputError(`--max-stuck must be a whole number >= 0, got "${String(value)}".`);
  return n;
}

/**
 * A latency limit is violated only by a real regression: the verdict is "worse" (the percentile's
 * interval lies above 1, or in history mode the rank test rejects at alpha) and the point ratio
 * exceeds 1 + the allowed increase. Noise never fails a pipeline, a real but tolerated slowdown
 * does not either, and neither do "not enough history" and "too few samples".
 */
export function checkLimits(subject: string, metrics: readonly MetricComparison[], stuck: StuckComparison, limits: ComparisonLimits): LimitViolation[] {
  const violations: LimitViolation[] = [];
  for (const limit of limits.regressions) {
    const metric = metrics.find((m) => m.metric === limit.metric);
    if (metric && metric.verdict === 'worse' && metric.ratio > 1 + limit.maxIncrease) {
      violations.push({ subject, metric: metric.metric, measured: formatChange(metric.ratio), limit: `<= +${round(limit.maxIncrease * 100)}%` });
    }
  }
  if (limits.maxStuck !== undefined && stuck.candidate.stuck > limits.maxStuck) {
    violations.push({ subject, metric: 'stuck', measured: String(stuck.candidate.stuck), limit: `<= ${limits.maxStuck}` });
  }
  return violations;
}

export function formatChange(ratio: number): string {
  if (!Number.isFinite(ratio)) return '+inf%';
  const pct = round((ratio - 1) * 100);
  return `${pct >= 0 ? '+' : ''}${pct}%`;
}

const round = (value: number) => Math.round(value * 10) / 10;
