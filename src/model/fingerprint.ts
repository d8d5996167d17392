import { createHash } from 'node:crypto';
import type { ModelInfo } from './model-info.js';

/**
 * The fingerprint of a model: sha256 (hex) of a canonical JSON of its {@link ModelInfo}: keys sorted
 * at every level, undefined fields left out. Two infos that produce the same vectors therefore get
 * the same fingerprint regardless of key order, and any changed field (a hashing parameter, a prefix,
 * the dimension) gives a different one.
 */
export function fingerprintOf(info: ModelInfo): string {
  // `endpoint` and `path` say where the model runs or lives, not what it computes; indexes from
  // before they existed keep their fingerprint.
  const { endpoint: _endpoint, path: _path, ...vectorsSettings } = info;
  return createHash('sha256').update(canonicalJson(vectorsSettings)).digest('hex');
}

/** JSON with object keys sorted recursively and undefined members omitted (as JSON.stringify does). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = sortKeys(member);
    }
    return out;
  }
  return value;
}
