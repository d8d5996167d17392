/**
 * Builds, for real, the kind of folder people point `rag ingest` at: good documents next to empty,
 * binary, damaged, encrypted, scanned, badly encoded, huge, deeply nested and looping files.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import iconv from 'iconv-lite';

import { makePdf, makeScannedPdf } from './make-pdf.js';

/** Text of the one-line file: 5 MiB of letters and digits, no space, newline or punctuation. */
export const LONG_LINE_LENGTH = 5 * 1024 * 1024;
export function longLine(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const parts: string[] = [];
  for (let i = 0; i < LONG_LINE_LENGTH; i++) parts.push(alphabet[(i * 7919) % alphabet.length]!);
  return parts.join('');
}

/** Levels of the deep (but openable) folder chain. */
export const DEEP_LEVELS = 200;
export const deepRelDir = (): string => Array.from({ length: DEEP_LEVELS }, (_, i) => `level-${i}`).join('/');

/** Writes `size` bytes of plain English text lines in 1 MiB writes (a few hundred ms for 200 MiB). */
export async function writeLargeText(file: string, size: number): Promise<void> {
  const line = 'The archive lists every shipment of the northern warehouse in order. ';
  const block = Buffer.from(`${line.repeat(Math.ceil((1024 * 1024) / line.length))}`.slice(0, 1024 * 1024 - 1) + '\n');
  const handle = await fs.open(file, 'w');
  try {
    for (let written = 0; written < size; written += block.length) {
      await handle.write(block, 0, Math.min(block.length, size - written));
    }
  } finally {
    await handle.close();
  }
}

/** What ingest must say about each entry: its notice code, or null for "ingested cleanly". */
export interface MessyEntry {
  rel: string;
  code: string | null;
}

/**
 * Fills `root` (which must exist). `bigFile` (an existing large file) is hard-linked in as
 * `huge.txt` so the 200 MiB are written once per test file.
 */
export async function makeMessyFolder(root: string, bigFile: string): Promise<MessyEntry[]> {
  const write = async (rel: string, content: string | Buffer): Promise<void> => {
    const file = path.join(root, ...rel.split('/'));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
  };
  const pages = [['Quarterly heliotrope report', 'Revenue of the greenhouse grew.'], ['Second page about marigolds.']];

  await write('good/garden.md', '# Heliotrope\n\nThe heliotrope garden opens at dawn and closes at dusk.\n');
  await write('good/向量.txt', '向量数据库把文本切成块，再为每一块计算向量。\n');
  await write('gbk.txt', iconv.encode('旧系统导出的文件用国标码保存，检索时不能变成乱码。\n', 'gbk'));
  await write(
    'invalid-utf8.txt',
    Buffer.concat([
      Buffer.from('损坏的字节混在正常的中文里：向量检索仍然可以工作。', 'utf8'),
      Buffer.from([0xff, 0xfe, 0x80]),
      Buffer.from(' The saxophone inventory follows. 后面还有一段话。\n', 'utf8'),
    ]),
  );
  await write('empty.txt', '');
  await write('blank.md', ' \n\t\n');
  // PNG signature, an IHDR-like header and pseudo-random bytes with NULs: not text.
  const binary = Buffer.alloc(4096);
  for (let i = 0; i < binary.length; i++) binary[i] = (i * 131 + 7) % 256;
  await write('binary.txt', Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), binary]));
  const full = makePdf(pages);
  await write('truncated.pdf', full.subarray(0, Math.floor(full.length * 0.6)));
  await write('encrypted.pdf', makePdf(pages, { encrypt: { userPassword: 'secret', ownerPassword: 'owner' } }));
  await write('owner-only.pdf', makePdf([['Protected tangerine memo', 'Only printing is restricted.']], { encrypt: { userPassword: '', ownerPassword: 'owner' } }));
  await write('scanned.pdf', makeScannedPdf(2));
  await write('long-line.txt', longLine());
  await write(`${deepRelDir()}/bottom.md`, '# Bottom\n\nThe deepest note mentions a quokka.\n');
  await fs.link(bigFile, path.join(root, 'huge.txt'));
  // A folder whose link leads back to its own parent: a walk that follows it never ends.
  await fs.mkdir(path.join(root, 'loop', 'inner'), { recursive: true });
  await write('loop/inner/note.md', 'A note inside the loop folder about walruses.\n');
  await fs.symlink('..', path.join(root, 'loop', 'inner', 'back'));
  await fs.symlink('missing-target.md', path.join(root, 'dangling.md'));
  execFileSync('mkfifo', [path.join(root, 'pipe.txt')]);
  // Deeper than PATH_MAX (4096): 140 folders of 30 characters. Built as two chains of 70 that
  // are each short enough to create, then the second is moved under the first (rename(2) takes
  // two short paths), because no path to the bottom can be opened.
  const segment = 'x'.repeat(30);
  const half = Array.from({ length: 70 }, () => segment).join('/');
  await fs.mkdir(path.join(root, 'too-deep', half), { recursive: true });
  await fs.mkdir(path.join(root, 'too-deep-tail', half), { recursive: true });
  await fs.writeFile(path.join(root, 'too-deep-tail', half, 'lost.md'), 'Nobody can open this file by its path.\n');
  await fs.rename(path.join(root, 'too-deep-tail', segment), path.join(root, 'too-deep', half, 'y'));
  await fs.rmdir(path.join(root, 'too-deep-tail'));

  return [
    { rel: 'good/garden.md', code: null },
    { rel: 'good/向量.txt', code: null },
    // A note, not a problem: the file is ingested, and the notice names the encoding it was read in.
    { rel: 'gbk.txt', code: 'legacy-encoding' },
    { rel: 'invalid-utf8.txt', code: 'invalid-encoding' },
    { rel: 'empty.txt', code: 'empty' },
    { rel: 'blank.md', code: 'empty' },
    { rel: 'binary.txt', code: 'binary' },
    { rel: 'truncated.pdf', code: 'corrupt' },
    { rel: 'encrypted.pdf', code: 'encrypted' },
    { rel: 'owner-only.pdf', code: null },
    { rel: 'scanned.pdf', code: 'no-text' },
    { rel: 'long-line.txt', code: null },
    { rel: `${deepRelDir()}/bottom.md`, code: null },
    { rel: 'huge.txt', code: 'too-large' },
    { rel: 'loop/inner/note.md', code: null },
    { rel: 'loop/inner/back', code: 'symlink-loop' },
    { rel: 'dangling.md', code: 'broken-link' },
    { rel: 'pipe.txt', code: 'not-a-file' },
    // The first folder whose path is longer than PATH_MAX (prefix match: it lies deep in too-deep/).
    { rel: 'too-deep/', code: 'path-too-long' },
  ];
}

/** Removes a tree that may be deeper than PATH_MAX (fs.rm works with whole paths and fails there). */
export function removeTree(dir: string): void {
  execFileSync('rm', ['-rf', dir]);
}
