/**
 * The command-line wording of library errors. Library RagErrors say what to do in library terms
 * (they are API, used without the CLI too, and stay English); here, and only here, an error code
 * plus its `details` becomes advice naming `rag` commands and flags, in the CLI's language
 * (src/cli/i18n). An error with no entry prints as the library worded it.
 */
import type { RagError } from '../errors.js';
import type { CliLocale } from './i18n/locale.js';
import { t, type MessageKey } from './i18n/messages.js';

/** What the CLI prints for an error: `summary` then, when there is one, `; hint`. */
export interface CliWording {
  summary: string;
  hint: string | undefined;
}

type Advice = (error: RagError, d: Readonly<Record<string, string | number>>, locale: CliLocale) => CliWording | undefined;

const ADVICE: Partial<Record<RagError['code'], Advice>> = {
  'index-missing': (_e, d, l) => (d['location'] === undefined ? undefined : { summary: t('index-missing.summary', d, l), hint: undefined }),
  'index-empty': (e, d, l) => ({ summary: d['location'] === undefined ? e.summary : t('index-empty.summary', d, l), hint: t('index-empty.hint', {}, l) }),
  'index-damaged': (e, d, l) => (d['location'] === undefined ? undefined : { summary: e.summary, hint: t('index-damaged.hint', d, l) }),
  'model-unknown': (_e, d, l) => {
    if (d['spec'] === undefined) return undefined;
    const names = String(d['suggestions'] ?? '');
    const suggestion = names === '' ? '' : t('model-unknown.suggestion', { names }, l);
    return { summary: t('model-unknown.summary', d, l), hint: t('model-unknown.hint', { suggestion }, l) };
  },
  'model-mismatch': (e, d, l) => {
    if (d['location'] === undefined) return undefined;
    const values = { location: d['location'], built: d['builtModel'] ?? d['builtFold'] ?? '', wanted: d['wantedModel'] ?? d['wantedFold'] ?? '' };
    switch (d['reason']) {
      case 'model':
        return { summary: t('model-mismatch.model.summary', values, l), hint: t('model-mismatch.model.hint', values, l) };
      case 'settings':
        return { summary: e.summary, hint: t('model-mismatch.settings.hint', values, l) };
      case 'script-fold':
        return { summary: t('model-mismatch.script-fold.summary', values, l), hint: t('model-mismatch.script-fold.hint', values, l) };
      default:
        return undefined;
    }
  },
  'cache-unusable': (e, d, l) => (d['file'] === undefined ? undefined : { summary: e.summary, hint: t('cache-unusable.hint', {}, l) }),
  'chunking-mismatch': (_e, d, l) => {
    if (d['location'] === undefined || d['chunkSize'] === undefined) return undefined;
    const unit = d['lengthUnit'] === undefined ? '' : ` --chunk-unit ${d['lengthUnit']}`;
    return {
      summary: t('chunking-mismatch.summary', { location: d['location'], size: d['chunkSize'], overlap: d['chunkOverlap'] ?? '', unit }, l),
      hint: t('chunking-mismatch.hint', {}, l),
    };
  },
};

/**
 * Advice chosen by `details.advice` rather than by code (many errors share `usage`): the CLI
 * message for the summary and for the hint. An absent summary keeps the library's summary; an
 * absent hint keeps the library's hint, `null` drops it (the CLI summary says it all).
 */
const KEYED: Readonly<Record<string, { summary?: MessageKey; hint?: MessageKey | null }>> = {
  'chunk-size': { summary: 'advice.chunk-size.summary' },
  'chunk-overlap': { summary: 'advice.chunk-overlap.summary' },
  'chunk-overlap-size': { summary: 'advice.chunk-overlap-size.summary' },
  'negative-range': { summary: 'advice.negative-range.summary' },
  'test-fraction': { summary: 'advice.test-fraction.summary' },
  'chat-model-unknown': { hint: 'advice.chat-model-unknown.hint' },
  'reranker-unknown': { hint: 'advice.reranker-unknown.hint' },
  'segment-field-invalid': { summary: 'advice.segment-field-invalid.summary', hint: null },
  'segment-field-absent': { summary: 'advice.segment-field-absent.summary', hint: null },
  'baseline-missing': { summary: 'advice.baseline-missing.summary', hint: null },
  'duplicate-document': { summary: 'advice.duplicate-document.summary', hint: null },
  'encoding-undecodable': { hint: 'advice.encoding-undecodable.hint' },
  'encoding-closest': { hint: 'advice.encoding-closest.hint' },
  'encoding-forced-wrong': { summary: 'advice.encoding-forced-wrong.summary', hint: 'advice.encoding-forced-wrong.hint' },
  'encoding-utf16-dataset': { summary: 'advice.encoding-utf16-dataset.summary', hint: null },
  'adapter-index-stale': { hint: 'advice.adapter-index-stale.hint' },
  'adapter-not-in-postgres': { hint: 'advice.adapter-not-in-postgres.hint' },
  'adapter-index-model': { hint: 'advice.adapter-index-model.hint' },
  'adapter-make': { hint: 'advice.adapter-make.hint' },
  'adapter-retrain': { hint: 'advice.adapter-retrain.hint' },
  'adapter-make-file': { hint: 'advice.adapter-make-file.hint' },
  'adapter-model': { hint: 'advice.adapter-model.hint' },
  'split-empty': { summary: 'advice.split-empty.summary', hint: null },
  'split-file-simple': { summary: 'advice.split-file-simple.summary', hint: null },
  'out-taken': { hint: 'advice.out-taken.hint' },
  'rerank-endpoint-missing': { hint: 'advice.rerank-endpoint-missing.hint' },
  'eval-adapter-model': { summary: 'advice.eval-adapter-model.summary', hint: 'advice.eval-adapter-model.hint' },
  'explain-run-missing': { summary: 'advice.explain-run-missing.summary' },
  'explain-run-ambiguous': { summary: 'advice.explain-run-ambiguous.summary' },
  'min-format': { summary: 'advice.min-format.summary' },
  'min-value': { summary: 'advice.min-value.summary' },
  'max-drop': { summary: 'advice.max-drop.summary' },
  'gate-metric-k': { summary: 'advice.gate-metric-k.summary' },
  'equivalence-margin': { summary: 'advice.equivalence-margin.summary' },
  'correction-unknown': { summary: 'advice.correction-unknown.summary' },
  'dimensions-invalid': { summary: 'advice.dimensions-invalid.summary' },
  'dimensions-too-large': { summary: 'advice.dimensions-too-large.summary', hint: 'advice.dimensions-too-large.hint' },
  'variants-need-memory': { summary: 'advice.variants-need-memory.summary', hint: 'advice.variants-need-memory.hint' },
  'count-invalid': { summary: 'advice.count-invalid.summary' },
  'querygen-source': { summary: 'advice.querygen-source.summary' },
  'querygen-out-judged': { summary: 'advice.querygen-out-judged.summary', hint: 'advice.querygen-out-judged.hint' },
  'prompt-slot': { summary: 'advice.prompt-slot.summary' },
  'label-needs-beir': { summary: 'advice.label-needs-beir.summary', hint: 'advice.label-needs-beir.hint' },
  'pg-url-invalid': { summary: 'advice.pg-url-invalid.summary' },
  'pg-param-unknown': { summary: 'advice.pg-param-unknown.summary' },
  'pg-table-invalid': { summary: 'advice.pg-table-invalid.summary' },
  'pg-sslmode': { summary: 'advice.pg-sslmode.summary' },
  'pg-port': { summary: 'advice.pg-port.summary' },
  'pg-timeout': { summary: 'advice.pg-timeout.summary' },
  'pg-range': { summary: 'advice.pg-range.summary' },
  'pg-ef-construction': { summary: 'advice.pg-ef-construction.summary' },
  'pg-tls-sslrootcert': { summary: 'advice.pg-tls-sslrootcert.summary' },
  'pg-tls-sslcert': { summary: 'advice.pg-tls-sslcert.summary' },
  'pg-tls-sslkey': { summary: 'advice.pg-tls-sslkey.summary' },
  'pg-locked': { summary: 'advice.pg-locked.summary' },
  'index-folder-foreign': { summary: 'advice.index-folder-foreign.summary' },
  'hub-failure-mirror': { summary: 'advice.hub-failure-mirror.summary' },
  'hub-failure-endpoint': { summary: 'advice.hub-failure-endpoint.summary' },
  'reranker-hub-failure-mirror': { summary: 'advice.reranker-hub-failure-mirror.summary' },
  'reranker-hub-failure-endpoint': { summary: 'advice.reranker-hub-failure-endpoint.summary' },
  'model-offline-missing': { summary: 'advice.model-offline-missing.summary', hint: 'advice.model-offline-missing.hint' },
  'reranker-offline-missing': { summary: 'advice.reranker-offline-missing.summary', hint: 'advice.reranker-offline-missing.hint' },
  'reranker-not-cross-encoder': { hint: 'advice.reranker-not-cross-encoder.hint' },
  'cache-locked': { hint: 'advice.cache-locked.hint' },
  'cache-writable': { hint: 'advice.cache-writable.hint' },
  'model-folder-changed': { hint: 'advice.model-folder-changed.hint' },
  'local-model-unplaced': { hint: 'advice.local-model-unplaced.hint' },
  'local-model-moved': { hint: 'advice.local-model-moved.hint' },
  'model-folder-incomplete': { summary: 'advice.model-folder-incomplete.summary' },
  'model-folder-incomplete-dtype': { summary: 'advice.model-folder-incomplete-dtype.summary' },
  'model-dimensions-range': { summary: 'advice.model-dimensions-range.summary' },
  'dimensions-unsupported': { summary: 'advice.dimensions-unsupported.summary' },
  'pooling-missing': { hint: 'advice.pooling-missing.hint' },
  'rerank-unreachable': { hint: 'advice.rerank-unreachable.hint' },
  'chat-unreachable': { hint: 'advice.chat-unreachable.hint' },
  'endpoint-mismatch': { hint: 'advice.endpoint-mismatch.hint' },
  'document-unknown': { summary: 'advice.document-unknown.summary', hint: 'advice.document-unknown.hint' },
  'document-unknown-near': { summary: 'advice.document-unknown.summary', hint: 'advice.document-unknown-near.hint' },
  'pg-no-tls': { summary: 'advice.pg-no-tls.summary' },
};

function keyedWording(error: RagError, locale: CliLocale): CliWording | undefined {
  const name = error.details['advice'];
  const entry = name === undefined ? undefined : KEYED[String(name)];
  if (entry === undefined) return undefined;
  const summary = entry.summary === undefined ? error.summary : t(entry.summary, error.details, locale);
  const hint = entry.hint === undefined ? error.hint : entry.hint === null ? undefined : t(entry.hint, error.details, locale);
  return { summary, hint };
}

/** How the CLI words `error` in `locale`: its own advice for the code when it has one, the library's words otherwise. */
export function cliWording(error: RagError, locale: CliLocale = 'en'): CliWording {
  return keyedWording(error, locale) ?? ADVICE[error.code]?.(error, error.details, locale) ?? { summary: error.summary, hint: error.hint };
}

/** The one line after `rag: `; Chinese joins what happened and what to do with a full-width semicolon. */
export function cliLine(wording: CliWording, locale: CliLocale = 'en'): string {
  if (wording.hint === undefined) return wording.summary;
  return locale === 'en' ? `${wording.summary}; ${wording.hint}` : `${wording.summary}；${wording.hint}`;
}
