// The page a browser gets for GET on a collection: breadcrumbs, folders first, sizes, dates,
// download links, and columns sorted by ?sort=name|size|mtime&order=asc|desc (server-side, so the
// page needs no script and can ship a strict Content-Security-Policy). Every name is escaped.
import { hrefOf } from './request-path.js';
import type { DavResource } from './resources.js';

export type SortKey = 'name' | 'size' | 'mtime';
export type SortOrder = 'asc' | 'desc';

export const LISTING_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export function parseSort(query: URLSearchParams): { key: SortKey; order: SortOrder } {
  const k = query.get('sort');
  const key: SortKey = k === 'size' || k === 'mtime' ? k : 'name';
  return { key, order: query.get('order') === 'desc' ? 'desc' : 'asc' };
}

export function renderListing(dir: string, entries: readonly DavResource[], sort: { key: SortKey; order: SortOrder }): string {
  const rows = [...entries].sort(comparator(sort.key, sort.order));
  const folders = rows.filter((r) => r.isDir).length;
  const title = dir === '/' ? '/' : dir;
  const body = rows.map(row).join('');
  const up = dir === '/' ? '' : `<tr class="up"><td colspan="4"><a href="${attr(hrefOf(parentPath(dir), true))}">↰ Parent folder</a></td></tr>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)} · pdsfs</title><style>${STYLE}</style></head>
<body><header><nav aria-label="Breadcrumbs">${breadcrumbs(dir)}</nav></header>
<main><table><thead><tr>${header('Name', 'name', sort)}${header('Size', 'size', sort, 'num')}${header('Modified', 'mtime', sort)}<th><span class="sr">Download</span></th></tr></thead>
<tbody>${up}${body || '<tr><td colspan="4" class="empty">This folder is empty.</td></tr>'}</tbody></table>
<footer>${folders} folder${folders === 1 ? '' : 's'}, ${rows.length - folders} file${rows.length - folders === 1 ? '' : 's'} · served by pdsfs</footer></main></body></html>`;
}

function row(r: DavResource): string {
  const href = attr(hrefOf(r.path, r.isDir));
  const icon = r.isDir ? FOLDER_ICON : FILE_ICON;
  const size = r.isDir ? '—' : `<span title="${r.size} bytes">${humanSize(r.size)}</span>`;
  const when = r.mtime > 0 ? `<time datetime="${new Date(r.mtime).toISOString()}">${shortDate(r.mtime)}</time>` : '—';
  const download = r.isDir ? '' : `<a class="dl" href="${href}" download="${attr(r.name)}">Download</a>`;
  return `<tr class="${r.isDir ? 'dir' : 'file'}"><td><a href="${href}">${icon}<span class="name">${html(r.name)}${r.isDir ? '/' : ''}</span></a></td><td class="num">${size}</td><td>${when}</td><td>${download}</td></tr>`;
}

function header(label: string, key: SortKey, sort: { key: SortKey; order: SortOrder }, cls = ''): string {
  const active = sort.key === key;
  const next: SortOrder = active && sort.order === 'asc' ? 'desc' : 'asc';
  const arrow = active ? (sort.order === 'asc' ? ' ▲' : ' ▼') : '';
  const aria = active ? ` aria-sort="${sort.order === 'asc' ? 'ascending' : 'descending'}"` : '';
  return `<th class="${cls}"${aria}><a href="?sort=${key}&amp;order=${next}">${label}${arrow}</a></th>`;
}

function breadcrumbs(dir: string): string {
  const parts = dir === '/' ? [] : dir.slice(1).split('/');
  const crumbs = [`<a href="/">pdsfs</a>`];
  parts.forEach((name, i) => {
    const path = '/' + parts.slice(0, i + 1).join('/');
    crumbs.push(i === parts.length - 1 ? `<span aria-current="page">${html(name)}</span>` : `<a href="${attr(hrefOf(path, true))}">${html(name)}</a>`);
  });
  return crumbs.join('<span class="sep">/</span>');
}

function comparator(key: SortKey, order: SortOrder): (a: DavResource, b: DavResource) => number {
  const byName = (a: DavResource, b: DavResource) => a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: 'base' });
  const byKey = key === 'size' ? (a: DavResource, b: DavResource) => a.size - b.size : key === 'mtime' ? (a: DavResource, b: DavResource) => a.mtime - b.mtime : byName;
  const sign = order === 'asc' ? 1 : -1;
  return (a, b) => (a.isDir !== b.isDir ? (a.isDir ? -1 : 1) : sign * (byKey(a, b) || byName(a, b)));
}

export function humanSize(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n / 1024;
  let i = 0;
  for (; v >= 1024 && i < units.length - 1; i++) v /= 1024;
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

function shortDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

function parentPath(dir: string): string {
  const i = dir.lastIndexOf('/');
  return i <= 0 ? '/' : dir.slice(0, i);
}

function html(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return html(s).replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

// Inline SVG (no font dependency, nothing fetched).
const FOLDER_ICON =
  '<svg class="i" viewBox="0 0 16 16" aria-hidden="true"><path fill="#f0b429" d="M1 3.5A1.5 1.5 0 0 1 2.5 2h3.4l1.6 1.6h6A1.5 1.5 0 0 1 15 5.1v7.4a1.5 1.5 0 0 1-1.5 1.5h-11A1.5 1.5 0 0 1 1 12.5z"/></svg>';
const FILE_ICON =
  '<svg class="i" viewBox="0 0 16 16" aria-hidden="true"><path fill="#a1a1aa" d="M3.5 1H9l4 4v8.5a1.5 1.5 0 0 1-1.5 1.5h-8A1.5 1.5 0 0 1 2 13.5v-11A1.5 1.5 0 0 1 3.5 1z"/><path fill="#e4e4e7" d="M9 1v2.5A1.5 1.5 0 0 0 10.5 5H13z"/></svg>';

const STYLE = `
:root{color-scheme:light dark;--fg:#1d1d1f;--muted:#6e6e73;--line:#e5e5ea;--bg:#fff;--hover:#f5f5f7;--accent:#0066cc}
@media (prefers-color-scheme:dark){:root{--fg:#f5f5f7;--muted:#a1a1a6;--line:#38383a;--bg:#1c1c1e;--hover:#2c2c2e;--accent:#4da3ff}}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:18px 24px;border-bottom:1px solid var(--line);font-size:17px;overflow-wrap:anywhere}
header a{color:var(--accent);text-decoration:none}header a:hover{text-decoration:underline}.sep{color:var(--muted);margin:0 .45em}
main{padding:8px 24px 24px;max-width:1100px}table{width:100%;border-collapse:collapse}
th{text-align:left;font-weight:600;color:var(--muted);font-size:13px;padding:10px 8px;border-bottom:1px solid var(--line)}
th a{color:inherit;text-decoration:none}th a:hover{color:var(--fg)}
td{padding:8px;border-bottom:1px solid var(--line);vertical-align:middle}td:first-child{overflow-wrap:anywhere}
tr:hover td{background:var(--hover)}td a{color:var(--fg);text-decoration:none}tr.dir td:first-child a{font-weight:600}
.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}td:nth-child(3){white-space:nowrap;color:var(--muted)}
a.dl{color:var(--accent);font-size:13px}.up a{color:var(--accent)}.empty{color:var(--muted);text-align:center;padding:32px}
footer{color:var(--muted);font-size:13px;padding-top:14px}.sr{position:absolute;left:-9999px}
.i{width:18px;height:18px;vertical-align:-4px;margin-right:8px;flex:none}`;
