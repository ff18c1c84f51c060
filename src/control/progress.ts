// Progress of long CLI operations (draining uploads at shutdown, `share save` of a folder): a
// cli-progress bar on a terminal, plain lines elsewhere (logs, systemd journal, pipes) at most once
// a second and only on change, so a log file does not fill with redraws.
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { formatBytes } from './format.js';

export interface ProgressInfo {
  /** A new total (it may grow while the operation runs). */
  total?: number;
  /** Shown after the figures, e.g. "3 files left". */
  text?: string;
}

export interface ProgressReporter {
  update(done: number, info?: ProgressInfo): void;
  /** Ends the bar (or prints the last line if it was not printed yet). */
  stop(): void;
}

export interface ProgressOptions {
  /** Default stderr. */
  out?: Writable & { isTTY?: boolean };
  /** How done and total are shown; default 'count'. */
  unit?: 'bytes' | 'count';
}

const LINE_INTERVAL_MS = 1000;

export function progressReporter(label: string, total?: number, opts: ProgressOptions = {}): ProgressReporter {
  const out = opts.out ?? process.stderr;
  const show = opts.unit === 'bytes' ? formatBytes : (n: number) => String(n);
  const describe = (done: number, all: number | undefined, text: string | undefined) => {
    const figures = all ? `${show(done)} of ${show(all)}` : show(done);
    return `${figures}${text ? ` · ${text}` : ''}`;
  };
  return out.isTTY ? barReporter(label, total, out, describe) : lineReporter(label, total, out, describe);
}

type Describe = (done: number, total: number | undefined, text: string | undefined) => string;

function barReporter(label: string, total: number | undefined, out: Writable, describe: Describe): ProgressReporter {
  let text: string | undefined;
  let known = total;
  // Loaded when a bar is first drawn (on a terminal, at the end of a run), not by every daemon.
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof import('cli-progress');
  const bar = new cliProgress.SingleBar({
    stream: out,
    hideCursor: true,
    barsize: 30,
    format: (options, params) => {
      const figures = describe(params.value, known, text);
      if (!known) return `${label} ${figures}`;
      return `${label} [${cliProgress.Format.BarFormat(params.progress, options)}] ${Math.floor(params.progress * 100)}% ${figures}`;
    },
  });
  bar.start(total ?? 0, 0);
  return {
    update(done, info = {}) {
      if (info.text !== undefined) text = info.text;
      if (info.total !== undefined && info.total !== known) {
        known = info.total;
        bar.setTotal(info.total);
      }
      bar.update(done);
    },
    stop: () => bar.stop(),
  };
}

function lineReporter(label: string, total: number | undefined, out: Writable, describe: Describe): ProgressReporter {
  let known = total;
  let text: string | undefined;
  let done = 0;
  let printed = '';
  let printedAt = 0;
  const print = (force: boolean) => {
    const line = `${label}: ${describe(done, known, text)}`;
    if (line === printed || (!force && Date.now() - printedAt < LINE_INTERVAL_MS)) return;
    out.write(`${line}\n`);
    printed = line;
    printedAt = Date.now();
  };
  return {
    update(value, info = {}) {
      done = value;
      if (info.total !== undefined) known = info.total;
      if (info.text !== undefined) text = info.text;
      print(known !== undefined && done >= known);
    },
    stop: () => print(true),
  };
}

export interface DrainReporter {
  update(pendingFiles: number, pendingBytes: number): void;
  done(): void;
}

/**
 * Progress of draining uploads (PdsVfs.drain's callback): bytes uploaded of those pending when the
 * drain began, the total growing if more arrive. Silent when nothing was pending.
 */
export function drainProgress(opts: ProgressOptions = {}): DrainReporter {
  let reporter: ProgressReporter | undefined;
  let total = 0;
  let sent = 0;
  return {
    update(files, bytes) {
      if (!reporter && files === 0) return;
      total = Math.max(total, sent + bytes);
      sent = total - bytes;
      reporter ??= progressReporter('uploading', total, { ...opts, unit: 'bytes' });
      reporter.update(sent, { total, text: files === 0 ? 'uploads done' : `${files} file${files === 1 ? '' : 's'} left` });
    },
    done: () => reporter?.stop(),
  };
}
