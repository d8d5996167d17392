import { decodeText } from '../encoding.js';
import { normalizeNewlines } from '../normalize.js';

/**
 * Markdown: the source text is kept (the chunker reads headings from it) minus a YAML front
 * matter block. Title: the front matter's `title`, else the first level-1 ATX heading (`# `)
 * outside fenced code.
 */
export function loadMarkdown(buf: Buffer): { text: string; title?: string } {
  const source = normalizeNewlines(decodeText(buf).text);
  const { body, frontMatter } = splitFrontMatter(source);
  const title = (frontMatter === null ? undefined : frontMatterTitle(frontMatter)) ?? firstH1(body);
  return title === undefined ? { text: body } : { text: body, title };
}

/**
 * How many characters at the start of a Markdown source (newlines already normalised) the loader
 * drops as front matter: chunk offsets plus this are offsets into the source.
 */
export function frontMatterLength(source: string): number {
  return source.length - splitFrontMatter(source).body.length;
}

/** Front matter is a `---` line at the very start, closed by a `---` or `...` line. */
function splitFrontMatter(source: string): { body: string; frontMatter: string | null } {
  const open = /^---[ \t]*\n/.exec(source);
  if (!open) return { body: source, frontMatter: null };
  const close = /^(?:---|\.\.\.)[ \t]*$/m;
  const rest = source.slice(open[0].length);
  const end = close.exec(rest);
  if (!end) return { body: source, frontMatter: null };
  const afterClose = rest.slice(end.index + end[0].length);
  return { frontMatter: rest.slice(0, end.index), body: afterClose.replace(/^\n+/, '') };
}

/** The top-level `title:` scalar, unquoted; not a full YAML parser. */
function frontMatterTitle(yaml: string): string | undefined {
  const m = /^title:[ \t]*(.*?)[ \t]*$/m.exec(yaml);
  if (!m) return undefined;
  let value = m[1] ?? '';
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === 'string') value = parsed;
    } catch {
      value = value.slice(1, -1);
    }
  } else if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
    value = value.slice(1, -1).replace(/''/g, "'");
  } else {
    value = value.replace(/[ \t]+#.*$/, ''); // trailing YAML comment
  }
  value = value.trim();
  return value === '' ? undefined : value;
}

function firstH1(body: string): string | undefined {
  let fence: string | null = null;
  for (const line of body.split('\n')) {
    const fenceMark = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (fenceMark) {
      const mark = fenceMark[1] ?? '';
      if (fence === null) fence = mark;
      else if (mark[0] === fence[0] && mark.length >= fence.length && (fenceMark[2] ?? '').trim() === '') fence = null;
      continue;
    }
    if (fence !== null) continue;
    const h1 = /^ {0,3}#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
    const text = h1?.[1]?.trim();
    if (text) return text;
  }
  return undefined;
}
