#!/bin/sh
# `npm test`: the type check beside every test file, four files at a time (the suite waits on the
# network, FUSE and sleeps a lot: at two, two CPUs were busy 70% of the time). The longest files
# (CPU seconds alone, and resume's two minutes on a capped link) start first, so that the run does
# not end on one long file while the other slots are idle; the rest follow by name.
cd "$(dirname "$0")/.." || exit 1
npm run typecheck --silent &
typecheck=$!
first="test/faults/resume.test.ts test/faults/fuse-tree.test.ts test/faults/webdav-tree.test.ts test/faults/fuse-big.test.ts
  test/faults/webdav-big.test.ts test/fuse/random-ops.test.ts test/fuse/posix-conformance.test.ts test/views/cli-views.test.ts
  test/shares/cli.test.ts test/faults/full-disk.test.ts test/cli/package.test.ts test/cli/config-cli.test.ts test/shares/frontends.test.ts"
rest=$(find test -name '*.test.ts' | sort | grep -vxF "$(printf '%s\n' $first)")
# shellcheck disable=SC2086 # file lists split on whitespace
node --enable-source-maps --import ./test/loader/register.mjs --test --test-concurrency=4 --test-timeout=900000 $first $rest
tests=$?
wait $typecheck && exit $tests
