import type { TextEncoding } from '../../ingest/encoding.js';
import { inspectIndex, type ChunkSpan, type InspectResult } from '../../ingest/inspect.js';
import { labelled, p } from '../i18n/progress-messages.js';
import { displayWidth } from '../i18n/localize-help.js';
import { o } from '../i18n/output-messages.js';
import { warningText } from '../notices.js';
import { err, log, out, printJson } from '../ui.js';

export interface InspectCommandOptions {
  index: string;
  doc?: string;
  encoding?: TextEncoding;
  json?: boolean;
}

export async function runInspect(opts: InspectCommandOptions): Promise<void> {
  const result = await inspectIndex({
    index: opts.index,
    ...(opts.doc === undefined ? {} : { doc: opts.doc }),
    ...(opts.encoding === undefined ? {} : { encoding: opts.encoding }),
  });
  if (opts.json) {
    // `note` in the CLI's English (it names the command to run), as the CLI prints it.
    printJson({ ...result, ...(result.notice === undefined ? {} : { note: warningText(result.notice, 'en') }) });
    return;
  }
  if (result.chunks === undefined) printDocuments(result);
  else printChunks(result);
}

function printDocuments(result: InspectResult): void {
  const chunks = result.documents.reduce((n, d) => n + d.chunkCount, 0);
  const count = result.documents.length;
  log(err.dim(o('inspect.summary', { index: result.index, model: result.model, documents: o(count === 1 ? 'inspect.documents.one' : 'inspect.documents.other', { count }), chunks: o(chunks === 1 ? 'inspect.chunks.one' : 'inspect.chunks.other', { count: chunks }) })));
  const column = o('inspect.col.chunks');
  const width = Math.max(displayWidth(column), ...result.documents.map((d) => String(d.chunkCount).length));
  const lines = result.documents.map((d) => `${String(d.chunkCount).padStart(width)}  ${d.docId}${d.title === undefined ? '' : out.dim(`  ${d.title}`)}`);
  process.stdout.write(`${out.dim(`${' '.repeat(width - displayWidth(column))}${column}  ${o('inspect.col.document')}`)}\n${lines.join('\n')}${lines.length ? '\n' : ''}`);
}

function printChunks(result: InspectResult): void {
  const doc = result.documents[0]!;
  const chunks = o(doc.chunkCount === 1 ? 'inspect.chunks.one' : 'inspect.chunks.other', { count: doc.chunkCount });
  log(err.dim(o('inspect.doc-summary', { docId: doc.docId, format: doc.format, chunks, origin: doc.origin })));
  if (result.notice !== undefined) log(err.dim(labelled(p('progress.note'), warningText(result.notice))));
  const lines: string[] = [];
  for (const chunk of result.chunks ?? []) {
    const where = [spanLabel(chunk.span), chunk.page === null ? '' : o('query.page', { page: chunk.page }), chunk.headings.join(' › ')].filter(Boolean).join(out.dim(' · '));
    lines.push(`${out.bold(`#${chunk.index}`)}  ${out.cyan(where)}`);
    for (const line of chunk.text.split('\n')) lines.push(`   ${line}`);
    lines.push('');
  }
  process.stdout.write(lines.join('\n'));
}

/** `12:1-30:4 (chars 216-1032)` in a file, `chars 0-816` in extracted text. */
function spanLabel(span: ChunkSpan): string {
  const chars = o('inspect.chars', { start: span.start.offset, end: span.end.offset });
  if (span.in === 'text' || span.start.line === undefined || span.end.line === undefined) return chars;
  return o('inspect.lines', { start: `${span.start.line}:${span.start.column}`, end: `${span.end.line}:${span.end.column}`, chars });
}
