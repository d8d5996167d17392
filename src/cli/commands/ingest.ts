import type { TextEncoding } from '../../ingest/encoding.js';
import path from 'node:path';
import { startIngest } from '../../ingest/start-ingest.js';
import { otherRoots } from '../../ingest/other-roots.js';
import type { IngestOptions } from '../../ingest/pipeline.js';
import { isPostgresLocation } from '../../store/pg/location.js';
import type { IngestSummary } from '../../ingest/pipeline.js';
import type { CommandStatus } from '../exit-codes.js';
import { announceInterrupt } from '../interrupt.js';
import type { CommandContext } from '../program.js';
import { modelOptionsFrom } from '../model-options.js';
import type { ModelFlags } from '../model-options.js';
import { formatSeconds, ProgressBar } from '../progress.js';
import { displayPath, noticeLine, noticeReason, warningText } from '../notices.js';
import { n } from '../i18n/notice-messages.js';
import { err, log, out, printJson } from '../ui.js';
import { labelled, p } from '../i18n/progress-messages.js';
import { o, outputCatalog, type OutputKey } from '../i18n/output-messages.js';
import { detectLocale } from '../i18n/locale.js';

export interface IngestCommandOptions extends ModelFlags {
  index: string;
  model?: string;
  chunkSize?: number;
  chunkOverlap?: number;
  chunkUnit?: 'tokens' | 'characters';
  include?: string[];
  exclude?: string[];
  lockTimeout: number;
  maxFileSize?: number;
  encoding?: TextEncoding;
  cache: boolean;
  rebuild?: boolean;
  commitEvery?: number;
  json?: boolean;
}

export async function runIngest(paths: string[], opts: IngestCommandOptions, context: CommandContext): Promise<CommandStatus> {
  const bar = new ProgressBar(p('progress.embedding'));
  // Named once embedding starts, not when the model opens: an ingest that fails before
  // (bad path, locked index, other chunking) then prints just its one-line error, and the
  // summary names the model anyway.
  let model: string | undefined;
  // Looked up before the ingest (which adds the new root), said after it: a failed ingest keeps
  // its one-line error and added nothing.
  const others = opts.rebuild === true ? [] : await otherRoots(opts.index, paths);
  const stopAnnouncing = announceInterrupt(context.signal, 'ingest');
  const options: IngestOptions = {
    paths,
    index: opts.index,
    ...(opts.model === undefined ? {} : { model: opts.model }),
    modelOptions: modelOptionsFrom(opts),
    ...(opts.chunkSize === undefined ? {} : { chunkSize: opts.chunkSize }),
    ...(opts.chunkOverlap === undefined ? {} : { chunkOverlap: opts.chunkOverlap }),
    ...(opts.chunkUnit === undefined ? {} : { chunkUnit: opts.chunkUnit }),
    ...(opts.include === undefined ? {} : { include: opts.include }),
    ...(opts.exclude === undefined ? {} : { exclude: opts.exclude }),
    lockTimeoutMs: opts.lockTimeout * 1000,
    ...(opts.maxFileSize === undefined ? {} : { maxFileSize: opts.maxFileSize }),
    ...(opts.encoding === undefined ? {} : { encoding: opts.encoding }),
    cache: opts.cache,
    ...(opts.rebuild === true ? { rebuild: true } : {}),
    ...(opts.commitEvery === undefined ? {} : { commitEvery: { documents: opts.commitEvery } }),
    signal: context.signal,
    onEvent: (event) => {
      switch (event.type) {
        case 'model':
          model = event.modelId;
          break;
        case 'notice':
          bar.done();
          log(noticeLine(event.notice));
          break;
        case 'embed-progress':
          if (model !== undefined) {
            log(err.dim(p('progress.model', { model })));
            model = undefined;
          }
          bar.update(event.done, event.total);
          break;
        case 'warning':
          bar.done();
          log(labelled(p('progress.warning'), warningText(event), err.yellow));
          break;
        case 'indexing':
          bar.done();
          if (event.chunks >= 1000) log(err.dim(p('ingest.adding', { chunks: event.chunks })));
          break;
        case 'committed':
          bar.done();
          log(err.dim(p('ingest.committed', { documents: event.documents, total: event.total })));
          break;
        case 'loaded':
          break;
      }
    },
  };
  // The library's ingest() in its two halves: the pipeline (loaders, chunking, the writer) is
  // loaded only when the first half finds that something changed.
  const summary = await (async () => {
    const begun = await startIngest(options);
    return 'done' in begun ? begun.done : (await import('../../ingest/pipeline.js')).continueIngest(options, begun.start);
  })().finally(() => {
    bar.done();
    stopAnnouncing();
  });
  if (others.length > 0) {
    const shown = others.slice(0, 3).map(displayPath).join(', ') + (others.length > 3 ? n('ingest.more', { count: others.length - 3 }) : '');
    log(labelled(p('progress.warning'), n('ingest.other-roots', { index: opts.index, shown, paths: paths.map(displayPath).join(', ') }), err.yellow));
  }
  // The CLI's English, as in its error JSON: a reason may name the flag that helps (--max-file-size).
  if (opts.json) printJson({ ...summary, notices: summary.notices.map((notice) => ({ ...notice, reason: noticeReason(notice, 'en') })) });
  else printSummary(summary);
  // Everything readable was committed; the exit code tells scripts that some inputs still need attention.
  return summary.documents.failed > 0 ? 'partly-failed' : 'ok';
}

function printSummary(s: IngestSummary): void {
  const d = s.documents;
  const where = isPostgresLocation(s.index) ? s.index : path.relative(process.cwd(), s.index) || '.';
  const lines = [
    p('ingest.indexed-line', {
      indexed: out.bold(p('ingest.indexed')),
      where,
      model: out.cyan(s.model),
      size: s.chunking.chunkSize,
      unit: p(s.chunking.lengthUnit === 'tokens' ? 'ingest.unit.tokens' : 'ingest.unit.characters'),
      overlap: s.chunking.chunkOverlap,
    }),
    p('ingest.documents', { ...d, failed: d.failed ? out.red(p('ingest.failed', { failed: d.failed })) : '' }),
    ...(Object.keys(s.byReason).length === 0
      ? []
      : [p('ingest.by-reason', { reasons: Object.entries(s.byReason).map(([code, count]) => o('ingest.reason-count', { count, reason: reasonWords(code) })).join(o('list.join')) })]),
    p('ingest.chunks', { ...s.chunks, truncated: s.chunks.truncated ? out.yellow(p('ingest.truncated', { truncated: s.chunks.truncated })) : '' }),
    out.dim(p('ingest.took', { seconds: formatSeconds(s.seconds) })),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** A notice code in words; a code this rag does not know (replayed from another version's index) as it is. */
function reasonWords(code: string): string {
  const key = `reason.${code}`;
  return key in outputCatalog(detectLocale()) ? o(key as OutputKey) : code;
}
