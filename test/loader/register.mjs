// `node --import ./test/loader/register.mjs FILE.ts`: runs the tests' TypeScript without tsx. Each test
// file is its own process; tsx's start-up (its loader, esbuild's API) costs ~0.4 CPU-s per process,
// this loader ~0.1. Plain JavaScript, since it is what makes TypeScript loadable.
import { register } from 'node:module';

register('./transpile-hooks.mjs', import.meta.url);
