/**
 * Markdown structure the chunker needs: sections under ATX headings and fenced code blocks.
 * Not a Markdown parser: it reads lines, which is enough to keep `# comment` lines inside code
 * fences from being taken for headings.
 */
import type { Span } from './sentences.js';

/** The text from one heading line up to the next heading (or from the start to the first). */
export interface MarkdownSection extends Span {
  /** Heading path, outermost first; empty before the first heading. */
  headings: string[];
  /** Where the section's body begins: after its heading line (equal to `start` without one). */
  bodyStart: number;
}

export interface MarkdownStructure {
  /** Consecutive sections covering the whole text, in order. */
  sections: MarkdownSection[];
  /** Fenced code blocks from the opening fence line to the end of the closing one, in order. */
  codeFences: Span[];
}

const FENCE_OPEN = /^\s*(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^\s*(`{3,}|~{3,})\s*$/;
// CommonMark: at most 3 spaces of indentation, 1-6 `#`, then whitespace or the end of the line.
const ATX_HEADING = /^ {0,3}(#{1,6})(?=[ \t]|$)(.*)$/;

/** The heading's text without the optional closing `#` sequence ("## Install ##" -> "Install"). */
function headingText(rest: string): string {
  const trimmed = rest.trim();
  if (/^#+$/.test(trimmed)) return '';
  return trimmed.replace(/[ \t]+#+$/, '').trim();
}

/** Finds ATX headings (outside fenced code) and fenced code blocks in Markdown text. */
export function parseMarkdownStructure(text: string): MarkdownStructure {
  const sections: MarkdownSection[] = [];
  const codeFences: Span[] = [];
  const path: Array<{ level: number; text: string }> = [];
  let sectionStart = 0;
  let sectionBody = 0;
  let sectionHeadings: string[] = [];
  let fence: { char: string; length: number; start: number } | null = null;

  let lineStart = 0;
  while (lineStart <= text.length) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const line = text.slice(lineStart, lineEnd).replace(/\r$/, '');

    if (fence) {
      const close = FENCE_CLOSE.exec(line);
      const marker = close?.[1];
      if (marker && marker[0] === fence.char && marker.length >= fence.length) {
        codeFences.push({ start: fence.start, end: lineEnd });
        fence = null;
      }
    } else {
      const open = FENCE_OPEN.exec(line);
      const marker = open?.[1];
      // A backtick fence's info string cannot contain backticks (else it is inline code).
      if (marker && !(marker[0] === '`' && (open[2] ?? '').includes('`'))) {
        fence = { char: marker[0] ?? '`', length: marker.length, start: lineStart };
      } else {
        const heading = ATX_HEADING.exec(line);
        if (heading) {
          const level = heading[1]?.length ?? 1;
          if (lineStart > sectionStart) {
            sections.push({ start: sectionStart, end: lineStart, headings: sectionHeadings, bodyStart: sectionBody });
          }
          while (path.length > 0 && (path[path.length - 1]?.level ?? 0) >= level) path.pop();
          path.push({ level, text: headingText(heading[2] ?? '') });
          sectionStart = lineStart;
          sectionBody = lineEnd;
          sectionHeadings = path.map((h) => h.text);
        }
      }
    }
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  // An unclosed fence runs to the end of the document, as in CommonMark.
  if (fence) codeFences.push({ start: fence.start, end: text.length });
  sections.push({ start: sectionStart, end: text.length, headings: sectionHeadings, bodyStart: sectionBody });
  return { sections, codeFences };
}
