// The status page: one self-contained HTML document (no external assets) that fetches /status from
// the server that served it every few seconds and draws uploads in flight with progress bars, cache
// use and throughput as an inline SVG chart. Every name goes into the page as text (textContent),
// never as markup, and the Content-Security-Policy allows only this page's own script and style.
import { createHash } from 'node:crypto';

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:920px;padding:16px;color:#1d232a;background:#f7f8fa}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:20px 0 8px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:4px 14px 12px;margin-bottom:12px}
.muted{color:#5f6b7a}.err{color:#b42318}
ul{list-style:none;margin:0;padding:0}li{padding:5px 0;border-bottom:1px solid #eef0f3}li:last-child{border:0}
.row{display:flex;justify-content:space-between;gap:12px}.name{font-weight:600;overflow-wrap:anywhere}
.bar{height:8px;background:#e7eaee;border-radius:4px;overflow:hidden;margin-top:4px}
.fill{height:100%;background:#2f6fde}.fill.hit{background:#2e9d5b}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:3px 8px 3px 0}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:8px}
.figure b{display:block;font-size:18px}.figure .bar{max-width:140px}
svg{width:100%;height:160px;display:block}.down{stroke:#2f6fde}.up{stroke:#d9730d;stroke-dasharray:6 4}
.legend span{margin-right:14px}.swatch{display:inline-block;width:10px;height:10px;margin-right:4px}
#swatch-down{background:#2f6fde}#swatch-up{background:#d9730d}
`;

const SCRIPT = `
const $ = (id) => document.getElementById(id);
function el(tag, cls, ...kids) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const k of kids) e.append(k);
  return e;
}
function bytes(n) {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i === 0 ? String(n) : n.toFixed(1)) + ' ' + u[i];
}
function bar(fraction, cls) {
  const fill = el('div', 'fill' + (cls ? ' ' + cls : ''));
  fill.style.width = Math.max(0, Math.min(100, fraction * 100)).toFixed(1) + '%';
  return el('div', 'bar', fill);
}
function figure(label, value, ...extra) {
  return el('div', 'figure', el('b', '', value), el('span', 'muted', label), ...extra);
}
function uploadItem(u) {
  const li = el('li', u.state === 'failed' ? 'upload failed' : 'upload');
  const what = u.state === 'uploading'
    ? bytes(u.sentBytes || 0) + ' of ' + bytes(u.size)
    : u.state === 'failed' ? 'failed after ' + u.attempts + ' attempts' : 'waiting · ' + bytes(u.size);
  li.append(el('div', 'row', el('span', 'name', u.name), el('span', 'muted', u.volume + ' · ' + what)));
  if (u.state === 'uploading') li.append(bar(u.size > 0 ? (u.sentBytes || 0) / u.size : 1));
  if (u.lastError) li.append(el('div', 'err', u.lastError));
  return li;
}
function chart(t) {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = $('chart');
  svg.replaceChildren();
  const W = 600, H = 150, n = Math.max(2, t.samples.length);
  const perSec = (b) => b / (t.intervalMs / 1000);
  const max = Math.max(1, ...t.samples.map((s) => Math.max(perSec(s.downloadedBytes), perSec(s.uploadedBytes))));
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + (H + 4));
  svg.setAttribute('preserveAspectRatio', 'none');
  const base = document.createElementNS(NS, 'line');
  for (const [k, v] of [['x1', 0], ['x2', W], ['y1', H], ['y2', H], ['stroke', '#c9ced6']]) base.setAttribute(k, String(v));
  svg.append(base);
  for (const [key, cls] of [['downloadedBytes', 'down'], ['uploadedBytes', 'up']]) {
    const line = document.createElementNS(NS, 'polyline');
    const points = t.samples.map((s, i) => (i * W / (n - 1)).toFixed(1) + ',' + (H - perSec(s[key]) / max * (H - 6)).toFixed(1));
    line.setAttribute('points', points.join(' '));
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke-width', '2');
    line.setAttribute('vector-effect', 'non-scaling-stroke');
    line.setAttribute('class', 'series ' + cls);
    svg.append(line);
  }
  const minutes = Math.round(t.samples.length * t.intervalMs / 60000);
  $('chart-scale').textContent = 'peak ' + bytes(Math.round(max)) + '/s · last ' +
    (minutes >= 1 ? minutes + ' min' : Math.round(t.samples.length * t.intervalMs / 1000) + ' s') +
    ' · one point per ' + t.intervalMs / 1000 + ' s';
}
function changeItem(c) {
  const li = el('li', c.state === 'lost' ? 'change lost' : 'change');
  const what = c.state === 'pending' ? 'waiting' : c.state === 'lost' ? 'lost' : 'conflict, both kept';
  li.append(el('div', 'row', el('span', 'name', c.kind + ' ' + c.name), el('span', 'muted', c.volume + ' · ' + what)));
  if (c.message) li.append(el('div', c.state === 'lost' ? 'err' : 'muted', c.message));
  return li;
}
function render(s) {
  $('role').textContent = s.role + ' · pid ' + s.pid + ' · up since ' + new Date(s.startedAt).toLocaleString() + (s.login ? ' · ' + s.login : '');
  const p = s.pds;
  const waiting = p.changesWaiting + (p.changesWaiting === 1 ? ' change' : ' changes') + ' waiting';
  $('pds').textContent = p.online ? 'online' + (p.changesWaiting > 0 ? ', ' + waiting : '')
    : 'offline since ' + new Date(p.since).toLocaleString() + ', ' + waiting;
  $('pds').className = p.online ? 'muted' : 'err';
  const ch = s.changes;
  $('changes').replaceChildren(...ch.waiting.map(changeItem), ...ch.notices.map(changeItem));
  $('changes-summary').textContent = ch.pending + ' waiting, ' + ch.lost + ' lost, ' + ch.conflicts + ' conflicts kept';
  $('changes-section').hidden = ch.pending + ch.lost + ch.conflicts === 0;
  const u = s.uploads;
  $('upload-summary').textContent = u.pendingFiles + ' pending (' + bytes(u.pendingBytes) + '), ' +
    u.failedFiles + ' failed · ' + bytes(u.sentBytes) + ' sent since start';
  $('uploads').replaceChildren(...u.pending.map(uploadItem));
  if (u.pending.length === 0) $('uploads').append(el('li', 'muted', 'Nothing waiting to upload.'));
  $('failed').replaceChildren(...u.failed.map(uploadItem));
  $('failed-section').hidden = u.failed.length === 0;
  const c = s.cache;
  $('cache').replaceChildren(
    figure('in memory', bytes(c.memBytes)),
    figure('on disk', bytes(c.diskBytes)),
    figure('hit ratio', c.hitRatio === null ? '–' : (c.hitRatio * 100).toFixed(1) + ' %', bar(c.hitRatio || 0, 'hit')),
    figure('downloaded', bytes(c.fetchedBytes)),
    figure('remote listings', String(s.listCalls)),
  );
  chart(s.throughput);
  const vt = $('volumes');
  vt.replaceChildren(...s.volumes.map((v) => el('tr', '', el('td', 'name', v.name), el('td', '', v.kind), el('td', 'muted', v.readOnly ? 'read-only' : 'read-write'))));
  $('errors').replaceChildren(...s.recentErrors.slice().reverse().map((e) =>
    el('li', e.level === 'warn' ? '' : 'err', new Date(e.time).toLocaleTimeString() + ' ' + e.level + ': ' + e.msg + (e.detail ? ' ' + e.detail : ''))));
  if (s.recentErrors.length === 0) $('errors').append(el('li', 'muted', 'No warnings or errors.'));
}
async function refresh() {
  try {
    const res = await fetch('status', { cache: 'no-store' });
    if (!res.ok) throw new Error('HTTP ' + res.status);
    render(await res.json());
    $('state').textContent = 'updated ' + new Date().toLocaleTimeString();
    $('state').className = 'muted';
  } catch (e) {
    $('state').textContent = 'pdsfs is not answering (' + e.message + ')';
    $('state').className = 'err';
  }
  setTimeout(refresh, 3000);
}
refresh();
`;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${hash(SCRIPT)}`,
  `style-src ${hash(STYLE)}`,
  "connect-src 'self'",
  "img-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>pdsfs status</title>
<style>${STYLE}</style>
</head>
<body>
<h1>pdsfs status</h1>
<div id="role" class="muted"></div>
<div id="state" class="muted">loading…</div>
<section><h2>PDS</h2><div id="pds" class="muted"></div></section>
<section id="changes-section" hidden><h2>Changes made offline</h2><div id="changes-summary" class="muted"></div><ul id="changes"></ul></section>
<section><h2>Uploads</h2><div id="upload-summary" class="muted"></div><ul id="uploads"></ul></section>
<section id="failed-section" hidden><h2>Failed uploads</h2><div class="muted">Their content is kept in the recovery folder of the cache dir.</div><ul id="failed"></ul></section>
<section><h2>Cache</h2><div id="cache" class="figures"></div></section>
<section><h2>Throughput</h2>
<div class="legend"><span><i class="swatch" id="swatch-down"></i>downloaded</span><span><i class="swatch" id="swatch-up"></i>uploaded</span><span id="chart-scale" class="muted"></span></div>
<svg id="chart" role="img" aria-label="bytes per second downloaded and uploaded"></svg>
</section>
<section><h2>Volumes</h2><table><tbody id="volumes"></tbody></table></section>
<section><h2>Recent warnings and errors</h2><ul id="errors"></ul></section>
<script>${SCRIPT}</script>
</body>
</html>
`;
