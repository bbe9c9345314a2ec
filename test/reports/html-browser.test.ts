import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { renderHtmlReport } from '../../src/reports/html.js';
import { launchChromium, serveHtml } from '../helpers/browser.js';
import { repoRoot } from '../helpers/cli.js';
import { fixtureAnalysis, hostileString } from '../helpers/fixture-run.js';

const artifacts = join(repoRoot, 'test-artifacts');

describe('report.html in headless Chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  let server: Server;
  let url: string;
  const html = renderHtmlReport(fixtureAnalysis());

  before(async () => {
    ({ url, server } = await serveHtml(html));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });

  it('is one file whose strings are escaped and whose data cannot close its script', () => {
    expect(html).not.to.match(/<(script|link|img)[^>]+(src|href)="(?!data:)/);
    expect(html).not.to.include(hostileString);
    expect(html).to.include('&lt;img src=x onerror=alert(1)&gt;');
    const data = /<script type="application\/json" id="podchurn-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(data).not.to.include('<');
  });

  it('draws every chart with no console error, no dialog and no request but the page', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requests = new Set<string>();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.route('**/*', (route) => {
      const requested = route.request().url();
      requests.add(requested);
      return requested === url ? route.continue() : route.abort();
    });
    page.on('request', (request) => requests.add(request.url()));
    await page.goto(url);
    await page.waitForSelector('html[data-charts="drawn"]', { timeout: 30_000 });
    // Runs in the page; kept as source text because the test project compiles without DOM types.
    const canvases = await page.evaluate<{ id: string; painted: number }[]>(`
      ['ecdf', 'percentiles', 'outcomes', 'waterfall'].map((id) => {
        const canvas = document.querySelector('#chart-' + id + ' canvas');
        if (!canvas) return { id, painted: 0 };
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
        return { id, painted };
      })`);
    for (const canvas of canvases) expect(canvas.painted, `${canvas.id} canvas pixels`).to.be.greaterThan(1000);
    const evidence = await page.locator('pre.evidence').allTextContents();
    expect(evidence.some((text) => text.includes(hostileString))).to.equal(true);
    expect(await page.locator('body img').count()).to.equal(0);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'report.png'), fullPage: true });
    writeFileSync(join(artifacts, 'report.html'), html);
    expect(problems).to.deep.equal([]);
    expect([...requests]).to.deep.equal([url]);
  });
});
