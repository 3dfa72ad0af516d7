// plot.js — metrics over time: uPlot when scripts/install-deps put it in .node/ (served as
// /vendor/uPlot.iife.min.js), else a small canvas line plot.
const COLORS = ['#0a84ff', '#ff9f0a', '#30d158', '#bf5af2'];

export function drawPlot(el, x, series) {
  el.textContent = '';
  const width = Math.max(260, el.clientWidth - 4), height = 170;
  if (window.uPlot) {
    const opts = { width, height, scales: { x: { time: false } }, series: [{ label: 'frame' }],
                   axes: [{}, { size: 44 }] };
    series.forEach((s, i) => opts.series.push({ label: s.label, stroke: COLORS[i % COLORS.length], spanGaps: true }));
    new window.uPlot(opts, [x, ...series.map(s => s.values)], el);
    return 'uplot';
  }
  const c = document.createElement('canvas');
  c.width = width; c.height = height;
  el.appendChild(c);
  const g = c.getContext('2d');
  const all = series.flatMap(s => s.values).filter(v => v !== null && isFinite(v));
  if (!all.length || x.length < 2) return 'canvas';
  const lo = Math.min(...all), hi = Math.max(...all), pad = 24;
  const sx = i => pad + (width - 2 * pad) * i / (x.length - 1);
  const sy = v => height - pad - (height - 2 * pad) * (hi > lo ? (v - lo) / (hi - lo) : 0.5);
  g.font = '11px sans-serif';
  g.fillText(hi.toFixed(1), 2, pad - 4); g.fillText(lo.toFixed(1), 2, height - 6);
  series.forEach((s, k) => {
    g.strokeStyle = COLORS[k % COLORS.length]; g.beginPath();
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null || !isFinite(v)) { pen = false; return; }
      pen ? g.lineTo(sx(i), sy(v)) : g.moveTo(sx(i), sy(v)); pen = true;
    });
    g.stroke();
    g.fillStyle = g.strokeStyle; g.fillText(s.label, pad + 110 * k, 12);
  });
  return 'canvas';
}
