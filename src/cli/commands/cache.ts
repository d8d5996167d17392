import { cacheInfo, clearCache } from '../../embed/cache-admin.js';
import { defaultCacheDir } from '../../embed/cache-dir.js';
import { out, printJson } from '../ui.js';

export async function runCacheInfo(opts: { json?: boolean }): Promise<void> {
  const dir = defaultCacheDir();
  const models = await cacheInfo();
  const bytes = models.reduce((s, m) => s + m.bytes, 0);
  const entries = models.reduce((s, m) => s + m.entries, 0);
  if (opts.json) {
    printJson({ dir, entries, bytes, models });
    return;
  }
  const lines = [`${out.bold('embedding cache')} ${dir}: ${entries} vectors, ${formatBytes(bytes)}`];
  for (const m of models) {
    lines.push(`  ${m.modelId ?? '(unknown model)'}  ${m.fingerprint.slice(0, 12)}  ${m.entries} vectors  ${formatBytes(m.bytes)}`);
  }
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
