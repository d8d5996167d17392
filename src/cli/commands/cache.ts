import { cacheInfo, clearCache, compactCache } from '../../embed/cache-admin.js';
import { defaultCacheDir } from '../../embed/cache-dir.js';
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
  const lines = [`${out.bold('embedding cache')} ${dir}: ${entries} vectors, ${formatBytes(bytes)}`];
  for (const m of models) {
    const dup = m.duplicates > 0 ? ` (${m.duplicates} duplicate${m.duplicates === 1 ? '' : 's'})` : '';
    lines.push(`  ${m.modelId ?? '(unknown model)'}  ${m.fingerprint.slice(0, 12)}  ${m.entries} vectors${dup}  ${formatBytes(m.bytes)}`);
  }
  if (duplicates > 0) lines.push(`${duplicates} duplicate record${duplicates === 1 ? '' : 's'}: \`rag cache compact\` drops them`);
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
      ? `  ${m.modelId ?? '(unknown model)'}  ${m.fingerprint.slice(0, 12)}  ${m.entriesBefore} -> ${m.entries} vectors, ${formatBytes(m.bytesReclaimed)} reclaimed`
      : `  ${m.modelId ?? '(unknown model)'}  ${m.fingerprint.slice(0, 12)}  ${m.entries} vectors, no duplicates`,
  );
  lines.push(`compacted ${dir}: ${duplicatesRemoved} duplicate record${duplicatesRemoved === 1 ? '' : 's'} removed, ${formatBytes(bytesReclaimed)} reclaimed`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function runCacheClear(opts: { fingerprint?: string; json?: boolean }): Promise<void> {
  const result = await clearCache(opts.fingerprint === undefined ? {} : { fingerprint: opts.fingerprint });
  if (opts.json) printJson(result);
  else process.stdout.write(`removed ${formatBytes(result.removedBytes)} from ${defaultCacheDir()}\n`);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
