import { Option, type Command } from 'commander';
import { RagError } from '../errors.js';
import { DEFAULT_ALPHA, FUSION_METHODS, RRF_K, type Fusion } from '../retrieve/hybrid.js';
import type { RetrievalMode } from '../retrieve/types.js';
import { nonNegativeInt, number } from './options.js';

export interface FusionFlags {
  fusion?: (typeof FUSION_METHODS)[number];
  rrfK?: number;
  alpha?: number;
}

/** --fusion, --rrf-k and --alpha: how hybrid mode combines its rankings. */
export function fusionOptions(command: Command): Command {
  return command
    .addOption(new Option('--fusion <method>', 'hybrid mode: rrf (reciprocal rank) or convex (weighted normalised scores)').choices(FUSION_METHODS))
    .option('--rrf-k <n>', `RRF constant k in 1 / (k + rank) (default ${RRF_K})`, nonNegativeInt)
    .option('--alpha <a>', `convex fusion: weight of the dense side in [0, 1] (default ${DEFAULT_ALPHA})`, number);
}

/** The fusion the flags ask for, or undefined for the default; contradictions are usage errors. */
export function fusionFrom(opts: FusionFlags, mode: RetrievalMode): Fusion | undefined {
  if (opts.fusion === undefined && opts.rrfK === undefined && opts.alpha === undefined) return undefined;
  const named = [opts.fusion && '--fusion', opts.rrfK !== undefined && '--rrf-k', opts.alpha !== undefined && '--alpha'].filter(Boolean).join(', ');
  if (mode !== 'hybrid') throw new RagError('usage', `${named} only apply to --mode hybrid, not ${mode}`, { hint: 'add --mode hybrid or drop them' });
  const method = opts.fusion ?? (opts.alpha !== undefined ? 'convex' : 'rrf');
  if (method === 'rrf') {
    if (opts.alpha !== undefined) throw new RagError('usage', '--alpha weighs convex fusion, not rrf', { hint: 'use --fusion convex, or --rrf-k for rrf' });
    return { method, k: opts.rrfK ?? RRF_K };
  }
  if (opts.rrfK !== undefined) throw new RagError('usage', '--rrf-k sets reciprocal-rank fusion, not convex', { hint: 'use --fusion rrf, or --alpha for convex' });
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  if (!(alpha >= 0 && alpha <= 1)) throw new RagError('usage', `--alpha must be between 0 and 1, not ${alpha}`, { hint: '0 is BM25 only, 1 dense only' });
  return { method, alpha };
}

/** Eval's fusion flags: each a list (`--fusion rrf,convex --rrf-k 10,60 --alpha 0.3,0.7`). */
export interface FusionListFlags {
  fusion?: string[];
  rrfK?: string[];
  alpha?: string[];
}

/**
 * Every fusion the list flags ask for: each RRF k with rrf, each α with convex; undefined for the
 * default. Each one is checked by {@link fusionFrom}, so `rag query` and `rag eval` agree.
 */
export function fusionListFrom(opts: FusionListFlags, modes: readonly RetrievalMode[]): Fusion[] | undefined {
  if (opts.fusion === undefined && opts.rrfK === undefined && opts.alpha === undefined) return undefined;
  const mode = modes.includes('hybrid') ? 'hybrid' : (modes[0] ?? 'dense');
  const numbers = (flag: string, values: string[] | undefined): number[] | undefined =>
    values?.map((v) => {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n)) throw new RagError('usage', `${flag} ${v}: expected a number`);
      return n;
    });
  const ks = numbers('--rrf-k', opts.rrfK);
  const alphas = numbers('--alpha', opts.alpha);
  for (const method of opts.fusion ?? []) {
    if (!(FUSION_METHODS as readonly string[]).includes(method)) throw new RagError('usage', `unknown --fusion "${method}"; use ${FUSION_METHODS.join(', ')}`);
  }
  const methods = opts.fusion?.length ? [...new Set(opts.fusion as Array<(typeof FUSION_METHODS)[number]>)] : [alphas !== undefined && ks === undefined ? 'convex' as const : 'rrf' as const];
  if (ks !== undefined && !methods.includes('rrf')) throw new RagError('usage', '--rrf-k sets reciprocal-rank fusion, not convex', { hint: 'add rrf to --fusion, or drop --rrf-k' });
  if (alphas !== undefined && !methods.includes('convex')) throw new RagError('usage', '--alpha weighs convex fusion, not rrf', { hint: 'add convex to --fusion, or drop --alpha' });
  const out: Fusion[] = [];
  for (const method of methods) {
    if (method === 'rrf') {
      for (const k of ks ?? [undefined]) {
        if (k !== undefined && !(Number.isInteger(k) && k >= 0)) throw new RagError('usage', `--rrf-k ${k}: expected an integer >= 0`);
        out.push(fusionFrom({ fusion: 'rrf', ...(k === undefined ? {} : { rrfK: k }) }, mode)!);
      }
    } else {
      for (const alpha of alphas ?? [undefined]) out.push(fusionFrom({ fusion: 'convex', ...(alpha === undefined ? {} : { alpha }) }, mode)!);
    }
  }
  return out;
}
