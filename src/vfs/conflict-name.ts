// The name a change keeps when the server took its name meanwhile: "report (conflict 2026-12-03
// 22.15.07).txt", the time (UTC) being when the change was made, before the extension of a file.
export function conflictName(name: string, at: number, kind: 'file' | 'dir' = 'file'): string {
  const stamp = new Date(at).toISOString().slice(0, 19).replace('T', ' ').replaceAll(':', '.');
  const dot = kind === 'file' ? name.lastIndexOf('.') : -1;
  return dot > 0 ? `${name.slice(0, dot)} (conflict ${stamp})${name.slice(dot)}` : `${name} (conflict ${stamp})`;
}
