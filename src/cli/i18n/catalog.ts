/**
 * One message catalogue from its English and Simplified tables: Traditional is derived from the
 * Simplified text with OpenCC s2t on first use (so the two never drift apart), `{name}`
 * placeholders are filled from values, and a missing value leaves its placeholder visible.
 */
import { foldScript } from '../../text/script-fold.js';
import { detectLocale, type CliLocale } from './locale.js';

export interface Catalog<K extends string> {
  table(locale: CliLocale): Record<K, string>;
  /** The message `key` in `locale` (default: the detected one), placeholders filled. */
  translate(key: K, values?: Readonly<Record<string, string | number>>, locale?: CliLocale): string;
}

export function makeCatalog<K extends string>(en: Record<K, string>, zhHans: Record<K, string>): Catalog<K> {
  let hant: Record<K, string> | undefined;
  const table = (locale: CliLocale): Record<K, string> => {
    if (locale === 'en') return en;
    if (locale === 'zh-Hans') return zhHans;
    hant ??= Object.fromEntries(Object.entries<string>(zhHans).map(([k, v]) => [k, foldScript(v, 's2t')])) as Record<K, string>;
    return hant;
  };
  return {
    table,
    translate: (key, values = {}, locale = detectLocale()) =>
      table(locale)[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole)),
  };
}
