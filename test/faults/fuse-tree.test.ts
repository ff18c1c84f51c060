// Under server faults (5% 5xx, 2% 429, 20 ms latency, dropped transfers, 60 s access tokens), a
// tree of 300 files (2,000 in .ci/run, support.ts) goes into `pdsfs mount` with rsync -a, reaches
// PDS, and comes back out byte-identical with parallel cp through a fresh cache (round-trip.ts).
import { test } from 'node:test';
import { fuseUnavailable } from '../fuse/harness.js';
import { fuse, useFaultEnv } from './front-ends.js';
import { ROUND_TRIP_LIMIT_MS, treeRoundTrip } from './round-trip.js';
import { TREE_FILES } from './support.js';

const env = useFaultEnv('fuse-tree');

test(`FUSE under faults: a ${TREE_FILES}-file tree goes in with rsync and comes out with cp`, { skip: fuseUnavailable(), timeout: ROUND_TRIP_LIMIT_MS }, (t) =>
  treeRoundTrip(t, env, fuse(env), 21));
