import { normalizeNewlines } from '../normalize.js';
import { LoaderError } from './loader-error.js';

/** DOCX: the raw text of the document body (mammoth), one paragraph per blank-line-separated block. */
export async function loadDocx(buf: Buffer): Promise<{ text: string }> {
  const { default: mammoth } = await import('mammoth');
  let raw: string;
  try {
    raw = (await mammoth.extractRawText({ buffer: buf })).value;
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    const reason = /central directory|zip/i.test(message)
      ? 'not a valid .docx (not a zip archive)'
      : `not a valid .docx (${(message.trim().split(/(?<=\.)\s/)[0] ?? '').replace(/\.$/, '')})`;
    throw new LoaderError(reason, { cause: err });
  }
  const text = normalizeNewlines(raw)
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .join('\n\n');
  return { text };
}
