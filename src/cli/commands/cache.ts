import { cacheInfo, clearCache, compactCache } from '../../embed/cache-admin.js';
import { defaultCacheDir } from '../../embed/cache-dir.js';
import { o } from '../i18n/output-messages.js';
import { out, printJson } from '../ui.js';

export async function runCacheInfo(opts: { json?: boolean }): Promise<void> {
  const dir = defaultCacheDir();
  const models = await cacheInfo();
  const bytes = models.reduce((s, m) => s + m.bytes, 0);
  const entries = models.reduce((s, m) => s + m.entries, 0);
  const duplicates = models.reduce((s, m) => s + m.duplicates, 0);
  if (opts.json) {
    printJson({ dir, entries, duplicates, bytes, models });
    return;
  }
  const lines = [o('cache.info', { title: out.bold(o('cache.title')), dir, entries, size: formatBytes(bytes) })];
  for (const m of models) {
    const dup = m.duplicates > 0 ? o(m.duplicates === 1 ? 'cache.model-duplicates.one' : 'cache.model-duplicates.other', { count: m.duplicates }) : '';
    lines.push(o('cache.model', { model: modelName(m.modelId), fingerprint: m.fingerprint.slice(0, 12), entries: m.entries, duplicates: dup, size: formatBytes(m.bytes) }));
  }
  if (duplicates > 0) lines.push(o(duplicates === 1 ? 'cache.duplicates.one' : 'cache.duplicates.other', { count: duplicates }));
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function runCacheCompact(opts: { fingerprint?: string; json?: boolean }): Promise<void> {
  const dir = defaultCacheDir();
  const models = await compactCache(opts.fingerprint === undefined ? {} : { fingerprint: opts.fingerprint });
  const bytesReclaimed = models.reduce((s, m) => s + m.bytesReclaimed, 0);
  const duplicatesRemoved = models.reduce((s, m) => s + m.duplicatesRemoved, 0);
  if (opts.json) {
    printJson({ dir, duplicatesRemoved, bytesReclaimed, models });
    return;
  }
  const lines = models.map((m) =>
    m.rewritten
      ? o('cache.compacted-model', { model: modelName(m.modelId), fingerprint: m.fingerprint.slice(0, 12), before: m.entriesBefore, after: m.entries, size: formatBytes(m.bytesReclaimed) })
      : o('cache.clean-model', { model: modelName(m.modelId), fingerprint: m.fingerprint.slice(0, 12), entries: m.entries }),
  );
  lines.push(o(duplicatesRemoved === 1 ? 'cache.compacted.one' : 'cache.compacted.other', { dir, count: duplicatesRemoved, size: formatBytes(bytesReclaimed) }));
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function runCacheClear(opts: { fingerprint?: string; json?: boolean }): Promise<void> {
  const result = await clearCache(opts.fingerprint === undefined ? {} : { fingerprint: opts.fingerprint });
  if (opts.json) printJson(result);
  else process.stdout.write(`${o('cache.removed', { size: formatBytes(result.removedBytes), dir: defaultCacheDir() })}\n`);
}

function modelName(modelId: string | null | undefined): string {
  return modelId ?? o('cache.unknown-model');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
