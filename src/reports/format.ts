/** Number formats shared by the renderers, so Markdown, HTML and the terminal print the same figures. */

export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export function formatP(p: number): string {
  return p < 0.0001 ? '<0.0001' : p.toFixed(4);
}

export function formatRatio(value: number): string {
  return Number.isFinite(value) ? value.toFixed(3) : 'inf';
}
