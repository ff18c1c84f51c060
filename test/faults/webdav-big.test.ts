// Under server faults (5% 5xx, 2% 429, 20 ms latency, dropped transfers, 60 s access tokens), a
// big file (192 MiB; 2 GiB in .ci/run, support.ts) goes into `pdsfs serve` with one curl PUT,
// reaches PDS, and comes back out byte-identical with a GET through a fresh cache, streamed into
// sha1sum (round-trip.ts).
import { test } from 'node:test';
import { useFaultEnv, webdav } from './front-ends.js';
import { bigRoundTrip, ROUND_TRIP_LIMIT_MS } from './round-trip.js';
import { BIG_BYTES, MiB } from './support.js';

const env = useFaultEnv('dav-big');

test(`WebDAV under faults: a ${BIG_BYTES / MiB} MiB file goes in with PUT and comes out with GET`, { timeout: ROUND_TRIP_LIMIT_MS }, (t) =>
  bigRoundTrip(t, env, webdav(env), 12));
