import { decodeText } from '../encoding.js';
import { normalizeNewlines } from '../normalize.js';

/** Plain text: decoded (see decodeText) with line endings normalised to LF; nothing else changes. */
export function loadText(buf: Buffer): { text: string } {
  return { text: normalizeNewlines(decodeText(buf).text) };
}
