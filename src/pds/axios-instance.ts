// The axios instance and keep-alive agents of PDS API calls, made the same way on the main thread
// (http.ts) and in the answer worker (answer-worker-thread.ts).
import http from 'node:http';
import https from 'node:https';
import type { AxiosInstance } from 'axios';
import axios from './axios.js';

/** The TCP keep-alive delay axios sets on every request's socket (its http adapter). */
const AXIOS_KEEPALIVE_MS = 60_000;

export interface PdsAxios {
  readonly axios: AxiosInstance;
  /** Closes the keep-alive sockets. */
  close(): void;
}

/**
 * The options of every keep-alive agent PDS traffic goes through (API calls, downloads). axios sets
 * a keep-alive delay of 60 s on the socket of every request, and the agent its own each time it
 * pools the socket: the same figure makes both a no-op after the first (different ones cost four
 * setsockopt calls each, twice a request).
 */
export function keepAliveAgentOptions(maxSockets: number): http.AgentOptions {
  return { keepAlive: true, keepAliveMsecs: AXIOS_KEEPALIVE_MS, maxSockets };
}

export function pdsAxios(maxSockets: number): PdsAxios {
  const agentOpts = keepAliveAgentOptions(maxSockets);
  const agents = { http: new http.Agent(agentOpts), https: new https.Agent(agentOpts) };
  const instance = axios.create({
    httpAgent: agents.http,
    httpsAgent: agents.https,
    // No redirects: follow-redirects would buffer whole request bodies to be able to replay them.
    maxRedirects: 0,
    maxBodyLength: Infinity,
    maxContentLength: Infinity,
    validateStatus: () => true,
    proxy: false,
    // Bodies are sent as given (JSON already a string): the default would parse a JSON string
    // again to check it, on every call.
    transformRequest: [(data: unknown) => data],
    // Answers come as their bytes, made a string where they are parsed (answerText).
    responseType: 'arraybuffer',
    transformResponse: [(data: unknown) => data],
    adapter: 'http',
  });
  leanDefaults(instance);
  return {
    axios: instance,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

/**
 * axios merges its instance's defaults into every request's config, key by key and each header
 * bucket deeply, and checks the `transitional` options each time: defaults that say nothing are
 * dropped, so a small upload's three requests do not pay for them (the transitional options' own
 * defaults apply when none are given; the per-method header buckets are empty).
 */
function leanDefaults(instance: AxiosInstance): void {
  const defaults = instance.defaults as unknown as Record<string, unknown> & { headers: Record<string, unknown> };
  delete defaults.transitional;
  delete defaults.xsrfCookieName;
  delete defaults.xsrfHeaderName;
  for (const [method, bucket] of Object.entries(defaults.headers)) {
    if (method !== 'common' && bucket && typeof bucket === 'object' && Object.keys(bucket).length === 0) delete defaults.headers[method];
  }
}

/**
 * An answer's body, asked of axios as bytes (responseType 'arraybuffer'), as the text 'text' would
 * have given: UTF-8, a leading byte-order mark dropped. Decoded where it is parsed: a body made a
 * string inside axios lives through its promise hops, and the young generation's collections copy
 * it (a 120 KB page of file/list cost the main thread about 0.6 ms more per call).
 */
export function answerText(data: unknown): string {
  if (!Buffer.isBuffer(data)) return typeof data === 'string' ? data : '';
  const text = data.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
