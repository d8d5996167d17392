import { stat } from 'node:fs/promises';

import { RagError } from '../errors.js';

/**
 * Refuse an index path that cannot be an index folder: an existing file, or a path running
 * through a file. Without this the first `mkdir` or `open` fails with a bare EEXIST/ENOTDIR.
 * A path that does not exist yet is fine (ingest creates it).
 *
 * @param display the path as the user gave it, for the message.
 */
export async function assertIndexPathUsable(dir: string, display: string = dir): Promise<void> {
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) {
      throw new RagError(`index path ${display} is a file, not an index folder; pass a folder with --index (ingest creates it)`);
    }
  } catch (error) {
    if (error instanceof RagError) throw error;
    const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
    if (code === 'ENOTDIR') {
      throw new RagError(`index path ${display} runs through a file, not folders; pass a folder with --index`);
    }
    if (code !== 'ENOENT') throw error;
  }
}
