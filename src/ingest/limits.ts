import { promises as fs } from 'node:fs';
import { reasonText } from './notice-reasons.js';

/**
 * Default largest file ingest reads: 50 MiB. A file is held in memory whole while it is parsed and
 * chunked, and with the built-in `hash` model each 800-character chunk becomes a 16 KiB vector,
 * so one 50 MiB text file already means about a gigabyte of vectors.
 */
export const DEFAULT_MAX_FILE_SIZE = 50 * 1024 * 1024;

/** A file larger than the limit; thrown by {@link readBounded}. */
export class FileTooLargeError extends Error {
  override name = 'FileTooLargeError';
  readonly size: number;
  readonly limit: number;
  constructor(size: number, limit: number) {
    super(reasonText({ reasonCode: 'too-large', params: tooLargeParams(size, limit) }));
    this.size = size;
    this.limit = limit;
  }
}

/** The params of a `too-large` notice: the sizes as shown, and in bytes. */
export function tooLargeParams(size: number, limit: number): { size: string; limit: string; sizeBytes: number; limitBytes: number } {
  return { size: formatBytes(size), limit: formatBytes(limit), sizeBytes: size, limitBytes: limit };
}

/**
 * Read a whole file, but never more than `limit` bytes: memory stays bounded by the limit even
 * when the file is far larger or grows while it is read.
 *
 * @throws FileTooLargeError when the file holds more than `limit` bytes; the error of the
 *   operating system (ENOENT, EACCES ...) when it cannot be opened or read.
 */
export async function readBounded(absPath: string, limit: number): Promise<Buffer> {
  const handle = await fs.open(absPath, 'r');
  try {
    const { size } = await handle.stat();
    if (size > limit) throw new FileTooLargeError(size, limit);
    // One byte more than allowed tells a file that grew past the limit from one that is full.
    const buf = Buffer.allocUnsafe(Math.min(limit, Math.max(size, 64 * 1024)) + 1);
    let length = 0;
    for (;;) {
      if (length === buf.length) break;
      const { bytesRead } = await handle.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > limit) throw new FileTooLargeError(length, limit);
    if (length === buf.length) return readBounded(absPath, limit); // grew past our guess; size again
    return buf.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/**
 * Parse a size like `50MB`, `200M`, `1.5G`, `512k` or `1048576` (bytes). K, M and G are binary
 * (1024-based), with or without a trailing `B`/`iB`.
 *
 * @returns the size in bytes, or undefined when `text` is not a positive size.
 */
export function parseByteSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmg])(?:i?b)?|b)?\s*$/i.exec(text);
  if (match === null) return undefined;
  const unit = (match[2] ?? '').toLowerCase();
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const bytes = Math.floor(Number(match[1]) * factor);
  return bytes >= 1 ? bytes : undefined;
}

/** `2.5 MB`, `200 MB`, `512 KB`, `17 bytes` (1024-based, as {@link parseByteSize} reads them). */
export function formatBytes(bytes: number): string {
  const units: Array<[string, number]> = [['GB', 1024 ** 3], ['MB', 1024 ** 2], ['KB', 1024]];
  for (const [unit, size] of units) {
    if (bytes >= size) {
      const value = bytes / size;
      return `${value >= 10 || Number.isInteger(value) ? Math.round(value) : value.toFixed(1)} ${unit}`;
    }
  }
  return `${bytes} bytes`;
}
