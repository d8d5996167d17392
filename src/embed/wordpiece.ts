/**
 * A fast re-implementation of the transformers.js 3.8.1 tokenizer for BERT WordPiece models
 * (`BertNormalizer` + `BertPreTokenizer` + `WordPiece` in tokenizer.json).
 *
 * Why it exists: for small embedding models, transformers.js's `tokenizer.encode` is about a
 * third of ingest CPU. Most of that is per-character regex tests (`_clean_text` runs a Unicode
 * property regex on every character), per-character array pushes, and a WordPiece loop that
 * builds a new string and a map lookup for every candidate length. Here most text is
 * normalized, split and looked up in one pass over the input with precomputed character
 * tables, without building a normalized string; words already seen come from a bounded cache
 * without slicing the input; and new words are searched with filters that skip candidates no
 * vocabulary entry can match.
 *
 * It must give exactly the ids transformers.js gives, so it copies transformers.js's behaviour
 * (quirks included) rather than the Python/Rust tokenizers' where they differ, and
 * {@link fastBertTokenizer} returns `undefined` for any tokenizer.json / tokenizer_config.json it
 * does not reproduce, so the caller keeps using transformers.js for those. The character
 * tables are computed at run time from the regular expressions and string functions
 * transformers.js uses, so both agree whatever Unicode version the running Node ships.
 */

/** Token ids of a text, as transformers.js `encode(text, { add_special_tokens: false })`. */
export interface FastBertTokenizer {
  /**
   * Ids without special tokens ([CLS]/[SEP] are not added), identical to transformers.js 3.8.1
   * `tokenizer.encode(text, { add_special_tokens: false })` for the tokenizer.json and
   * tokenizer_config.json this was built from. Added tokens typed in the text (`[MASK]`,
   * `[SEP]`, ...) are split out and mapped as transformers.js does, so every text is handled.
   * The returned array is fresh; the caller may keep or change it.
   */
  encode(text: string): number[];
}

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
const MARK_GLOBAL_RE = /\p{M}/gu;
/** CONTROL_RE as a global search: on single characters the two agree. */
const CONTROL_GLOBAL_RE = /\p{Cc}|\p{Cf}|\p{Co}|\p{Cs}/gu;

/** Dropped by `_clean_text` (NUL, U+FFFD, and Cc/Cf/Co/Cs other than \t \n \r). */
const DROP = 1;
/** Turned into ' ' by `_clean_text` (its `/^\s$/` test). */
const CLEAN_SPACE = 2;
/** Spaced by `_tokenize_chinese_chars`. */
const CJK = 4;
/** Whitespace to the pre-tokenizer (its `\s` under the `u` flag): ends a word, is not a token. */
const SPLIT_SPACE = 8;
/** Punctuation to the pre-tokenizer: a token of its own. */
const PUNCT = 16;
/** Nonspacing mark, removed by `stripAccents`. */
const MN = 32;
/** `toLowerCase` changes it (not set for A-Z, which the fast path lowers itself). */
const LOWER = 64;
/**
 * NFD may change a string holding it: it decomposes, or it is a mark or has a nonzero
 * combining class (so canonical reordering can move it), or it is a lone surrogate.
 */
const NFD = 128;

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
function table(): Uint8Array {
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
function astralFlags(cp: number): number {
  let f = astralCache.get(cp);
  if (f === undefined) {
    f = flagsOf(String.fromCodePoint(cp));
    // Few distinct astral characters occur in practice; the bound only guards odd inputs.
    if (astralCache.size < 65536) astralCache.set(cp, f);
  }
  return f;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * tokenizer_config.json `tokenizer_class` values (without `Fast`) whose transformers.js class
 * adds nothing to `PreTrainedTokenizer`'s encoding. Other classes (Llama's legacy handling,
 * Whisper/NLLB language tokens, ...) override `_encode_text` or the pipeline, so they are
 * declined even when tokenizer.json looks like BERT.
 */
const PLAIN_TOKENIZER_CLASSES = new Set([
  'PreTrainedTokenizer',
  'BertTokenizer',
  'DistilBertTokenizer',
  'ElectraTokenizer',
  'MobileBertTokenizer',
  'SqueezeBertTokenizer',
  'ConvBertTokenizer',
  'HerbertTokenizer',
  'RoFormerTokenizer',
  'MPNetTokenizer',
]);

/**
 * Whether tokenizer_config.json (parsed; undefined when the model has none) names a tokenizer
 * class this module can stand in for. Cheap: callers check it before reading tokenizer.json,
 * which is megabytes for the large-vocabulary models it would decline anyway.
 */
export function hasPlainTokenizerClass(tokenizerConfig: unknown): boolean {
  const config = tokenizerConfig === undefined ? {} : tokenizerConfig;
  if (!isRecord(config)) return false;
  const tokenizerClass = config.tokenizer_class ?? 'PreTrainedTokenizer';
  return typeof tokenizerClass === 'string' && PLAIN_TOKENIZER_CLASSES.has(tokenizerClass.replace(/Fast$/, ''));
}

/**
 * Whether, with `add_special_tokens: false`, the post-processor returns the sequence's tokens
 * unchanged. TemplateProcessing copies sequence A once per `Sequence: A` item of `single`, so a
 * template with A missing or repeated would change the ids; Sequence lists are declined.
 */
function postProcessorIsIdentity(pp: unknown): boolean {
  if (pp === null || pp === undefined) return true;
  if (!isRecord(pp)) return false;
  switch (pp.type) {
    case 'BertProcessing':
    case 'RobertaProcessing':
    case 'ByteLevel':
      return true;
    case 'TemplateProcessing': {
      if (!Array.isArray(pp.single)) return false;
      let sequences = 0;
      for (const item of pp.single) {
        if (!isRecord(item)) return false;
        if ('SpecialToken' in item) continue;
        if (!('Sequence' in item) || !isRecord(item.Sequence) || item.Sequence.id !== 'A') return false;
        sequences++;
      }
      return sequences === 1;
    }
    default:
      return false;
  }
}

interface AddedTokenSpec {
  content: string;
  lstrip: boolean;
  rstrip: boolean;
}

/** A node of the added-token trie, keyed by UTF-16 code unit as transformers.js's DictionarySplitter. */
interface TrieNode {
  next: Map<number, TrieNode>;
  end: string;
}

/**
 * Builds a tokenizer that reproduces transformers.js 3.8.1 exactly for this tokenizer.json
 * (parsed) and tokenizer_config.json (parsed; omit only if the model has none, since
 * transformers.js reads `tokenizer_class`, `remove_space` and `do_lowercase_and_remove_accent`
 * from it), or `undefined` when the pipeline is not one it reproduces: anything but
 * BertNormalizer + BertPreTokenizer + WordPiece, a WordPiece model with `fuse_unk`, a
 * non-string `continuing_subword_prefix`, an `unk_token` with no id, a post-processor that
 * is not the identity without special tokens, or a tokenizer class that changes encoding.
 */
export function fastBertTokenizer(tokenizerJson: unknown, tokenizerConfig?: unknown): FastBertTokenizer | undefined {
  if (!isRecord(tokenizerJson)) return undefined;
  const config = tokenizerConfig === undefined ? {} : tokenizerConfig;
  if (!isRecord(config)) return undefined;

  if (!hasPlainTokenizerClass(config)) return undefined;

  const { normalizer, pre_tokenizer: preTokenizer, model, added_tokens: addedTokens } = tokenizerJson;
  if (!isRecord(normalizer) || normalizer.type !== 'BertNormalizer') return undefined;
  if (!isRecord(preTokenizer) || preTokenizer.type !== 'BertPreTokenizer') return undefined;
  if (!isRecord(model) || model.type !== 'WordPiece') return undefined;
  if (!Array.isArray(addedTokens)) return undefined;
  if (!postProcessorIsIdentity(tokenizerJson.post_processor)) return undefined;
  if (model.fuse_unk) return undefined;
  if (!isRecord(model.vocab) || typeof model.unk_token !== 'string' || typeof model.continuing_subword_prefix !== 'string') return undefined;
  const maxChars = model.max_input_chars_per_word ?? 100;
  if (typeof maxChars !== 'number') return undefined;

  // transformers.js puts added tokens into the model's token → id map, after the vocabulary,
  // so WordPiece also matches them and their ids win over the vocabulary's.
  const ids = new Map<string, number>();
  for (const [token, id] of Object.entries(model.vocab)) {
    if (typeof id !== 'number') return undefined;
    ids.set(token, id);
  }
  const added: AddedTokenSpec[] = [];
  for (const t of addedTokens) {
    if (!isRecord(t) || typeof t.content !== 'string' || typeof t.id !== 'number') return undefined;
    ids.set(t.content, t.id);
    added.push({ content: t.content, lstrip: Boolean(t.lstrip), rstrip: Boolean(t.rstrip) });
  }
  const unkId = ids.get(model.unk_token);
  if (unkId === undefined) return undefined;

  // BertNormalizer tests its options for truthiness (a missing clean_text is false), and
  // strip_accents is "not false" when lowercasing, truthy otherwise.
  const lowercase = Boolean(normalizer.lowercase);
  return new WordPieceEncoder({
    ids,
    unkId,
    prefix: model.continuing_subword_prefix,
    maxChars,
    added,
    cleanText: Boolean(normalizer.clean_text),
    handleChinese: Boolean(normalizer.handle_chinese_chars),
    lowercase,
    stripAccents: lowercase ? normalizer.strip_accents !== false : Boolean(normalizer.strip_accents),
    removeSpace: config.remove_space === true,
    lowercaseAndRemoveAccent: Boolean(config.do_lowercase_and_remove_accent),
  });
}

interface EncoderOptions {
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

class WordPieceEncoder implements FastBertTokenizer {
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
