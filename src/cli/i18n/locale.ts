/**
 * Which language the CLI speaks: `RAG_LANG` when set (en, zh-Hans, zh-Hant, zh-Hant-HK, or a
 * locale name), else the first of LC_ALL, LC_MESSAGES, LANG that is set (POSIX precedence).
 * zh_CN / zh_SG (and zh-Hans) are Simplified Chinese; zh_TW (and zh-Hant) Traditional with Taiwan
 * wording (軟體, 檔案); zh_HK / zh_MO (and zh-Hant-HK) Traditional with Hong Kong characters.
 * Every other locale, C and POSIX included, is English.
 */
export type CliLocale = 'en' | 'zh-Hans' | 'zh-Hant' | 'zh-Hant-HK';

export const CLI_LOCALES: readonly CliLocale[] = ['en', 'zh-Hans', 'zh-Hant', 'zh-Hant-HK'];

/** The Traditional locales, whose text is derived from the Simplified catalogue. */
export type TraditionalLocale = Extract<CliLocale, 'zh-Hant' | 'zh-Hant-HK'>;

/** The locale a POSIX locale name (`zh_TW.UTF-8`, `zh-Hant`, `en_US`) stands for. */
export function localeFromName(name: string): CliLocale {
  const n = name.trim().toLowerCase().replace(/_/g, '-').split(/[.@]/)[0] ?? '';
  if (!n.startsWith('zh')) return 'en';
  if (/^zh-(hant-)?(hk|mo)\b/.test(n)) return 'zh-Hant-HK';
  if (/^zh-(hant|tw)\b/.test(n)) return 'zh-Hant';
  return 'zh-Hans';
}

export function detectLocale(env: NodeJS.ProcessEnv = process.env): CliLocale {
  const override = env['RAG_LANG']?.trim();
  if (override) return localeFromName(override);
  for (const name of ['LC_ALL', 'LC_MESSAGES', 'LANG']) {
    const value = env[name]?.trim();
    if (value) return localeFromName(value);
  }
  return 'en';
}
