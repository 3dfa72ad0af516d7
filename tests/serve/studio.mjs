// studio.mjs — browser test of the studio page (playwright-core driving Debian's chromium, headless):
// open a clip by its path, select a face, move the Frame and age sliders, Preview shows an image,
// Add keyframe draws on the timeline, Render reaches 100 on the progress bar, the result video plays
// (readyState >= 2), the compare switches between wipe and side by side, Download returns the file, metrics appear, Cancel stops a second render; the
// page is usable by keyboard.
// A screenshot of each state goes to OUTDIR.   node studio.mjs URL VIDEO OUTDIR
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [url, video, outDir] = process.argv.slice(2);
const require = createRequire(path.join(process.env.FS_NODE_DIR, 'x.js'));
const { chromium } = require('playwright-core');
let failed = 0;
const check = (name, ok, detail = '') => {
  console.log(`${ok ? 'OK' : 'FAIL'} ${name}${detail ? ' ' + detail : ''}`);
  if (!ok) failed = 1;
};
// waits until fn (run in the page) returns a value other than false/0/''/null and returns that value,
// read at the moment the wait ended; null when the wait times out, so the check on it fails and names it
const waitValue = (page, fn, timeout) =>
  page.waitForFunction(fn, null, { timeout }).then(h => h.jsonValue()).catch(() => null);
const shot = (page, name) => page.screenshot({ path: path.join(outDir, `${name}.png`) });

const browser = await chromium.launch({
  executablePath: process.env.FS_CHROMIUM || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  await page.goto(url);
  check('token_removed_from_address', !page.url().includes('token='));

  // keyboard: the first Tab reaches the Video field, and every control is reachable by Tab
  await page.keyboard.press('Tab');
  check('tab_starts_at_video', await page.evaluate(() => document.activeElement.id) === 'video-path');
  await page.getByLabel('Video', { exact: true }).fill(video);
  await page.keyboard.press('Tab');
  check('tab_to_open', await page.evaluate(() => document.activeElement.textContent) === 'Open');
  await page.keyboard.press('Enter'); // Open, by keyboard
  const face0 = page.getByRole('button', { name: 'Face 0', exact: true });
  await face0.waitFor({ timeout: 90000 });
  await face0.click();
  check('face_selected', await face0.getAttribute('aria-pressed') === 'true');
  check('face_box_drawn', await page.locator('#boxes rect.sel').count() === 1);
  check('track_number_drawn', (await page.locator('#boxes text').first().textContent()) === '0');
  await shot(page, '1-opened');

  const frame = page.getByLabel('Frame', { exact: true });
  check('frame_is_range', await frame.getAttribute('type') === 'range');
  await frame.fill('3');
  const shown = await waitValue(page, () => {
    const t = document.getElementById('frame-num').textContent;
    return t === '3' && t;
  }, 20000);
  check('frame_number_follows_slider', shown === '3', `frame-num ${shown}`);
  const age = page.getByLabel('age', { exact: true });
  check('age_range', (await age.getAttribute('min')) === '-10' && (await age.getAttribute('max')) === '10');
  await age.fill('-6');
  check('edit_text', (await page.locator('#edit-text').textContent()).includes('age=-6'));

  await page.getByRole('button', { name: 'Preview', exact: true }).click();
  await page.waitForFunction(() => {
    const im = document.querySelector('img[alt="preview"]');
    return im && im.complete && im.naturalWidth > 0;
  }, null, { timeout: 60000 });
  const [pw, ph] = await page.evaluate(() => {
    const im = document.querySelector('img[alt="preview"]');
    return [im.naturalWidth, im.naturalHeight];
  });
  check('preview_side_by_side', pw === 2 * ph, `${pw}x${ph}`);
  console.log(`  ${await page.locator('#status').textContent()}`);
  await shot(page, '2-preview');

  await page.getByRole('button', { name: 'Add keyframe', exact: true }).click();
  check('keyframe_on_timeline', await page.locator('#timeline circle').count() === 1);

  const seen = [];
  await page.exposeFunction('fsSeen', v => seen.push(v));
  await page.evaluate(() => new MutationObserver(() =>
    window.fsSeen(Number(document.querySelector('[role=progressbar]').getAttribute('aria-valuenow'))))
    .observe(document.querySelector('[role=progressbar]'), { attributes: true }));
  await page.getByRole('button', { name: 'Render', exact: true }).click();
  // the job's state, read at the moment Cancel became enabled: queued or running
  const running = await waitValue(page, () => {
    const b = document.getElementById('cancel-btn');
    return !b.disabled && document.getElementById('progress-text').textContent;
  }, 30000);
  check('cancel_enabled_while_running', running !== null && /^(queued|running):/.test(running),
    running === null ? 'Cancel never enabled' : running);
  await shot(page, '3-rendering');
  const now = await waitValue(page, () => {
    const v = Number(document.querySelector('[role=progressbar]').getAttribute('aria-valuenow'));
    return v === 100 && v;
  }, 180000);
  const mid = seen.filter(v => v > 0 && v < 100);
  check('progress_reaches_100', now === 100, `aria-valuenow ${now} (${mid.length} values between 0 and 100 seen)`);
  check('progress_monotonic', seen.every((v, i) => i === 0 || v >= seen[i - 1] || v === 0));
  check('stage_shown', (await page.locator('#progress-text').textContent()).includes('done'));

  const ready = await page.waitForFunction(() => {
    const v = document.getElementById('result-video');
    return v.readyState >= 2 ? v.readyState : false;
  }, null, { timeout: 30000 }).then(h => h.jsonValue()).catch(() => 0);
  check('result_video_ready', ready >= 2, `readyState ${ready}`);
  const played = await page.evaluate(async () => {
    const v = document.getElementById('result-video');
    v.muted = true;
    await v.play();
    await new Promise(r => setTimeout(r, 400));
    return v.currentTime;
  }).catch(e => String(e));
  check('result_video_plays', typeof played === 'number' && played > 0, `currentTime ${played}`);
  await page.getByLabel('Wipe').fill('30');
  // the side-by-side compare, by keyboard: original | edited next to each other, the wipe off
  const sbs = page.getByLabel('Side by side', { exact: true });
  await sbs.focus();
  await page.keyboard.press('Space');
  const rects = await page.evaluate(() => ['original-video', 'result-video'].map(id => {
    const r = document.getElementById(id).getBoundingClientRect();
    return [Math.round(r.left), Math.round(r.right), Math.round(r.top), Math.round(r.width)];
  }));
  check('side_by_side_toggle', await sbs.isChecked() && await page.getByLabel('Wipe').isDisabled() &&
    rects[0][1] <= rects[1][0] + 1 && rects[0][2] === rects[1][2] && rects[0][3] > 100, JSON.stringify(rects));
  // the metrics table: its rows as [label, value]; the background PSNR is a finite number of dB
  const rows = await waitValue(page, () => {
    const r = [...document.querySelectorAll('#metrics tr')].map(tr => [tr.firstChild.textContent, tr.lastChild.textContent]);
    return r.length > 0 && r;
  }, 30000) || [];
  const bg = rows.find(r => r[0] === 'background PSNR (dB)');
  check('metrics_shown', bg !== undefined && Number.isFinite(Number(bg[1])) && Number(bg[1]) > 0,
    `${rows.length} rows, ${bg ? bg.join(' ') : 'no background PSNR row'}, plot: ${await page.locator('#plot').getAttribute('data-kind')}`);
  check('plot_drawn', await page.locator('#plot canvas').count() > 0);
  await shot(page, '4-result');
  await sbs.focus();
  await page.keyboard.press('Space');
  const clip = await page.evaluate(() => document.getElementById('original-video').style.clipPath);
  check('wipe_back', !(await sbs.isChecked()) && !(await page.getByLabel('Wipe').isDisabled()) && clip.includes('70%'), clip);

  const link = page.getByRole('link', { name: 'Download', exact: true });
  const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const file = path.join(outDir, 'download.mp4');
  await dl.saveAs(file);
  const head = fs.readFileSync(file).subarray(4, 8).toString('latin1');
  check('download_is_mp4', fs.statSync(file).size > 1000 && head === 'ftyp', `${fs.statSync(file).size} bytes`);


  // Cancel, by keyboard: a second render with another strength stops and says so
  await page.getByLabel('age', { exact: true }).fill('4');
  await page.getByRole('button', { name: 'Clear keyframes', exact: true }).click();
  await page.getByRole('button', { name: 'Render', exact: true }).click();
  await page.waitForFunction(() => !document.getElementById('cancel-btn').disabled, null, { timeout: 30000 });
  await page.getByRole('button', { name: 'Cancel', exact: true }).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /^(cancelled|done)/.test(document.getElementById('progress-text').textContent),
    null, { timeout: 60000 });
  const after = await page.locator('#progress-text').textContent();
  check('cancel_stops_render', after.startsWith('cancelled'), after);
  await shot(page, '5-cancelled');
  await page.getByRole('button', { name: 'Retry', exact: true }).click();
  const retried = await waitValue(page, () =>
    document.querySelector('[role=progressbar]').getAttribute('aria-valuenow') === '100' &&
    document.getElementById('progress-text').textContent, 180000);
  check('retry_completes', retried !== null && retried.startsWith('done'), String(retried));
  // every control reachable by Tab
  await page.locator('body').click({ position: { x: 1, y: 1 } });
  const reached = new Set();
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    reached.add(await page.evaluate(() => document.activeElement.id || document.activeElement.textContent));
  }
  const want = ['video-path', 'open', 'frame-slider', 'Face 0', 'dir-age', 'dir-smile', 'add-key', 'preview-btn',
    'render-btn', 'wipe', 'side-by-side', 'download'];
  const missing = want.filter(w => !reached.has(w));
  check('keyboard_reaches_controls', missing.length === 0, missing.join(' '));
  check('no_page_errors', errors.length === 0, errors.join(' | '));
} catch (e) {
  console.log(`FAIL exception ${e.stack || e}`);
  failed = 1;
} finally {
  await browser.close();
}
process.exit(failed);
