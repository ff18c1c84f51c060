// Imported only by axios.ts, right before axios: hides Node's fetch globals while axios loads.
//
// At import, axios looks up fetch, Request, Response and FormData (for its fetch adapter and its
// FormData check). In Node 20 these globals are lazy: the first look-up of any of them loads undici,
// Node's fetch, with its WebAssembly HTTP parser; that is 5 MiB of an idle `pdsfs serve` (see
// docs/benchmarks.md, start-up). pdsfs sends everything through axios's http adapter, so axios
// loses nothing by finding them missing. They are put back as they were right after (axios.ts), and
// a later use of fetch loads undici then.

const WEB_FETCH_GLOBALS = ['fetch', 'Request', 'Response', 'FormData'] as const;

const saved = WEB_FETCH_GLOBALS.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const);
for (const name of WEB_FETCH_GLOBALS) Object.defineProperty(globalThis, name, { value: undefined, configurable: true, writable: true });

/** Puts the globals back as they were before this module ran. */
export function restoreWebFetch(): void {
  for (const [name, descriptor] of saved) {
    if (descriptor) Object.defineProperty(globalThis, name, descriptor);
    else delete (globalThis as Record<string, unknown>)[name];
  }
}
