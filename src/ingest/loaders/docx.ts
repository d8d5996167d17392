import { normalizeNewlines } from '../normalize.js';
import { LoaderError } from './loader-error.js';
import { reason } from '../notice-reasons.js';

/** DOCX: the raw text of the document body (mammoth), one paragraph per blank-line-separated block. */
export async function loadDocx(buf: Buffer): Promise<{ text: string }> {
  const { default: mammoth } = await import('mammoth');
  let raw: string;
  try {
    raw = (await mammoth.extractRawText({ buffer: buf })).value;
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    const why = /central directory|zip/i.test(message)
      ? reason('docx-not-zip')
      : reason('docx-invalid', { error: (message.trim().split(/(?<=\.)\s/)[0] ?? '').replace(/\.$/, '') });
    throw new LoaderError(why, { cause: err });
  }
  const text = normalizeNewlines(raw)
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .join('\n\n');
  return { text };
}
