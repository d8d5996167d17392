import { RagError } from '../../errors.js';
import { checkFailure, checkIndex } from '../../store/check.js';
import { isPostgresLocation } from '../../store/pg/location.js';
import { assertIndexPathUsable } from '../../store/index-path.js';
import { formatBytes } from './cache.js';
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
    const width = Math.max(...check.files.map((f) => f.name.length));
    const lines = check.files.map((f) => `${f.status === 'ok' ? out.green('ok') : f.status === 'unchecked' ? out.yellow('unchecked') : out.red(f.status)}  ${f.name.padEnd(width)}  ${formatBytes(f.bytes)}`);
    lines.push(`index ${check.location}: generation ${check.generation}, ${check.documents} documents, ${check.chunks} chunks`);
    process.stdout.write(`${lines.join('\n')}\n`);
    if (check.files.some((f) => f.status === 'unchecked')) {
      process.stderr.write(`${err.yellow('note:')} files marked unchecked were written by an older rag without checksums (sizes still checked); the next ingest records them\n`);
    }
  }
  if (!check.ok) throw checkFailure(check);
}
