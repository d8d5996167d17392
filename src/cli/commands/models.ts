import { SOURCES } from '../../embed/model-cards.js';
import type { ModelCard, Sourced, SourceId, WeightSize } from '../../embed/model-cards.js';
import { shortlist } from '../../embed/shortlist.js';
import type { ShortlistEntry } from '../../embed/shortlist.js';
import { shortlistFiltersFrom } from '../shortlist-options.js';
import type { ShortlistFlags } from '../shortlist-options.js';
import { displayWidth as width } from '../i18n/localize-help.js';
import { o, type OutputKey } from '../i18n/output-messages.js';
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
    process.stdout.write(`${o('models.none')}\n`);
    return;
  }
  const rows = models.map((m) => (opts.details ? detailRow(m) : shortRow(m)));
  const header = (opts.details ? DETAIL_HEADER : SHORT_HEADER).map((key) => o(`models.col.${key}`));
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]!))));
  const right = new Set(opts.details ? [] : [2, 3, 4, 5, 6, 9, 10]);
  const line = (cells: string[]) =>
    cells.map((c, i) => (right.has(i) ? ' '.repeat(widths[i]! - width(c)) + c : c + ' '.repeat(widths[i]! - width(c)))).join('  ').trimEnd();
  process.stdout.write(`${out.bold(line(header))}\n${rows.map(line).join('\n')}\n`);
  const notes: string[] = [];
  if (!opts.details) {
    notes.push(o('models.note.scores'));
    notes.push(o('models.note.weights'));
    const ids = [...new Set(models.flatMap((m) => cardSources(m.card)))];
    for (const id of ids) {
      const s = SOURCES[id];
      notes.push(`[${id}] ${s.title}, ${s.url} (${s.date})`);
    }
  }
  notes.push(o('models.note.also'));
  process.stdout.write(out.dim(`\n${notes.join('\n')}\n`));
}

type Column = OutputKey extends infer K ? (K extends `models.col.${infer C}` ? C : never) : never;

const SHORT_HEADER: readonly Column[] = ['alias', 'provider', 'params', 'fp32', 'q8', 'dim', 'max-tokens', 'languages', 'licence', 'mteb-en', 'cmteb'];
const DETAIL_HEADER: readonly Column[] = ['alias', 'provider', 'id', 'pooling', 'query-prefix', 'passage-prefix', 'dim', 'max-tokens', 'languages'];

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
    m.maxTokens > 0 ? String(m.maxTokens) + (c.contextTokens !== undefined && c.contextTokens.value > m.maxTokens ? o('models.context', { tokens: c.contextTokens.value }) : '') : '-',
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
    m.hubId || o('models.built-in'),
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
