/**
 * The encoder a local model's inputs and token counts go through: {@link fastBertTokenizer} when
 * the model's tokenizer.json is one it reproduces, transformers.js's tokenizer otherwise. The
 * fast one knows no special tokens, so they are taken from what transformers.js puts around a
 * probe text; the probes must come out identical both ways or the fast path is not used.
 */
import type { FastBertTokenizer } from './wordpiece.js';
import { findSubsequence, type TokenEncoder } from './transformers-inputs.js';

/** Mixed scripts, case, accents, punctuation and digits: what a wrong fast path would get wrong first. */
const PROBES = ['a', 'Hello, World! naïve café 123', '向量数据库如何加快检索速度？ RAG（检索增强生成）', 'tokenization\tof\nlines  e\u0301 Straße'];

export interface ChosenEncoder {
  encoder: TokenEncoder;
  /** Which tokenizer runs: `wordpiece` (rag's) or `transformers.js`. */
  kind: 'wordpiece' | 'transformers.js';
}

export function chooseEncoder(slow: TokenEncoder, fast: FastBertTokenizer | undefined): ChosenEncoder {
  const fallback: ChosenEncoder = { encoder: slow, kind: 'transformers.js' };
  if (fast === undefined) return fallback;
  let prefix: number[] | undefined;
  let suffix: number[] | undefined;
  for (const probe of PROBES) {
    const content = slow.encode(probe, { add_special_tokens: false });
    if (!sameIds(fast.encode(probe), content)) return fallback;
    const full = slow.encode(probe);
    const at = findSubsequence(full, content);
    if (at < 0) return fallback;
    const before = full.slice(0, at);
    const after = full.slice(at + content.length);
    if (prefix === undefined || suffix === undefined) {
      prefix = before;
      suffix = after;
    } else if (!sameIds(prefix, before) || !sameIds(suffix, after)) {
      return fallback; // special tokens that depend on the text: not a fixed wrap
    }
  }
  const [head, tail] = [prefix ?? [], suffix ?? []];
  return {
    kind: 'wordpiece',
    encoder: {
      encode(text, options) {
        const ids = fast.encode(text);
        if (options?.add_special_tokens === false) return ids;
        return head.length === 0 && tail.length === 0 ? ids : [...head, ...ids, ...tail];
      },
    },
  };
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
