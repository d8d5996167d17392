/** A whole read of a file handle at a position (short reads retried). */
import type { FileHandle } from 'node:fs/promises';

export async function readFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesRead } = await handle.read(buffer, offset, buffer.length - offset, position + offset);
    if (bytesRead === 0) throw new Error('ends early (truncated while being read)');
    offset += bytesRead;
  }
}
