// Types of what test/helpers/cli.ts uses from the loader's hooks (plain JavaScript, see register.mjs).
/** The JavaScript of the TypeScript file `file` (absolute path) whose text is `source`, cached by content. */
export function transpiled(file: string, source: string): string;
