/**
 * The fast WordPiece tokenizer (src/embed/wordpiece.ts) must give exactly the ids transformers.js
 * gives. Every comparison loads the same tokenizer.json + tokenizer_config.json into both and
 * checks `encode(text)` against `tokenizer.encode(text, { add_special_tokens: false })` on real
 * documents, adversarial strings, seeded random strings and every BMP code point, for the test
 * helpers' tokenizers, one with a vocabulary learned from a corpus (as the benches build), and
 * edited variants of both.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AutoTokenizer } from '@huggingface/transformers';
import { corpusTexts } from '../bench/bench-models.js';
import { fastBertTokenizer, hasPlainTokenizerClass, type FastBertTokenizer } from '../src/embed/wordpiece.js';
import { mulberry32 } from '../src/random.js';
import { wordPieceVocabulary } from './helpers/bert-onnx.js';
import { addedToken, writeBertFolderFiles, writeTinyModel } from './helpers/tiny-bert.js';

type Json = Record<string, unknown>;

interface SlowTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
}

// ---------------------------------------------------------------------------------------------
// Texts

const REPO_DATASETS = path.resolve('datasets');
const SHARED_DATASETS = path.resolve('..', 'shared', 'datasets');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full) : [full];
  });
}

/** Every document under datasets/NAME/docs, every corpus.jsonl row and every query, of the repo's datasets. */
function repoTexts(): string[] {
  const texts: string[] = [];
  for (const name of readdirSync(REPO_DATASETS).sort()) {
    const dir = path.join(REPO_DATASETS, name);
    if (existsSync(path.join(dir, 'docs'))) for (const file of filesUnder(path.join(dir, 'docs')).sort()) texts.push(readFileSync(file, 'utf8'));
    if (existsSync(path.join(dir, 'corpus.jsonl'))) texts.push(...corpusTexts(path.join(dir, 'corpus.jsonl')));
    if (existsSync(path.join(dir, 'queries.jsonl'))) {
      for (const line of readFileSync(path.join(dir, 'queries.jsonl'), 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const row = JSON.parse(line) as { query?: string; text?: string };
        const q = row.query ?? row.text;
        if (typeof q === 'string') texts.push(q);
      }
    }
  }
  return texts;
}

function sharedCorpus(name: string): string[] | undefined {
  const file = path.join(SHARED_DATASETS, name, 'corpus.jsonl');
  return existsSync(file) ? corpusTexts(file) : undefined;
}

const WHITESPACE = [' ', '\t', '\n', '\r', '\r\n', '\u000b', '\u000c', '\u001c', '\u0085', '\u00a0', '\u1680', '\u180e', '\u2000', '\u2001', '\u2002', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff'];
const CONTROL = ['\u0000', '\u0001', '\u001f', '\u007f', '\u0080', '\u009f', '\u00ad', '\u061c', '\u200b', '\u200c', '\u200d', '\u200e', '\u2060', '\u2066', '\ufff9', '\ufffd', '\ue000', '\uf8ff', '\u{f0000}', '\u{10fffd}', '\u{e0001}', '\u{e0041}', '\u{1bca0}', '\ud800', '\udbff', '\udc00', '\udfff'];
const MARKS = ['\u0300', '\u0301', '\u0308', '\u0316', '\u0327', '\u0334', '\u0345', '\u05b7', '\u0610', '\u064e', '\u0903', '\u093f', '\u0e31', '\u20dd', '\u20e3', '\u302a', '\u3099', '\u309a', '\ufe0f', '\u{1d165}', '\u{1d167}', '\u{e0100}'];
const LETTERS = [
  'é', 'e\u0301', 'É', 'E\u0301', 'Å', 'Ångström', '\u212bngstr\u00f6m', '\u212a', 'Straße', 'STRASSE', 'ẞ', 'İ', 'İstanbul', 'ı', 'ﬁ', 'ﬀ', 'Ǆ', 'ǅ', 'ǆ', 'Œuvre', 'Ø', 'ñ', 'Ñ', 'ǰ', 'ŉ',
  'ΣΑΣ', 'ὈΔΥΣΣΕΎΣ', 'Σ', 'ς', 'σ', 'ΐ', 'Ω', '\u2126', 'ΆΈΉ', 'Привет', 'ЁЖИК', 'Ӂ', 'مرحبا', 'مَرْحَبًا', 'שָׁלוֹם', 'สวัสดีครับ', 'नमस्ते', 'க்ஷ', '안녕하세요', '한국어', '각', 'ひらがな', 'カタカナ', 'が', 'ガ', 'ｶﾞ', 'ｱｲｳ',
  '𐐀𐐨', '𝐀𝐁𝐂', 'ℌ', 'Ⅻ', 'ⅻ', '①', '²', '½', 'ǈ', 'ᾼ', 'ᾳ',
];
const CJK = ['的是在', '向量数据库', '检索速度', '中文', '我', '㐀', '䶵', '\uf900', '\ufa6c', '\ufa70', '\ufad9', '𠀀', '𠀁', '\u{2a700}', '\u{2b740}', '\u{2b820}', '\u{2f800}', '\u{2fa1d}', '\u{30000}', '〇', '々', '⺀', '⼀', '㈠', '㊀'];
const FULL_WIDTH = ['ＡＢＣ１２３，。', 'ｈｅｌｌｏ', 'ＡＢＣ', '！？＃＄％＆', '～', '￥', '｡｢｣､'];
const PUNCTUATION = [
  ...Array.from('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'),
  ...Array.from('“”‘’—–…·《》【】「」『』、。，！？；：（）〈〉«»¡¿‐‑‒―†‡•‰′″‹›⁂§¶※'),
  '\u{10100}', '\u{1e95e}', '\u{16fe2}', '\u037e', '\u0387', '\u1fef', '\u1fed',
];
const SYMBOLS = ['©', '®', '™', '€', '£', '¥', '°', '±', '×', '÷', '√', '∞', '≈', '≠', '←', '♥', '☺', '👍', '👍🏽', '👨‍👩‍👧', '🇺🇸', '❤️', '\u{1f600}', '\u{1f3fb}', '\u{e007f}'];
const WORDS = [
  'the', 'The', 'THE', 'searching', 'Searching', 'embedding', 'EMBEDDINGS', 'retrieval', 'vector', 'database', 'unaffable', 'hello', 'world', 'query', 'passages',
  'a', 'I', 'x', 'Z', '0', '42', '3.14', '1,000,000', '2024-01-15', '10:30', '1e-9', '0x1F', 'v1.2.3', '##', '##ing', '##s', 'un##known', 'foo_bar', 'foo-bar', "don't", "l'été",
  'https://example.com/a/b?c=d&e=f#g', 'user@example.org', 'C:\\Users\\me', '/usr/bin/env', 'const x = a[i] + b;', 'f(x)=>{return x*2}', '<div class="x">', '$HOME', '#include <stdio.h>',
];
const ADDED = ['[CLS]', '[SEP]', '[MASK]', '[UNK]', '[PAD]', '[mask]', '[ SEP]', '[SEP', 'SEP]', '[[SEP]]', '[CLS][SEP]', '<extra>', 'rag', 'RAG', '检索增强', 'end ', ' pre', 'end [MASK]', '<extra> pre', '<extra> end [MASK]'];

/** Hand-written strings covering the normalizer's and pre-tokenizer's edge cases. */
function adversarialTexts(maxChars: number[]): string[] {
  const texts = [
    '', ' ', '   ', '\t\n\r', '\u3000\u00a0\u2028', '\u0000', '\u200b', '\ufeff', '\u00ad', '\ufffd', '\u0301', 'a\u0000b', 'a\u200bb', 'a\u200db', 'a\ufeffb', 'a\u00adb',
    'soft\u00adhyphen', 'zero\u200bwidth', 'joi\u200dner', 'BOM\ufeffhere', 'e\u0301te\u0301', 'Cafe\u0301 CAFÉ café', 'ÅNGSTRÖM Ångström', 'Straße STRASSE straße', 'İstanbul istanbul ISTANBUL',
    'ΟΔΥΣΣΕΥΣ ὈΔΥΣΣΕΎΣ', 'ΑΣ', 'ΑΣ.', 'ΑΣ.Α', 'ΑΣΑ', 'Α\u0301Σ', 'ΑΣ\u0301', "Α'Σ", 'ΑΣ\u200bΑ', 'Σ', 'ΣΣ', 'a Σ b', 'ΑΣ中', '中ΑΣ', 'ΑΣ 中', 'ΑΣ,Α', 'ΑΣ·Α', 'ΑΣ:Α', 'ΑΣ\ufeffΑ', 'ΑΣ\u00adΑ', 'ΑΣ\u00a0Α', 'ΑΣ\u3000Α', 'x ΑΣ\u200bΑ y', 'the É. ΑΣ\ufeffΑ the', 'word word ΑΣ中Α word',
    '👍🏽 𠀀 CJK Ext-B', '𠀀𠀁中𠀀', 'a\u{2f800}b', '\u{2f800}中', 'x\ufa6cy', 'x\uf900y', 'ＡＢＣ１２３，。', '“quoted” ‘single’ — dash… ·dot· 《book》 【bracket】',
    'Ελληνικά кириллица العربية ไทย 한국어 ひらがな カタカナ', '12345 3.14159 1,000 -7 +8 ½ ² ①', 'https://example.com/path?q=1&r=2#frag', 'function f(x) { return x ** 2; } // 注释',
    '[CLS] hello [SEP] world [MASK]', '[CLS][SEP][PAD][UNK][MASK]', 'x[MASK]y', '[mask] is not [MASK]', '[SEP ] [ SEP] [SEP', ' [MASK] ', '\t[CLS]\n', '[MASK]中文[SEP]',
    'end [MASK]', 'the end [MASK] end', '<extra> pre', '<extra>  pre', '<extra> end [MASK]', 'rag-based RAG ragged', 'other theory', 'the\u00a0[MASK]\u3000the',
    '向量数据库如何加快检索速度？', 'embedding model for retrieval of relevant passages 检索相关文章', 'the quick brown fox jumps over the lazy dog',
    'a\u0300\u0316 a\u0316\u0300 a\u0345\u0334 a\u0334\u0345', 'ǅemal ǈubav', 'ﬁne ﬀ ﬃ', 'K\u212a \u212b\u2126', 'á\u0903', '\ud800', '\udc00', 'a\ud800b', 'a\udc00\ud800b', '\ud83d', 'x\ud83d',
    'tab\there', 'line\nbreak', 'cr\rlf\r\n', 'vt\u000bff\u000c', 'nel\u0085x', 'nbsp\u00a0x', 'ideo\u3000space', 'ls\u2028ps\u2029', 'mongolian\u180evowel',
  ];
  for (const n of maxChars) {
    for (const len of [n - 1, n, n + 1]) {
      if (len < 1) continue;
      texts.push('a'.repeat(len), 'A'.repeat(len), '中'.repeat(len), 'é'.repeat(len), `${'ab'.repeat(len)}`, `x${'👍'.repeat(len)}`, `${'e\u0301'.repeat(len)}`, `un${'aff'.repeat(len)}able`);
    }
  }
  texts.push('a'.repeat(250), 'searching'.repeat(40), `${'word '.repeat(2000)}`, `${'字'.repeat(3000)}`);
  return texts;
}

/** Seeded random strings mixing all the classes above and random code points. */
function randomTexts(count: number, seed: number): string[] {
  const next = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[next() % list.length]!;
  const classes: string[][] = [WHITESPACE, CONTROL, MARKS, LETTERS, CJK, FULL_WIDTH, PUNCTUATION, SYMBOLS, WORDS, WORDS, WORDS, ADDED];
  const randomCodePoint = (): string => {
    const r = next() % 10;
    if (r < 6) return String.fromCharCode(next() % 0x10000);
    if (r < 8) return String.fromCodePoint(0x10000 + (next() % 0x30000));
    return String.fromCodePoint(0xe0000 + (next() % 0x30000));
  };
  const texts: string[] = [];
  for (let k = 0; k < count; k++) {
    const parts = next() % 24;
    let text = '';
    for (let p = 0; p < parts; p++) {
      const r = next() % 16;
      const piece = r < 12 ? pick(classes[r]!) : r < 14 ? randomCodePoint() : Array.from({ length: 1 + (next() % 6) }, randomCodePoint).join('');
      text += piece;
      if (next() % 3 === 0) text += pick(WHITESPACE);
      else if (next() % 4 === 0) text += ' ';
    }
    texts.push(text);
  }
  return texts;
}

/** Every BMP code point (surrogates included), each in a few contexts, 64 per text. */
function everyBmpCodePoint(): string[] {
  const texts: string[] = [];
  for (let base = 0; base < 0x10000; base += 64) {
    let text = '';
    for (let cp = base; cp < base + 64; cp++) {
      const ch = String.fromCharCode(cp);
      text += `a${ch}B ${ch}Σ${ch}é ${ch}中${ch}\u0301 `;
    }
    texts.push(text);
  }
  return texts;
}

/** A sample of supplementary-plane code points (every 97th, and every one in planes 14-16's used blocks). */
function astralCodePoints(): string[] {
  const cps: number[] = [];
  for (let cp = 0x10000; cp < 0x110000; cp += 97) cps.push(cp);
  for (let cp = 0xe0000; cp < 0xe0200; cp++) cps.push(cp);
  const texts: string[] = [];
  for (let i = 0; i < cps.length; i += 64) {
    texts.push(cps.slice(i, i + 64).map((cp) => `a${String.fromCodePoint(cp)}B ${String.fromCodePoint(cp)}Σ `).join(''));
  }
  return texts;
}

interface Source {
  name: string;
  texts: string[] | undefined;
  skip?: string;
}

const scifact = sharedCorpus('scifact');
const cmrc = sharedCorpus('cmrc2018');
const NO_SHARED = `no ${SHARED_DATASETS} (only present beside the project's own checkout)`;

const SOURCES: Source[] = [
  { name: 'repo datasets (docs + queries)', texts: repoTexts() },
  { name: 'SciFact corpus (../shared)', texts: scifact, ...(scifact ? {} : { skip: NO_SHARED }) },
  { name: 'CMRC 2018 corpus (../shared)', texts: cmrc, ...(cmrc ? {} : { skip: NO_SHARED }) },
  { name: 'adversarial strings', texts: adversarialTexts([4, 100]) },
  { name: 'seeded random strings', texts: randomTexts(3000, 20240611) },
];
/** Run only for some tokenizers: they take a while through transformers.js. */
const CODE_POINT_SOURCES: Source[] = [
  { name: 'every BMP code point', texts: everyBmpCodePoint() },
  { name: 'sampled astral code points', texts: astralCodePoints() },
];

// ---------------------------------------------------------------------------------------------
// Tokenizers

interface Case {
  name: string;
  base: 'tiny-cls' | 'tiny-mean' | 'tiny-last' | 'corpus';
  edit?: (json: Json, config: Json) => void;
  codePoints?: boolean;
}

const normalizerOf = (json: Json): Json => json.normalizer as Json;
const modelOf = (json: Json): Json => json.model as Json;
const setNormalizer = (values: Json) => (json: Json): void => {
  Object.assign(normalizerOf(json), values);
};

/** Normalizer, model and config variants of a base tokenizer. */
function variantsOf(base: Case['base']): Case[] {
  return [
    { name: `${base} lowercase:false`, base, edit: setNormalizer({ lowercase: false }) },
    { name: `${base} lowercase:false strip_accents:true`, base, edit: setNormalizer({ lowercase: false, strip_accents: true }), codePoints: base === 'corpus' },
    { name: `${base} strip_accents:false`, base, edit: setNormalizer({ strip_accents: false }), codePoints: base === 'corpus' },
    { name: `${base} strip_accents:true`, base, edit: setNormalizer({ strip_accents: true }) },
    { name: `${base} handle_chinese_chars:false`, base, edit: setNormalizer({ handle_chinese_chars: false }) },
    { name: `${base} clean_text:false`, base, edit: setNormalizer({ clean_text: false }), codePoints: base === 'corpus' },
    {
      name: `${base} everything off`,
      base,
      edit: setNormalizer({ clean_text: false, handle_chinese_chars: false, lowercase: false, strip_accents: false }),
      codePoints: base === 'corpus',
    },
    {
      name: `${base} normalizer options missing, max_input_chars_per_word missing`,
      base,
      edit: (json) => {
        json.normalizer = { type: 'BertNormalizer' };
        delete modelOf(json).max_input_chars_per_word;
      },
    },
    { name: `${base} max_input_chars_per_word:4`, base, edit: (json) => void (modelOf(json).max_input_chars_per_word = 4) },
  ];
}

const CASES: Case[] = [
  { name: 'tiny-bert cls', base: 'tiny-cls' },
  { name: 'tiny-bert mean', base: 'tiny-mean' },
  { name: 'tiny-bert last_token', base: 'tiny-last' },
  { name: 'corpus vocabulary (as bench-models)', base: 'corpus', codePoints: true },
  ...variantsOf('tiny-cls'),
  ...variantsOf('corpus'),
  {
    name: 'corpus + extra added tokens (lstrip/rstrip, plain words, CJK, overlapping)',
    base: 'corpus',
    edit: (json) => {
      const vocab = modelOf(json).vocab as Record<string, number>;
      const size = Object.keys(vocab).length;
      const added = json.added_tokens as Json[];
      const mask = added.find((t) => t.content === '[MASK]')!;
      mask.lstrip = true;
      mask.rstrip = true;
      added.push(
        { ...addedToken('rag', size), special: false },
        { ...addedToken('<extra>', size + 1), rstrip: true },
        { ...addedToken('[SEP]]', size + 2) },
        { ...addedToken('检索增强', size + 3), special: false },
        // Same content as a vocabulary word under another id: the added id wins.
        { ...addedToken('the', size + 4), special: false },
        { ...addedToken('', size + 5) },
        // Added tokens that start or end with whitespace stop being added tokens once a
        // neighbouring lstrip/rstrip token trims them: the only way stripping changes ids here.
        { ...addedToken('end ', size + 6), special: false },
        { ...addedToken(' pre', size + 7), special: false },
      );
    },
  },
  {
    name: 'corpus + tokenizer_config remove_space + do_lowercase_and_remove_accent',
    base: 'corpus',
    edit: (json, config) => {
      setNormalizer({ lowercase: false, strip_accents: false })(json);
      config.remove_space = true;
      config.do_lowercase_and_remove_accent = true;
      config.tokenizer_class = 'BertTokenizerFast';
    },
  },
  {
    name: 'corpus, no tokenizer_class, [UNK] with a different added id',
    base: 'corpus',
    edit: (json, config) => {
      delete config.tokenizer_class;
      const vocab = modelOf(json).vocab as Record<string, number>;
      (json.added_tokens as Json[]).push(addedToken('[UNK]', Object.keys(vocab).length));
    },
  },
];

interface Loaded {
  fast: FastBertTokenizer;
  slow: SlowTokenizer;
  json: Json;
  config: Json;
}

let root = '';
const loaded = new Map<string, Loaded>();

async function readJson(file: string): Promise<Json> {
  return JSON.parse(await readFile(file, 'utf8')) as Json;
}

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rag-wordpiece-'));
  const bases = new Map<Case['base'], string>();
  bases.set('tiny-cls', await writeTinyModel(path.join(root, 'tiny-cls'), { variant: 'cls' }));
  bases.set('tiny-mean', await writeTinyModel(path.join(root, 'tiny-mean'), { variant: 'mean' }));
  bases.set('tiny-last', await writeTinyModel(path.join(root, 'tiny-last'), { variant: 'last_token' }));
  // The tokenizer files bench/bench-models.ts writes (smallBertFor → writeBertModel), without the graph.
  const corpusDir = path.join(root, 'corpus');
  await mkdir(corpusDir, { recursive: true });
  const learnFrom = [...repoTexts(), ...(scifact ?? []), ...(cmrc ?? [])];
  await writeBertFolderFiles(corpusDir, {
    hidden: 128,
    layers: 1,
    heads: 2,
    ffn: 512,
    maxPositions: 512,
    vocabulary: wordPieceVocabulary(learnFrom, 21128),
    variant: 'mean',
    poolingFile: true,
  });
  bases.set('corpus', corpusDir);

  for (const [i, c] of CASES.entries()) {
    let dir = bases.get(c.base)!;
    if (c.edit) {
      const json = await readJson(path.join(dir, 'tokenizer.json'));
      const config = await readJson(path.join(dir, 'tokenizer_config.json'));
      c.edit(json, config);
      dir = path.join(root, `case-${i}`);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
      await writeFile(path.join(dir, 'tokenizer_config.json'), JSON.stringify(config));
    }
    const json = await readJson(path.join(dir, 'tokenizer.json'));
    const config = await readJson(path.join(dir, 'tokenizer_config.json'));
    const fast = fastBertTokenizer(json, config);
    assert.ok(fast, `${c.name}: fastBertTokenizer declined a tokenizer it should reproduce`);
    const slow = (await AutoTokenizer.from_pretrained(dir, { local_files_only: true })) as unknown as SlowTokenizer;
    loaded.set(c.name, { fast, slow, json, config });
  }
});

after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** Compares every text; fails on the first that differs, naming it. Returns the number compared. */
function compareAll(tokenizers: Loaded, texts: readonly string[]): number {
  for (const [i, text] of texts.entries()) {
    const expected = tokenizers.slow.encode(text, { add_special_tokens: false });
    const actual = tokenizers.fast.encode(text);
    if (actual.length !== expected.length || actual.some((id, k) => id !== expected[k])) {
      assert.deepEqual(actual, expected, `text #${i} differs: ${JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text)}`);
    }
  }
  return texts.length;
}

/** Edited variants see every 5th corpus document: the full corpora run for the unedited tokenizers. */
function textsFor(c: Case, source: Source): readonly string[] {
  const texts = source.texts!;
  const corpus = source === SOURCES[1] || source === SOURCES[2];
  return c.edit && corpus ? texts.filter((_, i) => i % 5 === 0) : texts;
}

for (const c of CASES) {
  describe(`fastBertTokenizer = transformers.js: ${c.name}`, () => {
    for (const source of [...SOURCES, ...(c.codePoints ? CODE_POINT_SOURCES : [])]) {
      const options = source.skip ? { skip: source.skip } : {};
      it(source.name, options, (t) => {
        const n = compareAll(loaded.get(c.name)!, textsFor(c, source));
        assert.ok(n > 0);
        t.diagnostic(`${n} texts, all identical`);
      });
    }
  });
}

describe('fastBertTokenizer', () => {
  it('returns a fresh array, so callers may change it', () => {
    const { fast } = loaded.get('corpus vocabulary (as bench-models)')!;
    const first = fast.encode('retrieval of passages');
    first.push(-1);
    assert.notDeepEqual(fast.encode('retrieval of passages'), first);
  });

  it('stays exact when its word cache fills up and is emptied', (t) => {
    // More distinct words than the cache holds (65,536), many of several pieces, then the
    // first texts again once the cache has been emptied.
    const { slow, json, config } = loaded.get('corpus vocabulary (as bench-models)')!;
    const fast = fastBertTokenizer(json, config)!;
    const next = mulberry32(7);
    const letters = 'abcdefghijklmnopqrstuvwxyzéßΣ中';
    const texts = Array.from({ length: 160 }, () =>
      Array.from({ length: 500 }, () => Array.from({ length: 3 + (next() % 10) }, () => letters[next() % letters.length]!).join('')).join(' '),
    );
    const n = compareAll({ fast, slow, json, config }, [...texts, ...texts.slice(0, 20)]);
    t.diagnostic(`${n} texts (${160 * 500} words), all identical`);
  });

  it('tells from tokenizer_config.json alone which classes it may stand in for', () => {
    for (const config of [undefined, {}, { tokenizer_class: 'BertTokenizer' }, { tokenizer_class: 'BertTokenizerFast' }]) {
      assert.equal(hasPlainTokenizerClass(config), true, JSON.stringify(config));
    }
    for (const config of [{ tokenizer_class: 'XLMRobertaTokenizer' }, { tokenizer_class: 'Qwen2TokenizerFast' }, { tokenizer_class: 7 }, 'BertTokenizer']) {
      assert.equal(hasPlainTokenizerClass(config), false, JSON.stringify(config));
    }
  });

  it('declines tokenizers it does not reproduce', async () => {
    const dir = path.join(root, 'tiny-cls');
    const json = await readJson(path.join(dir, 'tokenizer.json'));
    const config = await readJson(path.join(dir, 'tokenizer_config.json'));
    assert.ok(fastBertTokenizer(json, config));
    assert.ok(fastBertTokenizer(json), 'tokenizer_config.json is optional');
    const declined = (name: string, edit: (j: Json, c: Json) => void): void => {
      const j = structuredClone(json);
      const cfg = structuredClone(config);
      edit(j, cfg);
      assert.equal(fastBertTokenizer(j, cfg), undefined, name);
    };
    declined('normalizer Sequence', (j) => void (j.normalizer = { type: 'Sequence', normalizers: [j.normalizer] }));
    declined('NFC normalizer', (j) => void (j.normalizer = { type: 'NFC' }));
    declined('no normalizer', (j) => void (j.normalizer = null));
    declined('Whitespace pre-tokenizer', (j) => void (j.pre_tokenizer = { type: 'Whitespace' }));
    declined('Metaspace pre-tokenizer', (j) => void (j.pre_tokenizer = { type: 'Metaspace', replacement: '▁' }));
    declined('pre-tokenizer Sequence', (j) => void (j.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'BertPreTokenizer' }] }));
    declined('BPE model', (j) => void (j.model = { type: 'BPE', vocab: {}, merges: [] }));
    declined('Unigram model', (j) => void (j.model = { type: 'Unigram', vocab: [['a', 0]] }));
    declined('WordPiece without type', (j) => void delete modelOf(j).type);
    declined('fuse_unk', (j) => void (modelOf(j).fuse_unk = true));
    declined('unk token without an id', (j) => void (modelOf(j).unk_token = '<unk>'));
    declined('non-string continuing_subword_prefix', (j) => void delete modelOf(j).continuing_subword_prefix);
    declined('non-number id', (j) => void ((modelOf(j).vocab as Json).the = 'x'));
    declined('no added_tokens', (j) => void delete j.added_tokens);
    declined('post-processor Sequence', (j) => void (j.post_processor = { type: 'Sequence', processors: [] }));
    declined('template repeating A', (j) => void (j.post_processor = { type: 'TemplateProcessing', single: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }] }));
    declined('Llama tokenizer class', (_j, c) => void (c.tokenizer_class = 'LlamaTokenizerFast'));
    declined('Whisper tokenizer class', (_j, c) => void (c.tokenizer_class = 'WhisperTokenizer'));
    declined('unknown tokenizer class', (_j, c) => void (c.tokenizer_class = 'BertJapaneseTokenizer'));
    assert.equal(fastBertTokenizer(null), undefined);
    assert.equal(fastBertTokenizer('tokenizer.json'), undefined);
    assert.equal(fastBertTokenizer(json, 'config'), undefined);
  });
});
