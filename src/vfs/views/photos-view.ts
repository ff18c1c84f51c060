// photos/<drive>/<YYYY>/<MM>/: a drive's images and videos by capture time (the upload time where
// there is none), from the search API by category, like rclone's Google Photos media/by-month.
import { displayNames } from '../names.js';
import type { ViewContext, ViewDrive } from './view-context.js';
import { dirNode, entryNode, type ViewNode } from './view-node.js';
import type { MediaEntry } from '../../core/view-remote.js';

/** One search of the drive serves every year and month folder listed shortly after it. */
const MEDIA_TTL_MS = 5000;

export function photosView(ctx: ViewContext): ViewNode {
  return dirNode('photos', 'photos:', { list: async () => ctx.drives.map((d) => driveFolder(ctx, d)) });
}

function driveFolder(ctx: ViewContext, drive: ViewDrive): ViewNode {
  let cached: { at: number; media: Promise<MediaEntry[]> } | undefined;
  const media = () => {
    if (!cached || Date.now() - cached.at >= MEDIA_TTL_MS) {
      cached = { at: Date.now(), media: drive.remote.media() };
      cached.media.catch(() => (cached = undefined));
    }
    return cached.media;
  };
  const id = drive.volume.id;
  return dirNode(drive.volume.dirName, `photos:${id}`, {
    list: async () => {
      const years = [...new Set((await media()).map((m) => utc(m.takenAt).year))].sort();
      return years.map((year) =>
        dirNode(year, `photos:${id}:${year}`, {
          list: async () => {
            const months = [...new Set((await media()).filter((m) => utc(m.takenAt).year === year).map((m) => utc(m.takenAt).month))].sort();
            return months.map((month) =>
              dirNode(month, `photos:${id}:${year}-${month}`, {
                list: async () => {
                  const inMonth = (await media()).filter((m) => utc(m.takenAt).year === year && utc(m.takenAt).month === month);
                  const names = displayNames(inMonth.map((m) => m.entry));
                  return inMonth.map((m) => entryNode(names.get(m.entry.id) ?? m.entry.name, drive.volume, drive.remote, m.entry, ctx.blocks, { mtime: m.takenAt }));
                },
              }),
            );
          },
        }),
      );
    },
  });
}

function utc(ms: number): { year: string; month: string } {
  const iso = new Date(ms).toISOString();
  return { year: iso.slice(0, 4), month: iso.slice(5, 7) };
}
