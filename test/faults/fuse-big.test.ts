// Under server faults (5% 5xx, 2% 429, 20 ms latency, dropped transfers, 60 s access tokens), a
// big file (192 MiB; 2 GiB in .ci/run, support.ts) goes into `pdsfs mount` with cp, reaches PDS,
// and reads back byte-identical (sha1sum on the mount) through a fresh cache (round-trip.ts).
import { test } from 'node:test';
import { fuseUnavailable } from '../fuse/harness.js';
import { fuse, useFaultEnv } from './front-ends.js';
import { bigRoundTrip, ROUND_TRIP_LIMIT_MS } from './round-trip.js';
import { BIG_BYTES, MiB } from './support.js';

const env = useFaultEnv('fuse-big');

test(`FUSE under faults: a ${BIG_BYTES / MiB} MiB file goes in with cp and is read back`, { skip: fuseUnavailable(), timeout: ROUND_TRIP_LIMIT_MS }, (t) =>
  bigRoundTrip(t, env, fuse(env), 22));
