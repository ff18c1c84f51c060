// Reading request bodies and writing JSON / OSS-XML answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readLimitedBody } from '../shared/read-body.js';
import { PdsHttpError, renderOssXml } from './errors.js';

/** Largest /v2 request body: a part_info_list of 10,000 entries fits easily. */
export const MAX_API_BODY = 16 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_API_BODY): Promise<Buffer> {
  return readLimitedBody(req, limit, () => new PdsHttpError(400, 'InvalidParameter', `The request body is larger than ${limit} bytes.`));
}

export function parseJsonBody(raw: Buffer): Record<string, unknown> {
  const text = raw.toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PdsHttpError(400, 'InvalidRequestJSONFormat', 'The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PdsHttpError(400, 'InvalidRequestJSONFormat', 'The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/** /v2/oauth/token: form-encoded, as the SDKs send it (JSON is tolerated). */
export function parseFormBody(raw: Buffer, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('json')) return parseJsonBody(raw);
  return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonBytes(res, status, jsonBytes(body), headers);
}

/** A JSON answer rendered once, so what paces it (throttle.ts) and what sends it share the bytes. */
export function jsonBytes(body: unknown): Buffer {
  return Buffer.from(JSON.stringify(body));
}

export function sendJsonBytes(res: ServerResponse, status: number, bytes: Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': bytes.length });
  res.end(bytes);
}

export function sendOssXml(res: ServerResponse, status: number, code: string, message: string, requestId: string, headers: Record<string, string> = {}): void {
  const text = renderOssXml(code, message, requestId);
  res.writeHead(status, { ...headers, 'content-type': 'application/xml', 'content-length': Buffer.byteLength(text), 'x-oss-request-id': requestId });
  res.end(text);
}

/** Reads and discards the rest of a request body, so an early answer reaches the client cleanly. */
export function drain(req: IncomingMessage): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    req.once('end', resolve);
    req.once('close', resolve);
    req.resume();
  });
}
