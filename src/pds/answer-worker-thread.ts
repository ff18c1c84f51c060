// The answer worker's thread (answer-worker.ts): one HTTP exchange per request it is sent, with the
// headers the main thread chose (its token), and the answer parsed and shaped here, so that the main
// thread receives ready entries instead of a long string to parse and the garbage that makes.
// Retries, token renewal, reachability and logging stay with the main thread (http.ts).
import { parentPort, workerData } from 'node:worker_threads';
import type { AxiosResponse } from 'axios';
import { answerText, pdsAxios } from './axios-instance.js';
import { shapeAnswer } from './answer-shapes.js';
import type { AnswerReply, AnswerRequest, ToAnswerWorker } from './answer-worker.js';

const port = parentPort!;
const client = pdsAxios((workerData as { maxSockets: number }).maxSockets);
const inFlight = new Map<number, AbortController>();

port.on('message', (m: ToAnswerWorker) => {
  if ('cancel' in m) inFlight.get(m.cancel)?.abort();
  else if ('close' in m) {
    client.close();
    port.close();
  } else void exchange(m).then((reply) => port.postMessage({ id: m.id, reply }));
});
port.postMessage('ready');

async function exchange(req: AnswerRequest): Promise<AnswerReply> {
  const ac = new AbortController();
  inFlight.set(req.id, ac);
  try {
    // The body as its bytes, made a string where it is parsed (answerText).
    const res: AxiosResponse<Buffer> = await client.axios.post<Buffer>(req.url, req.data, {
      headers: req.headers,
      signal: ac.signal,
      timeout: req.timeoutMs,
    });
    const requestId = String(res.headers['x-ca-request-id'] ?? '');
    const text = answerText(res.data);
    if (res.status < 200 || res.status >= 300) return { refused: { status: res.status, headers: { ...res.headers }, body: text } };
    let json: unknown = {};
    try {
      if (res.status !== 204 && text.trim() !== '') json = JSON.parse(text);
    } catch {
      return { invalid: { status: res.status, requestId } };
    }
    return { ok: JSON.stringify(shapeAnswer(req.shape, json)), status: res.status, requestId };
  } catch (e) {
    const err = e as { name?: string; code?: string; message?: string; request?: { reusedSocket?: boolean } };
    return { network: { name: String(err?.name ?? 'Error'), code: err?.code, message: String(err?.message ?? e), reusedSocket: Boolean(err?.request?.reusedSocket) } };
  } finally {
    inFlight.delete(req.id);
  }
}
