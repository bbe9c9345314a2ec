/**
 * The script report.html runs in the browser. It only reads the embedded JSON and draws on
 * canvases through uPlot; it never writes HTML, so data can never become markup. Plain ES2019
 * without modules, because the file must open from disk in any current browser.
 */
export const htmlClientScript =
  `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('podchurn-data').textContent);
  var palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  var outcomeColours = { ok: '#2ca02c', slow: '#ff7f0e', stuck: '#d62728', 'stop-error': '#9467bd', 'state-mismatch': '#8c0000', 'force-deleted': ` +
  `'#8c564b', 'infra-error': '#7f7f7f', interrupted: '#bcbd22' };
  function width() { return Math.max(480, Math.min(1100, document.documentElement.clientWidth - 48)); }
  function cellAxis(n) {
    return {
      scale: { time: false, range: [-0.5, n - 0.5] },
      axis: { label: 'cell', splits: function () { var s = []; for (var i = 0; i < n; i++) s.push(i); return s; },
        values: function (u, splits) { return splits.map(function (v) { return data.cells[v] || ''; }); } }
    };
  }
  function ecdf() {
    var el = document.getElementById('chart-ecdf');
    var withData = data.ecdf.filter(function (s) { return s.x.length > 0; });
    if (withData.length === 0) { el.textContent = 'No ' + data.latency.title.toLowerCase() + ' was measured.'; return; }
    var joined = uPlot.join(withData.map(function (s) { return [s.x, s.y]; }));
    var positive = withData.every(function (s) { return s.x[0] > 0; });
    new uPlot({
      title: data.latency.title + ' ECDF per cell', width: width(), height: 340,
      scales: { x: { time: false, distr: positive ? 3 : 1 }, y: { range: [0, 1] } },
      axes: [{ label: data.latency.title.toLowerCase() + ' (ms)' }, { label: 'fraction of ' + data.latency.unit }],
      series: [{ label: 'ms' }].concat(withData.map(function (s, i) {
        return { label: s.cell, stroke: palette[i % palette.length], width: 2, spanGaps: true, points: { show: false }, paths: uPlot.paths.stepped({ ` +
  `align: 1 }) };
      }))
    }, joined, el);
  }
  function percentiles() {
    var el = document.getElementById('chart-percentiles');
    var n = data.cells.length;
    var axis = cellAxis(n);
    var xs = data.cells.map(function (_, i) { return i; });
    var bars = uPlot.paths.bars({ size: [0.6, 120] });
    var spec = [['p99', '#d62728'], ['p95', '#ff7f0e'], ['p50', '#1f77b4']];
    new uPlot({
      title: data.latency.title + ' percentiles per cell (bars overlap: p99 behind p95 behind p50)', width: width(), height: 300,
      scales: { x: axis.scale, y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.05 : 1]; } } },
      axes: [axis.axis, { label: 'ms' }],
      series: [{ label: 'cell', value: function (u, v) { return v == null ? '-' : data.cells[v]; } }].concat(spec.map(function (s) {
        return { label: s[0], fill: s[1], stroke: s[1], paths: bars, points: { show: false } };
      }))
    }, [xs].concat(spec.map(function (s) { return data.percentiles[s[0]]; })), el);
  }
  function outcomes() {
    var el = document.getElementById('chart-outcomes');
    var n = data.cells.length;
    var axis = cellAxis(n);
    var xs = data.cells.map(function (_, i) { return i; });
    var names = data.outcomes.names;
    // Stacked bars drawn as overlapping bars of cumulative height, tallest first; the legend shows raw counts.
    var cumulative = [];
    var running = xs.map(function () { return 0; });
    names.forEach(function (name, k) {
      running = running.map(function (v, i) { return v + data.outcomes.counts[k][i]; });
      cumulative.push(running.slice());
    });
    var order = names.map(function (_, k) { return k; }).reverse();
    var bars = uPlot.paths.bars({ size: [0.6, 120] });
    new uPlot({
      title: 'Outcomes per cell (stacked)', width: width(), height: 300,
      scales: { x: axis.scale, y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.05 : 1]; } } },
      axes: [axis.axis, { label: 'pods' }],
      series: [{ label: 'cell', value: function (u, v) { return v == null ? '-' : data.cells[v]; } }].concat(order.map(function (k) {
        var c = outcomeColours[names[k]] || '#444';
        return { label: names[k], fill: c, stroke: c, paths: bars, points: { show: false },
          value: function (u, v, si, i) { return i == null ? '-' : String(data.outcomes.counts[k][i]); } };
      }))
    }, [xs].concat(order.map(function (k) { return cumulative[k]; })), el);
  }
  function waterfall() {
    var el = document.getElementById('chart-waterfall');
    var pods = data.waterfall;
    if (pods.length === 0) { el.textContent = 'No pod reached deletion.'; return; }
    var maxEnd = pods.reduce(function (m, p) { return Math.max(m, p.last, p.gone || 0); }, 1);
    var n = pods.length;
    var notOk = pods.filter(function (p) { return p.shown === 'not ok'; }).length;
    var colours = { stop: '#1f77b4', stopFailed: '#d62728', remove: '#ff7f0e', sandbox: '#2ca02c', pending: '#bbbbbb', exit: '#000000', ` +
  `runtime: '#9467bd', exitMissing: '#ffffff' };
    function drawBars(u) {
      var ctx = u.ctx;
      var h = Math.max(4, Math.abs(u.valToPos(0, 'y', true) - u.valToPos(1, 'y', true)) * 0.6);
      ctx.save();
      pods.forEach(function (p, i) {
        var y = u.valToPos(i, 'y', true) - h / 2;
        var segs = [];
        var stopEnd = p.stopEnd == null ? p.last : p.stopEnd;
        segs.push([0, stopEnd, p.stopFailed || p.stopEnd == null ? colours.stopFailed : colours.stop]);
        if (p.removed != null) segs.push([stopEnd, p.removed, colours.remove]);
        if (p.gone != null) segs.push([p.removed != null ? p.removed : stopEnd, p.gone, colours.sandbox]);
        else if (p.last > stopEnd) segs.push([stopEnd, p.last, colours.pending]);
        segs.forEach(function (s) {
          var x0 = u.valToPos(s[0], 'x', true);
          var x1 = u.valToPos(s[1], 'x', true);
          ctx.fillStyle = s[2];
          ctx.fillRect(x0, y, Math.max(1, x1 - x0), h);
        });
        // The runtime's log (kube): its StopContainer as a purple line above the bar (dashed red when it failed, to the
        // bar's end when it never answered) and StopPodSandbox's return as a purple tick.
        if (p.runtime && p.runtime.stopReceived != null) {
          var xr0 = u.valToPos(Math.max(0, p.runtime.stopReceived), 'x', true);
          var xr1 = u.valToPos(p.runtime.stopEnded != null ? p.runtime.stopEnded : p.last, 'x', true);
          ctx.fillStyle = p.runtime.stopFailed || p.runtime.stopEnded == null ? colours.stopFailed : colours.runtime;
          ctx.fillRect(xr0, y - h * 0.45, Math.max(1, xr1 - xr0), Math.max(2, h * 0.25));
        }
        if (p.runtime && p.runtime.sandboxStopped != null) {
          var xs = u.valToPos(Math.max(0, p.runtime.sandboxStopped), 'x', true);
          ctx.fillStyle = colours.runtime;
          ctx.fillRect(xs - 1, y - h * 0.45, 2, h * 1.45);
        }
        // The runtime's exit event: a black tick across the bar; a stop that never got one: a red cross at its start.
        if (p.exitEvent != null) {
          var xe = u.valToPos(Math.max(0, p.exitEvent), 'x', true);
          ctx.fillStyle = colours.exit;
          ctx.fillRect(xe - 1.5, y - h * 0.35, 3, h * 1.7);
        } else if (p.exitMissing) {
          var xm = u.valToPos(0, 'x', true) + h;
          ctx.strokeStyle = colours.exitMissing;
          ctx.lineWidth = 3;
          ctx.beginPath();
          ctx.moveTo(xm - h / 2, y); ctx.lineTo(xm + h / 2, y + h);
          ctx.moveTo(xm + h / 2, y); ctx.lineTo(xm - h / 2, y + h);
          ctx.stroke();
        }
      });
      ctx.restore();
    }
    new uPlot({
      title: 'Deletion phases of ' + notOk + ' pod(s) whose outcome is not ok and ' + (n - notOk) + ' normal one(s) (ms after delete-sent)', width: ` +
  `width(), height: 110 + n * 24,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: false, range: [0, maxEnd * 1.02] }, y: { range: [-0.5, n - 0.5], dir: -1 } },
      axes: [{ label: 'ms after delete-sent' }, { size: 340, gap: 4,
        splits: function () { var s = []; for (var i = 0; i < n; i++) s.push(i); return s; },
        values: function (u, splits) { return splits.map(function (v) { var p = pods[v]; if (!p) return ''; var t = p.cell + ' ' + p.pod; t = t.length ` +
  `> 42 ? t.slice(0, 41) + '…' : t; return p.exitMissing ? t + ' ✗ no exit event' : t; }); } }],
      series: [{}, { label: 'pods', stroke: 'transparent', points: { show: false } }],
      hooks: { draw: [drawBars] }
    }, [[0, maxEnd], [0, n - 1]], el);
  }
  [ecdf, percentiles, outcomes, waterfall].forEach(function (draw) {
    try { draw(); } catch (error) {
      console.error('chart failed: ' + (error && error.message));
    }
  });
  document.documentElement.setAttribute('data-charts', 'drawn');
})();
`;
