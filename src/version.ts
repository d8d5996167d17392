import { readFileSync } from 'node:fs';

/**
 * This package's version, read from its package.json (one level up from both `src` and `dist`). Not `npm_package_version`: under `npm run` that is the calling project's version.
 */
export function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const version = typeof pkg === 'object' && pkg !== null ? (pkg as Record<string, unknown>)['version'] : undefined;
  return typeof version === 'string' ? version : '0.0.0';
}
