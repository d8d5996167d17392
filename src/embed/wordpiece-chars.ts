/**
 * The character tables of the WordPiece tokenizer (wordpiece.ts): one byte of flags per BMP code
 * unit, saying what BertNormalizer and BertPreTokenizer do with that character, computed from the
 * very expressions transformers.js uses.
 */
// The expressions transformers.js 3.8.1 uses (BertNormalizer._is_control, _clean_text,
// stripAccents, the BertPreTokenizer pattern, remove_accents), copied so that the character
// tables built from them agree with it.
const CONTROL_RE = /^\p{Cc}|\p{Cf}|\p{Co}|\p{Cs}$/u;
const CLEAN_SPACE_RE = /^\s$/;
const SPLIT_SPACE_RE = /^\s$/u;
const PUNCTUATION = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const PUNCT_RE = new RegExp(`^[${PUNCTUATION}]$`, 'u');
const MN_RE = /^\p{Mn}$/u;
const MARK_RE = /\p{M}/u;
export const MARK_GLOBAL_RE = /\p{M}/gu;
/** CONTROL_RE as a global search: on single characters the two agree. */
const CONTROL_GLOBAL_RE = /\p{Cc}|\p{Cf}|\p{Co}|\p{Cs}/gu;

/** Dropped by `_clean_text` (NUL, U+FFFD, and Cc/Cf/Co/Cs other than \t \n \r). */
export const DROP = 1;
/** Turned into ' ' by `_clean_text` (its `/^\s$/` test). */
export const CLEAN_SPACE = 2;
/** Spaced by `_tokenize_chinese_chars`. */
export const CJK = 4;
/** Whitespace to the pre-tokenizer (its `\s` under the `u` flag): ends a word, is not a token. */
export const SPLIT_SPACE = 8;
/** Punctuation to the pre-tokenizer: a token of its own. */
export const PUNCT = 16;
/** Nonspacing mark, removed by `stripAccents`. */
export const MN = 32;
/** `toLowerCase` changes it (not set for A-Z, which the fast path lowers itself). */
export const LOWER = 64;
/**
 * NFD may change a string holding it: it decomposes, or it is a mark or has a nonzero
 * combining class (so canonical reordering can move it), or it is a lone surrogate.
 */
export const NFD = 128;

/**
 * is_chinese_char's ranges that can match: transformers.js tests UTF-16 code units, so its
 * supplementary-plane ranges (CJK Extension B and later) never do.
 */
const CJK_RANGES = [
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xf900, 0xfaff],
] as const;

/**
 * Whether NFD could change a string containing `ch`: it decomposes, or it is a mark, or it has a
 * nonzero combining class (found by two probes: U+0345 has class 240 and U+0334 class 1, so a
 * character with a class between them is reordered before the first or after the second).
 */
function nfdSensitive(ch: string): boolean {
  return (
    ch.normalize('NFD') !== ch ||
    MARK_RE.test(ch) ||
    ('\u0345' + ch).normalize('NFD') !== '\u0345' + ch ||
    (ch + '\u0334').normalize('NFD') !== ch + '\u0334'
  );
}

/** The flags of one character (a code point, or a lone surrogate) from the per-character tests. */
function flagsOf(ch: string): number {
  const cp = ch.codePointAt(0)!;
  let f = 0;
  // `_is_control` exempts \t \n \r before its regex; `_clean_text` tests NUL and U+FFFD itself.
  if (cp === 0 || cp === 0xfffd || (cp !== 0x09 && cp !== 0x0a && cp !== 0x0d && CONTROL_RE.test(ch))) f |= DROP;
  if (CLEAN_SPACE_RE.test(ch)) f |= CLEAN_SPACE;
  if (CJK_RANGES.some(([from, to]) => cp >= from && cp <= to)) f |= CJK;
  if (SPLIT_SPACE_RE.test(ch)) f |= SPLIT_SPACE;
  if (PUNCT_RE.test(ch)) f |= PUNCT;
  if (MN_RE.test(ch)) f |= MN;
  if (cp >= 0x80 && ch.toLowerCase() !== ch) f |= LOWER;
  // A lone surrogate is left to the step-by-step path whatever NFD makes of it.
  if ((cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && nfdSensitive(ch))) f |= NFD;
  return f;
}

let bmpTable: Uint8Array | undefined;

/**
 * Flags for every BMP code unit. Lone surrogates get the flags of a lone surrogate code point
 * (Cs: dropped by clean_text, a word character otherwise), which is how transformers.js sees
 * them; paired surrogates are handled by {@link astralFlags}.
 *
 * Built once per process. Testing 65,536 characters one by one costs ~70 ms, so the tests run
 * over one string of all non-surrogate BMP characters (a regex, toLowerCase or NFD leaving a
 * block of characters alone leaves each of them alone), falling back to {@link flagsOf}'s
 * per-character tests inside any block that changes; the test suite checks every BMP code
 * point against transformers.js.
 */
export function table(): Uint8Array {
  if (bmpTable) return bmpTable;
  const t = new Uint8Array(0x10000);
  for (let cp = 0xd800; cp <= 0xdfff; cp++) t[cp] = flagsOf(String.fromCharCode(cp));
  const codes = new Uint16Array(0x10000 - 0x800);
  for (let i = 0; i < codes.length; i++) codes[i] = i < 0xd800 ? i : i + 0x800;
  const cpAt = (i: number): number => (i < 0xd800 ? i : i + 0x800);
  const utf16 = new TextDecoder('utf-16le', { ignoreBOM: true });
  const all = utf16.decode(codes);

  const add = (cp: number, flag: number): void => {
    t[cp] = t[cp]! | flag;
  };
  const mark = (re: RegExp, flag: number): void => {
    for (const m of all.matchAll(re)) add(cpAt(m.index), flag);
  };
  mark(CONTROL_GLOBAL_RE, DROP);
  add(0, DROP);
  add(0xfffd, DROP);
  for (const cp of [0x09, 0x0a, 0x0d]) t[cp] = t[cp]! & ~DROP;
  mark(/\s/g, CLEAN_SPACE);
  mark(/\s/gu, SPLIT_SPACE);
  mark(new RegExp(`[${PUNCTUATION}]`, 'gu'), PUNCT);
  mark(/\p{Mn}/gu, MN);
  mark(MARK_GLOBAL_RE, NFD);
  for (const [from, to] of CJK_RANGES) for (let cp = from; cp <= to; cp++) add(cp, CJK);

  const BLOCK = 256;
  for (let i = 0x80; i < all.length; i += BLOCK) {
    const block = all.slice(i, i + BLOCK);
    if (block.toLowerCase() !== block) {
      for (let k = 0; k < block.length; k++) if (block[k]!.toLowerCase() !== block[k]) add(cpAt(i + k), LOWER);
    }
    if (block.normalize('NFD') !== block) {
      for (let k = 0; k < block.length; k++) if (block[k]!.normalize('NFD') !== block[k]) add(cpAt(i + k), NFD);
    }
  }
  // The combining-class probes, over everything not flagged yet, all at once.
  const rest: number[] = [];
  for (let i = 0x80; i < all.length; i++) if ((t[cpAt(i)]! & NFD) === 0) rest.push(i);
  for (const [probeMark, before] of [[0x0345, true], [0x0334, false]] as const) {
    const pairs = new Uint16Array(rest.length * 2);
    rest.forEach((i, k) => {
      pairs[2 * k] = before ? probeMark : codes[i]!;
      pairs[2 * k + 1] = before ? codes[i]! : probeMark;
    });
    const probe = utf16.decode(pairs);
    if (probe.normalize('NFD') === probe) continue;
    for (const i of rest) {
      const p = before ? String.fromCharCode(probeMark) + all[i]! : all[i]! + String.fromCharCode(probeMark);
      if (p.normalize('NFD') !== p) add(cpAt(i), NFD);
    }
  }
  bmpTable = t;
  return t;
}

const astralCache = new Map<number, number>();

/** Flags of a supplementary-plane code point (never CJK-spaced, never whitespace). */
export function astralFlags(cp: number): number {
  let f = astralCache.get(cp);
  if (f === undefined) {
    f = flagsOf(String.fromCodePoint(cp));
    // Few distinct astral characters occur in practice; the bound only guards odd inputs.
    if (astralCache.size < 65536) astralCache.set(cp, f);
  }
  return f;
}
