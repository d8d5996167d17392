/**
 * Splits a loaded document into chunks that fit the embedding model.
 *
 * The split is recursive and follows the document's structure: a paragraph that fits stays
 * whole; one that does not is split into lines, then sentences, then (for an overlong sentence)
 * clauses, then words, and only then cut by length. The resulting pieces are packed greedily,
 * in order, into chunks of at most `chunkSize`. Chunks never cross a Markdown section or a PDF
 * page, and consecutive chunks share whole trailing sentences as overlap.
 */
import { RagError } from '../errors.js';
import { splitBlocks, splitLogicalLines, splitRawLines, type Block } from './blocks.js';
import { parseMarkdownStructure, type MarkdownStructure } from './markdown-sections.js';
import { isTrailingPunctuation, splitClauses, splitSentences, splitWords, trimSpan, type Span } from './sentences.js';
import type { LengthFunction, LoadedDocument } from './types.js';
import type { Chunk } from '../model/document.js';
import type { ChunkingOptions } from '../model/chunking.js';

/**
 * Version of the chunker's output. Bump it whenever the same document and options can produce
 * different chunks (boundaries, pages, headings): cached chunk lists (src/ingest/chunk-cache.ts)
 * are keyed by it, and a stale one would otherwise be served as if fresh.
 */
export const CHUNKER_VERSION = 3;


/**
 * The {@link LengthFunction} for models without a tokenizer: the number of Unicode code points,
 * so an emoji or a rare CJK character outside the BMP counts once, not twice as in `.length`.
 */
export function characterLength(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

/** Throws a {@link RagError} naming the option (`details.advice` lets the CLI name its flag) when chunking options are unusable. */
export function validateChunkingOptions(options: ChunkingOptions): void {
  const { chunkSize, chunkOverlap, lengthUnit } = options;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new RagError('usage', `chunkSize (${String(chunkSize)}) must be a positive whole number`, { details: { advice: 'chunk-size', chunkSize: String(chunkSize) } });
  }
  if (!Number.isInteger(chunkOverlap) || chunkOverlap < 0) {
    throw new RagError('usage', `chunkOverlap (${String(chunkOverlap)}) must be a whole number, 0 or more`, { details: { advice: 'chunk-overlap', chunkOverlap: String(chunkOverlap) } });
  }
  if (chunkOverlap >= chunkSize) {
    throw new RagError('usage', `chunkOverlap (${chunkOverlap}) must be smaller than chunkSize (${chunkSize})`, { details: { advice: 'chunk-overlap-size', chunkOverlap, chunkSize } });
  }
  if (lengthUnit !== 'tokens' && lengthUnit !== 'characters') {
    throw new RagError('usage', `chunk length unit "${String(lengthUnit)}" must be "tokens" or "characters"`);
  }
}

/** A stretch of the document that chunks stay inside: one Markdown section on one page. */
interface Region extends Span {
  page: number | null;
  headings: string[];
}

/** A sentence (or, for overlong sentences, a clause or fragment): the unit of overlap. */
interface Unit extends Span {
  /** Measured length minus the length function's fixed overhead; measured on first use. */
  cost?: number;
}

/** The indivisible item the packer places: a whole paragraph, line, sentence or fragment. */
interface Piece extends Span {
  cost: number;
  units: Unit[];
}

/**
 * Measures spans of one document. Costs are additive estimates: `length(a + b)` is taken as
 * `cost(a) + cost(gap) + cost(b) + overhead`, where `overhead = length('')` accounts for
 * tokenizers that count special tokens. That is exact for characters and close for tokens
 * (subword merges across a boundary are rare because pieces end at whitespace or punctuation);
 * every finished chunk is measured once more as a whole and shrunk if the estimate was low.
 */
class Meter {
  readonly overhead: number;
  constructor(
    private readonly text: string,
    private readonly length: LengthFunction,
    readonly chunkSize: number,
  ) {
    const empty = length('');
    this.overhead = Number.isFinite(empty) && empty > 0 && empty < chunkSize ? empty : 0;
  }

  /** The raw `length` of a span. */
  measure(start: number, end: number): number {
    return this.length(this.text.slice(start, end));
  }

  cost(start: number, end: number): number {
    return Math.max(0, this.measure(start, end) - this.overhead);
  }

  /** The cost of the text between two spans (whitespace, usually). */
  gap(before: Span, after: Span): number {
    return before.end >= after.start ? 0 : this.cost(before.end, after.start);
  }

  unitCost(unit: Unit): number {
    unit.cost ??= this.cost(unit.start, unit.end);
    return unit.cost;
  }
}

/**
 * Splits a document into chunks of at most `options.chunkSize` as measured by `length`
 * (model tokens, or {@link characterLength}).
 *
 * - Chunk text is `doc.text.slice(start, end)`: trimmed, never empty. Ids are `${docId}#${index}`.
 * - PDF pages (`doc.pages`) and Markdown sections are never crossed; chunks carry their page
 *   (null for unpaged formats) and, for Markdown, the heading path. A Markdown section holding
 *   nothing but its heading line yields no chunk: its heading shows up in its subsections' paths
 *   (unless the document has nothing but headings: then they are its chunks).
 * - Consecutive chunks of one page/section share the previous chunk's trailing whole sentences
 *   totalling at most `chunkOverlap` (none when the last sentence alone is longer), reduced as
 *   needed so no chunk exceeds `chunkSize`. Inside a sentence too long for one chunk, its
 *   clauses or words play the part of sentences, so such a sentence is cut with a sliding overlap.
 *   In fenced code, lines do.
 * - `length` is called about once per piece plus once per chunk, never on growing prefixes, so an
 *   expensive tokenizer stays affordable on long documents.
 * - A single character that alone measures more than `chunkSize` is the only way a chunk can
 *   exceed it.
 *
 * Empty or whitespace-only documents give `[]`. Invalid options throw a {@link RagError}.
 */
export function chunkDocument(doc: LoadedDocument, options: ChunkingOptions, length: LengthFunction): Chunk[] {
  validateChunkingOptions(options);
  const text = doc.text;
  if (trimSpan(text, 0, text.length) === null) return [];

  const meter = new Meter(text, length, options.chunkSize);
  const markdown = doc.format === 'markdown' ? parseMarkdownStructure(text) : undefined;
  const fences = markdown?.codeFences ?? [];
  const chunks: Chunk[] = [];
  for (const region of regionsOf(doc, markdown)) {
    const pieces = piecesOf(text, region, fences, meter);
    for (const span of packPieces(pieces, meter, options.chunkOverlap)) {
      const index = chunks.length;
      chunks.push({
        id: `${doc.docId}#${index}`,
        docId: doc.docId,
        index,
        text: text.slice(span.start, span.end),
        page: region.page,
        start: span.start,
        end: span.end,
        headings: [...region.headings],
      });
    }
  }
  return chunks;
}

/** Markdown sections (or the whole text) intersected with pages (or the whole text). */
function regionsOf(doc: LoadedDocument, markdown: MarkdownStructure | undefined): Region[] {
  const text = doc.text;
  let sections = [{ start: 0, end: text.length, headings: [] as string[] }];
  const found = markdown?.sections ?? doc.sections;
  if (found !== undefined && found.length > 0) {
    const withBody = found.filter((s) => trimSpan(text, s.bodyStart, s.end) !== null);
    // A document of headings only still needs chunks, or it is stored but can never be found.
    sections = (withBody.length > 0 ? withBody : found).map((s) => ({ start: s.start, end: s.end, headings: s.headings }));
  }
  const pages = pageSpans(doc);
  const regions: Region[] = [];
  let p = 0;
  for (const section of sections) {
    while (p < pages.length && (pages[p]?.end ?? 0) <= section.start) p++;
    for (let q = p; q < pages.length; q++) {
      const page = pages[q];
      if (!page || page.start >= section.end) break;
      const start = Math.max(section.start, page.start);
      const end = Math.min(section.end, page.end);
      if (start < end) regions.push({ start, end, page: page.page, headings: section.headings });
    }
  }
  return regions;
}

/**
 * Sorted, non-overlapping page ranges covering the text. Text outside every declared page (a
 * loader's separator, normally whitespace) gets page `null` rather than being dropped.
 */
function pageSpans(doc: LoadedDocument): Array<Span & { page: number | null }> {
  const length = doc.text.length;
  if (!doc.pages || doc.pages.length === 0) return [{ start: 0, end: length, page: null }];
  const sorted = [...doc.pages].sort((a, b) => a.start - b.start || a.end - b.end);
  const spans: Array<Span & { page: number | null }> = [];
  let covered = 0;
  for (const page of sorted) {
    const start = Math.max(covered, Math.min(page.start, length));
    const end = Math.min(page.end, length);
    if (start > covered) spans.push({ start: covered, end: start, page: null });
    if (end > start) {
      spans.push({ start, end, page: page.page });
      covered = end;
    }
  }
  if (covered < length) spans.push({ start: covered, end: length, page: null });
  return spans;
}

/** The recursive split of one region into pieces that each fit `chunkSize`. */
function piecesOf(text: string, region: Region, fences: readonly Span[], meter: Meter): Piece[] {
  const pieces: Piece[] = [];
  const fits = (raw: number): boolean => raw <= meter.chunkSize;
  const push = (span: Span, raw: number, units: Unit[]): void => {
    const cost = Math.max(0, raw - meter.overhead);
    const only = units.length === 1 ? units[0] : undefined;
    if (only && only.start === span.start && only.end === span.end) only.cost = cost;
    pieces.push({ start: span.start, end: span.end, cost, units });
  };
  const sentencesOf = (span: Span): Unit[] => splitSentences(text, span.start, span.end);

  const fragments = (span: Span, level: 'clause' | 'word' | 'cut'): void => {
    if (level === 'cut') {
      for (const cut of hardCut(text, span, meter)) push(cut, cut.raw, [{ start: cut.start, end: cut.end }]);
      return;
    }
    const parts = level === 'clause' ? splitClauses(text, span.start, span.end) : splitWords(text, span.start, span.end);
    const next = level === 'clause' ? 'word' : 'cut';
    if (parts.length <= 1) {
      fragments(span, next);
      return;
    }
    for (const part of parts) {
      const raw = meter.measure(part.start, part.end);
      if (fits(raw)) push(part, raw, [{ ...part }]);
      else fragments(part, next);
    }
  };

  const lineUnits = (block: Block, line: Span): Unit[] => (block.kind === 'code' ? [{ ...line }] : sentencesOf(line));

  for (const block of splitBlocks(text, region.start, region.end, fences)) {
    const lines =
      block.kind === 'code'
        ? splitRawLines(text, block.start, block.end)
        : splitLogicalLines(text, block.start, block.end);
    const blockRaw = meter.measure(block.start, block.end);
    if (fits(blockRaw)) {
      push(block, blockRaw, lines.flatMap((line) => lineUnits(block, line)));
      continue;
    }
    for (const line of lines) {
      const lineRaw = meter.measure(line.start, line.end);
      if (fits(lineRaw)) {
        push(line, lineRaw, lineUnits(block, line));
        continue;
      }
      // Code lines have no sentences; prose lines do.
      const sentences = block.kind === 'code' ? [line] : sentencesOf(line);
      for (const sentence of sentences) {
        const raw = sentence === line ? lineRaw : meter.measure(sentence.start, sentence.end);
        if (fits(raw)) push(sentence, raw, [{ ...sentence }]);
        else fragments(sentence, 'clause');
      }
    }
  }
  return pieces;
}

/**
 * Cuts a span without any usable boundary into the longest prefixes that fit, on code point
 * boundaries. Each cut is found by doubling then bisecting the prefix length, so `length` sees
 * strings of at most about twice the chunk and is called O(log chunkSize) times per cut.
 */
function hardCut(text: string, span: Span, meter: Meter): Array<Span & { raw: number }> {
  const isHigh = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
  const isLow = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;
  // Never cut between the halves of a surrogate pair.
  const snap = (i: number): number => (isLow(text.charCodeAt(i)) && isHigh(text.charCodeAt(i - 1)) ? i - 1 : i);
  const size = meter.chunkSize;
  const cuts: Array<Span & { raw: number }> = [];
  let pos = span.start;
  while (pos < span.end) {
    // At least one code point per cut, even if it alone is too long: there is nothing smaller.
    let good = Math.min(span.end, pos + (isHigh(text.charCodeAt(pos)) ? 2 : 1));
    let goodRaw = meter.measure(pos, good);
    let bad = Number.POSITIVE_INFINITY;
    for (let step = size; ; step *= 2) {
      const probe = snap(Math.min(span.end, pos + step));
      if (probe > good) {
        const raw = meter.measure(pos, probe);
        if (raw > size) {
          bad = probe;
          break;
        }
        good = probe;
        goodRaw = raw;
      }
      if (probe >= span.end) break;
    }
    while (Number.isFinite(bad) && bad - good > 1) {
      const mid = snap(Math.floor((good + bad) / 2));
      if (mid <= good) break;
      const raw = meter.measure(pos, mid);
      if (raw > size) bad = mid;
      else {
        good = mid;
        goodRaw = raw;
      }
    }
    // Back off so punctuation is not orphaned at the start of the next cut ("…分层|；").
    let end = good;
    while (end < span.end && end - pos > 2 && isTrailingPunctuation(text.charCodeAt(end))) end = snap(end - 1);
    if (end !== good) {
      good = end;
      goodRaw = meter.measure(pos, good);
    }
    cuts.push({ start: pos, end: good, raw: goodRaw });
    pos = good;
  }
  return cuts;
}

/**
 * Greedy packing of pieces into chunk spans, with sentence overlap. See {@link chunkDocument}
 * for the rules; this returns `[start, end)` of each chunk in order.
 */
function packPieces(pieces: readonly Piece[], meter: Meter, chunkOverlap: number): Span[] {
  const out: Span[] = [];
  const budget = meter.chunkSize;
  const unitsCost = (units: readonly Unit[]): number => {
    let total = 0;
    units.forEach((unit, k) => {
      total += meter.unitCost(unit);
      const previous = units[k - 1];
      if (previous) total += meter.gap(previous, unit);
    });
    return total;
  };

  let overlap: Unit[] = [];
  /** Which pieces each chunk of `out` holds (its overlap lead aside): `[from, to)`. */
  const held: Array<{ from: number; to: number }> = [];
  let i = 0;
  while (i < pieces.length) {
    const first = pieces[i];
    if (!first) break;
    const from = i;
    let lead = overlap.slice();
    let leadCost = unitsCost(lead);
    const leadJoin = (): number => {
      const last = lead[lead.length - 1];
      return last ? leadCost + meter.gap(last, first) : 0;
    };
    while (lead.length > 0 && meter.overhead + leadJoin() + first.cost > budget) {
      lead = lead.slice(1);
      leadCost = unitsCost(lead);
    }
    const taken: Piece[] = [first];
    let total = meter.overhead + leadJoin() + first.cost;
    i++;
    while (i < pieces.length) {
      const next = pieces[i];
      const last = taken[taken.length - 1];
      if (!next || !last) break;
      const add = meter.gap(last, next) + next.cost;
      if (total + add > budget) break;
      total += add;
      taken.push(next);
      i++;
    }

    // The sum of parts is an estimate for tokenizers: measure the whole once, shrink if needed.
    const spanOf = (): Span => ({
      start: lead[0]?.start ?? first.start,
      end: taken[taken.length - 1]?.end ?? first.end,
    });
    let span = spanOf();
    while (meter.measure(span.start, span.end) > budget && (lead.length > 0 || taken.length > 1)) {
      if (lead.length > 0) lead = lead.slice(1);
      else {
        taken.pop();
        i--;
      }
      span = spanOf();
    }
    out.push(span);
    held.push({ from, to: i });
    overlap = chunkOverlap > 0 ? trailingUnits([...lead, ...taken.flatMap((p) => p.units)], meter, chunkOverlap) : [];
  }
  rebalanceTail(out, held, pieces, meter, chunkOverlap);
  return out;
}

/** A last chunk adding less than this share of `chunkSize` is a tail worth rebalancing. */
const TINY_TAIL = 0.25;

/**
 * Greedy packing fills every chunk but the last, which may end up a sliver (812 characters as
 * 778 + 34): a sliver embeds as noise and crowds results. If what the last chunk adds beyond the
 * previous one is under {@link TINY_TAIL} of the size, the two are merged when they fit the size
 * together, else their pieces are split again at the boundary that leaves the smaller of the two
 * largest; either way no chunk exceeds `chunkSize` (measured whole, overlap included).
 */
function rebalanceTail(out: Span[], held: Array<{ from: number; to: number }>, pieces: readonly Piece[], meter: Meter, chunkOverlap: number): void {
  const n = out.length;
  if (n < 2) return;
  const prev = out[n - 2]!;
  const last = out[n - 1]!;
  const budget = meter.chunkSize;
  if (meter.measure(Math.max(prev.end, last.start), last.end) >= budget * TINY_TAIL) return;
  if (meter.measure(prev.start, last.end) <= budget) {
    out.splice(n - 2, 2, { start: prev.start, end: last.end });
    return;
  }
  const { from } = held[n - 2]!;
  const { to } = held[n - 1]!;
  let best: { a: Span; b: Span; smaller: number } | undefined;
  for (let split = from + 1; split < to; split++) {
    const a: Span = { start: prev.start, end: pieces[split - 1]!.end };
    const aCost = meter.measure(a.start, a.end);
    if (aCost > budget) continue;
    let lead = chunkOverlap > 0 ? trailingUnits(pieces.slice(from, split).flatMap((p) => p.units), meter, chunkOverlap) : [];
    let b: Span = { start: lead[0]?.start ?? pieces[split]!.start, end: last.end };
    let bCost = meter.measure(b.start, b.end);
    while (bCost > budget && lead.length > 0) {
      lead = lead.slice(1);
      b = { start: lead[0]?.start ?? pieces[split]!.start, end: last.end };
      bCost = meter.measure(b.start, b.end);
    }
    if (bCost > budget) continue;
    const smaller = Math.min(aCost, bCost);
    if (best === undefined || smaller > best.smaller) best = { a, b, smaller };
  }
  if (best !== undefined && best.smaller > meter.measure(last.start, last.end)) out.splice(n - 2, 2, best.a, best.b);
}

/** The longest run of trailing units whose total cost is at most `limit`. */
function trailingUnits(units: readonly Unit[], meter: Meter, limit: number): Unit[] {
  let start = units.length;
  let total = 0;
  while (start > 0) {
    const unit = units[start - 1];
    if (!unit) break;
    const following = units[start];
    const add = meter.unitCost(unit) + (following ? meter.gap(unit, following) : 0);
    if (total + add > limit) break;
    total += add;
    start--;
  }
  return units.slice(start);
}
