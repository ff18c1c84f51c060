#!/bin/sh
# `npm test`: the type check beside every test file, four processes at a time (the suite waits on the
# network, FUSE and sleeps a lot: at two, two CPUs were busy 70% of the time). The files run as
# JavaScript compiled beforehand (test/loader/compile-tree.mjs: no module hooks in each process).
# The longest files (CPU seconds alone, and resume's two minutes on a capped link) start first, so
# that the run does not end on one long file while the other slots are idle. Then the other files
# share processes, up to 8 files of a folder in each (test/loader/shared-processes.mjs: a process's
# start and module loading is about 1 CPU-s); last, by name, the cli and FUSE files, each in its own
# process (a FUSE file's cost is its mount processes: sharing saved nothing measurable).
cd "$(dirname "$0")/.." || exit 1
tree=$(node test/loader/compile-tree.mjs) || exit 1
npm run typecheck --silent &
typecheck=$!
first="test/faults/resume.test.ts test/fuse/random-ops.test.ts test/fuse/posix-conformance.test.ts test/faults/fuse-tree.test.ts
  test/faults/webdav-tree.test.ts test/faults/fuse-big.test.ts test/faults/webdav-big.test.ts test/views/cli-views.test.ts
  test/shares/cli.test.ts test/faults/full-disk.test.ts test/cli/package.test.ts test/cli/config-cli.test.ts test/shares/frontends.test.ts"
alone=$(find test/cli test/fuse -name '*.test.ts' | sort | grep -vxF "$(printf '%s\n' $first)")
# shellcheck disable=SC2086 # file lists split on whitespace
shared=$(find test -name '*.test.ts' | sort | grep -vxF "$(printf '%s\n' $first $alone)")
# shellcheck disable=SC2086
entries=$(node test/loader/shared-processes.mjs "$tree" 8 $shared) || exit 1
js() { for f in "$@"; do printf '%s\n' "$tree/${f%.ts}.js"; done; }
# shellcheck disable=SC2046,SC2086
node --enable-source-maps --test --test-concurrency=4 --test-timeout=900000 $(js $first) $entries $(js $alone)
tests=$?
wait $typecheck && exit $tests
