import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import type * as Iconv from 'iconv-lite';
import { RagError } from '../errors.js';

// iconv-lite takes ~20 ms to load and only GB18030 and Big5 text needs it: loaded (synchronously,
// since decoding is synchronous) the first time such text is met.
const requireFromHere = createRequire(import.meta.url);
let iconvModule: typeof Iconv | undefined;
function iconv(): typeof Iconv {
  iconvModule ??= requireFromHere('iconv-lite') as typeof Iconv;
  return iconvModule;
}
function legacy(bytes: Uint8Array, name: 'gb18030' | 'big5hkscs'): string {
  return iconv().decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), name);
}
function gb18030(bytes: Uint8Array): string {
  return legacy(bytes, 'gb18030');
}
/** Big5 with the Hong Kong (HKSCS) extension, a superset of Big5 and of Microsoft's CP950 for text. */
function big5(bytes: Uint8Array): string {
  return legacy(bytes, 'big5hkscs');
}

/** The encodings {@link decodeText} can report. */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'gb18030' | 'big5' | 'windows-1252';

/** What `--encoding` accepts (aliases map onto {@link TextEncoding}). */
export const ENCODING_NAMES: Readonly<Record<string, TextEncoding>> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'utf-16le': 'utf-16le',
  'utf-16be': 'utf-16be',
  gb18030: 'gb18030',
  gbk: 'gb18030',
  gb2312: 'gb18030',
  cp936: 'gb18030',
  big5: 'big5',
  'big5-hkscs': 'big5',
  big5hkscs: 'big5',
  cp950: 'big5',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  latin1: 'windows-1252',
  'latin-1': 'windows-1252',
  'iso-8859-1': 'windows-1252',
};

/** Checks a user-given encoding name (`--encoding`). */
export function parseEncoding(name: string): TextEncoding {
  const found = ENCODING_NAMES[name.trim().toLowerCase()];
  if (found !== undefined) return found;
  throw new RagError('usage', `unknown encoding '${name}'; use one of utf-8, gb18030 (also gbk, gb2312), big5 (also big5-hkscs, cp950), windows-1252 (also cp1252, latin1), utf-16le, utf-16be`);
}

/** How an encoding is named to users: `GB18030`, `Big5 (HKSCS)`, `UTF-8`. */
export function encodingLabel(encoding: TextEncoding): string {
  if (encoding === 'big5') return 'Big5 (HKSCS)';
  if (encoding === 'windows-1252') return 'Windows-1252 (Latin-1)';
  return encoding.toUpperCase();
}

export interface DecodedText {
  text: string;
  encoding: TextEncoding;
  /** Invalid byte sequences that were replaced by U+FFFD (0 for clean text). */
  replaced: number;
  /** Stray NUL bytes dropped from a text file (a NUL is never part of a character in these encodings). */
  nulsDropped?: number;
  /**
   * Set when no supported encoding fits the bytes (neither UTF-8 nor GB18030 nor Big5 decodes
   * them without many errors or unlikely characters): `text` is then the least bad guess and
   * should not be indexed; see {@link assertDecoded}.
   */
  undecodable?: true;
}

export interface DecodeOptions {
  /** Decode as this encoding instead of detecting one (a BOM still wins: it cannot lie). */
  encoding?: TextEncoding;
}

/**
 * Decode file bytes to a string.
 *
 * Order of preference: a byte-order mark (UTF-8, UTF-16 LE/BE; the mark is stripped), then
 * strict UTF-8, then UTF-8 with a few invalid sequences (at least four valid multi-byte
 * characters per invalid sequence: a UTF-8 file with stray bytes, which must not turn into
 * mojibake as a whole), then GB18030 or Big5 (HKSCS), whichever fits better (see bestLegacy).
 * GB18030 is a superset of GBK and GB2312, so legacy Chinese files (and files mixing ASCII with
 * GBK or Big5) decode correctly instead of turning into mojibake. `options.encoding` replaces
 * the detection. Invalid sequences become U+FFFD and are counted in `replaced`; `undecodable`
 * says no encoding fits; use {@link looksLikeText} to decide whether a buffer is text at all.
 */
export function decodeText(buf: Buffer, options: DecodeOptions = {}): DecodedText {
  const utf16 = hasPrefix(buf, UTF16LE_BOM) || hasPrefix(buf, UTF16BE_BOM) || options.encoding === 'utf-16le' || options.encoding === 'utf-16be';
  if (!utf16 && buf.includes(0)) {
    const { bytes, dropped } = withoutNuls(buf);
    return { ...decodeBytes(bytes, options), nulsDropped: dropped };
  }
  return decodeBytes(buf, options);
}

/** `buf` without its 0x00 bytes, which in UTF-8, GB18030, Big5 and Windows-1252 only ever encode NUL itself. */
function withoutNuls(buf: Buffer): { bytes: Buffer; dropped: number } {
  const out = Buffer.allocUnsafe(buf.length);
  let n = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i] !== 0) out[n++] = buf[i]!;
  return { bytes: out.subarray(0, n), dropped: buf.length - n };
}

function decodeBytes(buf: Buffer, options: DecodeOptions): DecodedText {
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
  if (options.encoding !== undefined) return decodeAs(buf, options.encoding);
  const utf8 = tryUtf8(buf, false);
  if (utf8 !== null) return { text: utf8, encoding: 'utf-8', replaced: 0 };
  const lenient = utf8WithErrors(buf, false);
  if (mostlyUtf8(lenient)) return { text: lenient.text, encoding: 'utf-8', replaced: lenient.invalid };
  return fromEvidence(buf, lenient);
}

/**
 * Not UTF-8: decided from what the bytes above 0x7F look like. GB18030 or Big5 when their reading
 * turns those bytes into common Han characters and CJK punctuation; Windows-1252 when they are
 * single accented letters inside words (`café`, `Müller`) or typographic quotes and dashes; else,
 * with only a handful of invalid sequences, UTF-8 with stray bytes (an English file with a stray
 * 0x80 must not become `€`, nor a whole file GB18030); else whichever fits least badly, flagged
 * undecodable when even that is poor.
 */
function fromEvidence(buf: Buffer, lenient: { text: string; invalid: number }): DecodedText {
  const legacyBest = legacyCandidates(buf)[0]!;
  const high = highBytes(buf);
  const latin = looksLatin(buf, high);
  // An accented letter and the ASCII letter after it also make a GBK pair (`è` + `m`), so Latin
  // text read as GB18030 has Han characters glued inside ASCII words; real Chinese text does not.
  if (latin && hanInsideWords(legacyBest.text) >= 0.5) return { text: windows1252(buf), encoding: 'windows-1252', replaced: 0 };
  const legacyClean = legacyBest.invalid + legacyBest.privateUse <= Math.max(2, legacyBest.text.length * 0.01);
  if (legacyClean && 2 * (legacyBest.common + legacyBest.cjkPunctuation) >= 0.6 * high) {
    return { text: legacyBest.text, encoding: legacyBest.encoding, replaced: legacyBest.invalid };
  }
  if (latin) return { text: windows1252(buf), encoding: 'windows-1252', replaced: 0 };
  if (lenient.invalid <= Math.max(3, buf.length * 0.002)) return { text: lenient.text, encoding: 'utf-8', replaced: lenient.invalid };
  return bestLegacy(buf, lenient);
}

/** Share of the Han characters of `text` that touch an ASCII letter (1 when there are none). */
function hanInsideWords(text: string): number {
  let han = 0;
  let glued = 0;
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch.codePointAt(0)! < 0x2e80 || !HAN.test(ch)) continue;
    han++;
    if (/[A-Za-z]/.test(chars[i - 1] ?? '') || /[A-Za-z]/.test(chars[i + 1] ?? '')) glued++;
  }
  return han === 0 ? 1 : glued / han;
}

function highBytes(buf: Buffer): number {
  let n = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i]! >= 0x80) n++;
  return n;
}

/** Through iconv-lite: Node 20's TextDecoder('windows-1252') maps 0x80-0x9F to C1 controls (ISO-8859-1), losing “ ” – — €. */
function windows1252(buf: Uint8Array): string {
  return iconv().decode(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), 'win1252');
}

/** Bytes Windows-1252 leaves undefined: a file holding them is not Windows-1252 text. */
const CP1252_UNDEFINED = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);
const TYPOGRAPHIC = new Set(['\u2018', '\u2019', '\u201C', '\u201D', '\u2013', '\u2014', '\u2026', '\u00AB', '\u00BB']);
const ASCII_LETTER = (b: number | undefined): boolean => b !== undefined && ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a));

/**
 * Latin text in Windows-1252 (or ISO-8859-1, which it extends): almost every byte above 0x7F
 * stands alone (Chinese legacy encodings pair them) and is a letter next to an ASCII letter or a
 * typographic quote or dash. A stray byte between spaces (`\x80` read as `€`) is no evidence.
 */
function looksLatin(buf: Buffer, high: number): boolean {
  if (high === 0) return false;
  let evidence = 0;
  for (let i = 0; i < buf.length; ) {
    if (buf[i]! < 0x80) {
      i++;
      continue;
    }
    let end = i;
    while (end < buf.length && buf[end]! >= 0x80) end++;
    const run = windows1252(buf.subarray(i, end));
    for (let j = i; j < end; j++) if (CP1252_UNDEFINED.has(buf[j]!)) return false;
    // Runs of one or two: `é`, `ße`-like pairs; GBK and Big5 put every character in two bytes, so
    // Chinese text makes long runs.
    if (end - i <= 2) {
      const inWord = ASCII_LETTER(buf[i - 1]) || ASCII_LETTER(buf[end]);
      for (const ch of run) if (TYPOGRAPHIC.has(ch) || (inWord && /\p{L}/u.test(ch))) evidence++;
    }
    i = end;
  }
  return evidence >= 0.8 * high;
}

/** `buf` decoded as `encoding`, with its invalid sequences counted. */
function decodeAs(buf: Buffer, encoding: TextEncoding): DecodedText {
  switch (encoding) {
    case 'utf-8': {
      const { text, invalid } = utf8WithErrors(buf, false);
      return { text, encoding, replaced: invalid };
    }
    case 'utf-16le':
      return { text: decodeUtf16le(buf), encoding, replaced: 0 };
    case 'utf-16be':
      return { text: decodeUtf16be(buf), encoding, replaced: 0 };
    case 'windows-1252':
      return { text: windows1252(buf), encoding, replaced: 0 };
    case 'gb18030':
    case 'big5': {
      const text = encoding === 'gb18030' ? gb18030(buf) : big5(buf);
      return { text, encoding, replaced: Math.max(0, countReplacements(text) - genuineReplacements(buf)) };
    }
  }
}

/**
 * GB18030 or Big5, by a scored decode: both decode most byte pairs without an error (their
 * ranges overlap), so each decode is judged by how many of its Han characters are common ones
 * (the 3,755 of GB2312 level 1 and the 5,401 of Big5's common set, in either script), plus its
 * invalid sequences and private-use characters (what Big5 read as GBK turns into). The wrong
 * reading of real text lands on rare characters for a third or more of its Han characters.
 */
function legacyCandidates(buf: Buffer) {
  const candidates = (['gb18030', 'big5'] as const).map((encoding) => {
    const text = encoding === 'gb18030' ? gb18030(buf) : big5(buf);
    const invalid = Math.max(0, countReplacements(text) - genuineReplacements(buf));
    const { han, common, privateUse, cjkPunctuation } = characterCounts(text);
    return { encoding, text, invalid, han, common, privateUse, cjkPunctuation, badness: 4 * (invalid + privateUse) + (han - common) };
  });
  return candidates.sort((a, b) => a.badness - b.badness);
}

function bestLegacy(buf: Buffer, lenient: { text: string; invalid: number }): DecodedText {
  const best = legacyCandidates(buf)[0]!;
  const utf8Badness = 4 * lenient.invalid;
  if (utf8Badness < best.badness) return { text: lenient.text, encoding: 'utf-8', replaced: lenient.invalid, ...undecodable(lenient.text, lenient.invalid, 0, 0) };
  return {
    text: best.text,
    encoding: best.encoding,
    replaced: best.invalid,
    ...undecodable(best.text, best.invalid + best.privateUse, best.han, best.badness - 4 * (best.invalid + best.privateUse)),
  };
}

/** Too many errors, private-use or rare characters for the text to be what the file says. */
function undecodable(text: string, errors: number, han: number, rareHan: number): { undecodable?: true } {
  const length = Math.max(1, text.length);
  const bad = errors > Math.max(2, length * 0.01) || (han >= 20 && rareHan > han * 0.25);
  return bad ? { undecodable: true } : {};
}

let commonHanSet: Set<number> | undefined;

/** GB2312 level 1 (rows 0xB0-0xD7) and Big5's common characters (0xA440-0xC67E), decoded once. */
function commonHan(): Set<number> {
  if (commonHanSet !== undefined) return commonHanSet;
  const gb: number[] = [];
  for (let lead = 0xb0; lead <= 0xd7; lead++) for (let trail = 0xa1; trail <= 0xfe; trail++) gb.push(lead, trail);
  const b5: number[] = [];
  for (let lead = 0xa4; lead <= 0xc6; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) if (trail <= 0x7e || trail >= 0xa1) b5.push(lead, trail);
  }
  const set = new Set<number>();
  for (const text of [gb18030(Uint8Array.from(gb)), big5(Uint8Array.from(b5))]) {
    for (const ch of text) if (HAN.test(ch)) set.add(ch.codePointAt(0)!);
  }
  commonHanSet = set;
  return set;
}

const HAN = /\p{Script=Han}/u;

function characterCounts(text: string): { han: number; common: number; privateUse: number; cjkPunctuation: number } {
  const common = commonHan();
  let han = 0;
  let known = 0;
  let privateUse = 0;
  let cjkPunctuation = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xe000 && cp <= 0xf8ff) privateUse++;
    else if ((cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xff00 && cp <= 0xffef) || (cp >= 0x2010 && cp <= 0x2027)) cjkPunctuation++;
    else if (cp >= 0x2e80 && HAN.test(ch)) {
      han++;
      if (common.has(cp)) known++;
    }
  }
  return { han, common: known, privateUse, cjkPunctuation };
}

/**
 * Throws an `encoding-unknown` RagError naming `file` when {@link decodeText} found no encoding
 * that fits, instead of letting mojibake into an index or a query set.
 */
export function assertDecoded(decoded: DecodedText, file: string): DecodedText {
  if (decoded.undecodable) {
    throw new RagError('encoding-unknown', `${file}: not text in UTF-8, GB18030/GBK or Big5 (HKSCS); nothing decodes it cleanly`, {
      hint: "convert it to UTF-8, or name its encoding with the encoding option (e.g. 'big5')",
      details: { advice: 'encoding-undecodable', file },
    });
  }
  return decoded;
}

/**
 * The lines of `buf` (split at "\n"; a "\r" before it stays; no empty line after a final "\n"), decoded as {@link decodeText}
 * would decode the whole buffer, but one line at a time: a file of line records (a BEIR
 * corpus.jsonl) can be far larger than the longest string V8 allows (~512 MB), so it must never
 * become one string. Splitting the bytes is safe in UTF-8 and GB18030, where a 0x0A byte is
 * always a line feed; UTF-16 files (rare for line records) are decoded whole.
 */
export function* decodeLines(buf: Buffer, options: DecodeOptions = {}): Generator<string> {
  let body = buf;
  let decode: (line: Buffer) => string;
  if (hasPrefix(buf, UTF16LE_BOM) || hasPrefix(buf, UTF16BE_BOM) || options.encoding === 'utf-16le' || options.encoding === 'utf-16be') {
    const lines = decodeText(buf, options).text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    yield* lines;
    return;
  }
  const encoding = hasPrefix(buf, UTF8_BOM) || isUtf8(buf) ? 'utf-8' : (options.encoding ?? lineEncoding(buf));
  if (hasPrefix(buf, UTF8_BOM)) {
    body = buf.subarray(3);
    decode = (line) => utf8WithErrors(line, false).text;
  } else if (encoding === 'utf-8') {
    decode = isUtf8(buf) ? (line) => line.toString('utf8') : (line) => utf8WithErrors(line, false).text;
  } else if (encoding === 'big5') {
    decode = (line) => big5(line);
  } else if (encoding === 'windows-1252') {
    decode = (line) => windows1252(line);
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

/** Decodes one line (no BOM, no line break) of a file in `encoding`; UTF-16 is not line-splittable this way. */
export function lineDecoder(encoding: Exclude<TextEncoding, 'utf-16le' | 'utf-16be'>): (line: Buffer) => string {
  switch (encoding) {
    case 'utf-8':
      return (line) => line.toString('utf8');
    case 'gb18030':
      return (line) => gb18030(line);
    case 'big5':
      return (line) => big5(line);
    case 'windows-1252':
      return (line) => windows1252(line);
  }
}

/**
 * The encoding of a file of line records that is not clean UTF-8, judged on its head (the whole
 * may not fit a string), cut at a line break so no character is split.
 */
export function lineEncoding(buf: Buffer): TextEncoding {
  let head = buf.subarray(0, ENCODING_PROBE_BYTES);
  if (head.length < buf.length) {
    const lastBreak = head.lastIndexOf(0x0a);
    if (lastBreak > 0) head = head.subarray(0, lastBreak);
  }
  return decodeText(head).encoding;
}

/**
 * Whether the first bytes of a file look like text in an encoding {@link decodeText} supports.
 * `head` may be cut anywhere, even inside a multi-byte character.
 *
 * Binary means: more than a few NUL bytes without a UTF-16 byte-order mark, bytes that are neither UTF-8 nor
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
  if (head.includes(0)) {
    // A few stray NULs in text are noise (decodeText drops them); binary formats are full of them.
    const { bytes, dropped } = withoutNuls(head);
    if (dropped > Math.max(1, head.length * MAX_NUL_RATIO)) return false;
    head = bytes;
  }
  const body = hasPrefix(head, UTF8_BOM) ? head.subarray(3) : head;
  const utf8 = tryUtf8(body, true);
  if (utf8 !== null) return controlRatio(utf8) < MAX_CONTROL_RATIO;
  const lenient = utf8WithErrors(body, true);
  if (mostlyUtf8(lenient)) return controlRatio(lenient.text) < MAX_CONTROL_RATIO;
  // A cut head may end inside a GB18030 or Big5 sequence (up to 3 bytes): those decode to U+FFFD.
  const cut = head.subarray(0, Math.max(0, head.length - 3));
  for (const text of [gb18030(cut), big5(cut)]) {
    let replacements = 0;
    for (const ch of text) if (ch === '\uFFFD') replacements++;
    if (replacements <= Math.max(1, text.length * 0.001)) return controlRatio(text) < MAX_CONTROL_RATIO;
  }
  if (looksLatin(body, highBytes(body))) return controlRatio(windows1252(body)) < MAX_CONTROL_RATIO;
  return false;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const UTF16LE_BOM = [0xff, 0xfe];
const UTF16BE_BOM = [0xfe, 0xff];
const MAX_CONTROL_RATIO = 0.05;
/** Share of NUL bytes (beyond a single one) a text file may hold before it counts as binary. */
const MAX_NUL_RATIO = 0.005;
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
