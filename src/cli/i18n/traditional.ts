/**
 * Traditional Chinese from the Simplified catalogue text, in the region's own words: OpenCC
 * `s2twp` for Taiwan (软件→軟體, 文件→檔案, 默认→預設), `s2hk` for Hong Kong (its character
 * variants; the vocabulary stays the Hong Kong usage, which is close to the mainland's). The
 * plain `s2t` the index's script fold uses would give Taiwan readers mainland vocabulary.
 */
import { createRequire } from 'node:module';
import type { TraditionalLocale } from './locale.js';

type Convert = (text: string) => string;

const requireFromHere = createRequire(import.meta.url);
const converters = new Map<TraditionalLocale, Convert>();

export function toTraditional(text: string, locale: TraditionalLocale): string {
  const cached = converters.get(locale);
  if (cached !== undefined) return cached(text);
  // The full bundle (~200 ms to build): loaded only when a Traditional message is shown.
  const OpenCC = requireFromHere('opencc-js') as typeof import('opencc-js');
  const convert: Convert = OpenCC.Converter({ from: 'cn', to: locale === 'zh-Hant' ? 'twp' : 'hk' });
  converters.set(locale, convert);
  return convert(text);
}
