import { SOURCES } from '../../embed/model-cards.js';
import type { ModelCard, Sourced, SourceId, WeightSize } from '../../embed/model-cards.js';
import { shortlist } from '../../embed/shortlist.js';
import type { ShortlistEntry } from '../../embed/shortlist.js';
import { shortlistFiltersFrom } from '../shortlist-options.js';
import type { ShortlistFlags } from '../shortlist-options.js';
import { out, printJson } from '../ui.js';

/** Version of the `rag models --json` document (`models[]` rows with `card`, `weights`, `sources`). */
const MODELS_JSON_VERSION = 2;

export interface ModelsCommandOptions extends ShortlistFlags {
  json?: boolean;
  details?: boolean;
}

export async function runModels(opts: ModelsCommandOptions): Promise<void> {
  const models = shortlist(shortlistFiltersFrom(opts));
  if (opts.json) {
    const used = new Set(models.flatMap((m) => cardSources(m.card)));
    printJson({ models, sources: Object.fromEntries(Object.entries(SOURCES).filter(([id]) => used.has(id as SourceId))) }, MODELS_JSON_VERSION);
    return;
  }
  if (models.length === 0) {
    process.stdout.write('no model matches these filters\n');
    return;
  }
  const rows = models.map((m) => (opts.details ? detailRow(m) : shortRow(m)));
  const header = opts.details ? DETAIL_HEADER : SHORT_HEADER;
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]!))));
  const right = new Set(opts.details ? [] : [2, 3, 4, 5, 6, 9, 10]);
  const line = (cells: string[]) =>
    cells.map((c, i) => (right.has(i) ? ' '.repeat(widths[i]! - width(c)) + c : c + ' '.repeat(widths[i]! - width(c)))).join('  ').trimEnd();
  process.stdout.write(`${out.bold(line(header))}\n${rows.map(line).join('\n')}\n`);
  const notes: string[] = [];
  if (!opts.details) {
    notes.push('Scores: retrieval nDCG@10 averages as published (MTEB English: 15 BEIR tasks; C-MTEB: 8 tasks); blank = not published in a source we cite.');
    notes.push('Weights: fp32 as published; ≈ = parameters × bytes per weight. Memory needs at least the weights of the --dtype you load, plus activations.');
    const ids = [...new Set(models.flatMap((m) => cardSources(m.card)))];
    for (const id of ids) {
      const s = SOURCES[id];
      notes.push(`[${id}] ${s.title}, ${s.url} (${s.date})`);
    }
  }
  notes.push('Also: hf:ORG/NAME (any transformers.js model), ./folder (local model), openai:MODEL, ollama:MODEL. --details for pooling and prefixes; evaluate a shortlist with rag eval --shortlist "FILTERS".');
  process.stdout.write(out.dim(`\n${notes.join('\n')}\n`));
}

const SHORT_HEADER = ['alias', 'provider', 'params', 'fp32', 'q8', 'dim', 'max tokens', 'languages', 'licence', 'MTEB-en ret', 'C-MTEB ret'];
const DETAIL_HEADER = ['alias', 'provider', 'id', 'pooling', 'query prefix', 'passage prefix', 'dim', 'max tokens', 'languages'];

function shortRow(m: ShortlistEntry): string[] {
  const c = m.card;
  const mrl = c.matryoshka?.value;
  return [
    m.alias,
    m.provider,
    c.params === undefined ? '' : fmtCount(c.params.value),
    fmtSize(m.weights.fp32),
    fmtSize(m.weights.q8),
    mrl === undefined ? String(m.dimension) : `${m.dimension} (${mrl.min}-${mrl.max})`,
    m.maxTokens > 0 ? String(m.maxTokens) + (c.contextTokens !== undefined && c.contextTokens.value > m.maxTokens ? ` (model ${c.contextTokens.value})` : '') : '-',
    m.languages.join(','),
    c.license?.value ?? '',
    c.mtebEnRetrieval?.value.toFixed(2) ?? '',
    c.cmtebRetrieval?.value.toFixed(2) ?? '',
  ];
}

function detailRow(m: ShortlistEntry): string[] {
  return [
    m.alias,
    m.provider,
    m.hubId || '(built in)',
    m.pooling,
    show(m.queryPrefix),
    show(m.passagePrefix),
    String(m.dimension),
    m.maxTokens > 0 ? String(m.maxTokens) : '-',
    m.languages.join(','),
  ];
}

/** Source ids a card cites. */
function cardSources(card: ModelCard): Array<keyof typeof SOURCES> {
  return Object.values(card)
    .filter((v): v is Sourced<unknown> => typeof v === 'object' && v !== null && 'source' in v)
    .map((v) => v.source);
}

function fmtCount(n: number): string {
  return n >= 1e9 ? `${+(n / 1e9).toFixed(2)}B` : `${+(n / 1e6).toFixed(1)}M`;
}

function fmtSize(w: WeightSize | undefined): string {
  if (w === undefined) return '';
  const text = w.bytes >= 1e9 ? `${+(w.bytes / 1e9).toFixed(2)} GB` : `${+(w.bytes / 1e6).toPrecision(3)} MB`;
  return w.estimated ? `≈${text}` : text;
}

function show(prefix: string): string {
  if (!prefix) return '-';
  const flat = JSON.stringify(prefix);
  return flat.length > 40 ? `${flat.slice(0, 39)}…` : flat;
}

/** Terminal columns: CJK characters take two. */
function width(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return w;
}
