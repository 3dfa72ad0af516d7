// app.js — the studio page: open a video, pick the face, set directions and keyframes, preview one
// frame, render with live progress, compare and download, metrics. Talks to src/serve/ only.
import { api, fileUrl } from './api.js';
import { drawPlot } from './plot.js';

const $ = id => document.getElementById(id);
const state = {
  project: null, frames: 1, fps: 25, face: null, directions: [], values: {},
  keys: [], job: null, jobs: [], previewUrl: null,
};

function say(msg) { $('status').textContent = msg; }
function fail(e) { say(`Error: ${e.message}`); }

// ---- video and faces ----

async function loadState() {
  const s = await api('/api/state');
  const sel = $('project-select');
  sel.textContent = '';
  for (const p of s.projects) {
    const o = document.createElement('option');
    o.value = p.id; o.textContent = p.video.split('/').pop();
    sel.appendChild(o);
  }
  if (state.project === null && s.projects.length) await selectProject(s.projects[0]);
  return s;
}

async function selectProject(p) {
  state.project = p.id; state.fps = p.fps || 25;
  $('project-select').value = String(p.id);
  $('video-path').value = p.video;
  state.frames = Math.max(1, p.frames);
  state.face = null;
  await showFrame(0);
  say(`${p.video.split('/').pop()}: ${p.width}×${p.height}, ${p.frames} frames`);
  loadResultOf(latestDone());
}

async function showFrame(f) {
  $('frame-slider').value = f;
  $('frame-num').textContent = f;
  $('frame').src = `/api/frame?project=${state.project}&frame=${f}`;
  const info = await api(`/api/faces?project=${state.project}&frame=${f}`);
  if (info.analysed && info.analysed_frames) state.frames = info.analysed_frames;
  $('frame-slider').max = state.frames - 1;
  drawFaces(info);
  drawTimeline();
}

function drawFaces(info) {
  const svg = $('boxes'), faces = $('faces');
  svg.setAttribute('viewBox', `0 0 ${$('frame').naturalWidth || 1} ${$('frame').naturalHeight || 1}`);
  svg.textContent = ''; faces.textContent = '';
  if (!info.analysed) { faces.textContent = 'Finding faces…'; return; }
  const ids = info.tracks.map(t => t.id);
  if (state.face === null && ids.length) state.face = ids[0];
  for (const id of ids) {
    const b = document.createElement('button');
    b.type = 'button'; b.textContent = `Face ${id}`;
    b.setAttribute('aria-pressed', String(id === state.face));
    b.addEventListener('click', () => { state.face = id; drawFaces(info); });
    faces.appendChild(b);
  }
  if (!ids.length) faces.textContent = 'No faces found in this video.';
  for (const f of info.faces) {
    const [x0, y0, x1, y1] = f.box, ns = 'http://www.w3.org/2000/svg';
    const r = document.createElementNS(ns, 'rect');
    r.setAttribute('x', x0); r.setAttribute('y', y0);
    r.setAttribute('width', x1 - x0); r.setAttribute('height', y1 - y0);
    if (f.track === state.face) r.setAttribute('class', 'sel');
    const t = document.createElementNS(ns, 'text');
    t.setAttribute('x', x0 + 4); t.setAttribute('y', y0 + 16); t.textContent = String(f.track);
    svg.append(r, t);
  }
}

// ---- edit: sliders, keyframes, the --edit text ----

function buildSliders(names) {
  const box = $('sliders');
  box.textContent = '';
  for (const name of names) {
    state.values[name] = 0;
    const row = document.createElement('div');
    row.className = 'slider row';
    const id = `dir-${name}`;
    const label = document.createElement('label'), input = document.createElement('input');
    const out = document.createElement('output');
    label.htmlFor = id; label.textContent = name;
    Object.assign(input, { id, type: 'range', min: -10, max: 10, step: 0.5, value: 0 });
    out.htmlFor = id; out.textContent = '0';
    row.append(label, input, out);
    input.addEventListener('input', () => { state.values[name] = Number(input.value); out.textContent = input.value; showEdit(); });
    box.appendChild(row);
  }
  showEdit();
}

function editText(atFrame) {
  const names = state.directions;
  if (state.keys.length && atFrame === undefined) {
    const keys = [...state.keys].sort((a, b) => a.frame - b.frame);
    return names.filter(n => keys.some(k => k.values[n] !== 0))
      .map(n => `${n}=` + keys.map(k => `${k.values[n]}@f${k.frame}`).join(',')).join(',') || `${names[0]}=0`;
  }
  const used = names.filter(n => state.values[n] !== 0);
  return (used.length ? used : names.slice(0, 1)).map(n => `${n}=${state.values[n]}`).join(',');
}

function showEdit() { $('edit-text').textContent = `--edit ${editText()}`; }

function drawTimeline() {
  const svg = $('timeline'), w = svg.clientWidth || 300, ns = 'http://www.w3.org/2000/svg';
  svg.setAttribute('viewBox', `0 0 ${w} 28`);
  svg.textContent = '';
  const x = f => 8 + (w - 16) * (state.frames > 1 ? f / (state.frames - 1) : 0);
  const now = document.createElementNS(ns, 'line');
  const f = Number($('frame-slider').value);
  now.setAttribute('class', 'now');
  now.setAttribute('x1', x(f)); now.setAttribute('x2', x(f)); now.setAttribute('y1', 2); now.setAttribute('y2', 26);
  svg.appendChild(now);
  for (const k of state.keys) {
    const c = document.createElementNS(ns, 'circle');
    c.setAttribute('cx', x(k.frame)); c.setAttribute('cy', 14); c.setAttribute('r', 6);
    const title = document.createElementNS(ns, 'title');
    title.textContent = `frame ${k.frame}: ` + Object.entries(k.values).map(([n, v]) => `${n} ${v}`).join(', ');
    c.appendChild(title);
    svg.appendChild(c);
  }
  svg.setAttribute('aria-label', `${state.keys.length} keyframe(s) on the timeline`);
}

// ---- preview, render, jobs ----

async function preview() {
  if (state.face === null) return say('Select a face first.');
  const frame = Number($('frame-slider').value);
  say('Previewing…');
  const t0 = performance.now();
  try {
    const blob = await api('/api/preview', { project: state.project, frame, face: state.face, edit: editText(frame) });
    if (state.previewUrl) URL.revokeObjectURL(state.previewUrl);
    state.previewUrl = URL.createObjectURL(blob);
    $('preview').src = state.previewUrl;
    say(`Preview of face ${state.face} at frame ${frame} (original | edited) in ${Math.round(performance.now() - t0)} ms`);
  } catch (e) { fail(e); }
}

async function render() {
  try {
    const job = await api('/api/jobs', { project: state.project, edit: editText(), face: state.face ?? 'all' });
    state.job = job.id;
    showProgress(job);
    say(`Render queued (${job.id})`);
  } catch (e) { fail(e); }
}

async function retry() {
  if (!state.job) return;
  try { showProgress(await api('/api/jobs/retry', { job: state.job })); } catch (e) { fail(e); }
}

async function cancel() {
  if (!state.job) return;
  try { await api('/api/jobs/cancel', { job: state.job }); } catch (e) { fail(e); }
}

function fmtEta(s) {
  if (s === null || s === undefined || s < 0) return '';
  s = Math.round(s);
  return s >= 60 ? `ETA ${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `ETA ${s}s`;
}

function showProgress(job) {
  const pct = job.state === 'done' ? 100 : Math.min(99, Math.floor(job.percent));
  $('progress').setAttribute('aria-valuenow', String(pct));
  $('progress').setAttribute('aria-valuetext', `${pct}% ${job.stage}`);
  $('progress-fill').style.width = `${pct}%`;
  const eta = job.state === 'running' ? fmtEta(job.eta) : '';
  $('progress-text').textContent = `${job.state}: ${job.stage} ${pct}% ${eta} ${job.error || ''}`.replace(/ +/g, ' ').trim();
  $('cancel-btn').disabled = !(job.state === 'running' || job.state === 'queued');
  $('retry-btn').disabled = !['cancelled', 'failed', 'interrupted'].includes(job.state);
}

function latestDone() {
  return state.jobs.find(j => j.kind === 'render' && j.state === 'done' && j.project === state.project);
}

function onJobs(list) {
  const before = new Map(state.jobs.map(j => [j.id, j.state]));
  state.jobs = list.jobs;
  const ul = $('jobs');
  ul.textContent = '';
  for (const j of list.jobs) {
    const li = document.createElement('li');
    li.textContent = `${j.kind} ${j.edit} — ${j.state} ${Math.round(j.percent)}% ${j.stage}`;
    ul.appendChild(li);
    const was = before.get(j.id);
    if (j.kind === 'analyse' && j.state === 'done' && was && was !== 'done' && j.project === state.project)
      showFrame(Number($('frame-slider').value)).catch(fail);
  }
  const mine = list.jobs.find(j => j.id === state.job) ||
               list.jobs.find(j => j.kind === 'render' && (j.state === 'running' || j.state === 'queued'));
  if (mine) {
    state.job = mine.id;
    showProgress(mine);
    if (mine.state === 'done' && before.get(mine.id) !== 'done') {
      loadResultOf(mine);
      say('Render done: the result is on the right.');
    }
    if (mine.state === 'failed' && before.get(mine.id) !== 'failed') say(`Render failed: ${mine.error}`);
    if (mine.state === 'cancelled' && before.get(mine.id) !== 'cancelled') say('Render cancelled: Retry resumes it from the project.');
  }
}

// ---- result: video, wipe / side-by-side compare, download, metrics ----

function loadResultOf(job) {
  if (!job || !job.output) return;
  const url = fileUrl(job.project, job.output);
  if ($('result-video').getAttribute('src') !== url) {
    $('result-video').src = url;
    $('original-video').src = fileUrl(job.project, 'source');
  }
  const dl = $('download');
  dl.href = url; dl.hidden = false; dl.download = `${job.id}.mp4`;
  if (job.metrics) loadMetrics(job).catch(fail);
}

function syncOriginal() {
  const o = $('original-video'), r = $('result-video');
  if (Math.abs(o.currentTime - r.currentTime) > 0.05) o.currentTime = r.currentTime;
  if (r.paused !== o.paused) r.paused ? o.pause() : o.play().catch(() => {});
}

// wipe: the original over the edit, cut at the slider; side by side: original | edited, the wipe off
function applyWipe() {
  const sbs = $('side-by-side').checked;
  $('compare').classList.toggle('sbs', sbs);
  $('wipe').disabled = sbs;
  const v = Number($('wipe').value);
  $('original-video').style.clipPath = sbs ? 'none' : `inset(0 ${100 - v}% 0 0)`;
}

const METRICS = [['background_psnr_db', 'background PSNR (dB)'], ['face_psnr_db', 'face PSNR (dB)'],
  ['flicker_original', 'flicker, original'], ['flicker_edited', 'flicker, edited'], ['tl_id', 'TL-ID'],
  ['tg_id', 'TG-ID'], ['edit_effect', 'edit effect']];

async function loadMetrics(job) {
  const m = await api(`/api/metrics?job=${encodeURIComponent(job.id)}`);
  const tb = $('metrics').querySelector('tbody');
  tb.textContent = '';
  for (const [key, label] of METRICS) {
    if (!m.summary || !(key in m.summary)) continue;
    const v = m.summary[key];
    const tr = document.createElement('tr');
    tr.innerHTML = '<th scope="row"></th><td></td>';
    tr.firstChild.textContent = label;
    tr.lastChild.textContent = v === null ? 'n/a' : (typeof v === 'number' ? v.toFixed(3) : String(v));
    tb.appendChild(tr);
  }
  const f = m.frames;
  $('plot').dataset.kind = drawPlot($('plot'), f.frame, [
    { label: 'background PSNR', values: f.bg_psnr_db.map(v => (v >= 999 ? null : v)) },
    { label: 'flicker original', values: f.flicker_original },
    { label: 'flicker edited', values: f.flicker_edited }]);
}

// ---- wiring ----

function wire() {
  $('open-form').addEventListener('submit', async ev => {
    ev.preventDefault();
    const path = $('video-path').value.trim();
    if (!path) return say('Type the path of a video or project first.');
    try {
      const p = await api('/api/open', { path });
      await loadState();
      await selectProject(p);
    } catch (e) { fail(e); }
  });
  $('project-select').addEventListener('change', async () => {
    const s = await api('/api/state');
    const p = s.projects.find(x => String(x.id) === $('project-select').value);
    if (p) selectProject(p).catch(fail);
  });
  let pending = 0;
  $('frame-slider').addEventListener('input', () => {
    clearTimeout(pending);
    const f = Number($('frame-slider').value);
    $('frame-num').textContent = f;
    pending = setTimeout(() => showFrame(f).catch(fail), 60);
  });
  $('frame').addEventListener('load', () => {
    $('boxes').setAttribute('viewBox', `0 0 ${$('frame').naturalWidth} ${$('frame').naturalHeight}`);
  });
  $('add-key').addEventListener('click', () => {
    const frame = Number($('frame-slider').value);
    state.keys = state.keys.filter(k => k.frame !== frame);
    state.keys.push({ frame, values: { ...state.values } });
    drawTimeline(); showEdit();
    say(`Keyframe at frame ${frame}`);
  });
  $('clear-keys').addEventListener('click', () => { state.keys = []; drawTimeline(); showEdit(); });
  $('preview-btn').addEventListener('click', preview);
  $('render-btn').addEventListener('click', render);
  $('cancel-btn').addEventListener('click', cancel);
  $('retry-btn').addEventListener('click', retry);
  $('wipe').addEventListener('input', applyWipe);
  $('side-by-side').addEventListener('change', applyWipe);
  for (const ev of ['play', 'pause', 'seeked', 'timeupdate']) $('result-video').addEventListener(ev, syncOriginal);
  applyWipe();
}

async function main() {
  wire();
  try {
    const d = await api('/api/directions');
    state.directions = d.directions;
    buildSliders(d.directions);
    onJobs(await api('/api/jobs'));
    await loadState();
  } catch (e) {
    say(`${e.message} — open the address that 'facestitch serve' printed.`);
    return;
  }
  const es = new EventSource('/api/events');
  es.onmessage = ev => onJobs(JSON.parse(ev.data));
  es.onerror = () => say('Connection to the studio lost; retrying…');
}

main();
