import { RagError } from '../errors.js';
import { analyzeForHash, HASH_ANALYSIS, type AnalysisOptions } from '../text/analyze.js';
import { DEFAULT_SCRIPT_FOLD, isScriptFold, SCRIPT_FOLDS, type ScriptFold } from '../text/script-fold.js';
import { fingerprintOf } from '../model/fingerprint.js';
import { HashCorpusStatistics } from './hash-stats.js';
import { fmix32, hashString } from './hash-murmur.js';
import type { EmbedBatchResult, EmbedOptions, Embedder } from './types.js';
import type { ModelInfo } from '../model/model-info.js';

/** Registry id of the built-in lexical model. */
export const HASH_MODEL_ID = 'hash';

/** Settings of the `hash` model. Every one of them is part of the model fingerprint. */
export interface HashEmbedderOptions {
  /**
   * Vector length. Default 4096. Features are hashed into this many components, so a smaller
   * dimension means more collisions. Measured with the default features (bench/lexical-quality.ts,
   * whole documents, exact search), nDCG@10:
   *
   * | dimension | scifact | cmrc2018 | bytes per chunk |
   * |---|---|---|---|
   * | 1024 | 0.679 | 0.928 | 4 KiB |
   * | 2048 | 0.722 | 0.970 | 8 KiB |
   * | 4096 | 0.742 | 0.981 | 16 KiB |
   * | (BM25, bm25s reference) | 0.740 | 0.985 | |
   *
   * 4096 is the first size at which hashing costs nothing measurable against BM25 on scifact; 2048
   * halves index memory for about −0.02 nDCG@10 (still 0.97 of BM25).
   */
  dimension?: number;
  /** Hash seed (unsigned 32-bit). Default 0. Another seed gives a different, equally good, vector space. */
  seed?: number;
  /** Chinese words segmented by jieba as features. Default true. */
  chineseWords?: boolean;
  /** Overlapping Chinese character bigrams as features. Default true. */
  chineseBigrams?: boolean;
  /** Single Chinese characters as features. Default false (+0.001 nDCG@10 on cmrc2018, not worth the features). */
  chineseUnigrams?: boolean;
  /**
   * Character n-gram sizes taken from every non-CJK word (padded with `_`) as extra features.
   * Default [3]. They give partial matches between word forms stemming misses, and, more important
   * here, spread every word over several components, so one collision no longer decides a match:
   * scifact nDCG@10 at 4096 was 0.693 with words only, 0.742 with 3-grams, 0.726 with 4-grams,
   * 0.718 with 5-grams and 0.736 with 3+4+5-grams.
   */
  wordCharNgrams?: readonly number[];
  /** Non-CJK words shorter than this are dropped. Default 2 (as BM25). */
  minWordLength?: number;
  /**
   * Query feature weight is idf^power; 1 is plain TF-IDF on the query side. Default 1: on scifact
   * (4096, words only) 1.5 and 2 lowered nDCG@10 from 0.693 to 0.684 and 0.651.
   */
  queryIdfPower?: number;
  /**
   * Simplified/Traditional folding of Chinese features (documents and queries alike). Default
   * `t2s`: without it a Simplified query against Traditional documents dropped from nDCG@10
   * 0.94 to 0.36 on cmrc2018 converted to Traditional (bench/script-fold.ts). Recorded in the
   * model info only when not `none`, so indexes built before folding existed keep their fingerprint.
   */
  scriptFold?: ScriptFold;
}

const DEFAULTS = {
  dimension: 4096,
  seed: 0,
  chineseWords: HASH_ANALYSIS.cjk.words,
  chineseBigrams: HASH_ANALYSIS.cjk.bigrams,
  chineseUnigrams: HASH_ANALYSIS.cjk.unigrams,
  wordCharNgrams: HASH_ANALYSIS.wordCharNgrams,
  minWordLength: HASH_ANALYSIS.minWordLength,
  queryIdfPower: 1,
  scriptFold: DEFAULT_SCRIPT_FOLD,
};

const PROGRESS_EVERY = 256;

/** Most texts whose features {@link HashEmbedder} keeps for the corpus statistics (~600 bytes each). */
const PENDING_FEATURES_MAX = 200_000;

/**
 * The built-in `hash` model: a lexical embedder that needs no download.
 *
 * Features are English words (lowercased, Lucene stopwords removed, Porter-stemmed) with the
 * character trigrams of each word, and, for Chinese, jieba words plus overlapping character bigrams
 * (together they beat either alone on cmrc2018, nDCG@10 0.978 vs 0.966 bigrams only and 0.965 jieba
 * only, at 4096 without trigrams); mixed text gets both. Each feature is hashed (MurmurHash3 of its
 * UTF-8 bytes) to a component and a sign (signed feature hashing, so collisions cancel out on
 * average instead of piling up).
 *
 * - Document vectors: sublinear term frequency 1 + ln(tf) per feature, L2-normalised. They depend
 *   on the text alone, never on the corpus, so incremental and resumed ingests give exactly the
 *   vectors of a clean build.
 * - Query vectors: (1 + ln tf) · idf^queryIdfPower with idf = ln(1 + (N − df + 0.5)/(df + 0.5))
 *   from {@link corpusStatistics} (document frequencies of the indexed chunks), L2-normalised.
 *   Features no indexed chunk contains get weight 0, since they can only match through
 *   collisions. With empty statistics every feature weighs 1.
 *
 * The inner product of the two then approximates a TF-IDF cosine.
 */
export class HashEmbedder implements Embedder {
  readonly info: ModelInfo;
  readonly fingerprint: string;
  readonly cacheable = false;
  readonly corpusStatistics: HashCorpusStatistics;
  readonly #dimension: number;
  readonly #seed: number;
  readonly #analysis: AnalysisOptions;
  readonly #queryIdfPower: number;

  constructor(options: HashEmbedderOptions = {}) {
    const dimension = options.dimension ?? DEFAULTS.dimension;
    if (!Number.isInteger(dimension) || dimension < 1 || dimension > 1 << 20) {
      throw new RagError('usage', `hash model: dimension must be an integer from 1 to 1048576, got ${String(options.dimension)}`);
    }
    const seed = options.seed ?? DEFAULTS.seed;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RagError('usage', `hash model: seed must be an integer from 0 to 4294967295, got ${String(options.seed)}`);
    }
    const ngrams = [...(options.wordCharNgrams ?? DEFAULTS.wordCharNgrams)].sort((a, b) => a - b);
    for (const n of ngrams) {
      if (!Number.isInteger(n) || n < 2 || n > 8) {
        throw new RagError('usage', `hash model: character n-gram sizes must be integers from 2 to 8, got ${String(n)}`);
      }
    }
    const minWordLength = options.minWordLength ?? DEFAULTS.minWordLength;
    if (!Number.isInteger(minWordLength) || minWordLength < 1) {
      throw new RagError('usage', `hash model: minWordLength must be an integer >= 1, got ${String(options.minWordLength)}`);
    }
    const queryIdfPower = options.queryIdfPower ?? DEFAULTS.queryIdfPower;
    if (!Number.isFinite(queryIdfPower) || queryIdfPower < 0) {
      throw new RagError('usage', `hash model: queryIdfPower must be a number >= 0, got ${String(options.queryIdfPower)}`);
    }
    const scriptFold = options.scriptFold ?? DEFAULT_SCRIPT_FOLD;
    if (!isScriptFold(scriptFold)) {
      throw new RagError('usage', `hash model: scriptFold must be one of ${SCRIPT_FOLDS.join(', ')}, got ${String(options.scriptFold)}`);
    }
    const chinese = {
      words: options.chineseWords ?? DEFAULTS.chineseWords,
      bigrams: options.chineseBigrams ?? DEFAULTS.chineseBigrams,
      unigrams: options.chineseUnigrams ?? DEFAULTS.chineseUnigrams,
    };
    if (!chinese.words && !chinese.bigrams && !chinese.unigrams) {
      throw new RagError('usage', 'hash model: enable at least one of chineseWords, chineseBigrams, chineseUnigrams');
    }

    this.#dimension = dimension;
    this.#seed = seed;
    this.#queryIdfPower = queryIdfPower;
    this.#analysis = {
      cjk: chinese,
      minWordLength,
      stem: true,
      wordCharNgrams: ngrams,
      tagKinds: true,
      scriptFold,
    };
    const zhFeatures = [chinese.words && 'jieba', chinese.bigrams && 'bigram', chinese.unigrams && 'unigram']
      .filter((x) => x !== false)
      .join('+');
    const params: Record<string, string | number | boolean> = {
      hash: 'murmur3_32-utf8',
      seed,
      normalization: 'nfkc-lower',
      enFeatures: 'word-lucene_stop-porter',
      minWordLength,
      wordCharNgrams: ngrams.length === 0 ? 'none' : ngrams.join(','),
      zhFeatures,
      docWeight: '1+ln(tf)',
      queryWeight: '(1+ln(tf))*bm25_idf^p',
      queryIdfPower,
    };
    if (scriptFold !== 'none') params['scriptFold'] = scriptFold;
    this.info = {
      id: HASH_MODEL_ID,
      provider: 'builtin',
      name: `signed feature hashing of words and Chinese ${zhFeatures} (TF docs, TF-IDF queries)`,
      dimension,
      normalize: true,
      languages: ['en', 'zh'],
      params,
    };
    this.fingerprint = fingerprintOf(this.info);
    this.corpusStatistics = new HashCorpusStatistics(
      (text) => this.#takeFeatures(text) ?? this.#featureCounts(text).keys(),
      hashString(JSON.stringify(params), 0),
    );
  }

  /**
   * Distinct features of texts embedded as documents, kept until the corpus statistics count them:
   * ingest embeds a batch and then adds the same texts to the statistics, and analysing each
   * text twice (jieba included) was a third of a `hash` ingest's CPU.
   */
  readonly #pendingFeatures = new Map<string, Uint32Array>();

  #takeFeatures(text: string): Uint32Array | undefined {
    const features = this.#pendingFeatures.get(text);
    if (features !== undefined) this.#pendingFeatures.delete(text);
    return features;
  }

  /** Feature hash -> count in `text`. */
  #featureCounts(text: string): Map<number, number> {
    const counts = new Map<number, number>();
    for (const feature of analyzeForHash(text, this.#analysis)) {
      const hash = hashString(feature, this.#seed);
      counts.set(hash, (counts.get(hash) ?? 0) + 1);
    }
    return counts;
  }

  #project(weights: Map<number, number>): Float32Array {
    const dimension = this.#dimension;
    // Accumulate in float64 so the result does not depend on rounding order more than needed.
    const sums = new Float64Array(dimension);
    for (const [hash, weight] of weights) {
      const sign = (fmix32(hash ^ 0x9e3779b9) & 1) === 0 ? 1 : -1;
      sums[hash % dimension]! += sign * weight;
    }
    let norm = 0;
    for (let i = 0; i < dimension; i++) norm += sums[i]! * sums[i]!;
    const vector = new Float32Array(dimension);
    if (norm === 0) return vector;
    const scale = 1 / Math.sqrt(norm);
    for (let i = 0; i < dimension; i++) vector[i] = sums[i]! * scale;
    return vector;
  }

  /** Document vector of one text (sublinear TF, L2-normalised); all zeros for text without features. */
  embedDocument(text: string): Float32Array {
    const weights = this.#featureCounts(text);
    if (this.#pendingFeatures.size >= PENDING_FEATURES_MAX) this.#pendingFeatures.clear();
    this.#pendingFeatures.set(text, Uint32Array.from(weights.keys()));
    for (const [hash, tf] of weights) weights.set(hash, 1 + Math.log(tf));
    return this.#project(weights);
  }

  async embedDocuments(texts: readonly string[], options: EmbedOptions = {}): Promise<EmbedBatchResult> {
    const vectors: Float32Array[] = [];
    for (let i = 0; i < texts.length; i++) {
      if (i % PROGRESS_EVERY === 0) {
        options.signal?.throwIfAborted();
        if (i > 0) {
          options.onProgress?.({ done: i, total: texts.length });
          // Give timers and signal handlers a turn on long batches.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      vectors.push(this.embedDocument(texts[i]!));
    }
    options.signal?.throwIfAborted();
    options.onProgress?.({ done: texts.length, total: texts.length });
    return { vectors, truncated: 0 };
  }

  async embedQuery(text: string): Promise<Float32Array> {
    return this.embedQueryVector(text);
  }

  /** Synchronous {@link embedQuery}. */
  embedQueryVector(text: string): Float32Array {
    const counts = this.#featureCounts(text);
    const stats = this.corpusStatistics;
    const n = stats.documentCount;
    const weights = new Map<number, number>();
    for (const [hash, tf] of counts) {
      let idf = 1;
      if (n > 0) {
        const df = stats.documentFrequency(hash);
        idf = df === 0 ? 0 : Math.log(1 + (n - df + 0.5) / (df + 0.5)) ** this.#queryIdfPower;
      }
      if (idf > 0) weights.set(hash, (1 + Math.log(tf)) * idf);
    }
    // A query made only of unseen features would be a zero vector, which a cosine index cannot rank
    // by; fall back to plain TF so it still returns its nearest (collision) neighbours.
    if (weights.size === 0) {
      for (const [hash, tf] of counts) weights.set(hash, 1 + Math.log(tf));
    }
    return this.#project(weights);
  }
}
