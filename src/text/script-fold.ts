import { createRequire } from 'node:module';
import { RagError } from '../errors.js';

/**
 * How Chinese script is folded before lexical matching (BM25, the `hash` embedder, highlights):
 * `t2s` maps Traditional (Taiwan, Hong Kong and OpenCC-standard variants) to Simplified, `s2t` maps
 * Simplified (and the regional Traditional variants) to OpenCC-standard Traditional, `none` keeps
 * the text as written. Either fold puts `檢索` and `检索` on the same token; the direction only
 * decides which form the tokens are kept in.
 */
export type ScriptFold = 't2s' | 's2t' | 'none';

export const SCRIPT_FOLDS: readonly ScriptFold[] = ['t2s', 's2t', 'none'];

/**
 * On for every lexical path: users in mainland China, Taiwan and Hong Kong mix both scripts in
 * one corpus, and without it a Simplified query loses most of its terms against Traditional text.
 */
export const DEFAULT_SCRIPT_FOLD: ScriptFold = 't2s';

export function isScriptFold(value: unknown): value is ScriptFold {
  return value === 't2s' || value === 's2t' || value === 'none';
}

/** Checks a user-given value (`--script-fold`, a library option). */
export function parseScriptFold(value: string): ScriptFold {
  const v = value.trim().toLowerCase();
  if (isScriptFold(v)) return v;
  throw new RagError('usage', `unknown script fold '${value}'; use one of ${SCRIPT_FOLDS.join(', ')}`, {
    hint: 't2s folds Traditional to Simplified (default), s2t the other way, none keeps the text as written',
  });
}

type Convert = (text: string) => string;
type OpenCCModule = typeof import('opencc-js');

const requireFromHere = createRequire(import.meta.url);
const converters = new Map<Exclude<ScriptFold, 'none'>, Convert>();

// opencc-js (MIT code, Apache-2.0 dictionaries) is loaded on the first folded Chinese text, not at
// start-up: `t2s` needs only its 110 KB Traditional-to-Simplified bundle (~25 ms to build the
// tries), `s2t` the 1.2 MB full bundle (~200 ms). `require` keeps the analyzers synchronous.
function converter(fold: Exclude<ScriptFold, 'none'>): Convert {
  const cached = converters.get(fold);
  if (cached !== undefined) return cached;
  let convert: Convert;
  if (fold === 't2s') {
    const OpenCC = requireFromHere('opencc-js/t2cn') as OpenCCModule;
    // Taiwan and Hong Kong variant characters (裡, 綫, 衞) first, then OpenCC's Traditional to Simplified.
    convert = OpenCC.ConverterFactory(...OpenCC.Locale.from.tw!, ...OpenCC.Locale.from.hk!, ...OpenCC.Locale.to.cn!);
  } else {
    const OpenCC = requireFromHere('opencc-js') as OpenCCModule;
    const variants = OpenCC.ConverterFactory(...OpenCC.Locale.from.tw!, ...OpenCC.Locale.from.hk!);
    const toTraditional = OpenCC.Converter({ from: 'cn', to: 't' });
    convert = (text) => toTraditional(variants(text));
  }
  converters.set(fold, convert);
  return convert;
}

/** Whether `text` has a Han character (anything else never changes under a fold). */
const HAN = /\p{Script=Han}/u;

/** `text` with its Chinese script folded; text without Han characters is returned as is, without loading OpenCC. */
export function foldScript(text: string, fold: ScriptFold): string {
  if (fold === 'none' || !HAN.test(text)) return text;
  return converter(fold)(text);
}

/**
 * {@link foldScript} that keeps every character at its offset (UTF-16), for highlighting: the
 * folded text is used to find matches, the original is what is shown. OpenCC's phrase tables
 * may change a phrase's length; then the text is folded character by character instead.
 */
export function foldScriptAligned(text: string, fold: ScriptFold): string {
  const folded = foldScript(text, fold);
  if (folded === text || sameShape(folded, text)) return folded;
  const convert = converter(fold as Exclude<ScriptFold, 'none'>);
  let out = '';
  for (const ch of text) {
    const one = HAN.test(ch) ? convert(ch) : ch;
    out += one.length === ch.length ? one : ch;
  }
  return out;
}

/** Same length and a surrogate pair at the same places. */
function sameShape(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if ((x >= 0xd800 && x <= 0xdfff) !== (y >= 0xd800 && y <= 0xdfff)) return false;
  }
  return true;
}
