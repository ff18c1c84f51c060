// When V8's compilers above its interpreter come in. The pdsfs command starts Node without them
// (bin/pdsfs's first line: --no-sparkplug --no-turbofan): start-up runs most of its code once
// (module loading, option parsing, opening the caches), yet V8 optimized about a hundred functions
// of it, on a helper thread, which left the optimizing compiler's code and working memory resident
// in an idle daemon: without them an idle `pdsfs serve` is about 10 MiB smaller and its start takes
// less CPU (docs/benchmarks.md, start-up). Each command turns them on once its start is done.
import v8 from 'node:v8';

/**
 * Turns the baseline (Sparkplug) and optimizing (Turbofan) compilers on for the rest of the process,
 * worker threads included. V8 reads both flags each time it considers compiling a function further,
 * so functions already hot are compiled from here on. Without the start-up flags (`node bin/pdsfs`)
 * they are on already and this changes nothing.
 */
export function startOptimizing(): void {
  v8.setFlagsFromString('--sparkplug');
  v8.setFlagsFromString('--turbofan');
}
