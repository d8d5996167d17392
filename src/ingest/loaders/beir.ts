import { decodeLines, type DecodeOptions } from '../encoding.js';
import type { LoadedDocument } from '../types.js';
import { makeDocument } from './content-hash.js';
import { LoaderError } from './loader-error.js';
import { reason } from '../notice-reasons.js';

/**
 * A BEIR `corpus.jsonl`: one JSON object per line, `{"_id", "title", "text"}`, each becoming a
 * document with docId `_id`, source `<relPath>#<_id>` and format `beir`.
 *
 * The document text is `${title}\n${text}` when the title is non-empty, else `text`: BEIR
 * evaluations embed title and body together, so retrieval sees the title too. Blank lines are
 * ignored. Any malformed line (bad JSON, missing or mistyped `_id`/`text`, a repeated `_id`)
 * fails the whole file, because silently dropping judged documents would skew evaluation.
 *
 * @throws LoaderError whose reason has `line` N (1-based) in its params.
 */
export function loadBeirCorpus(buf: Buffer, relPath: string, decode: DecodeOptions = {}): LoadedDocument[] {
  const documents: LoadedDocument[] = [];
  const firstLineOfId = new Map<string, number>();
  let lineNo = 0;
  // Line by line: a corpus file can be bigger than the longest string V8 can hold.
  for (const line of decodeLines(buf, decode)) {
    lineNo++;
    if (line.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw new LoaderError(reason('json-invalid', { line: lineNo }));
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new LoaderError(reason('json-not-object', { line: lineNo }));
    }
    const fields = record as Record<string, unknown>;
    const rawId = fields['_id'];
    if (rawId === undefined) throw new LoaderError(reason('id-missing', { line: lineNo }));
    if (!(typeof rawId === 'string' || (typeof rawId === 'number' && Number.isFinite(rawId)))) {
      throw new LoaderError(reason('id-not-string', { line: lineNo }));
    }
    const id = String(rawId);
    if (id === '') throw new LoaderError(reason('id-empty', { line: lineNo }));
    const body = fields['text'];
    if (body === undefined) throw new LoaderError(reason('text-missing', { line: lineNo }));
    if (typeof body !== 'string') throw new LoaderError(reason('text-not-string', { line: lineNo }));
    const rawTitle = fields['title'];
    if (rawTitle !== undefined && rawTitle !== null && typeof rawTitle !== 'string') {
      throw new LoaderError(reason('title-not-string', { line: lineNo }));
    }
    const earlier = firstLineOfId.get(id);
    if (earlier !== undefined) {
      throw new LoaderError(reason('id-duplicate', { line: lineNo, id: JSON.stringify(id), first: earlier }));
    }
    firstLineOfId.set(id, lineNo);
    const title = typeof rawTitle === 'string' && rawTitle.trim() !== '' ? rawTitle : undefined;
    documents.push(
      makeDocument({
        docId: id,
        source: `${relPath}#${id}`,
        format: 'beir',
        title,
        text: title === undefined ? body : `${title}\n${body}`,
      }),
    );
  }
  return documents;
}
