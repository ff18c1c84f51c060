// Output of the share commands: aligned tables and key/value blocks for people, JSON for scripts.
// Share passwords are never printed: views say whether there is one.
import type { PdsShareAnonymous, PdsShareLink } from '../pds/wire-types.js';
import { takesUploads } from '../pds/api-shares.js';
import { formatExpiration } from './expiry.js';

/** The owner's view of a share link as printed with --json: the service's object without share_pwd. */
export type ShareLinkView = Omit<PdsShareLink, 'share_pwd'> & { has_password: boolean };

export function shareLinkView(link: PdsShareLink): ShareLinkView {
  const { share_pwd, ...rest } = link;
  return { ...rest, has_password: !!share_pwd };
}

/** enabled, expired, disabled or cancelled, as far as the service tells. */
export function shareState(link: Pick<PdsShareLink, 'status' | 'expired' | 'expiration'>, now = Date.now()): string {
  if (link.status === 'disabled') return 'disabled';
  if (link.expired || (link.expiration && Date.parse(link.expiration) <= now)) return 'expired';
  return link.status || 'enabled';
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  return all.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n');
}

/** "key   value" lines. */
export function keyValues(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

export function shareLinksTable(links: readonly ShareLinkView[]): string {
  if (links.length === 0) return 'no share links';
  return table(
    ['ID', 'NAME', 'FILES', 'PASSWORD', 'EXPIRES', 'STATUS'],
    links.map((l) => [l.share_id, l.share_name, String(l.file_id_list?.length ?? 0), l.has_password ? 'yes' : 'no', formatExpiration(l.expiration), shareState(l)]),
  );
}

export function shareLinkDetails(link: ShareLinkView): string {
  const pairs: [string, string][] = [
    ['id', link.share_id],
    ['name', link.share_name],
    ['description', link.description || '-'],
    ['drive', link.drive_id],
    ['files', (link.file_id_list ?? []).join(', ')],
    ['password', link.has_password ? 'yes' : 'no'],
    ['expires', formatExpiration(link.expiration)],
    ['status', shareState(link)],
    ['uploads', takesUploads(link) ? 'allowed' : 'not allowed'],
    ['created', link.created_at],
  ];
  if (link.share_url) pairs.push(['url', link.share_url]);
  if (link.access_count !== undefined) pairs.push(['accessed', `${link.access_count} times, saved ${link.save_count ?? 0}, downloaded ${link.download_count ?? 0}`]);
  return keyValues(pairs);
}

/** The anonymous view (what anyone with the link sees), of the link `shareId`. */
export function anonymousDetails(shareId: string, info: PdsShareAnonymous): string {
  return keyValues([
    ['id', shareId],
    ['name', info.share_name],
    ['creator', info.creator_name || info.creator_id],
    ['password', info.has_pwd ? 'required' : 'none'],
    ['expires', formatExpiration(info.expiration)],
    ['downloads', info.disable_download ? 'disabled' : 'allowed'],
    ['uploads', takesUploads(info) ? 'allowed' : 'not allowed'],
  ]);
}
