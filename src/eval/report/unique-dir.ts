import { mkdir } from 'node:fs/promises';

import { RagError } from '../../errors.js';

/**
 * Creates a new folder `base`, or `base-2`, `base-3` … when that exists, and returns its path.
 * `mkdir` without `recursive` fails on an existing folder, atomically, so two runs that finish in
 * the same second (same timestamped default name) each get their own folder and neither
 * overwrites the other's reports.
 */
export async function createUniqueDir(base: string): Promise<string> {
  for (let n = 1; n <= MAX_TRIES; n++) {
    const dir = n === 1 ? base : `${base}-${n}`;
    try {
      await mkdir(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new RagError('usage', `${base} and ${MAX_TRIES - 1} numbered folders beside it exist already`, { hint: 'name another output folder', details: { advice: 'out-taken' } });
}

const MAX_TRIES = 1000;
