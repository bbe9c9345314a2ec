import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface ChartAssets {
  js: string;
  css: string;
}

let cached: ChartAssets | undefined;

/**
 * uPlot's browser build and stylesheet, read from the installed package when a report is
 * rendered, so report.html carries the chart library inline and needs no network to be viewed.
 */
export function loadUplotAssets(): ChartAssets {
  if (cached) return cached;
  const dist = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
  cached = {
    js: readFileSync(join(dist, 'uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(join(dist, 'uPlot.min.css'), 'utf8'),
  };
  return cached;
}

/** Text that sits inside a <script> or <style> element must never close it early. */
export function inlineSafe(code: string): string {
  return code.replace(/<\/(script|style)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}
