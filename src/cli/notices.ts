/**
 * How the CLI words what the library reports that is not an error: a load notice (one line, the
 * same in `rag ingest` and `rag eval`) and a RagWarning, in the user's language, from their codes
 * and params (src/cli/i18n/notice-messages.ts). A code this rag has no sentence for (a notice
 * replayed from an index written by another version) is shown in the library's English.
 */
import path from 'node:path';
import type { LoadNotice } from '../ingest/discover.js';
import { fillReason, type NoticeWords } from '../ingest/notice-reasons.js';
import type { RagWarning } from '../warnings.js';
import { detectLocale, type CliLocale } from './i18n/locale.js';
import { n, noticeCatalog, type NoticeMessageKey } from './i18n/notice-messages.js';
import { err } from './ui.js';

const LABEL_COLOUR = { failed: err.red, skipped: err.yellow, warning: err.yellow, note: err.dim } as const;

/** `<kind> <path>: <reason>`, the path relative to the working directory when inside it. */
export function noticeLine(notice: LoadNotice, locale: CliLocale = detectLocale()): string {
  const kind = LABEL_COLOUR[notice.kind](n(`label.${notice.kind}`, {}, locale));
  return n('line', { kind, path: displayPath(notice.path), reason: noticeReason(notice, locale) }, locale);
}

/** The reason of a notice in `locale`, without the path. */
export function noticeReason(notice: Pick<LoadNotice, 'reasonCode' | 'params' | 'reason'>, locale: CliLocale = detectLocale()): string {
  const table = noticeCatalog(locale);
  const template = table[`reason.${notice.reasonCode}` as NoticeMessageKey] as string | undefined;
  return template === undefined ? notice.reason : fillReason(template, notice.params, words(locale));
}

/** A library warning or note in `locale`. */
export function warningText(warning: RagWarning, locale: CliLocale = detectLocale()): string {
  const key = `warning.${warning.code}` as NoticeMessageKey;
  return key in noticeCatalog(locale) ? n(key, warning.params, locale) : warning.message;
}

function words(locale: CliLocale): NoticeWords {
  const table = noticeCatalog(locale);
  const say = (key: NoticeMessageKey, values: Readonly<Record<string, string | number>> = {}): string => n(key, values, locale);
  return {
    kindName: (kind) => (`kind.${kind}` in table ? say(`kind.${kind}` as NoticeMessageKey) : kind),
    file: (ext) => (ext === '' ? say('file.none') : say('file.ext', { ext })),
    system: (errno, error) => (errno !== undefined && `os.${errno}` in table ? say(`os.${errno}` as NoticeMessageKey) : error),
    done: (replaced, nuls) => {
      const parts: string[] = [];
      if (replaced > 0) parts.push(say(replaced === 1 ? 'done.replaced.one' : 'done.replaced.other', { count: replaced }));
      if (nuls > 0) parts.push(say(nuls === 1 ? 'done.nuls.one' : 'done.nuls.other', { count: nuls }));
      return parts.join(table['done.join']);
    },
    atLine: (line, text) => say('at-line', { line, text }),
  };
}

export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') ? rel : p;
}
