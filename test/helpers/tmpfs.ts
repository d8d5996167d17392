/**
 * A small tmpfs mount for disk-full tests: a real file system that really runs out of space.
 * Mounting needs root (or CAP_SYS_ADMIN); without it {@link mountTmpfs} says why, for a skip.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Tmpfs {
  dir: string;
  /** Bytes still free on the mount. */
  free(): number;
  /** Fills the mount until only about `leaveBytes` are free (tmpfs counts whole 4 KiB pages). */
  fill(leaveBytes: number): Promise<void>;
  /** Removes what {@link fill} wrote. */
  unfill(): Promise<void>;
  unmount(): Promise<void>;
}

export async function mountTmpfs(sizeBytes: number): Promise<Tmpfs | string> {
  if (process.platform !== 'linux') return 'tmpfs mounts need Linux';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rag-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs here (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
  const free = (): number => {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  };
  let fillers = 0;
  return {
    dir,
    free,
    async fill(leaveBytes: number): Promise<void> {
      const filler = path.join(dir, `filler-${fillers++}`);
      const size = Math.max(0, free() - leaveBytes);
      const handle = await open(filler, 'w');
      try {
        await handle.write(Buffer.alloc(size, 1));
      } finally {
        await handle.close();
      }
    },
    async unfill(): Promise<void> {
      for (let i = 0; i < fillers; i++) await rm(path.join(dir, `filler-${i}`), { force: true });
    },
    async unmount(): Promise<void> {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
