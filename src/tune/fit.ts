/**
 * Fitting a linear query adapter W (d×d, column-major, initialised to the identity) with an
 * in-batch contrastive loss (InfoNCE): for query q, u = Wq/|Wq| should score its positive p above
 * its hard negatives and the other queries' positives in the batch,
 *   loss = −log softmax_c(u·c / τ)[p].
 * Adam, with a pull of strength `weightDecay` back toward the identity, and early stopping on a
 * caller-given score (held-out nDCG@10): the matrix kept is the best epoch's, the identity when no
 * epoch beat it. Only the columns of W where a query is non-zero get a gradient, so sparse `hash`
 * queries update a few columns per step and a dense model's 384 dimensions update all.
 */
import { seededRandom } from '../random.js';
import { identityMatrix } from '../embed/query-adapter.js';
import { addRow, dotRow, type VectorRow } from './corpus.js';

export interface FitExample {
  query: Float32Array;
  /** Positives (one is used per epoch, in turn). */
  positives: VectorRow[];
  negatives: VectorRow[];
  /** Keys of every document relevant to the query: another query's positive with one of these is not a negative. */
  relevantKeys: ReadonlySet<number>;
  /** Keys of `positives`, parallel to it. */
  positiveKeys: number[];
}

export interface FitOptions {
  epochs: number;
  learningRate: number;
  temperature: number;
  batchSize: number;
  /** Epochs without improvement before stopping. */
  patience: number;
  weightDecay: number;
  seed: number;
  /** Scores a matrix (higher is better); called on the identity first, then after each epoch. */
  score: (matrix: Float32Array) => number;
  onEpoch?: (e: EpochReport) => void;
}

export { DEFAULT_FIT } from './defaults.js';

export interface EpochReport {
  epoch: number;
  loss: number;
  score: number;
  best: boolean;
}

export interface FitResult {
  matrix: Float32Array;
  /** Score of the identity (the plain model). */
  initialScore: number;
  bestScore: number;
  /** 0 when no epoch beat the identity. */
  bestEpoch: number;
  epochs: EpochReport[];
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

export function fitAdapter(dimension: number, examples: readonly FitExample[], options: FitOptions): FitResult {
  const d = dimension;
  const W = identityMatrix(d);
  const m = new Map<number, Float32Array>();
  const v = new Map<number, Float32Array>();
  const random = seededRandom(options.seed);
  const initialScore = options.score(W);
  let best = { matrix: W.slice(), score: initialScore, epoch: 0 };
  const epochs: EpochReport[] = [];
  let step = 0;
  let stale = 0;
  const order = examples.map((_, i) => i);
  const a = new Float32Array(d);
  const gu = new Float32Array(d);
  for (let epoch = 1; epoch <= options.epochs && examples.length > 0; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let lossSum = 0;
    for (let start = 0; start < order.length; start += options.batchSize) {
      const batch = order.slice(start, start + options.batchSize).map((i) => examples[i]!);
      const pos = batch.map((e) => e.positives[(epoch - 1) % e.positives.length]!);
      const posKey = batch.map((e) => e.positiveKeys[(epoch - 1) % e.positives.length]!);
      const grads = new Map<number, Float32Array>();
      batch.forEach((e, bi) => {
        // a = W q over q's non-zero entries
        a.fill(0);
        const q = e.query;
        for (let j = 0; j < d; j++) {
          const x = q[j]!;
          if (x === 0) continue;
          const base = j * d;
          for (let r = 0; r < d; r++) a[r]! += x * W[base + r]!;
        }
        let norm = 0;
        for (let r = 0; r < d; r++) norm += a[r]! * a[r]!;
        norm = Math.sqrt(norm);
        if (norm === 0) return;
        for (let r = 0; r < d; r++) a[r]! /= norm; // a is now u
        const candidates: VectorRow[] = [pos[bi]!, ...e.negatives];
        pos.forEach((p, k) => {
          if (k !== bi && !e.relevantKeys.has(posKey[k]!)) candidates.push(p);
        });
        const logits = candidates.map((c) => dotRow(a, c) / options.temperature);
        const max = Math.max(...logits);
        const exps = logits.map((l) => Math.exp(l - max));
        const z = exps.reduce((s, x) => s + x, 0);
        lossSum += -(logits[0]! - max - Math.log(z));
        gu.fill(0);
        candidates.forEach((c, ci) => addRow(gu, c, (exps[ci]! / z - (ci === 0 ? 1 : 0)) / options.temperature));
        // Through the normalisation: g_a = (g_u − (g_u·u) u) / |a|
        let dotGu = 0;
        for (let r = 0; r < d; r++) dotGu += gu[r]! * a[r]!;
        // Also averaged over the batch here, once, instead of per column below.
        const scale = 1 / (norm * batch.length);
        for (let r = 0; r < d; r++) gu[r] = (gu[r]! - dotGu * a[r]!) * scale;
        for (let j = 0; j < d; j++) {
          const x = q[j]!;
          if (x === 0) continue;
          let g = grads.get(j);
          if (g === undefined) {
            g = new Float32Array(d);
            grads.set(j, g);
          }
          for (let r = 0; r < d; r++) g[r]! += x * gu[r]!;
        }
      });
      step++;
      const c1 = 1 - BETA1 ** step;
      const c2 = 1 - BETA2 ** step;
      for (const [j, g] of grads) {
        let mj = m.get(j);
        let vj = v.get(j);
        if (mj === undefined || vj === undefined) {
          mj = new Float32Array(d);
          vj = new Float32Array(d);
          m.set(j, mj);
          v.set(j, vj);
        }
        const base = j * d;
        for (let r = 0; r < d; r++) {
          const gr = g[r]! + options.weightDecay * (W[base + r]! - (r === j ? 1 : 0));
          mj[r] = BETA1 * mj[r]! + (1 - BETA1) * gr;
          vj[r] = BETA2 * vj[r]! + (1 - BETA2) * gr * gr;
          W[base + r]! -= (options.learningRate * (mj[r]! / c1)) / (Math.sqrt(vj[r]! / c2) + EPS);
        }
      }
    }
    const score = options.score(W);
    const improved = score > best.score + 1e-9;
    if (improved) {
      best = { matrix: W.slice(), score, epoch };
      stale = 0;
    } else {
      stale++;
    }
    const report = { epoch, loss: lossSum / examples.length, score, best: improved };
    epochs.push(report);
    options.onEpoch?.(report);
    if (stale >= options.patience) break;
  }
  return { matrix: best.matrix, initialScore, bestScore: best.score, bestEpoch: best.epoch, epochs };
}
