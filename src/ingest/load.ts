/**
 * Discovery plus loading: what `rag ingest` and `rag eval` both read from a folder, with the
 * notices (skipped, failed, odd encodings) either one reports. One function, so the two can
 * never disagree about which documents a folder holds.
 */
import { RagError } from '../errors.js';
import { discoverFiles, makeNotice } from './discover.js';
import type { LoadNotice, SourceFile } from './discover.js';
import type { TextEncoding } from './encoding.js';
import { IngestInterruptedError } from './interrupted.js';
import { FileLoadError, loadFile } from './loaders/index.js';
import { reason } from './notice-reasons.js';
import type { LoadedDocument } from './types.js';

export interface LoadSourcesOptions {
  include?: string[];
  exclude?: string[];
  /** Files larger than this many bytes are not read (default `DEFAULT_MAX_FILE_SIZE`). */
  maxFileSize?: number;
  /** Decode text files as this encoding instead of detecting it; a BOM still wins. */
  encoding?: TextEncoding;
  /** Absolute paths of discovered files that are not documents (eval: a queries.jsonl among them). */
  skipFiles?: ReadonlySet<string>;
  signal?: AbortSignal;
  /** Called just before each listed file is read (tests change the folder at a known moment). */
  onBeforeRead?: (file: SourceFile) => void | Promise<void>;
  /** Each notice as it happens, in the order they appear in the result. */
  onNotice?: (notice: LoadNotice) => void;
}

export interface LoadedSources {
  /** `origin`: the given path (made absolute) the document was found under. */
  documents: Array<{ doc: LoadedDocument; origin: string }>;
  /** Files (and folders) that failed keep their previously stored documents: see failedThisRun. */
  notices: LoadNotice[];
  /** Files read (after discovery's filters and `skipFiles`). */
  fileCount: number;
}

/** Discovers the files under `paths` and loads each; unreadable files become notices, not errors. */
export async function loadSources(paths: string[], options: LoadSourcesOptions = {}): Promise<LoadedSources> {
  const limit = options.maxFileSize === undefined ? {} : { maxFileSize: options.maxFileSize };
  const loadOptions = options.encoding === undefined ? limit : { ...limit, encoding: options.encoding };
  const discovered = await discoverFiles(paths, {
    ...(options.include === undefined ? {} : { include: options.include }),
    ...(options.exclude === undefined ? {} : { exclude: options.exclude }),
    ...limit,
  });
  const notices: LoadNotice[] = [];
  const notify = (notice: LoadNotice): void => {
    notices.push(notice);
    options.onNotice?.(notice);
  };
  for (const n of discovered.notices) notify(n);
  const files = options.skipFiles === undefined ? discovered.files : discovered.files.filter((f) => !options.skipFiles!.has(f.absPath));
  const documents: LoadedSources['documents'] = [];
  for (const file of files) {
    if (options.signal?.aborted) throw new IngestInterruptedError(0, 0);
    try {
      await options.onBeforeRead?.(file);
      const { documents: docs, warnings } = await loadFile(file, loadOptions);
      if (docs.length === 1 && docs[0]!.format !== 'beir' && docs[0]!.text.trim() === '') {
        notify(makeNotice(file.absPath, 'empty', reason('whitespace-only')));
        continue;
      }
      for (const doc of docs) documents.push({ doc, origin: file.origin });
      for (const w of warnings) notify(makeNotice(file.absPath, w.code, w.why));
    } catch (error) {
      if (!(error instanceof RagError)) throw error;
      const notice = error instanceof FileLoadError
        ? makeNotice(file.absPath, error.notice, error.why)
        : makeNotice(file.absPath, 'corrupt', reason('other', { text: error.message }));
      notify(notice);
    }
  }
  return { documents, notices, fileCount: files.length };
}
