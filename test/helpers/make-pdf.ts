/**
 * Writes small real PDFs for tests: one Type0 font with Identity-H encoding and a ToUnicode CMap,
 * so text extraction yields Unicode (Chinese included) without embedding any font program. The
 * glyphs do not render; only the text layer matters here.
 */

/** A page is a list of lines, drawn top-down at the left margin. */
export type PdfPage = string[];

export function makePdf(pages: PdfPage[]): Buffer {
  const cids = new Map<string, number>();
  for (const page of pages) {
    for (const line of page) {
      for (const ch of line) if (!cids.has(ch)) cids.set(ch, cids.size + 1);
    }
  }

  // Object numbers: 1 catalog, 2 pages, 3 Type0 font, 4 CIDFont, 5 descriptor, 6 ToUnicode,
  // then a page object and a content stream per page.
  const objects: string[] = [];
  const pageObj = (i: number): number => 7 + i * 2;
  const kids = pages.map((_, i) => `${pageObj(i)} 0 R`).join(' ');
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${kids}] /Count ${pages.length} >>`;
  objects[3] =
    '<< /Type /Font /Subtype /Type0 /BaseFont /RagTestFont /Encoding /Identity-H ' +
    '/DescendantFonts [4 0 R] /ToUnicode 6 0 R >>';
  const widths = [...cids].map(([ch, cid]) => `${cid} [${ch.codePointAt(0)! < 0x80 ? 500 : 1000}]`).join(' ');
  objects[4] =
    '<< /Type /Font /Subtype /CIDFontType2 /BaseFont /RagTestFont ' +
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> ' +
    `/FontDescriptor 5 0 R /DW 1000 /W [${widths}] /CIDToGIDMap /Identity >>`;
  objects[5] =
    '<< /Type /FontDescriptor /FontName /RagTestFont /Flags 4 /FontBBox [0 -200 1000 900] ' +
    '/ItalicAngle 0 /Ascent 900 /Descent -200 /CapHeight 700 /StemV 80 >>';
  objects[6] = stream(toUnicodeCMap(cids));
  pages.forEach((lines, i) => {
    objects[pageObj(i)] =
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] ' +
      `/Resources << /Font << /F1 3 0 R >> >> /Contents ${pageObj(i) + 1} 0 R >>`;
    const body = lines.map((line, n) => `${n === 0 ? '' : '0 -20 Td '}<${hex(line, cids)}> Tj`).join('\n');
    objects[pageObj(i) + 1] = stream(`BT\n/F1 12 Tf\n72 770 Td\n${body}\nET`);
  });

  // Everything above is ASCII, so string length equals byte length for the xref offsets.
  let out = '%PDF-1.7\n';
  const offsets: number[] = [];
  for (let n = 1; n < objects.length; n++) {
    offsets[n] = out.length;
    out += `${n} 0 obj\n${objects[n]}\nendobj\n`;
  }
  const xrefAt = out.length;
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let n = 1; n < objects.length; n++) out += `${String(offsets[n]).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function stream(content: string): string {
  return `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`;
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
