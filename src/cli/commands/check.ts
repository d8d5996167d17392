import { RagError } from '../../errors.js';
import { checkFailure, checkIndex } from '../../store/check.js';
import { isPostgresLocation } from '../../store/pg/location.js';
import { assertIndexPathUsable } from '../../store/index-path.js';
import { formatBytes } from './cache.js';
import { displayWidth } from '../i18n/localize-help.js';
import { o } from '../i18n/output-messages.js';
import { labelled, p } from '../i18n/progress-messages.js';
import { err, out, printJson } from '../ui.js';

/** `rag check`: exit 0 when every data file is intact, 2 (index-damaged) naming the first bad one. */
export async function runCheck(opts: { index: string; json?: boolean }): Promise<void> {
  if (isPostgresLocation(opts.index)) {
    throw new RagError('usage', '`rag check` verifies index folders; PostgreSQL checksums its own pages (see `data_checksums` and `pg_amcheck`)');
  }
  await assertIndexPathUsable(opts.index);
  const check = await checkIndex(opts.index);
  if (opts.json) {
    printJson(check);
  } else {
    const width = Math.max(...check.files.map((f) => displayWidth(f.name)));
    const colour = { ok: out.green, unchecked: out.yellow } as const;
    const lines = check.files.map((f) => {
      const status = (f.status === 'ok' || f.status === 'unchecked' ? colour[f.status] : out.red)(o(`check.${f.status}`));
      return `${status}  ${f.name}${' '.repeat(width - displayWidth(f.name))}  ${formatBytes(f.bytes)}`;
    });
    lines.push(o('check.summary', { location: check.location, generation: check.generation, documents: check.documents, chunks: check.chunks }));
    process.stdout.write(`${lines.join('\n')}\n`);
    if (check.files.some((f) => f.status === 'unchecked')) {
      process.stderr.write(`${labelled(p('progress.note'), o('check.unchecked-note'), err.yellow)}\n`);
    }
  }
  if (!check.ok) throw checkFailure(check);
}
