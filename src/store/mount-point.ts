/**
 * Which file system a path lives on, for messages like "no space left on /mnt/data": the user
 * needs to know which disk to free, and TMPDIR, the index and the reports may all differ.
 */
import { statSync } from 'node:fs';
import path from 'node:path';

/**
 * The mount point holding `file` (the highest ancestor on the same device), or undefined when
 * nothing along the way can be examined. `file` itself need not exist.
 */
export function mountPointOf(file: string): string | undefined {
  let dir = path.resolve(file);
  let device: number | undefined;
  // Climb to the first ancestor that exists: the file may have been removed on failure.
  for (;;) {
    try {
      device = statSync(dir).dev;
      break;
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  }
  for (;;) {
    const parent = path.dirname(dir);
    if (parent === dir) return dir;
    try {
      if (statSync(parent).dev !== device) return dir;
    } catch {
      return dir;
    }
    dir = parent;
  }
}
