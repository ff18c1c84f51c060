// Arguments that run a bash script: `run('bash', bashScript(script, ...args))`. --norc, because bash
// reads ~/.bashrc even with -c when its stdin is a socket (as a Node child's pipes are) and SHLVL is
// under 2 (as under a shell that ran node as its last command): a user's .bashrc (pyenv's init on this
// machine, 0.66 CPU-s and 20 processes) would run before every script.
export function bashScript(script: string, ...args: string[]): string[] {
  return ['--norc', '-c', script, ...args];
}
