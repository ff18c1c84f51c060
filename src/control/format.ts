// Text forms of the control figures, for `pdsfs status` and progress lines.
import type { ChangeItem, DaemonStatus, UploadItem } from './status-report.js';

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** Control characters in names or messages would move the terminal's cursor: show them as escapes. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function uploadLine(u: UploadItem): string {
  const what =
    u.state === 'uploading'
      ? `uploading ${formatBytes(u.sentBytes ?? 0)} of ${formatBytes(u.size)}${u.size > 0 ? ` (${Math.floor(((u.sentBytes ?? 0) / u.size) * 100)}%)` : ''}`
      : u.state === 'failed'
        ? `failed after ${u.attempts} attempt${u.attempts === 1 ? '' : 's'}`
        : `waiting, ${formatBytes(u.size)}${u.attempts > 0 ? `, ${u.attempts} failed attempt${u.attempts === 1 ? '' : 's'}` : ''}`;
  const error = u.lastError ? `\n      last error: ${printable(u.lastError)}` : '';
  return `    ${printable(u.name)} (in ${printable(u.volume)}): ${what}${error}`;
}

function since(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** "PDS: online", or "PDS: offline since …, N changes waiting". */
export function pdsLine(s: DaemonStatus, now = Date.now()): string {
  const waiting = `${s.pds.changesWaiting} change${s.pds.changesWaiting === 1 ? '' : 's'} waiting`;
  if (s.pds.online) return `PDS: online${s.pds.changesWaiting > 0 ? `, ${waiting}` : ''}`;
  return `PDS: offline since ${new Date(s.pds.since).toISOString()} (${since(now - s.pds.since)}), ${waiting}`;
}

function changeLine(c: ChangeItem): string {
  const what = c.state === 'pending' ? 'waiting' : c.state === 'lost' ? 'LOST' : 'conflict, both kept';
  const message = c.message ? `\n      ${printable(c.message)}` : '';
  return `    ${c.kind} ${printable(c.name)} (in ${printable(c.volume)}, ${new Date(c.at).toISOString()}): ${what}${message}`;
}

/** A readable summary of one daemon. */
export function formatStatus(s: DaemonStatus, now = Date.now()): string {
  const u = s.uploads;
  const c = s.cache;
  const lines = [
    `${printable(s.role)} (pid ${s.pid}, up ${since(now - s.startedAt)})`,
    `  ${pdsLine(s, now)}`,
    ...(s.login ? [`  ${s.login}`] : []),
    `  volumes: ${s.volumes.map((v) => `${printable(v.name)} (${v.kind}${v.readOnly ? ', read-only' : ''})`).join(', ') || 'none'}`,
    `  cache: ${formatBytes(c.memBytes)} in memory, ${formatBytes(c.diskBytes)} on disk, hit ratio ${c.hitRatio === null ? '–' : `${(c.hitRatio * 100).toFixed(1)}%`}, ${formatBytes(c.fetchedBytes)} downloaded; ${s.listCalls} remote listings`,
    `  uploads: ${u.pendingFiles} pending (${formatBytes(u.pendingBytes)}), ${u.failedFiles} failed; ${formatBytes(u.sentBytes)} sent since start`,
    ...u.pending.map(uploadLine),
    ...(u.pendingFiles > u.pending.length ? [`    … and ${u.pendingFiles - u.pending.length} more`] : []),
    ...u.failed.map(uploadLine),
    ...(u.failedFiles > u.failed.length ? [`    … and ${u.failedFiles - u.failed.length} more failed`] : []),
    ...(u.failedFiles > 0 ? ['    (the content of failed uploads is kept in the recovery folder of the cache dir)'] : []),
  ];
  const ch = s.changes;
  if (ch.pending + ch.lost + ch.conflicts > 0) {
    lines.push(`  namespace changes: ${ch.pending} waiting, ${ch.lost} lost, ${ch.conflicts} conflicts kept; ${ch.replayed} replayed since start`);
    lines.push(...ch.waiting.slice(0, 10).map(changeLine), ...(ch.pending > 10 ? [`    … and ${ch.pending - 10} more waiting`] : []));
    lines.push(...ch.notices.slice(0, 10).map(changeLine));
  }
  const errors = s.recentErrors.slice(-10);
  lines.push(errors.length === 0 ? '  last errors: none' : `  last errors (${errors.length} of ${s.recentErrors.length} kept):`);
  for (const e of errors) {
    lines.push(`    ${new Date(e.time).toISOString()} ${e.level}: ${printable(e.msg)}${e.detail ? ` ${printable(e.detail)}` : ''}`);
  }
  return lines.join('\n');
}
