#!/bin/sh
# CPU seconds of each test file (user + system of its process and its children, GNU time), four files
# at a time, the most expensive first: which files to make cheaper. A figure the machine's load moves
# far less than wall time. `sh test/cpu-by-file.sh [FILES…]` (all test files by default); each file
# runs under its own `node --test`, which adds about 0.2 CPU-s to each figure. As in `npm test`, the
# files run compiled beforehand (test/loader/compile-tree.mjs); PDSFS_TEST_LOADER=1 runs them through
# the loader instead.
cd "$(dirname "$0")/.." || exit 1
tree=$(node test/loader/compile-tree.mjs) || exit 1
out=$(mktemp -d "${TMPDIR:-/tmp}/pdsfs-cpu-by-file-XXXXXX")
[ $# -gt 0 ] || set -- $(find test -name '*.test.ts' | sort)
if [ -n "$PDSFS_TEST_LOADER" ]; then run='--import ./test/loader/register.mjs --test "$1"'; else run='--test "$3/${1%.ts}.js"'; fi
printf '%s\n' "$@" | xargs -P4 -I{} sh -c '/usr/bin/time -o "$2/$(echo "$1" | tr / _).time" -f "%U %S %e %x $1" node --enable-source-maps --test-timeout=900000 '"$run"' > "$2/$(echo "$1" | tr / _).log" 2>&1' _ {} "$out" "$tree"
cat "$out"/*.time | awk '{ printf "%7.1f CPU-s %6.1f s %s%s\n", $1 + $2, $3, $5, ($4 == 0 ? "" : "  (failed: exit " $4 ")") }' | sort -rn
cat "$out"/*.time | awk '{ sum += $1 + $2 } END { printf "%7.1f CPU-s in all\n", sum }'
echo "logs: $out"
