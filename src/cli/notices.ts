/** How `rag ingest` and `rag eval` print a discovery/loading notice: one line, the same in both. */
import path from 'node:path';
import type { LoadNotice } from '../ingest/discover.js';
import { err } from './ui.js';

const NOTICE_LABEL = {
  failed: err.red('failed'),
  skipped: err.yellow('skipped'),
  warning: err.yellow('warning'),
  note: err.dim('note'),
} as const;

/** `<kind> <path>: <reason>`, the path relative to the working directory when inside it. */
export function noticeLine(notice: LoadNotice): string {
  return `${NOTICE_LABEL[notice.kind]} ${displayPath(notice.path)}: ${notice.reason}`;
}

export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') ? rel : p;
}
