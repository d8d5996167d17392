/**
 * Directory hygiene for the HNSW-file index: which directory may become an index, which files
 * are leftovers, and the generation numbers in use. Callers hold the index lock.
 */
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { RagError } from '../errors.js';
import { isErrno } from './atomic.js';
import { processAlive } from './lock.js';
import { MANIFEST_FILE, OWN_FILE_PATTERN, readManifest, type Manifest } from './manifest.js';

/** Refuses to turn a directory full of other files into an index (a mistyped --index). */
export async function assertUsableDirectory(dir: string): Promise<void> {
  const foreign = (await readdir(dir)).filter((name) => !name.startsWith('.') && !OWN_FILE_PATTERN.test(name));
  if (foreign.length > 0) {
    const holds = JSON.stringify(foreign[0]);
    throw new RagError('index-location', `${dir} exists and is not a rag index (it holds ${holds}); choose another index location`, {
      details: { advice: 'index-folder-foreign', dir, holds },
    });
  }
}

/**
 * Deletes our files that `manifest` does not name: old generations, temp files of interrupted
 * commits, and leftovers of dead lock takers. Only call while holding the lock.
 */
export async function removeUnreferenced(dir: string, manifest: Manifest): Promise<void> {
  const keep = new Set<string>([MANIFEST_FILE, 'lock']);
  for (const file of Object.values(manifest.files)) if (file !== undefined) keep.add(file.name);
  for (const name of await readdir(dir)) {
    if (keep.has(name) || !OWN_FILE_PATTERN.test(name)) continue;
    if (name.startsWith('lock')) {
      // Lock temp files belong to processes trying to take the lock right now, unless they died.
      const pid = Number(/^lock\.(?:tmp|stale)-(\d+)/.exec(name)?.[1]);
      if (!Number.isInteger(pid) || processAlive(pid)) continue;
    }
    await unlink(join(dir, name)).catch((error: unknown) => {
      if (!isErrno(error, 'ENOENT')) throw error;
    });
  }
}

/** The highest generation number in `dir`: the manifest's if readable, and any in our files' names. */
export async function lastGeneration(dir: string): Promise<number> {
  let last = 0;
  try {
    last = (await readManifest(dir)).generation;
  } catch (error) {
    if (!(error instanceof RagError)) throw error;
  }
  for (const name of await readdir(dir)) {
    const match = /^(?:chunks|vectors|stats)-(\d+)\./.exec(name);
    if (match !== null && OWN_FILE_PATTERN.test(name)) last = Math.max(last, Number(match[1]));
  }
  return last;
}

