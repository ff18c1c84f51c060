// The last warnings and errors a daemon logged, for `pdsfs status` and the status page. Recorded
// from the logger's output stream, after pino's redaction and the logger's scrubbing, so what is
// shown is exactly what the log file holds: never a token, password or signed URL.
import { pino } from 'pino';
import { createLogger, type Logger, type LoggerOptions } from '../shared/logger.js';

export interface LogEvent {
  time: number;
  level: 'warn' | 'error' | 'fatal';
  msg: string;
  /** The event's other fields (file name, error, ...), as compact JSON, shortened. */
  detail?: string;
}

const CAPACITY = 50;
const DETAIL_CHARS = 400;
const LEVELS: Record<number, LogEvent['level']> = { 40: 'warn', 50: 'error', 60: 'fatal' };
const LEVEL_AT_START = /^\{"level":(\d+)/;
const ENVELOPE = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/** A ring of the most recent warn/error/fatal events, oldest first. */
export class RecentLogEvents {
  private readonly events: LogEvent[] = [];

  constructor(private readonly capacity = CAPACITY) {}

  /** Takes one serialized pino line; lines below warn are skipped without parsing. */
  record(line: string): void {
    const level = LEVELS[Number(LEVEL_AT_START.exec(line)?.[1])];
    if (!level) return;
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const rest = Object.fromEntries(Object.entries(obj).filter(([k]) => !ENVELOPE.has(k)));
    const detail = Object.keys(rest).length > 0 ? JSON.stringify(rest) : undefined;
    this.events.push({
      time: typeof obj.time === 'number' ? obj.time : Date.now(),
      level,
      msg: typeof obj.msg === 'string' ? obj.msg : '',
      ...(detail ? { detail: detail.length > DETAIL_CHARS ? `${detail.slice(0, DETAIL_CHARS)}…` : detail } : {}),
    });
    if (this.events.length > this.capacity) this.events.shift();
  }

  list(): LogEvent[] {
    return [...this.events];
  }
}

interface LineStream {
  write(line: string): unknown;
}

const recorders = new WeakMap<LineStream, RecentLogEvents>();

/**
 * The recent events of a logger (and of its children, which share its stream). The first call
 * starts recording by wrapping the stream's write; later calls return the same ring.
 */
export function recentLogEvents(logger: Logger): RecentLogEvents {
  const stream = (logger as unknown as Record<symbol, LineStream>)[pino.symbols.streamSym];
  if (!stream) return new RecentLogEvents();
  let events = recorders.get(stream);
  if (!events) {
    const ring = new RecentLogEvents();
    const write = stream.write.bind(stream);
    stream.write = (line: string) => {
      ring.record(line);
      return write(line);
    };
    recorders.set(stream, ring);
    events = ring;
  }
  return events;
}

/** createLogger, recording from the first line on (startup warnings included). */
export function createRecordingLogger(opts: LoggerOptions = {}): Logger {
  const logger = createLogger(opts);
  recentLogEvents(logger);
  return logger;
}
