/**
 * Batch planning for encoder models. A batch is padded to its longest input, so inputs are
 * sorted by length first: similar lengths share a batch and little compute goes to padding.
 */

export interface BatchLimits {
  /** Most inputs per batch. */
  maxBatchSize: number;
  /**
   * Most padded tokens per batch (rows × longest row). Attention cost grows with the square of
   * the length, so long inputs go in smaller batches.
   */
  maxBatchTokens: number;
}

/** Limits for a model whose layer widths are unknown. */
export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxBatchSize: 32, maxBatchTokens: 16_384 };

/**
 * Bytes the widest activation of one layer (tokens × FFN width × 4) may take in a batch.
 *
 * Why a budget in bytes: on CPU a batch is fastest when a layer's activations stay in the
 * last-level cache. Measured on a 2-core Zen 3 (32 MB L3), random-weight models of bge-small-zh's
 * and bge-base-zh's shapes embedded 1.4–1.6× more tokens per second with batches of ≤ 1,024
 * tokens than with 32 rows of up to 16,384 tokens (BENCHMARKS §7b), while a 1-layer, 128-wide
 * model ran best with larger batches, where per-operator overhead dominates. 8 MiB gives 1,024
 * tokens for bge-small's FFN of 2,048 and 682 for bge-base's 3,072.
 */
export const BATCH_ACTIVATION_BYTES = 8 * 1024 * 1024;

/** Batch limits sized to a model's widest layer (`intermediate_size`, else `hidden_size`). */
export function batchLimitsForWidth(width: number | undefined): BatchLimits {
  if (width === undefined || !Number.isFinite(width) || width < 1) return DEFAULT_BATCH_LIMITS;
  const tokens = Math.floor(BATCH_ACTIVATION_BYTES / (4 * width));
  return { maxBatchSize: DEFAULT_BATCH_LIMITS.maxBatchSize, maxBatchTokens: Math.min(DEFAULT_BATCH_LIMITS.maxBatchTokens, Math.max(512, tokens)) };
}

/**
 * Groups input indices into batches, longest first (so a too-large batch shows up at once,
 * not at the end of a long run). Every index appears exactly once; a single input longer than
 * `maxBatchTokens` gets a batch of its own. Ties keep input order, so plans are deterministic.
 */
export function planBatches(lengths: readonly number[], limits: BatchLimits = DEFAULT_BATCH_LIMITS): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  let currentLongest = 0;
  for (const index of order) {
    const length = lengths[index]!;
    const longest = Math.max(currentLongest, length);
    const fits = current.length < limits.maxBatchSize && longest * (current.length + 1) <= limits.maxBatchTokens;
    if (current.length > 0 && !fits) {
      batches.push(current);
      current = [];
      currentLongest = 0;
    }
    current.push(index);
    currentLongest = Math.max(currentLongest, length);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** A padded batch ready to become int64 tensors. */
export interface PaddedBatch {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  rows: number;
  seq: number;
}

/**
 * Pads token id rows to the longest one. Left padding is what decoder embedders
 * (Qwen3-Embedding) are trained with; encoders use right padding.
 */
export function padBatch(rows: readonly (readonly number[])[], padId: number, side: 'left' | 'right'): PaddedBatch {
  const seq = rows.reduce((m, r) => Math.max(m, r.length), 0);
  const inputIds = new BigInt64Array(rows.length * seq).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(rows.length * seq);
  rows.forEach((row, r) => {
    const start = r * seq + (side === 'left' ? seq - row.length : 0);
    for (let i = 0; i < row.length; i++) {
      inputIds[start + i] = BigInt(row[i]!);
      attentionMask[start + i] = 1n;
    }
  });
  return { inputIds, attentionMask, rows: rows.length, seq };
}
