import { Parser } from 'htmlparser2';

import { decodeText } from '../encoding.js';

/** Elements whose content is never visible text. `<title>` is read separately. */
const HIDDEN = new Set(['head', 'script', 'style', 'noscript', 'template', 'svg', 'iframe', 'object', 'canvas']);
/** Elements that start a paragraph: a blank line before and after. */
const PARAGRAPH = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'caption', 'details', 'dialog', 'div', 'dl', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup', 'hr', 'main',
  'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'ul',
]);
/** Elements that start a new line (`<br>` is a line break itself, not a mergeable one). */
const LINE = new Set(['li', 'tr', 'dt', 'dd', 'option']);
/** Elements whose neighbours must not run together. */
const CELL = new Set(['td', 'th']);

/** Placeholders for block boundaries; text nodes cannot contain them once whitespace is collapsed. */
const LINE_BREAK = '\u0001';
const PARAGRAPH_BREAK = '\u0002';

const CJK_NEWLINE = /([\p{Script=Han}\u3000-\u303f\uff00-\uffef])[^\S\n]*\n\s*(?=[\p{Script=Han}\u3000-\u303f\uff00-\uffef])/gu;

/**
 * HTML: visible text only. Script, style, head and similar content is dropped (the `<title>`,
 * else the first `<h1>`, becomes the title); block elements become line breaks (paragraph-level
 * ones a blank line) so sentences do not run together; entities are decoded; whitespace runs
 * collapse to one space, except that a source line break between two Chinese characters
 * disappears (as CSS does) and line breaks inside `<pre>` are kept.
 */
export function loadHtml(buf: Buffer): { text: string; title?: string } {
  const out: string[] = [];
  let hidden = 0;
  let svg = 0;
  let pre = 0;
  let title: string | null = null;
  let inTitle = false;
  let titleText = '';
  let h1: string | null = null;
  let inH1 = false;
  let h1Text = '';

  const parser = new Parser(
    {
      onopentag(name) {
        if (name === 'svg') svg++;
        if (name === 'title' && svg === 0 && title === null) {
          inTitle = true;
          return;
        }
        if (HIDDEN.has(name)) hidden++;
        if (hidden > 0) return;
        if (name === 'pre') pre++;
        if (name === 'h1' && h1 === null) inH1 = true;
        if (name === 'br') out.push('\n');
        else if (PARAGRAPH.has(name)) out.push(PARAGRAPH_BREAK);
        else if (LINE.has(name)) out.push(LINE_BREAK);
        else if (CELL.has(name)) out.push(' ');
      },
      ontext(data) {
        if (inTitle) {
          titleText += data;
          return;
        }
        if (hidden > 0) return;
        if (inH1) h1Text += data;
        if (pre > 0) {
          out.push(data.replace(/\r\n?/g, '\n'));
        } else {
          out.push(data.replace(CJK_NEWLINE, '$1').replace(/\s+/g, ' '));
        }
      },
      onclosetag(name) {
        if (name === 'svg' && svg > 0) svg--;
        if (name === 'title' && inTitle) {
          inTitle = false;
          title = collapse(titleText);
          return;
        }
        if (HIDDEN.has(name)) {
          if (hidden > 0) hidden--;
          return;
        }
        if (hidden > 0) return;
        if (name === 'pre' && pre > 0) pre--;
        if (name === 'h1' && inH1) {
          inH1 = false;
          h1 = collapse(h1Text);
        }
        if (PARAGRAPH.has(name)) out.push(PARAGRAPH_BREAK);
        else if (LINE.has(name)) out.push(LINE_BREAK);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(decodeText(buf).text);
  parser.end();

  const text = out
    .join('')
    // Adjacent breaks merge ("</li><li>" is one line break), the stronger one wins.
    .replace(/[^\S\n]*[\u0001\u0002][\s\u0001\u0002]*/g, (run) => (run.includes(PARAGRAPH_BREAK) ? '\n\n' : '\n'))
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  const chosen = title || h1 || undefined;
  return chosen === undefined ? { text } : { text, title: chosen };
}

function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
