/** The files of a dataset folder: whether a path exists, the documents under it, their fingerprint, their ids. */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

export async function exists(p: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(p);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/** Normalises a user-written document path to the id form the ingester uses: POSIX, no `./`. */
export function normalizeDocumentId(id: string): string {
  const posix = id.replace(/\\/g, '/');
  const normal = path.posix.normalize(posix);
  return normal.startsWith('./') ? normal.slice(2) : normal;
}

/** Relative POSIX paths of all files under `dir`, skipping hidden files and folders, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(childRel);
      else if (e.isFile()) out.push(childRel);
    }
  }
  await walk('');
  return out.sort();
}

/**
 * sha256 over the given files: each file contributes its name (relative to `base`), its size and
 * its bytes, in the given order, so renaming or editing any file changes the fingerprint.
 */
export async function fingerprintFiles(base: string, relativePaths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const rel of relativePaths) {
    const bytes = await readFile(path.join(base, rel));
    hash.update(`${rel}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return `sha256:${hash.digest('hex')}`;
}
