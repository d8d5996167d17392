import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import type * as Iconv from 'iconv-lite';

// iconv-lite takes ~20 ms to load and only GB18030 text needs it: loaded (synchronously, since
// decoding is synchronous) the first time such text is met.
const requireFromHere = createRequire(import.meta.url);
let iconvModule: typeof Iconv | undefined;
function gb18030(bytes: Uint8Array): string {
  iconvModule ??= requireFromHere('iconv-lite') as typeof Iconv;
  return iconvModule.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'gb18030');
}

/** The encodings {@link decodeText} can report. */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'gb18030';

export interface DecodedText {
  text: string;
  encoding: TextEncoding;
  /** Invalid byte sequences that were replaced by U+FFFD (0 for clean text). */
  replaced: number;
}

/**
 * Decode file bytes to a string.
 *
 * Order of preference: a byte-order mark (UTF-8, UTF-16 LE/BE; the mark is stripped), then
 * strict UTF-8, then UTF-8 with a few invalid sequences (at least four valid multi-byte
 * characters per invalid sequence: a UTF-8 file with stray bytes, which must not turn into
 * mojibake as a whole), then GB18030. GB18030 is a superset of GBK and GB2312, so legacy Chinese
 * files (and files mixing ASCII with GBK) decode correctly instead of turning into mojibake.
 * Invalid sequences become U+FFFD and are counted in `replaced`; use {@link looksLikeText} to
 * decide whether a buffer is text at all.
 */
export function decodeText(buf: Buffer): DecodedText {
  if (hasPrefix(buf, UTF8_BOM)) {
    const { text, invalid } = utf8WithErrors(buf.subarray(3), false);
    return { text, encoding: 'utf-8', replaced: invalid };
  }
  if (hasPrefix(buf, UTF16LE_BOM)) {
    return { text: decodeUtf16le(buf.subarray(2)), encoding: 'utf-16le', replaced: 0 };
  }
  if (hasPrefix(buf, UTF16BE_BOM)) {
    return { text: decodeUtf16be(buf.subarray(2)), encoding: 'utf-16be', replaced: 0 };
  }
  const utf8 = tryUtf8(buf, false);
  if (utf8 !== null) return { text: utf8, encoding: 'utf-8', replaced: 0 };
  const lenient = utf8WithErrors(buf, false);
  if (mostlyUtf8(lenient)) return { text: lenient.text, encoding: 'utf-8', replaced: lenient.invalid };
  const gb = gb18030(buf);
  const gbInvalid = countReplacements(gb) - genuineReplacements(buf);
  // Neither fits well: keep whichever loses fewer bytes.
  if (gbInvalid >= lenient.invalid) return { text: lenient.text, encoding: 'utf-8', replaced: lenient.invalid };
  return { text: gb, encoding: 'gb18030', replaced: Math.max(0, gbInvalid) };
}

/**
 * The lines of `buf` (split at "\n"; a "\r" before it stays; no empty line after a final "\n"), decoded as {@link decodeText}
 * would decode the whole buffer, but one line at a time: a file of line records (a BEIR
 * corpus.jsonl) can be far larger than the longest string V8 allows (~512 MB), so it must never
 * become one string. Splitting the bytes is safe in UTF-8 and GB18030, where a 0x0A byte is
 * always a line feed; UTF-16 files (rare for line records) are decoded whole.
 */
export function* decodeLines(buf: Buffer): Generator<string> {
  let body = buf;
  let decode: (line: Buffer) => string;
  if (hasPrefix(buf, UTF16LE_BOM) || hasPrefix(buf, UTF16BE_BOM)) {
    const lines = decodeText(buf).text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    yield* lines;
    return;
  }
  if (hasPrefix(buf, UTF8_BOM)) {
    body = buf.subarray(3);
    decode = (line) => utf8WithErrors(line, false).text;
  } else if (isUtf8(buf)) {
    decode = (line) => line.toString('utf8');
  } else if (decodeText(buf.subarray(0, ENCODING_PROBE_BYTES)).encoding === 'utf-8') {
    // UTF-8 with stray bytes (decodeText's rule, judged on the head: the whole may not fit a string).
    decode = (line) => utf8WithErrors(line, false).text;
  } else {
    decode = (line) => gb18030(line);
  }
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf(0x0a, start);
    if (end < 0) end = body.length;
    yield decode(body.subarray(start, end));
    start = end + 1;
  }
}

/**
 * Whether the first bytes of a file look like text in an encoding {@link decodeText} supports.
 * `head` may be cut anywhere, even inside a multi-byte character.
 *
 * Binary means: NUL bytes without a UTF-16 byte-order mark, bytes that are neither UTF-8 nor
 * GB18030 (more than a stray replacement character), or many C0 control characters.
 */
export function looksLikeText(head: Buffer): boolean {
  if (head.length === 0) return true;
  if (hasPrefix(head, UTF16LE_BOM) || hasPrefix(head, UTF16BE_BOM)) {
    // Odd trailing byte of a cut head is fine; the rest must be plausible text.
    const even = head.subarray(0, head.length - (head.length % 2));
    const text = hasPrefix(head, UTF16LE_BOM) ? decodeUtf16le(even.subarray(2)) : decodeUtf16be(even.subarray(2));
    return controlRatio(text) < MAX_CONTROL_RATIO;
  }
  if (head.includes(0)) return false;
  const body = hasPrefix(head, UTF8_BOM) ? head.subarray(3) : head;
  const utf8 = tryUtf8(body, true);
  if (utf8 !== null) return controlRatio(utf8) < MAX_CONTROL_RATIO;
  const lenient = utf8WithErrors(body, true);
  if (mostlyUtf8(lenient)) return controlRatio(lenient.text) < MAX_CONTROL_RATIO;
  // A cut head may end inside a GB18030 sequence (up to 3 bytes): those decode to U+FFFD.
  const gb = gb18030(head.subarray(0, Math.max(0, head.length - 3)));
  let replacements = 0;
  for (const ch of gb) if (ch === '\uFFFD') replacements++;
  if (replacements > Math.max(1, gb.length * 0.001)) return false;
  return controlRatio(gb) < MAX_CONTROL_RATIO;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const UTF16LE_BOM = [0xff, 0xfe];
const UTF16BE_BOM = [0xfe, 0xff];
const MAX_CONTROL_RATIO = 0.05;
/** How much of a line-record file decides its encoding when it is not clean UTF-8. */
const ENCODING_PROBE_BYTES = 1 << 20;


function hasPrefix(buf: Buffer, prefix: number[]): boolean {
  return buf.length >= prefix.length && prefix.every((b, i) => buf[i] === b);
}

/** Strict UTF-8 decode; `streaming` tolerates a sequence cut off at the end of the buffer. */
function tryUtf8(buf: Buffer, streaming: boolean): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf, { stream: streaming });
  } catch {
    return null;
  }
}

/**
 * Lenient UTF-8: the text with U+FFFD for each invalid sequence, how many there were (U+FFFD
 * characters encoded in the file itself are not counted) and how many valid non-ASCII characters.
 */
function utf8WithErrors(buf: Buffer, streaming: boolean): { text: string; invalid: number; multibyte: number } {
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(buf, { stream: streaming });
  const replacements = countReplacements(text);
  const genuine = genuineReplacements(buf);
  let nonAscii = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) nonAscii++;
  return { text, invalid: Math.max(0, replacements - genuine), multibyte: nonAscii - replacements };
}

/** Valid UTF-8 with stray bytes, rather than another encoding read as UTF-8. */
function mostlyUtf8(decoded: { invalid: number; multibyte: number }): boolean {
  return decoded.invalid > 0 && decoded.multibyte >= 4 * decoded.invalid;
}

function countReplacements(text: string): number {
  let n = 0;
  for (let at = text.indexOf('\uFFFD'); at !== -1; at = text.indexOf('\uFFFD', at + 1)) n++;
  return n;
}

/** U+FFFD written in the file as UTF-8 (EF BF BD): part of the text, not an error. */
function genuineReplacements(buf: Buffer): number {
  let n = 0;
  for (let at = buf.indexOf(REPLACEMENT_UTF8); at !== -1; at = buf.indexOf(REPLACEMENT_UTF8, at + 3)) n++;
  return n;
}

const REPLACEMENT_UTF8 = Buffer.from([0xef, 0xbf, 0xbd]);

function decodeUtf16le(buf: Buffer): string {
  return new TextDecoder('utf-16le', { ignoreBOM: true }).decode(buf);
}

function decodeUtf16be(buf: Buffer): string {
  // Swap into a copy: swap16 works in place and needs an even length.
  const even = Buffer.from(buf.subarray(0, buf.length - (buf.length % 2)));
  return decodeUtf16le(even.swap16());
}

/** Share of C0 control characters other than tab, line feed, form feed and carriage return. */
function controlRatio(text: string): number {
  if (text.length === 0) return 0;
  let controls = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d) || c === 0x7f) controls++;
  }
  return controls / text.length;
}
