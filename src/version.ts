import { readFileSync } from 'node:fs';

/**
 * This package's version, read from its package.json (one level up from both `src` and `dist`). Not `npm_package_version`: under `npm run` that is the calling project's version.
 */
export function packageVersion(): string {
  if (cached === undefined) {
    let pkg: unknown;
    try {
      pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    } catch {
      // Bundled into one file (tests bundle children that way), there is no package.json above:
      // an unknown version, which never equals a released one.
      pkg = undefined;
    }
    const version = typeof pkg === 'object' && pkg !== null ? (pkg as Record<string, unknown>)['version'] : undefined;
    cached = typeof version === 'string' ? version : '0.0.0-unknown';
  }
  return cached;
}

let cached: string | undefined;
