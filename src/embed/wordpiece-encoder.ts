/**
 * The WordPiece encoder behind {@link fastBertTokenizer} (wordpiece.ts): normalization,
 * pre-tokenization and the WordPiece search in one pass over the input.
 */
import type { FastBertTokenizer } from './wordpiece.js';
import { CJK, CLEAN_SPACE, DROP, LOWER, MARK_GLOBAL_RE, MN, NFD, PUNCT, SPLIT_SPACE, astralFlags, table } from './wordpiece-chars.js';

export interface AddedTokenSpec {
  content: string;
  lstrip: boolean;
  rstrip: boolean;
}

/** A node of the added-token trie, keyed by UTF-16 code unit as transformers.js's DictionarySplitter. */
interface TrieNode {
  next: Map<number, TrieNode>;
  end: string;
}

export interface EncoderOptions {
  ids: Map<string, number>;
  unkId: number;
  prefix: string;
  maxChars: number;
  added: AddedTokenSpec[];
  cleanText: boolean;
  handleChinese: boolean;
  lowercase: boolean;
  stripAccents: boolean;
  removeSpace: boolean;
  lowercaseAndRemoveAccent: boolean;
}

/** Word-cache slots (a power of two); the cache is emptied when half full. */
const CACHE_SLOTS = 1 << 17;
const CACHE_MAX_WORDS = CACHE_SLOTS >>> 1;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
/** Spreads an FNV state over the high bits, which index the WordPiece filters. */
const GOLDEN = 0x9e3779b1 | 0;

function setBit(bits: Uint32Array, i: number): void {
  bits[i >>> 5] = bits[i >>> 5]! | (1 << (i & 31));
}

export class WordPieceEncoder implements FastBertTokenizer {
  readonly #o: EncoderOptions;
  readonly #t: Uint8Array;
  /**
   * Filters over the token map for the WordPiece search, as bit sets indexed by a hash: the
   * hashes of every prefix of every key (a search position stops growing its candidate once no
   * key starts with it) and of every whole key (only those candidates are looked up). A hash
   * collision only costs a lookup; the map decides.
   */
  readonly #prefixBits: Uint32Array;
  readonly #keyBits: Uint32Array;
  readonly #bitShift: number;
  /** The hash state after the continuation prefix (`##`). */
  readonly #continuedHash: number;
  #bounds = new Int32Array(64);
  #ends = new Int32Array(64);
  readonly #addedContents: Set<string>;
  readonly #addedByContent: Map<string, AddedTokenSpec>;
  readonly #trie: TrieNode;
  /** Code units that start some added token: text without any of them has no added token. */
  readonly #addedStart: Uint8Array;
  /** Flags of characters the single-pass path cannot normalize in place. */
  readonly #ineligible: number;

  // Word → ids cache, open addressing keyed by an FNV-1a hash of the normalized word's code
  // units, so a word seen before is found straight from the input without slicing a string.
  // Per slot, in one cache line: the hash, the number of ids (0: empty slot), and the id itself
  // when there is one, else where the ids start in the pool.
  readonly #keys: (string | undefined)[] = new Array<string | undefined>(CACHE_SLOTS).fill(undefined);
  readonly #meta = new Int32Array(CACHE_SLOTS * 4);
  #pool = new Int32Array(1 << 16);
  #poolUsed = 0;
  #words = 0;

  constructor(options: EncoderOptions) {
    this.#o = options;
    this.#t = table();
    let units = 0;
    for (const key of options.ids.keys()) units += key.length;
    // About 16 bits per prefix keeps false positives near 1 in 16.
    const log2 = Math.min(26, Math.max(16, Math.ceil(Math.log2(units * 16 + 1))));
    this.#bitShift = 32 - log2;
    this.#prefixBits = new Uint32Array(1 << (log2 - 5));
    this.#keyBits = new Uint32Array(1 << (log2 - 5));
    for (const key of options.ids.keys()) {
      let h = FNV_OFFSET;
      for (let i = 0; i < key.length; i++) {
        h = Math.imul(h ^ key.charCodeAt(i), FNV_PRIME);
        setBit(this.#prefixBits, Math.imul(h, GOLDEN) >>> this.#bitShift);
      }
      setBit(this.#keyBits, Math.imul(h, GOLDEN) >>> this.#bitShift);
    }
    let continued = FNV_OFFSET;
    for (let i = 0; i < options.prefix.length; i++) continued = Math.imul(continued ^ options.prefix.charCodeAt(i), FNV_PRIME);
    this.#continuedHash = continued;
    this.#ineligible = (options.cleanText ? DROP : 0) | (options.lowercase ? LOWER : 0) | (options.stripAccents ? NFD : 0);
    this.#addedContents = new Set(options.added.map((a) => a.content));
    this.#addedByContent = new Map(options.added.map((a) => [a.content, a]));
    this.#trie = { next: new Map(), end: '' };
    this.#addedStart = new Uint8Array(0x10000);
    for (const { content } of options.added) {
      // An empty content never matches in transformers.js (its trie checks `node.end` for truthiness).
      if (content.length === 0) continue;
      this.#addedStart[content.charCodeAt(0)] = 1;
      let node = this.#trie;
      for (let i = 0; i < content.length; i++) {
        const c = content.charCodeAt(i);
        let child = node.next.get(c);
        if (!child) {
          child = { next: new Map(), end: '' };
          node.next.set(c, child);
        }
        node = child;
      }
      node.end = content;
    }
  }

  encode(text: string): number[] {
    const out: number[] = [];
    let hasAdded = false;
    for (let i = 0; i < text.length; i++) {
      if (this.#addedStart[text.charCodeAt(i)] === 1) {
        hasAdded = true;
        break;
      }
    }
    if (!hasAdded) {
      this.#encodeSection(text, out);
      return out;
    }
    const sections = this.#splitAdded(text);
    // As `_encode_text`: strip around lstrip/rstrip added tokens, in place and in order, so a
    // neighbouring added token can itself be trimmed and then count as plain text.
    for (let i = 0; i < sections.length; i++) {
      const a = this.#addedByContent.get(sections[i]!);
      if (a) {
        if (a.lstrip && i > 0) sections[i - 1] = sections[i - 1]!.trimEnd();
        if (a.rstrip && i < sections.length - 1) sections[i + 1] = sections[i + 1]!.trimStart();
      }
    }
    for (const section of sections) {
      if (section.length === 0) continue;
      if (this.#addedContents.has(section)) out.push(this.#o.ids.get(section)!);
      else this.#encodeSection(section, out);
    }
    return out;
  }

  /** transformers.js's DictionarySplitter.split: leftmost, then longest, added-token matches. */
  #splitAdded(text: string): string[] {
    const result: string[] = [];
    const n = text.length;
    let start = 0;
    let i = 0;
    while (i < n) {
      let node: TrieNode | undefined = this.#trie;
      let match = '';
      for (let j = i; j < n; j++) {
        node = node.next.get(text.charCodeAt(j));
        if (!node) break;
        if (node.end) match = node.end;
      }
      if (match) {
        if (i > start) result.push(text.slice(start, i));
        result.push(match);
        i += match.length;
        start = i;
      } else {
        i++;
      }
    }
    if (start < n) result.push(text.slice(start));
    return result;
  }

  #encodeSection(section: string, out: number[]): void {
    let x = section;
    const o = this.#o;
    if (o.removeSpace) x = x.trim().split(/\s+/).join(' ');
    if (o.lowercaseAndRemoveAccent) x = x.toLowerCase().replace(MARK_GLOBAL_RE, '');
    if (x.length > 0) this.#tokenize(x, out, true);
  }

  /** BertNormalizer.normalize, in its order: clean_text, CJK spacing, lowercase, accent stripping. */
  #normalize(x: string): string {
    const o = this.#o;
    const t = this.#t;
    const n = x.length;
    let ascii = true;
    let s = x;
    if (o.cleanText || o.handleChinese) {
      // One pass over the input: clean_text works on code points, CJK spacing on the code units
      // of its output; cleaning only drops characters or writes ' ', which is never CJK, so
      // fusing the two passes gives the same string. Unchanged runs are copied as slices.
      let built = '';
      let from = 0;
      for (let i = 0; i < n; i++) {
        const c = x.charCodeAt(i);
        if (c < 0x80) {
          if (o.cleanText && (t[c]! & (DROP | CLEAN_SPACE)) !== 0 && c !== 0x20) {
            built += x.slice(from, i);
            if ((t[c]! & DROP) === 0) built += ' ';
            from = i + 1;
          }
          continue;
        }
        ascii = false;
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
          const d = x.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) {
            if (o.cleanText && (astralFlags(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000) & DROP) !== 0) {
              built += x.slice(from, i);
              from = i + 2;
            }
            i++;
            continue;
          }
        }
        const f = t[c]!;
        if (o.cleanText && (f & (DROP | CLEAN_SPACE)) !== 0) {
          built += x.slice(from, i);
          if ((f & DROP) === 0) built += ' ';
          from = i + 1;
        } else if (o.handleChinese && (f & CJK) !== 0) {
          built += x.slice(from, i) + ' ' + x[i] + ' ';
          from = i + 1;
        }
      }
      if (from > 0) s = built + x.slice(from);
    } else {
      for (let i = 0; i < n; i++) {
        if (x.charCodeAt(i) >= 0x80) {
          ascii = false;
          break;
        }
      }
    }
    if (o.lowercase) s = s.toLowerCase();
    // ASCII is unchanged by NFD and has no marks, so the costly step is skipped for it.
    if (o.stripAccents && !ascii) s = this.#stripMn(s.normalize('NFD'));
    return s;
  }

  /** `replace(/\p{Mn}/gu, '')`, by table. */
  #stripMn(s: string): string {
    const t = this.#t;
    const n = s.length;
    let built = '';
    let from = 0;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x300) continue;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          if ((astralFlags(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000) & MN) !== 0) {
            built += s.slice(from, i);
            from = i + 2;
          }
          i++;
          continue;
        }
      }
      if ((t[c]! & MN) !== 0) {
        built += s.slice(from, i);
        from = i + 1;
      }
    }
    return from === 0 ? s : built + s.slice(from);
  }

  /**
   * BertPreTokenizer (`trim().match(/[^\s P]+|[P]/gu)`: runs of non-space non-punctuation, and
   * each punctuation code point alone; trim only removes whitespace, which never reaches a
   * token anyway), then WordPiece on each piece, appending ids to `out`.
   *
   * With `raw`, `s` is a section before normalization. Most text needs no normalized string:
   * when no character is dropped by clean_text, changed by toLowerCase (beyond A-Z) or touched
   * by NFD, BertNormalizer only lowers A-Z, turns whitespace into spaces and puts spaces around
   * CJK characters, which this pass does as it splits. At a character that needs more, it takes
   * back the ids of the current chunk (the text since the last ASCII space, tab or line break,
   * or handled CJK character) and normalizes that chunk step by step as transformers.js does.
   * That gives the same result as normalizing the whole section because every step is local
   * to such chunks: clean_text and CJK spacing work per character; toLowerCase's only
   * context rule (final sigma) looks through case-ignorable characters and cased letters
   * only, which these break characters are not; NFD reorders only runs of combining marks,
   * which a break character (combining class 0) ends; and the pre-tokenizer splits there.
   * Without `raw`, `s` is already normalized and is split as is.
   */
  #tokenize(s: string, out: number[], raw: boolean): void {
    const t = this.#t;
    const o = this.#o;
    const n = s.length;
    const bad = raw ? this.#ineligible : 0;
    const lower = raw && o.lowercase;
    const alone = PUNCT | (raw && o.handleChinese ? CJK : 0);
    const stop = SPLIT_SPACE | alone | (raw && o.cleanText ? CLEAN_SPACE : 0);
    // A CJK character is a chunk break only when it is spaced and NFD leaves it alone.
    const cjkBreak = raw && o.handleChinese ? CJK : -1;
    let chunkStart = 0;
    let chunkMark = out.length;
    let start = -1;
    let h = 0;
    for (let i = 0; i < n; i++) {
      let c = s.charCodeAt(i);
      let f: number;
      let width = 1;
      if (c < 0x80) {
        f = t[c]!;
        if (lower && c >= 0x41 && c <= 0x5a) c += 0x20;
      } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        f = astralFlags(((c - 0xd800) << 10) + (s.charCodeAt(i + 1) - 0xdc00) + 0x10000);
        width = 2;
      } else {
        f = t[c]!;
      }
      if ((f & bad) !== 0) {
        out.length = chunkMark;
        let end = i + width;
        while (end < n) {
          const d = s.charCodeAt(end);
          if (d === 0x20 || d === 0x0a || d === 0x09 || d === 0x0d || (t[d]! & (CJK | NFD)) === cjkBreak) break;
          end++;
        }
        const normalized = this.#normalize(s.slice(chunkStart, end));
        if (normalized.length > 0) this.#tokenize(normalized, out, false);
        start = -1;
        // The loop goes on at the break character, which starts the next chunk.
        i = end - 1;
        continue;
      }
      if ((f & stop) === 0) {
        if (start < 0) {
          start = i;
          h = FNV_OFFSET;
        }
        h = Math.imul(h ^ c, FNV_PRIME);
        if (width === 2) {
          h = Math.imul(h ^ s.charCodeAt(i + 1), FNV_PRIME);
          i++;
        }
        continue;
      }
      if (start >= 0) {
        this.#emit(s, start, i, h, lower, out);
        start = -1;
      }
      if ((f & alone) !== 0) {
        let hc = Math.imul(FNV_OFFSET ^ c, FNV_PRIME);
        if (width === 2) hc = Math.imul(hc ^ s.charCodeAt(i + 1), FNV_PRIME);
        this.#emit(s, i, i + width, hc, false, out);
      }
      if (raw && (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d || (f & (CJK | NFD)) === cjkBreak)) {
        chunkStart = i + 1;
        chunkMark = out.length;
      }
      i += width - 1;
    }
    if (start >= 0) this.#emit(s, start, n, h, lower, out);
  }

  /** Appends the ids of the word `s[start, end)` (A-Z lowered when `lower`), whose hash is `h`. */
  #emit(s: string, start: number, end: number, h: number, lower: boolean, out: number[]): void {
    const len = end - start;
    const meta = this.#meta;
    let slot = h & (CACHE_SLOTS - 1);
    for (;;) {
      const at = slot << 2;
      const count = meta[at + 1]!;
      if (count === 0) break;
      if (meta[at] === h) {
        const key = this.#keys[slot]!;
        if (key.length === len && sameWord(key, s, start, lower)) {
          if (count === 1) {
            out.push(meta[at + 2]!);
          } else {
            const pool = this.#pool;
            const from = meta[at + 2]!;
            for (let k = from; k < from + count; k++) out.push(pool[k]!);
          }
          return;
        }
      }
      slot = (slot + 1) & (CACHE_SLOTS - 1);
    }
    let word = s.slice(start, end);
    // Only A-Z can need lowering here: other characters toLowerCase changes take the
    // step-by-step path, which passes `lower` false.
    if (lower) word = word.toLowerCase();
    const ids = this.#wordPiece(word);
    for (let k = 0; k < ids.length; k++) out.push(ids[k]!);
    if (this.#words >= CACHE_MAX_WORDS) {
      this.#keys.fill(undefined);
      meta.fill(0);
      this.#words = 0;
      this.#poolUsed = 0;
      slot = h & (CACHE_SLOTS - 1);
    }
    const at = slot << 2;
    this.#keys[slot] = word;
    meta[at] = h;
    meta[at + 1] = ids.length;
    if (ids.length === 1) {
      meta[at + 2] = ids[0]!;
    } else {
      if (this.#poolUsed + ids.length > this.#pool.length) {
        const grown = new Int32Array(Math.max(this.#pool.length * 2, this.#poolUsed + ids.length));
        grown.set(this.#pool.subarray(0, this.#poolUsed));
        this.#pool = grown;
      }
      meta[at + 2] = this.#poolUsed;
      this.#pool.set(ids, this.#poolUsed);
      this.#poolUsed += ids.length;
    }
    this.#words++;
  }

  /**
   * WordPieceTokenizer.encode for one word: greedy longest match from the left over code
   * points (`[...word]`), the continuation prefix on all but the first piece, and a single
   * unknown token for the whole word if any position has no match or the word has more than
   * `max_input_chars_per_word` code points.
   */
  #wordPiece(word: string): number[] {
    const o = this.#o;
    const n = word.length;
    if (this.#bounds.length <= n) {
      this.#bounds = new Int32Array(2 * n + 2);
      this.#ends = new Int32Array(2 * n + 2);
    }
    const bounds = this.#bounds;
    const ends = this.#ends;
    // Code-point boundaries as UTF-16 offsets, pairing surrogates as the string iterator does.
    let chars = 0;
    bounds[0] = 0;
    for (let i = 0; i < n; i++) {
      const c = word.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (word.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
      bounds[++chars] = i + 1;
    }
    if (chars > o.maxChars) return [o.unkId];
    const prefixBits = this.#prefixBits;
    const keyBits = this.#keyBits;
    const shift = this.#bitShift;
    const pieces: number[] = [];
    let start = 0;
    while (start < chars) {
      // transformers.js tries end = chars, chars - 1, ... and keeps the first that is a key.
      // The same answer: collect the ends the filters allow, walking forward only while some
      // key starts with the candidate, then look them up longest first.
      let h = start > 0 ? this.#continuedHash : FNV_OFFSET;
      let found = 0;
      for (let e = start; e < chars; e++) {
        for (let u = bounds[e]!; u < bounds[e + 1]!; u++) h = Math.imul(h ^ word.charCodeAt(u), FNV_PRIME);
        const bit = Math.imul(h, GOLDEN) >>> shift;
        if ((prefixBits[bit >>> 5]! & (1 << (bit & 31))) === 0) break;
        if ((keyBits[bit >>> 5]! & (1 << (bit & 31))) !== 0) ends[found++] = e + 1;
      }
      let id: number | undefined;
      let end = start;
      while (found > 0) {
        end = ends[--found]!;
        const piece = word.slice(bounds[start], bounds[end]);
        id = o.ids.get(start > 0 ? o.prefix + piece : piece);
        if (id !== undefined) break;
      }
      if (id === undefined) return [o.unkId];
      pieces.push(id);
      start = end;
    }
    return pieces;
  }
}

/** Whether `key` equals `s` from `start` (A-Z lowered when `lower`); the caller checked the length. */
function sameWord(key: string, s: string, start: number, lower: boolean): boolean {
  for (let k = 0; k < key.length; k++) {
    let c = s.charCodeAt(start + k);
    if (lower && c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== key.charCodeAt(k)) return false;
  }
  return true;
}
