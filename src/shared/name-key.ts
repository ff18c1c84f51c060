// How names are matched everywhere (metadata cache, journal, namespace): by their NFC spelling, so the
// NFC and NFD forms of one name (Finder sends NFD) are the same entry.
export function nameKey(name: string): string {
  return name.normalize('NFC');
}
