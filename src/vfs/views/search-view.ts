// search/<query>/: a name search across the drives (file/search, `name match`), and starred/: the
// starred files of every drive. Both show files, read like any drive file.
import type { ViewContext } from './view-context.js';
import { searchDrives } from './view-context.js';
import { dirNode, type ViewNode } from './view-node.js';
import { queryString } from '../../core/view-remote.js';

export function searchView(ctx: ViewContext): ViewNode {
  return dirNode('search', 'search:', {
    // Queries are not listed: any name looked up below search/ is one.
    list: async () => [],
    lookup: (query) => dirNode(query, `search:${query}`, { list: () => searchDrives(ctx, `name match ${queryString(query)} and type = "file"`) }),
  });
}

export function starredView(ctx: ViewContext): ViewNode {
  return dirNode('starred', 'starred:', { list: () => searchDrives(ctx, 'starred = true and type = "file"') });
}
