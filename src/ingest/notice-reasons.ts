/**
 * Why a file got a notice, as a stable `reasonCode` with the values behind it (`params`), finer
 * than the notice's `code` (one `binary` code, several ways of being binary). The English
 * sentences here are for library callers and name no CLI flag; the CLI words the same reason in
 * the user's language, with its flags, from src/cli/i18n/notice-messages.ts.
 */
import { describeKind, type SniffedKind } from './loaders/sniff.js';

export type NoticeParams = Readonly<Record<string, string | number>>;

/**
 * English templates: `{name}` is filled from the params; `{kindName}`, `{file}`, `{system}` and
 * `{done}` are worded from them (see {@link NoticeWords}).
 */
export const NOTICE_REASONS_EN = {
  'os-error': '{system}',
  'read-failed': 'cannot read: {system}',
  'list-failed': 'cannot list this folder: {system}',
  'open-failed': 'cannot open this folder: {system}',
  'duplicate-id': 'document id "{docId}" is already used by {earlier}; ingest the two folders into separate indexes or rename one',
  'queries-file': 'a BEIR queries file, not documents (an evaluation reads it as its queries)',
  'jsonl-not-corpus': 'a .jsonl file whose first line lacks "_id", "title" and "text" (not a BEIR corpus)',
  'unsupported-type': 'unsupported file type {ext}',
  'not-supported': 'not a supported document type',
  'binary-looks-like': 'binary content in a {file} (looks like {kindName})',
  'binary-not-text': 'binary content in a {file} (not UTF-8, UTF-16, GB18030, Big5 or Windows-1252 text)',
  'empty-file': 'empty file (0 bytes)',
  'whitespace-only': 'no text (only whitespace)',
  'too-large': 'too large ({size} > {limit} limit; raise the maximum file size)',
  'broken-link': 'broken symbolic link (its target does not exist)',
  'symlink-loop': 'symbolic link loop: leads back to {target}, which is being walked; not followed',
  'not-a-file': 'not a regular file (a FIFO, socket or device); not read',
  'not-jsonl': 'not JSON lines (looks like {kindName})',
  'not-pdf-no-header': 'not a PDF (no %PDF- header: binary data of another kind)',
  'not-pdf': 'not a PDF (looks like {kindName})',
  'docx-is-doc': 'not a .docx (looks like an old binary Word .doc file): save it as .docx in Word or LibreOffice',
  'not-docx-not-zip': 'not a .docx (not a ZIP archive)',
  'not-docx': 'not a .docx (looks like {kindName})',
  undecodable: 'not text in UTF-8, GB18030/GBK or Big5 (HKSCS): nothing decodes it cleanly; convert it to UTF-8 or name its encoding',
  'not-given-encoding': 'not {encoding} as the given encoding says: {replaced} invalid byte sequences',
  'read-as-detected': 'read as {encoding} (detected)',
  'read-as': 'read as {encoding}',
  'bytes-replaced': 'not valid {encoding}: {done}, the rest ingested',
  'nuls-dropped': 'read as {encoding}: {done}, the rest ingested',
  'pdf-truncated': 'truncated PDF (no %%EOF marker at the end; the file was cut off): download or export it again',
  'pdf-no-text': 'no text: none of its {pages} pages have a text layer (scanned?); run OCR on it first, e.g. with ocrmypdf',
  'pdf-no-text-one': 'no text: none of its 1 page has a text layer (scanned?); run OCR on it first, e.g. with ocrmypdf',
  'pdf-encrypted': 'encrypted (password required); save an unprotected copy to ingest it',
  'pdf-invalid': 'not a valid PDF ({error})',
  'pdf-unreadable': 'could not read the PDF ({error})',
  'docx-not-zip': 'not a valid .docx (not a zip archive)',
  'docx-invalid': 'not a valid .docx ({error})',
  'json-invalid': 'not valid JSON',
  'json-not-object': 'expected a JSON object with "_id" and "text"',
  'id-missing': 'missing "_id"',
  'id-not-string': '"_id" must be a string',
  'id-empty': '"_id" is empty',
  'text-missing': 'missing "text"',
  'text-not-string': '"text" must be a string',
  'title-not-string': '"title" must be a string',
  'id-duplicate': 'duplicate "_id" {id} (first on line {first})',
  'load-failed': 'could not be loaded ({error})',
  /** A reason worded elsewhere (a record written by an older rag); shown as it is. */
  other: '{text}',
} as const;

export type NoticeReasonCode = keyof typeof NOTICE_REASONS_EN;

/** A reason: its code and values. `line` in params (a corpus line) is shown before the sentence. */
export interface NoticeReason {
  reasonCode: NoticeReasonCode;
  params: NoticeParams;
}

export function reason(reasonCode: NoticeReasonCode, params: NoticeParams = {}): NoticeReason {
  return { reasonCode, params };
}

export function isNoticeReasonCode(value: unknown): value is NoticeReasonCode {
  return typeof value === 'string' && Object.hasOwn(NOTICE_REASONS_EN, value);
}

/** The words a template takes from the params, in one language. */
export interface NoticeWords {
  /** What a sniffed kind of content is (`png`: "a PNG image"). */
  kindName(kind: string): string;
  /** `.md` → ".md file"; '' → "file without extension". */
  file(ext: string): string;
  /** An operating-system error: its errno code when known, else its English text. */
  system(errno: string | undefined, error: string): string;
  /** What decoding did: `replaced` sequences replaced, `nuls` NUL bytes dropped (either may be 0). */
  done(replaced: number, nuls: number): string;
  /** A sentence about one corpus line. */
  atLine(line: number, text: string): string;
}

export const ENGLISH_WORDS: NoticeWords = {
  kindName: (kind) => describeKind(kind as SniffedKind) ?? kind,
  file: (ext) => (ext === '' ? 'file without extension' : `${ext} file`),
  system: (_errno, error) => error,
  done: (replaced, nuls) => {
    const done: string[] = [];
    if (replaced > 0) done.push(`${replaced} invalid byte sequence${replaced === 1 ? '' : 's'} replaced with U+FFFD`);
    if (nuls > 0) done.push(`${nuls} stray NUL byte${nuls === 1 ? '' : 's'} dropped`);
    return done.join(', ');
  },
  atLine: (line, text) => `line ${line}: ${text}`,
};

/** `template` filled from `params`, the worded placeholders through `words`. */
export function fillReason(template: string, params: NoticeParams, words: NoticeWords): string {
  const str = (name: string): string => (params[name] === undefined ? '' : String(params[name]));
  const num = (name: string): number => Number(params[name] ?? 0);
  const text = template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    switch (name) {
      case 'kindName':
        return words.kindName(str('kind'));
      case 'file':
        return words.file(str('ext'));
      case 'system':
        return words.system(params['errno'] === undefined ? undefined : str('errno'), str('error'));
      case 'done':
        return words.done(num('replaced'), num('nuls'));
      default:
        return name in params ? str(name) : whole;
    }
  });
  return typeof params['line'] === 'number' ? words.atLine(params['line'], text) : text;
}

/** The English, CLI-neutral sentence of a reason. */
export function reasonText(why: NoticeReason): string {
  return fillReason(NOTICE_REASONS_EN[why.reasonCode], why.params, ENGLISH_WORDS);
}
