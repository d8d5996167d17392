/**
 * The command-line wording of library errors. Library RagErrors say what to do in library terms
 * (they are API, used without the CLI too); here, and only here, an error code plus its
 * `details` becomes advice naming `rag` commands and flags. An error with no entry prints as the
 * library worded it.
 */
import type { RagError } from '../errors.js';

/** What the CLI prints for an error: `summary` then, when there is one, `; hint`. */
export interface CliWording {
  summary: string;
  hint: string | undefined;
}

type Advice = (error: RagError, d: Readonly<Record<string, string | number>>) => CliWording | undefined;

const str = (v: string | number | undefined): string | undefined => (v === undefined ? undefined : String(v));

const ADVICE: Partial<Record<RagError['code'], Advice>> = {
  'index-missing': (_e, d) => (d['location'] === undefined ? undefined : { summary: `no index at ${d['location']}: run \`rag ingest <paths>\` first`, hint: undefined }),
  'index-empty': (e) => ({ summary: e.summary, hint: 'run `rag ingest <paths>` to add documents' }),
  'index-damaged': (e, d) =>
    d['location'] === undefined ? undefined : { summary: e.summary, hint: `rebuild it from your documents with \`rag ingest --rebuild --index ${d['location']} <paths>\`` },
  'model-unknown': (e, d) => {
    if (d['spec'] === undefined) return undefined;
    const close = str(d['suggestions']) ?? '';
    return { summary: e.summary, hint: `${close === '' ? '' : `did you mean ${close}? `}run \`rag models\` for the list (or use hf:ORG/NAME, a ./folder, openai:MODEL, ollama:MODEL)` };
  },
  'model-mismatch': (e, d) => {
    const location = str(d['location']);
    if (location === undefined) return undefined;
    switch (d['reason']) {
      case 'model':
        return { summary: e.summary, hint: `use --model ${d['builtModel']} or ingest into another --index` };
      case 'settings':
        return { summary: e.summary, hint: 're-ingest into a new --index to use the new settings' };
      case 'script-fold':
        return {
          summary: `index ${location} was built with --script-fold ${d['builtFold']}, not ${d['wantedFold']}`,
          hint: `use --script-fold ${d['builtFold']}, or rebuild it with \`rag ingest --rebuild --script-fold ${d['wantedFold']} --index ${location} <paths>\``,
        };
      default:
        return undefined;
    }
  },
  'chunking-mismatch': (_e, d) => {
    if (d['location'] === undefined || d['chunkSize'] === undefined) return undefined;
    const unit = d['lengthUnit'] === undefined ? '' : ` --chunk-unit ${d['lengthUnit']}`;
    return {
      summary: `index ${d['location']} was built with --chunk-size ${d['chunkSize']} --chunk-overlap ${d['chunkOverlap']}${unit}`,
      hint: 'use those, re-chunk it with --rebuild, or ingest into another --index',
    };
  },
};

/** How the CLI words `error`: its own advice for the code when it has one, the library's words otherwise. */
export function cliWording(error: RagError): CliWording {
  return ADVICE[error.code]?.(error, error.details) ?? { summary: error.summary, hint: error.hint };
}

/** The one line after `rag: `. */
export function cliLine(wording: CliWording): string {
  return wording.hint === undefined ? wording.summary : `${wording.summary}; ${wording.hint}`;
}
