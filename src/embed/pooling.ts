/**
 * Pooling of token states into one vector per input, done here rather than by the
 * transformers.js pipeline so CLS, mean and last-token pooling are exact (the pipeline has no
 * last-token pooling) and always honour the attention mask.
 */
import type { Pooling } from '../model/model-info.js';

/** Token states of one batch: `data` is row-major [batch, seq, hidden]. */
export interface TokenStates {
  data: Float32Array;
  batch: number;
  seq: number;
  hidden: number;
}

/**
 * One vector per batch row. `mask` is [batch, seq] with 1 for real tokens (any padding side).
 * - `cls`: the first real token (BERT puts [CLS] there; with left padding it is not at index 0).
 * - `mean`: average of real tokens.
 * - `last_token`: the last real token (decoder embedders such as Qwen3-Embedding).
 * - `none`: the model already returns one vector per row; `data` is [batch, 1, hidden] or the
 *   first position is used.
 */
export function poolTokenStates(states: TokenStates, mask: ArrayLike<number | bigint>, pooling: Pooling): Float32Array[] {
  const { data, batch, seq, hidden } = states;
  // One conversion up front: reading a BigInt64Array element allocates a BigInt each time.
  const real = new Uint8Array(batch * seq);
  for (let i = 0; i < real.length; i++) real[i] = Number(mask[i]) === 0 ? 0 : 1;
  const out: Float32Array[] = [];
  const sum = new Float64Array(hidden);
  for (let b = 0; b < batch; b++) {
    const rowBase = b * seq;
    if (pooling === 'mean') {
      sum.fill(0);
      let count = 0;
      for (let s = 0; s < seq; s++) {
        if (real[rowBase + s] === 0) continue;
        count++;
        const offset = (rowBase + s) * hidden;
        for (let h = 0; h < hidden; h++) sum[h]! += data[offset + h]!;
      }
      const vector = new Float32Array(hidden);
      if (count > 0) for (let h = 0; h < hidden; h++) vector[h] = sum[h]! / count;
      out.push(vector);
    } else {
      const position = pooling === 'none' ? 0 : pickPosition(real, rowBase, seq, pooling === 'last_token');
      const offset = (rowBase + Math.max(position, 0)) * hidden;
      out.push(position >= 0 ? data.slice(offset, offset + hidden) : new Float32Array(hidden));
    }
  }
  return out;
}

function pickPosition(real: Uint8Array, rowBase: number, seq: number, last: boolean): number {
  if (last) {
    for (let s = seq - 1; s >= 0; s--) if (real[rowBase + s] === 1) return s;
  } else {
    for (let s = 0; s < seq; s++) if (real[rowBase + s] === 1) return s;
  }
  return -1;
}

/**
 * Keeps the first `dimensions` components (Matryoshka models) and scales to unit length in place
 * of a copy. A zero vector stays zero rather than turning into NaN.
 */
export function truncateAndNormalize(vector: Float32Array, dimensions: number | undefined, normalize: boolean): Float32Array {
  const v = dimensions !== undefined && dimensions < vector.length ? vector.slice(0, dimensions) : vector;
  if (!normalize) return v;
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

/**
 * Pooling declared by a sentence-transformers `1_Pooling/config.json`, or undefined when it
 * declares none we support (max pooling, weighted mean ...).
 */
export function poolingFromSentenceTransformers(config: unknown): Pooling | undefined {
  if (typeof config !== 'object' || config === null) return undefined;
  const c = config as Record<string, unknown>;
  if (c.pooling_mode_cls_token === true) return 'cls';
  if (c.pooling_mode_lasttoken === true) return 'last_token';
  if (c.pooling_mode_mean_tokens === true) return 'mean';
  return undefined;
}
