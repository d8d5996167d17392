/**
 * Published facts about the registry's models, for `rag models` as a shortlist: parameter count,
 * size of the weights, licence, Matryoshka dimensions and retrieval averages from MTEB (English)
 * and C-MTEB. Every figure carries the id of its source in {@link SOURCES}; anything without a
 * source we could cite is left out (shown blank), never estimated from memory. A test checks both.
 *
 * What rag itself uses (dimension, input limit, pooling, prefixes) stays in aliases.ts; this file
 * only describes. Cheap to import: data only.
 */

/** Where a figure comes from. */
export interface Source {
  title: string;
  url: string;
  /** When it was published and/or read, as precisely as known. */
  date: string;
}

export const SOURCES = {
  'bge-model-table': {
    title: 'BGE v1 & v1.5 model table (parameters, model size), BGE documentation',
    url: 'https://bge-model.com/bge/bge_v1_v1.5.html',
    date: 'v1.5 released Sep 2023; read 2026-12-03',
  },
  'bge-readme-mteb': {
    title: 'FlagEmbedding README (BGE v1.5 model card), MTEB table, column "Retrieval (15)": nDCG@10 averaged over 15 BEIR tasks',
    url: 'https://github.com/FlagOpen/FlagEmbedding',
    date: 'v1.5 release, Sep 2023; read 2026-12-03',
  },
  'bge-readme-cmteb': {
    title: 'FlagEmbedding README, C-MTEB table for the v1.5 release, column "Retrieval" (average of 8 tasks); benchmark from C-Pack, arXiv 2309.07597',
    url: 'https://github.com/FlagOpen/FlagEmbedding',
    date: 'v1.5 release, Sep 2023; read 2026-12-03',
  },
  'bge-license': {
    title: 'FlagEmbedding LICENSE (MIT) and the BGE v1.5 model cards (license: mit)',
    url: 'https://github.com/FlagOpen/FlagEmbedding/blob/master/LICENSE',
    date: 'read 2026-12-03',
  },
  'qwen3-embedding-card': {
    title: 'Qwen/Qwen3-Embedding-0.6B model card (0.6B parameters, 32K context, embedding dimension up to 1024 with MRL 32-1024, license apache-2.0)',
    url: 'https://huggingface.co/Qwen/Qwen3-Embedding-0.6B',
    date: 'released Jun 2025; read 2026-12-03',
  },
} as const satisfies Record<string, Source>;

export type SourceId = keyof typeof SOURCES;

/** A published value and where it was published. */
export interface Sourced<T> {
  value: T;
  source: SourceId;
}

/** Published facts about one alias; absent fields are unknown. */
export interface ModelCard {
  alias: string;
  /** Number of parameters. */
  params?: Sourced<number>;
  /** Published size of the fp32 weights, in bytes (decimal units as published). */
  weightsBytesFp32?: Sourced<number>;
  license?: Sourced<string>;
  /** Dimensions a Matryoshka model may be truncated to: the published range. */
  matryoshka?: Sourced<{ min: number; max: number }>;
  /** Context length the model card states (rag may cap its input lower; see aliases.ts). */
  contextTokens?: Sourced<number>;
  /** MTEB English retrieval average (BEIR subset, nDCG@10 × 100). */
  mtebEnRetrieval?: Sourced<number>;
  /** C-MTEB retrieval average (8 tasks, nDCG@10 × 100). */
  cmtebRetrieval?: Sourced<number>;
}

const MIT: Sourced<string> = { value: 'MIT', source: 'bge-license' };

const CARDS: readonly ModelCard[] = [
  {
    alias: 'bge-small-zh',
    params: { value: 24e6, source: 'bge-model-table' },
    weightsBytesFp32: { value: 95.8e6, source: 'bge-model-table' },
    license: MIT,
    cmtebRetrieval: { value: 61.77, source: 'bge-readme-cmteb' },
  },
  {
    alias: 'bge-base-zh',
    params: { value: 102e6, source: 'bge-model-table' },
    weightsBytesFp32: { value: 409e6, source: 'bge-model-table' },
    license: MIT,
    cmtebRetrieval: { value: 69.49, source: 'bge-readme-cmteb' },
  },
  {
    alias: 'bge-large-zh',
    params: { value: 326e6, source: 'bge-model-table' },
    weightsBytesFp32: { value: 1.3e9, source: 'bge-model-table' },
    license: MIT,
    cmtebRetrieval: { value: 70.46, source: 'bge-readme-cmteb' },
  },
  {
    alias: 'bge-small-en',
    params: { value: 33.4e6, source: 'bge-model-table' },
    weightsBytesFp32: { value: 133e6, source: 'bge-model-table' },
    license: MIT,
    mtebEnRetrieval: { value: 51.68, source: 'bge-readme-mteb' },
  },
  {
    alias: 'bge-base-en',
    params: { value: 109e6, source: 'bge-model-table' },
    weightsBytesFp32: { value: 438e6, source: 'bge-model-table' },
    license: MIT,
    mtebEnRetrieval: { value: 53.25, source: 'bge-readme-mteb' },
  },
  {
    alias: 'bge-large-en',
    params: { value: 335e6, source: 'bge-model-table' },
    weightsBytesFp32: { value: 1.34e9, source: 'bge-model-table' },
    license: MIT,
    mtebEnRetrieval: { value: 54.29, source: 'bge-readme-mteb' },
  },
  { alias: 'multilingual-e5-small', cmtebRetrieval: { value: 59.95, source: 'bge-readme-cmteb' } },
  { alias: 'multilingual-e5-base', cmtebRetrieval: { value: 61.63, source: 'bge-readme-cmteb' } },
  { alias: 'multilingual-e5-large', cmtebRetrieval: { value: 63.66, source: 'bge-readme-cmteb' } },
  {
    alias: 'Qwen3-Embedding-0.6B',
    params: { value: 0.6e9, source: 'qwen3-embedding-card' },
    license: { value: 'Apache-2.0', source: 'qwen3-embedding-card' },
    matryoshka: { value: { min: 32, max: 1024 }, source: 'qwen3-embedding-card' },
    contextTokens: { value: 32_768, source: 'qwen3-embedding-card' },
  },
];

/** The card of an alias (case-insensitive); an empty card when nothing is published here. */
export function modelCard(alias: string): ModelCard {
  const wanted = alias.toLowerCase();
  const card = CARDS.find((c) => c.alias.toLowerCase() === wanted);
  return card === undefined ? { alias } : structuredClone(card);
}

/** Every card with at least one published fact. */
export function modelCards(): ModelCard[] {
  return CARDS.map((c) => structuredClone(c));
}

/** Bytes per weight of the dtypes rag loads (`--dtype`). */
export const BYTES_PER_WEIGHT = { fp32: 4, fp16: 2, q8: 1, q4: 0.5 } as const;
export type WeightDtype = keyof typeof BYTES_PER_WEIGHT;

/** Size of the weights in one dtype: published (fp32) where known, else parameters × bytes per weight. */
export interface WeightSize {
  bytes: number;
  /** true: computed from the parameter count (embeddings and quantization scales make real files differ a little). */
  estimated: boolean;
}

/** Weights size per dtype, or undefined without a parameter count (and no published size). */
export function weightSizes(card: ModelCard): Partial<Record<WeightDtype, WeightSize>> {
  const out: Partial<Record<WeightDtype, WeightSize>> = {};
  for (const dtype of Object.keys(BYTES_PER_WEIGHT) as WeightDtype[]) {
    if (dtype === 'fp32' && card.weightsBytesFp32 !== undefined) {
      out.fp32 = { bytes: card.weightsBytesFp32.value, estimated: false };
    } else if (card.params !== undefined) {
      out[dtype] = { bytes: card.params.value * BYTES_PER_WEIGHT[dtype], estimated: true };
    }
  }
  return out;
}
