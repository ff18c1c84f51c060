// The PDS client's axios loads without Node's fetch (undici): axios probes the fetch globals at
// import, and their first look-up loads undici (src/pds/web-fetch-hidden.ts). Counted in Node's list
// of the built-in modules a process loaded, in a fresh process each.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { tsNodeArgs } from '../helpers/cli.js';

const run = promisify(execFile);
const UNDICI = 'NativeModule internal/deps/undici/undici';

async function undiciLoadedAfter(importing: string, thenTouchFetch = false): Promise<{ atImport: boolean; afterFetch: boolean }> {
  const script = `
    await import(${JSON.stringify(importing)});
    const atImport = process.moduleLoadList.includes(${JSON.stringify(UNDICI)});
    ${thenTouchFetch ? 'if (typeof fetch !== "function" || typeof Request !== "function" || typeof FormData !== "function") throw new Error("fetch globals missing");' : ''}
    console.log(JSON.stringify({ atImport, afterFetch: process.moduleLoadList.includes(${JSON.stringify(UNDICI)}) }));
  `;
  const { stdout } = await run(process.execPath, tsNodeArgs('--input-type=module', '-e', script));
  return JSON.parse(stdout) as { atImport: boolean; afterFetch: boolean };
}

test('the PDS client loads axios without undici, and leaves fetch working', async () => {
  const client = await undiciLoadedAfter(path.resolve(import.meta.dirname, '../../src/pds/http.ts'), true);
  assert.deepEqual(client, { atImport: false, afterFetch: true });
  // axios imported plainly does load it: what the hiding saves.
  assert.equal((await undiciLoadedAfter('axios')).atImport, true);
});
