/**
 * The rows of an evaluation, planned before anything runs: every model × chunking × mode ×
 * fusion × dimensions × precision × reranker combination is one row. Rows are grouped by
 * (model, chunking), the only axes that need their own index: a group is chunked and embedded
 * once and all its rows are scored from that one index (shorter and quantised vectors are made
 * from its full float vectors, fusion and reranking only reorder its rankings).
 */
import type { ModelChoice } from '../embed/open-model.js';
import { describeFusion, RRF_K, type Fusion } from '../retrieve/hybrid.js';
import type { RetrievalMode } from '../retrieve/types.js';
import type { Precision } from '../store/quantized.js';

/** The trade-off axes of `rag eval`, each a list; absent or empty lists keep today's single value. */
export interface EvalAxes {
  /** Chunk sizes (default: the model's default chunking). */
  chunkSizes?: readonly number[];
  /** Chunk overlaps (default: the model's default). */
  chunkOverlaps?: readonly number[];
  /** Matryoshka truncations of the stored vectors (default: the model's full dimension). */
  dimensions?: readonly number[];
  /** Vector precisions (default float32). */
  precisions?: readonly Precision[];
  /** Binary rows: how many Hamming candidates are rescored by float cosine (0 = none; default 0). */
  rescore?: readonly number[];
  /** Hybrid rows: how the two rankings are fused (default RRF, k = 60). */
  fusions?: readonly Fusion[];
  /** Reranker specs, `none` for no reranking (default none). */
  reranks?: readonly string[];
  /** First-stage results a reranker scores (default {@link DEFAULT_RERANK_DEPTH}). */
  rerankDepth?: number;
}

/** One row of the table: how one run retrieves from its group's index. */
export interface PlanRow {
  mode: RetrievalMode;
  /** Truncated dimension, or null for the model's full vectors. */
  dimensions: number | null;
  /** null for BM25 rows (no vectors). */
  precision: Precision | null;
  /** Binary rows: candidates rescored by float cosine (0 = Hamming order alone); null otherwise. */
  rescore: number | null;
  /** Hybrid rows only. */
  fusion: Fusion | null;
  /** A reranker spec, or null for none. */
  rerank: string | null;
  /** What this row adds to the model's name in the table (`+d=256+int8`), '' for a default row. */
  suffix: string;
}

/** One (model, chunking): one index, built once, and the rows scored from it. */
export interface PlanGroup {
  model: ModelChoice;
  /** undefined: the model's default. */
  chunkSize: number | undefined;
  chunkOverlap: number | undefined;
  /** `+chunk=512/64` when the plan sweeps chunking, else ''. */
  suffix: string;
  rows: PlanRow[];
}

/** The groups and rows, in the order they run (model, chunking, mode, fusion, dimensions, precision, reranker). */
export function planEval(models: readonly ModelChoice[], modes: readonly RetrievalMode[], axes: EvalAxes = {}): PlanGroup[] {
  const list = <T>(values: readonly T[] | undefined, fallback: T): T[] => (values?.length ? [...new Set(values)] : [fallback]);
  const sizes = list<number | undefined>(axes.chunkSizes, undefined);
  const overlaps = list<number | undefined>(axes.chunkOverlaps, undefined);
  const dims = list<number | null>(axes.dimensions, null);
  const precisions = list<Precision>(axes.precisions, 'float32');
  const rescores = list(axes.rescore, 0);
  const fusions = uniqueFusions(axes.fusions);
  const reranks = list<string | null>(axes.reranks?.map((r) => (r === 'none' ? null : r)), null);
  const sweepsChunking = sizes.length > 1 || overlaps.length > 1;
  const groups: PlanGroup[] = [];
  for (const model of models) {
    for (const chunkSize of sizes) {
      for (const chunkOverlap of overlaps) {
        const rows: PlanRow[] = [];
        for (const mode of modes) {
          const vectors = mode !== 'bm25';
          for (const fusion of mode === 'hybrid' ? fusions : [null]) {
            for (const d of vectors ? dims : [null]) {
              for (const precision of vectors ? precisions : [null]) {
                for (const rescore of precision === 'binary' ? rescores : [null]) {
                  for (const rerank of reranks) {
                    const parts = [
                      d === null ? '' : `+d=${d}`,
                      precision === null || precision === 'float32' ? '' : `+${precision}`,
                      rescore ? `+rescore=${rescore}` : '',
                      fusion === null || (fusions.length === 1 && isDefaultFusion(fusion)) ? '' : fusion.method === 'rrf' ? `+rrf-k=${fusion.k}` : `+convex-alpha=${fusion.alpha}`,
                      rerank === null ? '' : `+rerank=${rerank}`,
                    ];
                    rows.push({ mode, dimensions: d, precision, rescore, fusion, rerank, suffix: parts.join('') });
                  }
                }
              }
            }
          }
        }
        const suffix = sweepsChunking ? `+chunk=${chunkSize ?? 'default'}/${chunkOverlap ?? 'default'}` : '';
        groups.push({ model, chunkSize, chunkOverlap, suffix, rows });
      }
    }
  }
  return groups;
}

function isDefaultFusion(fusion: Fusion): boolean {
  return fusion.method === 'rrf' && fusion.k === RRF_K;
}

function uniqueFusions(fusions: readonly Fusion[] | undefined): Fusion[] {
  if (!fusions?.length) return [{ method: 'rrf', k: RRF_K }];
  const seen = new Map<string, Fusion>();
  for (const f of fusions) seen.set(describeFusion(f), f);
  return [...seen.values()];
}

/** Rows in the whole plan. */
export function planRowCount(groups: readonly PlanGroup[]): number {
  return groups.reduce((n, g) => n + g.rows.length, 0);
}

/** The values once each, in first-seen order (`--mode dense,dense` is one run). */
export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
