// A 207 Multi-Status body written as it is produced, in ~64 KiB chunks with backpressure, so a
// listing of many thousands of entries never sits in memory whole. Small bodies go out in one
// piece with a Content-Length.
import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { writeChunk } from '../../shared/backpressure.js';
import { DAV_NS, XML_DECL, element, escapeText, rootNamespaces } from './xml-writer.js';

const FLUSH_AT = 64 * 1024;

export class MultistatusWriter {
  private pending: string[] = [];
  private pendingBytes = 0;
  private started = false;

  constructor(private readonly res: ServerResponse) {
    this.push(`${XML_DECL}<D:multistatus${rootNamespaces()}>`);
  }

  /** One <D:response> element (already serialised). */
  async add(responseXml: string): Promise<void> {
    this.push(responseXml);
    if (this.pendingBytes >= FLUSH_AT) await this.flush();
  }

  async end(): Promise<void> {
    this.push('</D:multistatus>');
    if (!this.started) {
      const body = this.pending.join('');
      this.writeHead(Buffer.byteLength(body));
      this.res.end(body);
      return;
    }
    await this.flush();
    this.res.end();
  }

  private push(s: string): void {
    this.pending.push(s);
    this.pendingBytes += s.length;
  }

  private async flush(): Promise<void> {
    if (!this.started) {
      this.writeHead(undefined);
      this.started = true;
    }
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    if (this.res.destroyed) throw new Error('client went away');
    await writeChunk(this.res, chunk);
  }

  private writeHead(length: number | undefined): void {
    this.res.statusCode = 207;
    this.res.setHeader('Content-Type', 'application/xml; charset=utf-8');
    if (length !== undefined) this.res.setHeader('Content-Length', length);
  }
}

/** <D:response> with one propstat per status, in the order given; a status with no properties is left out. */
export function responseXml(href: string, propstats: ReadonlyArray<readonly [status: number, props: string]>): string {
  let out = '';
  for (const [status, props] of propstats) {
    if (props !== '') out += element(DAV_NS, 'propstat', element(DAV_NS, 'prop', props) + statusElement(status));
  }
  return element(DAV_NS, 'response', element(DAV_NS, 'href', escapeText(href)) + out);
}

/** <D:response> carrying only a status (e.g. a member that failed). */
export function statusResponseXml(href: string, status: number): string {
  return element(DAV_NS, 'response', element(DAV_NS, 'href', escapeText(href)) + statusElement(status));
}

export function statusElement(status: number): string {
  return element(DAV_NS, 'status', `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`);
}
