import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { GateConfig } from '../../src/config/types.js';
import { parseAlembicFile } from '../../src/discover/formats/alembic.js';
import type { Migration } from '../../src/types.js';

/**
 * Parses every revision file of `<root>/<dir>` with the product's Alembic parser, in file-name order (callers
 * that need graph order pass the result through `orderAlembic`). Paths are relative to `root`.
 */
export function parseRevisions(root: string, dir: string, config: GateConfig): Migration[] {
  const abs = path.join(root, dir);
  return readdirSync(abs)
    .filter((f) => f.endsWith('.py'))
    .sort()
    .map((f) =>
      parseAlembicFile(
        {
          absPath: path.join(abs, f),
          relPath: `${dir}/${f}`,
          dir,
          text: readFileSync(path.join(abs, f), 'utf8'),
        },
        config,
      ),
    );
}
