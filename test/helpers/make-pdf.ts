/**
 * Writes small real PDFs for tests: one Type0 font with Identity-H encoding and a ToUnicode CMap,
 * so text extraction yields Unicode (Chinese included) without embedding any font program. The
 * glyphs do not render; only the text layer matters here.
 *
 * Also: PDFs encrypted with the Standard Security Handler (revision 2, RC4 40-bit, computed as the
 * PDF specification's algorithms 2-4 describe), and scanned-style PDFs whose pages only draw an
 * image (no text operators at all).
 */
import { createHash } from 'node:crypto';

/**
 * A line of text: a string is 12-point body text 20 units below the previous line; an object
 * can set its font size and its baseline distance from the previous line (a title, a paragraph gap).
 */
export type PdfLine = string | { text: string; size?: number; gap?: number };

/** A page is a list of lines, drawn top-down at the left margin. */
export type PdfPage = PdfLine[];

const lineText = (line: PdfLine): string => (typeof line === 'string' ? line : line.text);

export interface PdfOptions {
  /**
   * Encrypt strings and streams. With a non-empty `userPassword` a reader needs it to open the
   * file; with an empty one anyone can open it (only the owner password restricts permissions).
   */
  encrypt?: { userPassword: string; ownerPassword: string };
}

export function makePdf(pages: PdfPage[], options: PdfOptions = {}): Buffer {
  const cids = new Map<string, number>();
  for (const page of pages) {
    for (const line of page) {
      for (const ch of lineText(line)) if (!cids.has(ch)) cids.set(ch, cids.size + 1);
    }
  }

  // Object numbers: 1 catalog, 2 pages, 3 Type0 font, 4 CIDFont, 5 descriptor, 6 ToUnicode,
  // then a page object and a content stream per page.
  const objects: ObjectBody[] = [];
  const pageObj = (i: number): number => 7 + i * 2;
  const kids = pages.map((_, i) => `${pageObj(i)} 0 R`).join(' ');
  objects[1] = () => '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = () => `<< /Type /Pages /Kids [${kids}] /Count ${pages.length} >>`;
  objects[3] = () =>
    '<< /Type /Font /Subtype /Type0 /BaseFont /RagTestFont /Encoding /Identity-H ' +
    '/DescendantFonts [4 0 R] /ToUnicode 6 0 R >>';
  const widths = [...cids].map(([ch, cid]) => `${cid} [${ch.codePointAt(0)! < 0x80 ? 500 : 1000}]`).join(' ');
  objects[4] = (w) =>
    '<< /Type /Font /Subtype /CIDFontType2 /BaseFont /RagTestFont ' +
    `/CIDSystemInfo << /Registry ${w.string('Adobe')} /Ordering ${w.string('Identity')} /Supplement 0 >> ` +
    `/FontDescriptor 5 0 R /DW 1000 /W [${widths}] /CIDToGIDMap /Identity >>`;
  objects[5] = () =>
    '<< /Type /FontDescriptor /FontName /RagTestFont /Flags 4 /FontBBox [0 -200 1000 900] ' +
    '/ItalicAngle 0 /Ascent 900 /Descent -200 /CapHeight 700 /StemV 80 >>';
  objects[6] = (w) => w.stream(toUnicodeCMap(cids));
  pages.forEach((lines, i) => {
    objects[pageObj(i)] = () =>
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] ' +
      `/Resources << /Font << /F1 3 0 R >> >> /Contents ${pageObj(i) + 1} 0 R >>`;
    const body = lines
      .map((line, n) => {
        const size = typeof line === 'string' ? 12 : (line.size ?? 12);
        const gap = typeof line === 'string' ? 20 : (line.gap ?? 20);
        return `/F1 ${size} Tf ${n === 0 ? '' : `0 -${gap} Td `}<${hex(lineText(line), cids)}> Tj`;
      })
      .join('\n');
    objects[pageObj(i) + 1] = (w) => w.stream(`BT\n72 770 Td\n${body}\nET`);
  });
  return serialize(objects, options);
}

/**
 * A PDF like a scanner makes: each page only paints an (8x8 grey) image, so there is no text
 * layer and no text operator anywhere in the file.
 */
export function makeScannedPdf(pageCount: number): Buffer {
  const objects: ObjectBody[] = [];
  const pageObj = (i: number): number => 4 + i * 2;
  objects[1] = () => '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = () =>
    `<< /Type /Pages /Kids [${Array.from({ length: pageCount }, (_, i) => `${pageObj(i)} 0 R`).join(' ')}] /Count ${pageCount} >>`;
  let pixels = '';
  for (let i = 0; i < 64; i++) pixels += String.fromCharCode((i * 37) % 256);
  objects[3] = (w) => w.stream(pixels, '/Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 8');
  for (let i = 0; i < pageCount; i++) {
    objects[pageObj(i)] = () =>
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] ' +
      `/Resources << /XObject << /Im1 3 0 R >> >> /Contents ${pageObj(i) + 1} 0 R >>`;
    objects[pageObj(i) + 1] = (w) => w.stream('q 500 0 0 700 48 70 cm /Im1 Do Q');
  }
  return serialize(objects, {});
}

/** How an object writes its strings and streams: plain, or encrypted with its own key. */
interface ObjectWriter {
  string(text: string): string;
  stream(content: string, dictionary?: string): string;
}
type ObjectBody = (writer: ObjectWriter) => string;

function serialize(objects: ObjectBody[], options: PdfOptions): Buffer {
  const fileId = createHash('md5').update(`rag-test-${objects.length}`).digest();
  const security = options.encrypt ? standardSecurity(options.encrypt, fileId) : undefined;
  const bodies: string[] = [];
  for (let n = 1; n < objects.length; n++) {
    const key = security?.objectKey(n, 0);
    const crypt = (s: string): string => (key === undefined ? s : rc4(key, Buffer.from(s, 'latin1')).toString('latin1'));
    bodies[n] = objects[n]!({
      string: (text) => (key === undefined ? `(${text})` : `<${Buffer.from(crypt(text), 'latin1').toString('hex')}>`),
      stream: (content, dictionary = '') => {
        const data = crypt(content);
        return `<< ${dictionary}${dictionary ? ' ' : ''}/Length ${data.length} >>\nstream\n${data}\nendstream`;
      },
    });
  }
  // The encryption dictionary itself is never encrypted.
  if (security) bodies.push(security.dictionary);
  const encryptRef = security ? bodies.length - 1 : undefined;

  // Bodies are latin1 strings, so string length equals byte length for the xref offsets.
  let out = '%PDF-1.7\n';
  const offsets: number[] = [];
  for (let n = 1; n < bodies.length; n++) {
    offsets[n] = out.length;
    out += `${n} 0 obj\n${bodies[n]}\nendobj\n`;
  }
  const xrefAt = out.length;
  out += `xref\n0 ${bodies.length}\n0000000000 65535 f \n`;
  for (let n = 1; n < bodies.length; n++) out += `${String(offsets[n]).padStart(10, '0')} 00000 n \n`;
  const id = fileId.toString('hex');
  const encrypt = encryptRef === undefined ? '' : ` /Encrypt ${encryptRef} 0 R`;
  out += `trailer\n<< /Size ${bodies.length} /Root 1 0 R${encrypt} /ID [<${id}> <${id}>] >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** The padding string of the Standard Security Handler (PDF 32000-1, 7.6.3.3). */
const PASSWORD_PAD = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');
/** Every permission granted; bits 1-2 must be 0 and the value is a signed 32-bit integer. */
const PERMISSIONS = -4;

function padPassword(password: string): Buffer {
  return Buffer.concat([Buffer.from(password, 'latin1'), PASSWORD_PAD]).subarray(0, 32);
}

/** Revision 2 (RC4, 40-bit key): algorithms 2 (file key), 3 (O entry) and 4 (U entry). */
function standardSecurity(
  passwords: { userPassword: string; ownerPassword: string },
  fileId: Buffer,
): { dictionary: string; objectKey(num: number, gen: number): Buffer } {
  const md5 = (...parts: Buffer[]): Buffer => createHash('md5').update(Buffer.concat(parts)).digest();
  const ownerKey = md5(padPassword(passwords.ownerPassword || passwords.userPassword)).subarray(0, 5);
  const o = rc4(ownerKey, padPassword(passwords.userPassword));
  const p = Buffer.alloc(4);
  p.writeInt32LE(PERMISSIONS);
  const fileKey = md5(padPassword(passwords.userPassword), o, p, fileId).subarray(0, 5);
  const u = rc4(fileKey, PASSWORD_PAD);
  return {
    dictionary: `<< /Filter /Standard /V 1 /R 2 /O <${o.toString('hex')}> /U <${u.toString('hex')}> /P ${PERMISSIONS} >>`,
    objectKey: (num, gen) => {
      const suffix = Buffer.from([num & 0xff, (num >> 8) & 0xff, (num >> 16) & 0xff, gen & 0xff, (gen >> 8) & 0xff]);
      return md5(fileKey, suffix).subarray(0, Math.min(fileKey.length + 5, 16));
    },
  };
}

/** RC4 in plain code: OpenSSL 3 only offers it through its legacy provider. */
function rc4(key: Buffer, data: Buffer): Buffer {
  const s = new Uint8Array(256);
  for (let i = 0; i < 256; i++) s[i] = i;
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = Buffer.alloc(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff;
    j = (j + s[i]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 0xff]!;
  }
  return out;
}

function hex(line: string, cids: Map<string, number>): string {
  return [...line].map((ch) => cids.get(ch)!.toString(16).padStart(4, '0')).join('');
}

function utf16Hex(ch: string): string {
  let out = '';
  for (let i = 0; i < ch.length; i++) out += ch.charCodeAt(i).toString(16).padStart(4, '0');
  return out;
}

function toUnicodeCMap(cids: Map<string, number>): string {
  const entries = [...cids].map(([ch, cid]) => `<${cid.toString(16).padStart(4, '0')}> <${utf16Hex(ch)}>`);
  const blocks: string[] = [];
  // A bfchar block holds at most 100 mappings.
  for (let i = 0; i < entries.length; i += 100) {
    const block = entries.slice(i, i + 100);
    blocks.push(`${block.length} beginbfchar\n${block.join('\n')}\nendbfchar`);
  }
  return [
    '/CIDInit /ProcSet findresource begin',
    '12 dict begin',
    'begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
    '/CMapName /Adobe-Identity-UCS def',
    '/CMapType 2 def',
    '1 begincodespacerange',
    '<0000> <FFFF>',
    'endcodespacerange',
    ...blocks,
    'endcmap',
    'CMapName currentdict /CIDInit /ProcSet findresource defineresource pop',
    'end',
    'end',
  ].join('\n');
}
