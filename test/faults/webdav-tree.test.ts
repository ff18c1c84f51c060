// Under server faults (5% 5xx, 2% 429, 20 ms latency, dropped transfers, 60 s access tokens), a
// tree of 300 files (2,000 in .ci/run, support.ts) goes into `pdsfs serve` with MKCOL and parallel
// PUTs (curl), reaches PDS, and comes back out byte-identical with parallel GETs through a fresh
// cache (round-trip.ts).
import { test } from 'node:test';
import { useFaultEnv, webdav } from './front-ends.js';
import { ROUND_TRIP_LIMIT_MS, treeRoundTrip } from './round-trip.js';
import { TREE_FILES } from './support.js';

const env = useFaultEnv('dav-tree');

test(`WebDAV under faults: a ${TREE_FILES}-file tree goes in with PUT and comes out with GET`, { timeout: ROUND_TRIP_LIMIT_MS }, (t) =>
  treeRoundTrip(t, env, webdav(env), 11));
