/**
 * The embedding cache's file format (see cache.ts for the layout and why): the header, and the
 * record key of a text. Pure encoding; no file system.
 */
import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import os from 'node:os';
import { RagError } from '../errors.js';

export const MAGIC = Buffer.from('RAGEMBV\n', 'latin1');
export const FORMAT_VERSION = 1;
export const FIXED_HEADER = 24;
export const HASH_BYTES = 32;
export const LITTLE_ENDIAN = os.endianness() === 'LE';

/** What a vector was computed for: models with query prefixes or instructions embed a query differently from a document of the same text. */
export type CacheKind = 'document' | 'query';

/**
 * Query keys hash a prefix that starts with 0xff, a byte UTF-8 never produces, so no document
 * text (hashed as plain UTF-8, the format's original key) can share a query's key.
 */
const QUERY_KEY_PREFIX = Buffer.from([0xff, 0x71, 0x00]);

export function textKey(text: string, kind: CacheKind = 'document'): Buffer {
  const hash = createHash('sha256');
  if (kind === 'query') hash.update(QUERY_KEY_PREFIX);
  return hash.update(text, 'utf8').digest();
}

export interface Header {
  dimension: number;
  headerLength: number;
  fingerprint: string;
  modelId?: string;
}

export function encodeHeader(fingerprint: string, dimension: number, modelId: string | undefined): Buffer {
  const meta = Buffer.from(JSON.stringify(modelId === undefined ? { fingerprint } : { fingerprint, modelId }), 'utf8');
  const fixed = Buffer.alloc(FIXED_HEADER);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt32LE(FORMAT_VERSION, 8);
  fixed.writeUInt32LE(dimension, 12);
  fixed.writeUInt32LE(FIXED_HEADER + meta.length, 16);
  fixed.writeUInt32LE(meta.length, 20);
  return Buffer.concat([fixed, meta]);
}

/** Reads and checks the header; throws a RagError naming the file when it is not ours. */
export function decodeHeader(fd: number, file: string): Header {
  const broken = (why: string): RagError =>
    new RagError('cache-unusable', `embedding cache file ${file} is unreadable (${why})`, { hint: 'delete it or clear the cache (clearCache())', details: { file } });
  const fixed = Buffer.alloc(FIXED_HEADER);
  if (readSync(fd, fixed, 0, FIXED_HEADER, 0) !== FIXED_HEADER || !fixed.subarray(0, 8).equals(MAGIC)) {
    throw broken('not an embedding cache');
  }
  const version = fixed.readUInt32LE(8);
  if (version !== FORMAT_VERSION) {
    throw broken(`format version ${version}, this rag reads version ${FORMAT_VERSION}`);
  }
  const dimension = fixed.readUInt32LE(12);
  const headerLength = fixed.readUInt32LE(16);
  const metaLength = fixed.readUInt32LE(20);
  if (dimension === 0 || headerLength !== FIXED_HEADER + metaLength || metaLength > 1 << 20) throw broken('bad header');
  const metaBytes = Buffer.alloc(metaLength);
  if (readSync(fd, metaBytes, 0, metaLength, FIXED_HEADER) !== metaLength) throw broken('truncated header');
  let meta: unknown;
  try {
    meta = JSON.parse(metaBytes.toString('utf8'));
  } catch {
    throw broken('bad header');
  }
  const record = (typeof meta === 'object' && meta !== null ? meta : {}) as Record<string, unknown>;
  const fingerprint = record['fingerprint'];
  if (typeof fingerprint !== 'string') throw broken('bad header');
  const modelId = record['modelId'];
  return { dimension, headerLength, fingerprint, ...(typeof modelId === 'string' ? { modelId } : {}) };
}

