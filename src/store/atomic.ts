/**
 * Crash-safe file replacement: write a temp file next to the target, fsync it, rename it over
 * the target, fsync the directory. After a crash at any point the target holds either its old
 * content or the new one (POSIX rename is atomic; the fsyncs make the order survive power loss).
 */
import { createHash } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Called after the temp file is durable and before the rename (used by crash tests). */
  beforeRename?: () => void | Promise<void>;
  /**
   * false skips the fsyncs (the rename stays atomic, but a power loss may lose the file): for
   * files nobody needs after a crash, like eval's temporary index. Default true.
   */
  durable?: boolean;
}

/** The temp name used for `path`: same directory (so rename stays atomic), tagged with our pid. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `${basename(path)}.tmp-${process.pid}`);
}

/** Flushes a directory entry table, so a rename or unlink inside it survives power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows) and filesystems cannot open or fsync a directory; renames
    // there are still atomic, only their durability on power loss is weaker.
    if (!isErrno(error, 'EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'EACCES')) throw error;
  } finally {
    await handle?.close();
  }
}

/** Flushes a file's data to disk. */
export async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Produces `path` atomically: `produce(tempPath)` creates the file's content at the temp path
 * (any way it likes, e.g. a native library writing by path), then it is fsynced and renamed
 * into place. On failure the temp file is removed and the target is untouched.
 */
export async function replaceFileAtomic(
  path: string,
  produce: (tempPath: string) => Promise<void>,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const temp = tempPathFor(path);
  try {
    await produce(temp);
    if (options.durable !== false) await fsyncFile(temp);
    await options.beforeRename?.();
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw withPath(error, path);
  }
  if (options.durable !== false) await fsyncDir(dirname(path));
}

/** Replaces `path` with `data` atomically. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  await replaceFileAtomic(
    path,
    async (temp) => {
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(data);
      } finally {
        await handle.close();
      }
    },
    options,
  );
}

/**
 * Replaces several files as one unit, as far as POSIX allows: every new content is first written
 * and fsynced to a temp file next to its target, and only when all of them are on disk are they
 * renamed into place. A write that fails (a full disk, a quota) removes every temp file and leaves
 * all targets as they were; the renames that follow need no space.
 */
export async function writeFilesAtomic(files: ReadonlyArray<{ path: string; data: string | Uint8Array }>, options: AtomicWriteOptions = {}): Promise<void> {
  const staged: string[] = [];
  try {
    for (const file of files) {
      const temp = tempPathFor(file.path);
      staged.push(temp);
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(file.data);
        if (options.durable !== false) await handle.sync();
      } finally {
        await handle.close();
      }
    }
    await options.beforeRename?.();
  } catch (error) {
    await Promise.all(staged.map((temp) => unlink(temp).catch(() => undefined)));
    throw withPath(error, files[staged.length - 1]?.path);
  }
  for (const [i, file] of files.entries()) await rename(staged[i]!, file.path);
  if (options.durable !== false) for (const dir of new Set(files.map((f) => dirname(f.path)))) await fsyncDir(dir);
}

/** Bytes buffered before each write in {@link writeFileAtomicStream}. */
const STREAM_BUFFER_BYTES = 1 << 20;

/**
 * Replaces `path` atomically with the concatenation of `pieces` (e.g. JSONL lines, or a header
 * and a large body), without ever holding the whole content in memory or in one string (V8
 * strings stop at ~512 MB). Small pieces are gathered into ~1 MiB writes; a piece at least that
 * big is written as it is, never copied. Returns the bytes written and their checksum
 * (`sha256:<hex>`), taken on the way so a caller never reads the file back to hash it.
 */
export async function writeFileAtomicStream(
  path: string,
  pieces: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
  options: AtomicWriteOptions = {},
): Promise<{ bytes: number; checksum: string }> {
  let total = 0;
  const hash = createHash('sha256');
  await replaceFileAtomic(
    path,
    async (temp) => {
      const handle = await open(temp, 'w');
      try {
        let pending: Buffer[] = [];
        let pendingBytes = 0;
        const writeAll = async (buffer: Buffer): Promise<void> => {
          for (let offset = 0; offset < buffer.length; ) offset += (await handle.write(buffer, offset, buffer.length - offset)).bytesWritten;
        };
        const flush = async (): Promise<void> => {
          if (pendingBytes === 0) return;
          const buffer = Buffer.concat(pending, pendingBytes);
          pending = [];
          pendingBytes = 0;
          await writeAll(buffer);
        };
        for await (const piece of pieces) {
          const bytes = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
          hash.update(bytes);
          total += bytes.length;
          if (bytes.length >= STREAM_BUFFER_BYTES) {
            await flush();
            await writeAll(bytes);
            continue;
          }
          pending.push(bytes);
          pendingBytes += bytes.length;
          if (pendingBytes >= STREAM_BUFFER_BYTES) await flush();
        }
        await flush();
      } finally {
        await handle.close();
      }
    },
    options,
  );
  return { bytes: total, checksum: `sha256:${hash.digest('hex')}` };
}

export function withPath(error: unknown, path: string | undefined): unknown {
  if (path !== undefined && error instanceof Error && 'code' in error && !('path' in error)) {
    (error as NodeJS.ErrnoException).path = path;
  }
  return error;
}

/** True when `error` is a Node system error with one of the given codes. */
export function isErrno(error: unknown, ...codes: string[]): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof (error as { code: unknown }).code === 'string' &&
    codes.includes((error as { code: string }).code)
  );
}
