/**
 * `rag models` as a shortlist: the registry's aliases joined with their published model cards,
 * filtered and sorted. Pure data, shared by `rag models` and `rag eval --shortlist`.
 */
import { RagError } from '../errors.js';
import { listModels } from './aliases.js';
import type { ModelEntry } from './aliases.js';
import { modelCard, weightSizes } from './model-cards.js';
import type { ModelCard, WeightDtype, WeightSize } from './model-cards.js';

export const SHORTLIST_SORTS = ['cmteb', 'mteb', 'params', 'dim', 'alias'] as const;
export type ShortlistSort = (typeof SHORTLIST_SORTS)[number];

/** Filters of {@link shortlist}; all optional, all must hold. */
export interface ShortlistFilters {
  /** Language code (`zh`, `en`): models listing it, and multilingual ones. */
  lang?: string;
  /** At most this many parameters; models with no published count are left out. */
  maxParams?: number;
  /** Output dimension at most this, counting Matryoshka models that can be truncated to it. */
  maxDim?: number;
  /** rag's input limit at least this many tokens. */
  minTokens?: number;
  provider?: ModelEntry['provider'];
  /** `cmteb`/`mteb`: best score first; `params`/`dim`: smallest first; unknown values last. Default: registry order. */
  sort?: ShortlistSort;
}

/** One shortlisted model: how rag runs it, what is published about it, its weights per dtype. */
export interface ShortlistEntry extends ModelEntry {
  card: ModelCard;
  weights: Partial<Record<WeightDtype, WeightSize>>;
}

/** Parses `500M`, `0.5B`, `1.5b`, `24000000` into a parameter count. */
export function parseParamCount(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmb]?)\s*$/i.exec(text);
  if (!m) throw new RagError('usage', `invalid parameter count "${text}": expected e.g. 500M, 1.5B or 24000000`);
  const scale = { '': 1, k: 1e3, m: 1e6, b: 1e9 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'b'];
  return Number(m[1]) * scale;
}

function speaks(entry: ModelEntry, lang: string): boolean {
  const wanted = lang.trim().toLowerCase();
  return entry.languages.some((l) => l.toLowerCase() === wanted || l.toLowerCase().startsWith('multilingual'));
}

function fitsDim(entry: ShortlistEntry, maxDim: number): boolean {
  if (entry.dimension <= maxDim) return true;
  const mrl = entry.card.matryoshka?.value;
  return entry.matryoshka === true && mrl !== undefined && mrl.min <= maxDim;
}

type SortKey = (e: ShortlistEntry) => number | undefined;
const SORT_KEYS: Record<Exclude<ShortlistSort, 'alias'>, { key: SortKey; descending: boolean }> = {
  cmteb: { key: (e) => e.card.cmtebRetrieval?.value, descending: true },
  mteb: { key: (e) => e.card.mtebEnRetrieval?.value, descending: true },
  params: { key: (e) => e.card.params?.value, descending: false },
  dim: { key: (e) => e.dimension, descending: false },
};

/** The registry's models that pass every filter, sorted. */
export function shortlist(filters: ShortlistFilters = {}): ShortlistEntry[] {
  let entries: ShortlistEntry[] = listModels().map((m) => {
    const card = modelCard(m.alias);
    return { ...m, card, weights: weightSizes(card) };
  });
  if (filters.lang !== undefined) entries = entries.filter((e) => speaks(e, filters.lang!));
  if (filters.maxParams !== undefined) entries = entries.filter((e) => e.card.params !== undefined && e.card.params.value <= filters.maxParams!);
  if (filters.maxDim !== undefined) entries = entries.filter((e) => fitsDim(e, filters.maxDim!));
  if (filters.minTokens !== undefined) entries = entries.filter((e) => e.maxTokens >= filters.minTokens!);
  if (filters.provider !== undefined) entries = entries.filter((e) => e.provider === filters.provider);
  const sort = filters.sort;
  if (sort === 'alias') entries.sort((a, b) => a.alias.localeCompare(b.alias));
  else if (sort !== undefined) {
    const { key, descending } = SORT_KEYS[sort];
    // Stable sort: equal or unknown values keep registry order; unknown always last.
    entries = entries
      .map((e, i) => ({ e, i, v: key(e) }))
      .sort((x, y) => {
        if (x.v === undefined || y.v === undefined) return (x.v === undefined ? 1 : 0) - (y.v === undefined ? 1 : 0) || x.i - y.i;
        return (descending ? y.v - x.v : x.v - y.v) || x.i - y.i;
      })
      .map((x) => x.e);
  }
  return entries;
}
