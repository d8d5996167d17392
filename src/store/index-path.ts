import { stat } from 'node:fs/promises';

import { RagError } from '../errors.js';

/** Where an index lives when no location is given: `.rag` in the working directory. */
export const DEFAULT_INDEX_DIR = '.rag';

/**
 * Refuse an index path that cannot be an index folder: an existing file, or a path running
 * through a file. Without this the first `mkdir` or `open` fails with a bare EEXIST/ENOTDIR.
 * A path that does not exist yet is fine (ingest creates it).
 *
 * @param display the path as the user gave it, for the message.
 */
export async function assertIndexPathUsable(dir: string, display: string = dir): Promise<void> {
  await assertFolderPath(dir, { display, what: 'index path', kind: 'an index folder', flag: '--index' });
}

/**
 * The same check for any folder rag writes into, e.g. `rag eval --out DIR`.
 *
 * @throws RagError `<what> <display> is a file, not <kind>; pass a folder with <flag> ...`.
 */
export async function assertFolderPath(
  dir: string,
  names: { display?: string; what: string; kind?: string; flag: string },
): Promise<void> {
  const { display = dir, what, kind = 'a folder', flag } = names;
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) throw new RagError('index-location', `${what} ${display} is a file, not ${kind}; pass a folder with ${flag} (rag creates it)`);
  } catch (error) {
    if (error instanceof RagError) throw error;
    const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
    if (code === 'ENOTDIR') throw new RagError('index-location', `${what} ${display} runs through a file, not folders; pass a folder with ${flag}`);
    if (code !== 'ENOENT') throw error;
  }
}
