/**
 * Warnings and notes library code gives while it works (through `onEvent`, `onWarning` or a
 * result's `notices`): a stable `code` programs can switch on, the values behind it (`params`),
 * and one English sentence (`message`) that names no CLI flag. The CLI words the same warning in
 * the user's language, with its flags, from src/cli/i18n/notice-messages.ts.
 */
export type WarningParams = Readonly<Record<string, string | number>>;

/** English templates; `{name}` is filled from the params. */
export const WARNING_MESSAGES_EN = {
  'document-replaced': '{docId} from {origin} replaces the document of the same id ingested from {previous}',
  'pg-hnsw-settings':
    "{table} was created with hnsw_m={m} hnsw_ef_construction={efConstruction}; the URL's settings apply only to a new table (rebuild the index to apply them)",
  'pg-no-hnsw':
    '{table} has no HNSW index (made by a rag that did not index {dimension}-dimensional vectors): every dense query scans all chunks; rebuilding the index creates one',
  'dimensions-not-matryoshka':
    "{model} is not known to be Matryoshka-trained: its truncated rows ({dimensions} dimensions) may lose much more than a Matryoshka model's",
  'query-truncated': 'the query is {length} characters long; only its first {searched} are searched',
  'query-stop-words': 'the query has only stop words (or no words at all), so there is nothing to match; no results',
  'query-adapter': 'query adapter: {file} (made by the adapter tuner; pass adapter: false to search without it)',
  'eval-waiting': 'waiting for another evaluation using the {tables}* tables in {location} to finish',
  'cache-read-only': 'the embedding cache {file} is read-only; using the vectors it holds without adding any',
  'inspect-extracted': '{format} file: positions are in the text extracted from it',
  'inspect-file-gone': '{file} is gone or unreadable: positions are in the text as ingested',
  'inspect-file-changed': '{file} changed since it was ingested: positions are in the text as ingested (ingest it again)',
} as const;

export type WarningCode = keyof typeof WARNING_MESSAGES_EN;

export const WARNING_CODES = Object.keys(WARNING_MESSAGES_EN) as WarningCode[];

export interface RagWarning {
  code: WarningCode;
  params: WarningParams;
  /** The warning in English, one line. */
  message: string;
}

/**
 * Where a warning goes that has no caller's callback to go to (the embedding cache, opened deep
 * inside a model, learns late that it is read-only): stderr, as `note: <message>`, unless the
 * application takes them with {@link onUnroutedWarning} (the CLI does, to word them).
 */
let unrouted: (warning: RagWarning) => void = (warning) => {
  process.stderr.write(`note: ${warning.message}\n`);
};

export function onUnroutedWarning(handler: (warning: RagWarning) => void): void {
  unrouted = handler;
}

export function reportUnroutedWarning(warning: RagWarning): void {
  unrouted(warning);
}

export function ragWarning(code: WarningCode, params: WarningParams = {}): RagWarning {
  const message = WARNING_MESSAGES_EN[code].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  return { code, params, message };
}
