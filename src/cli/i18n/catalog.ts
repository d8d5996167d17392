/**
 * One message catalogue from its English and Simplified tables: Traditional is derived from the
 * Simplified text on first use (so the two never drift apart; Taiwan and Hong Kong wording, see
 * traditional.ts), `{name}` placeholders are filled from values, and a missing value leaves its
 * placeholder visible.
 */
import { detectLocale, type CliLocale, type TraditionalLocale } from './locale.js';
import { toTraditional } from './traditional.js';

export interface Catalog<K extends string> {
  table(locale: CliLocale): Record<K, string>;
  /** The message `key` in `locale` (default: the detected one), placeholders filled. */
  translate(key: K, values?: Readonly<Record<string, string | number>>, locale?: CliLocale): string;
}

export function makeCatalog<K extends string>(en: Record<K, string>, zhHans: Record<K, string>): Catalog<K> {
  const traditional = new Map<TraditionalLocale, Record<K, string>>();
  const table = (locale: CliLocale): Record<K, string> => {
    if (locale === 'en') return en;
    if (locale === 'zh-Hans') return zhHans;
    let derived = traditional.get(locale);
    if (derived === undefined) {
      derived = Object.fromEntries(Object.entries<string>(zhHans).map(([k, v]) => [k, toTraditional(v, locale)])) as Record<K, string>;
      traditional.set(locale, derived);
    }
    return derived;
  };
  return {
    table,
    translate: (key, values = {}, locale = detectLocale()) =>
      table(locale)[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole)),
  };
}
