/**
 * Reading a dataset's line files (queries.jsonl, qrels, corpus.jsonl): their encoding, their
 * lines, and the JSON objects and ids on them, with errors that name the file and line.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { RagError } from '../errors.js';
import { assertDecoded, decodeText, encodingLabel, lineDecoder, type TextEncoding } from '../ingest/encoding.js';

/** How much of a line file decides its encoding. */
const ENCODING_PROBE_BYTES = 1 << 20;

/**
 * The encoding of a dataset file (queries.jsonl, qrels, corpus.jsonl), judged on its first MiB cut
 * at a line break, by the same decoder as documents: BOM, UTF-8, GB18030/GBK or Big5 (HKSCS).
 * `forced` (`--encoding`) replaces the detection. Throws `encoding-unknown` rather than letting
 * a query set be read as mojibake.
 */
export async function detectFileEncoding(file: string, forced?: TextEncoding): Promise<TextEncoding> {
  const handle = await open(file, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(ENCODING_PROBE_BYTES);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
    if (bytesRead === buf.length) {
      const lastBreak = head.lastIndexOf(0x0a);
      if (lastBreak > 0) head = head.subarray(0, lastBreak);
    }
  } finally {
    await handle.close();
  }
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw new RagError('encoding-unknown', `${file}: UTF-16 line files are not supported`, { hint: 'save it as UTF-8' });
  }
  if (forced !== undefined) {
    if (forced === 'utf-16le' || forced === 'utf-16be') {
      throw new RagError('usage', `encoding ${forced} is not supported for dataset files; save them as UTF-8`, { details: { advice: 'encoding-utf16-dataset', encoding: forced } });
    }
    const decoded = decodeText(head, { encoding: forced });
    if (decoded.replaced > Math.max(2, decoded.text.length * 0.01)) {
      throw new RagError('encoding-unknown', `${file}: not ${encodingLabel(forced)}, the encoding named (${decoded.replaced} invalid byte sequences)`, {
        hint: 'leave the encoding out to detect it, or name the right one',
        details: { advice: 'encoding-forced-wrong', file, label: encodingLabel(forced), replaced: decoded.replaced },
      });
    }
    return forced;
  }
  if (isUtf8(head)) return 'utf-8';
  const decoded = assertDecoded(decodeText(head), file);
  if (decoded.replaced > 0 && decoded.encoding !== 'utf-8') {
    throw new RagError('encoding-unknown', `${file}: ${decoded.replaced} byte sequences are invalid in ${encodingLabel(decoded.encoding)}, the closest encoding`, {
      hint: 'convert it to UTF-8, or name its encoding with the encoding option',
      details: { advice: 'encoding-closest', file },
    });
  }
  return decoded.encoding;
}

/**
 * Reads a text file line by line: yields [1-based line number, line]. Lines end at \n, \r\n or a
 * lone \r (as readline splits them). Splitting the bytes ourselves and decoding whole lines took
 * half the time of readline on SciFact's corpus, and never holds the whole file. Lines are
 * decoded in `encoding` (UTF-8 by default; see {@link detectFileEncoding}): a 0x0A or 0x0D byte is
 * always a line break in UTF-8, GB18030 and Big5.
 */
export async function* readLines(file: string, encoding: TextEncoding = 'utf-8'): AsyncGenerator<[number, string]> {
  let n = 0;
  let carry: Buffer | undefined;
  let pendingCr = false;
  const decodeLine = lineDecoder(encoding === 'utf-16le' || encoding === 'utf-16be' ? 'utf-8' : encoding);
  const emit = function* (bytes: Buffer): Generator<[number, string]> {
    for (const line of decodeLine(bytes).split('\r')) {
      n += 1;
      // A UTF-8 byte order mark would otherwise make the first line invalid JSON.
      yield [n, n === 1 ? line.replace(/^\uFEFF/, '') : line];
    }
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let data = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    carry = undefined;
    // A \r that ended the previous chunk, followed by \n here, was one line break.
    if (pendingCr && data[0] === 0x0a) data = data.subarray(1);
    pendingCr = false;
    let start = 0;
    for (let end = data.indexOf(0x0a, start); end >= 0; end = data.indexOf(0x0a, start)) {
      yield* emit(data.subarray(start, end > start && data[end - 1] === 0x0d ? end - 1 : end));
      start = end + 1;
    }
    if (start < data.length) {
      const rest = data.subarray(start);
      if (rest[rest.length - 1] === 0x0d) {
        // Hold a trailing \r back: it may be the first half of \r\n.
        pendingCr = true;
        yield* emit(rest.subarray(0, rest.length - 1));
      } else {
        carry = Buffer.from(rest);
      }
    }
  }
  if (carry !== undefined && carry.length > 0) yield* emit(carry);
}

export function parseJsonLine(file: string, lineNo: number, line: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new RagError('dataset-invalid', `${file} line ${lineNo}: invalid JSON (${why})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RagError('dataset-invalid', `${file} line ${lineNo}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** String ids, or integer ids written as numbers (some BEIR exports do). */
export function idValue(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  return undefined;
}

/** Duplicate ids are errors: which of the two lines is right is for the author to say. */
export function duplicateId(file: string, lineNo: number, what: string, id: string, firstLine: number): RagError {
  return new RagError('dataset-invalid', `${file} line ${lineNo}: duplicate ${what} ${JSON.stringify(id)} (first on line ${firstLine}); ids must be unique`);
}
