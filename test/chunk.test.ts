import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { characterLength, chunkDocument, validateChunkingOptions } from '../src/ingest/chunk.js';
import { DEFAULT_CHUNKING } from '../src/model/chunking.js';
import { RagError } from '../src/errors.js';
import type { LengthFunction, LoadedDocument } from '../src/ingest/types.js';
import type { Chunk, DocumentFormat, PageSpan } from '../src/model/document.js';
import type { ChunkingOptions } from '../src/model/chunking.js';
import { seededRandom } from '../src/random.js';

function doc(text: string, format: DocumentFormat = 'text', pages?: PageSpan[]): LoadedDocument {
  return { docId: 'd', source: 'd.txt', format, text, contentHash: '', ...(pages ? { pages } : {}) };
}

const chars = (chunkSize: number, chunkOverlap = 0): ChunkingOptions => ({ chunkSize, chunkOverlap, lengthUnit: 'characters' });
const tokens = (chunkSize: number, chunkOverlap = 0): ChunkingOptions => ({ chunkSize, chunkOverlap, lengthUnit: 'tokens' });
const textsOf = (chunks: Chunk[]): string[] => chunks.map((c) => c.text);

/**
 * A stand-in for a model tokenizer: one token per CJK character, per Latin word or number, per
 * other symbol, plus [CLS] and [SEP] (so even '' measures 2).
 */
const fakeTokens: LengthFunction = (text) => 2 + (text.match(/[\u3400-\u9fff]|[A-Za-z0-9]+|[^\sA-Za-z0-9\u3400-\u9fff]/gu)?.length ?? 0);

/** Checks what must hold for every chunk of every document. */
function checkInvariants(d: LoadedDocument, chunks: Chunk[], options: ChunkingOptions, length: LengthFunction): void {
  const pages = d.pages ?? [];
  chunks.forEach((chunk, index) => {
    assert.equal(chunk.index, index);
    assert.equal(chunk.id, `${d.docId}#${index}`);
    assert.equal(chunk.docId, d.docId);
    assert.equal(chunk.text, d.text.slice(chunk.start, chunk.end), `chunk ${index} text matches its offsets`);
    assert.ok(chunk.text.length > 0 && chunk.text === chunk.text.trim(), `chunk ${index} is trimmed and not empty`);
    assert.ok(length(chunk.text) <= options.chunkSize, `chunk ${index} measures ${length(chunk.text)} > ${options.chunkSize}`);
    // (Generated pages may start anywhere, even right before a '。'.)
    if (!pages.some((p) => p.start === chunk.start)) {
      assert.doesNotMatch(chunk.text, /^[。！？；…，、]/, `chunk ${index} starts with punctuation of the previous sentence`);
    }
    if (pages.length > 0) {
      const page = pages.find((p) => p.start <= chunk.start && chunk.end <= p.end);
      assert.ok(page, `chunk ${index} [${chunk.start}, ${chunk.end}) lies within one page`);
      assert.equal(chunk.page, page.page);
    } else {
      assert.equal(chunk.page, null);
    }
    if (d.format !== 'markdown') assert.deepEqual(chunk.headings, []);
    const previous = chunks[index - 1];
    if (previous) {
      assert.ok(chunk.start >= previous.start && chunk.end > previous.end, `chunk ${index} moves forward`);
      if (chunk.start < previous.end) {
        assert.equal(chunk.page, previous.page, 'overlap stays on its page');
        assert.deepEqual(chunk.headings, previous.headings, 'overlap stays in its section');
        assert.ok(characterLength(d.text.slice(chunk.start, previous.end)) <= lengthLimitForOverlap(options, length));
      }
    }
  });
  // Every visible character is in some chunk, except the heading line of a heading-only section.
  const covered = new Uint8Array(d.text.length);
  for (const chunk of chunks) covered.fill(1, chunk.start, chunk.end);
  for (let i = 0; i < d.text.length; i++) {
    if (covered[i] || /\s/.test(d.text[i] ?? '')) continue;
    const lineStart = d.text.lastIndexOf('\n', i) + 1;
    assert.ok(d.format === 'markdown' && /^ {0,3}#/.test(d.text.slice(lineStart)), `character ${i} (${d.text[i]}) is in no chunk`);
  }
}

/** Overlap is measured in the length unit; in characters that is the limit itself. */
function lengthLimitForOverlap(options: ChunkingOptions, length: LengthFunction): number {
  return length === characterLength ? options.chunkOverlap : Number.POSITIVE_INFINITY;
}

describe('characterLength', () => {
  it('counts code points, not UTF-16 units', () => {
    assert.equal(characterLength(''), 0);
    assert.equal(characterLength('abc中文'), 5);
    assert.equal(characterLength('𠀀😀a'), 3);
    assert.equal(characterLength('\ud800x'), 2, 'a lone surrogate counts once');
  });
});

describe('DEFAULT_CHUNKING', () => {
  it('has valid defaults for both units', () => {
    for (const unit of ['tokens', 'characters'] as const) {
      validateChunkingOptions(DEFAULT_CHUNKING[unit]);
      assert.equal(DEFAULT_CHUNKING[unit].lengthUnit, unit);
    }
  });
});

describe('validateChunkingOptions', () => {
  const rejects = (options: ChunkingOptions, message: string): void => {
    assert.throws(() => chunkDocument(doc('text'), options, characterLength), (error: unknown) => {
      assert.ok(error instanceof RagError);
      assert.equal(error.message, message);
      return true;
    });
  };
  it('rejects an overlap that is not smaller than the size', () => {
    rejects(tokens(512, 600), 'chunkOverlap (600) must be smaller than chunkSize (512)');
    rejects(tokens(512, 512), 'chunkOverlap (512) must be smaller than chunkSize (512)');
  });
  it('rejects sizes that are not positive whole numbers', () => {
    rejects(chars(0), 'chunkSize (0) must be a positive whole number');
    rejects(chars(12.5), 'chunkSize (12.5) must be a positive whole number');
    rejects(chars(Number.NaN), 'chunkSize (NaN) must be a positive whole number');
    rejects(chars(100, -1), 'chunkOverlap (-1) must be a whole number, 0 or more');
    rejects(chars(100, 1.5), 'chunkOverlap (1.5) must be a whole number, 0 or more');
  });
});

describe('chunkDocument', () => {
  it('returns no chunks for empty and whitespace-only documents', () => {
    assert.deepEqual(chunkDocument(doc(''), chars(10), characterLength), []);
    assert.deepEqual(chunkDocument(doc(' \n\t\u3000 \n'), chars(10), characterLength), []);
    assert.deepEqual(chunkDocument(doc('\n\n', 'pdf', [{ page: 1, start: 0, end: 2 }]), chars(10), characterLength), []);
  });

  it('keeps a short document whole, trimmed, with exact offsets', () => {
    const d = doc('\n  你好，世界。Hello.  \n');
    const chunks = chunkDocument(d, chars(100), characterLength);
    assert.deepEqual(chunks, [
      { id: 'd#0', docId: 'd', index: 0, text: '你好，世界。Hello.', page: null, start: 3, end: 15, headings: [] },
    ]);
  });

  it('splits Chinese at sentence ends and keeps the mark at the end of its own sentence', () => {
    // Sentences of 10, 9, 8 and 9 characters; no spaces anywhere.
    const text = '向量数据库很快的。它用图来索引！为什么这样？因为分层好；';
    const chunks = chunkDocument(doc(text), chars(20), characterLength);
    assert.deepEqual(textsOf(chunks), ['向量数据库很快的。它用图来索引！', '为什么这样？因为分层好；']);
    checkInvariants(doc(text), chunks, chars(20), characterLength);
  });

  it('keeps a paragraph that fits whole and starts the next chunk at a paragraph', () => {
    const text = 'First one. Second one.\n\nThird paragraph here. It is long enough.';
    const chunks = chunkDocument(doc(text), chars(30), characterLength);
    assert.deepEqual(textsOf(chunks), ['First one. Second one.', 'Third paragraph here.', 'It is long enough.']);
  });

  it('does not split English at abbreviations or decimals', () => {
    const text = 'Dr. Smith measured 3.14 units, e.g. in Fig. 2. The result held.';
    const chunks = chunkDocument(doc(text), chars(50), characterLength);
    assert.deepEqual(textsOf(chunks), ['Dr. Smith measured 3.14 units, e.g. in Fig. 2.', 'The result held.']);
  });

  it('splits mixed Chinese and English text at both kinds of sentence end', () => {
    const text = '我们测试了BERT模型。It scored 0.91 on the test. 结果很好！';
    const chunks = chunkDocument(doc(text), chars(28), characterLength);
    assert.deepEqual(textsOf(chunks), ['我们测试了BERT模型。', 'It scored 0.91 on the test.', '结果很好！']);
  });

  it('overlaps consecutive chunks by whole trailing sentences within chunkOverlap', () => {
    // Each sentence is 5 characters.
    const text = '一二三四。五六七八。九十一二。三四五六。七八九十。';
    const options = chars(15, 10);
    const chunks = chunkDocument(doc(text), options, characterLength);
    assert.deepEqual(textsOf(chunks), ['一二三四。五六七八。九十一二。', '五六七八。九十一二。三四五六。', '九十一二。三四五六。七八九十。']);
    checkInvariants(doc(text), chunks, options, characterLength);
  });

  it('takes fewer sentences, or none, when the overlap would not fit', () => {
    const text = 'Aaaa. Bbbbbbbbbbbbbb. Cc.';
    // "Bbbbbbbbbbbbbb." (15) is longer than the overlap (8): no overlap. (The tail "Cc." alone
    // would be a sliver, so the split moves to the other sentence boundary.)
    assert.deepEqual(textsOf(chunkDocument(doc(text), chars(21, 8), characterLength)), ['Aaaa.', 'Bbbbbbbbbbbbbb. Cc.']);
    // Overlap of "Aaaa." (5) would make "Aaaa. Bbbbbbbbbbbbbb." (21) exceed 20: dropped.
    assert.deepEqual(textsOf(chunkDocument(doc('Aaaa. Bbbbbbbbbbbbbb. Cc.'), chars(20, 8), characterLength)), [
      'Aaaa.',
      'Bbbbbbbbbbbbbb. Cc.',
    ]);
  });

  it('does not leave a tiny last chunk: merges it when both fit, else rebalances the split', () => {
    // 812 characters of sentences at size 800: greedy packing gave 778 + 34.
    const sentence = (k: number): string => `这是第${String(k).padStart(2, '0')}句，用来测试最后一块的长度是否合理。`;
    let text = '';
    for (let k = 0; text.length < 812; k++) text += sentence(k);
    const chunks = chunkDocument(doc(text), chars(800, 0), characterLength);
    assert.equal(chunks.length, 2);
    const sizes = chunks.map((c) => c.text.length);
    for (const size of sizes) assert.ok(size <= 800 && size >= 200, `balanced chunks, got ${sizes.join(' + ')}`);
    assert.equal(chunks.map((c) => c.text).join(''), text, 'nothing lost or doubled without overlap');
    // With overlap the second chunk repeats whole sentences and still stays within the size.
    const overlapped = chunkDocument(doc(text), chars(800, 100), characterLength);
    for (const c of overlapped) assert.ok(c.text.length <= 800);
    assert.ok(overlapped.at(-1)!.end === text.length && overlapped.at(-1)!.text.length >= 200);
    // A tail that fits together with the chunk before it is merged into it. With a tokenizer the
    // sum of the parts overestimates the whole (each gap here counts a token), so greedy packing
    // leaves "D." (1 token) alone although "Bbbb … D." measures 8 of 10.
    const roundsUp = (t: string): number => Math.ceil(t.length / 4);
    const merged = 'Aaaa aaaa aaaa aaaa aaaa a. Bbbb bbbb bbbb b. Cc ccc c. D.';
    assert.deepEqual(textsOf(chunkDocument(doc(merged), tokens(10), roundsUp)), ['Aaaa aaaa aaaa aaaa aaaa a.', 'Bbbb bbbb bbbb b. Cc ccc c. D.']);
    const split = 'Aaaa aaaa aaaa. Bbbb bbbb bbbb. Cc.';
    assert.deepEqual(textsOf(chunkDocument(doc(split), chars(33, 0), characterLength)), ['Aaaa aaaa aaaa.', 'Bbbb bbbb bbbb. Cc.']);
  });

  it('hard-splits an overlong sentence, preferring clause marks, then spaces, then length', () => {
    const clauses = '第一部分的内容，第二部分的内容，第三部分的内容。';
    assert.deepEqual(textsOf(chunkDocument(doc(clauses), chars(16), characterLength)), [
      '第一部分的内容，第二部分的内容，',
      '第三部分的内容。',
    ]);
    const words = 'alpha beta gamma delta epsilon zeta';
    assert.deepEqual(textsOf(chunkDocument(doc(words), chars(12), characterLength)), ['alpha beta', 'gamma delta', 'epsilon zeta']);
    const run = '字'.repeat(250);
    const chunks = chunkDocument(doc(run), chars(100, 20), characterLength);
    assert.deepEqual(chunks.map((c) => [c.start, c.end]), [[0, 100], [100, 200], [200, 250]]);
  });

  it('never cuts a surrogate pair', () => {
    const text = '😀'.repeat(25);
    const chunks = chunkDocument(doc(text), chars(10), characterLength);
    assert.deepEqual(chunks.map((c) => characterLength(c.text)), [10, 10, 5]);
    for (const c of chunks) assert.ok(!/[\ud800-\udbff]$/.test(c.text) && !/^[\udc00-\udfff]/.test(c.text));
  });

  it('gives Markdown chunks their heading path and never crosses a section', () => {
    const text = [
      'Intro before any heading.',
      '',
      '# Install',
      '',
      'Get the package.',
      '',
      '## On Windows',
      '',
      '```powershell',
      '# this comment is not a heading',
      'npm install rag',
      '```',
      '',
      '### Troubleshooting ###',
      'Run it again.',
      '# Usage',
      '## Queries',
      'Ask a question.',
    ].join('\n');
    const d = doc(text, 'markdown');
    const options = chars(200, 20);
    const chunks = chunkDocument(d, options, characterLength);
    assert.deepEqual(
      chunks.map((c) => [c.headings, c.text]),
      [
        [[], 'Intro before any heading.'],
        [['Install'], '# Install\n\nGet the package.'],
        [['Install', 'On Windows'], '## On Windows\n\n```powershell\n# this comment is not a heading\nnpm install rag\n```'],
        [['Install', 'On Windows', 'Troubleshooting'], '### Troubleshooting ###\nRun it again.'],
        [['Usage', 'Queries'], '## Queries\nAsk a question.'],
      ],
    );
    checkInvariants(d, chunks, options, characterLength);
  });

  it('chunks a Markdown document of headings only, so it can be found', () => {
    const d = doc('# Only a title here\n\n## And a subtitle\n', 'markdown');
    const chunks = chunkDocument(d, chars(200), characterLength);
    assert.deepEqual(
      chunks.map((c) => [c.headings, c.text]),
      [
        [['Only a title here'], '# Only a title here'],
        [['Only a title here', 'And a subtitle'], '## And a subtitle'],
      ],
    );
    checkInvariants(d, chunks, chars(200), characterLength);
  });

  it('keeps a code fence intact when it fits and splits it by lines when it does not', () => {
    const code = ['```js', 'const a = 1;', '', 'const b = 2;', '```'].join('\n');
    const text = `# Code\n\nBefore.\n\n${code}\n\nAfter.`;
    const fits = chunkDocument(doc(text, 'markdown'), chars(60), characterLength);
    assert.ok(fits.some((c) => c.text.includes(code)), 'the whole fence is in one chunk');
    const small = chunkDocument(doc(text, 'markdown'), chars(20), characterLength);
    assert.deepEqual(textsOf(small), ['# Code\n\nBefore.', '```js\nconst a = 1;', 'const b = 2;\n```', 'After.']);
  });

  it('respects page boundaries and reports page numbers', () => {
    const page1 = '第一页的第一句。第一页的第二句。';
    const page2 = 'Page two starts mid';
    const page3 = 'sentence. And ends here.';
    const text = `${page1}\n${page2}\n${page3}`;
    const pages: PageSpan[] = [
      { page: 1, start: 0, end: page1.length },
      { page: 2, start: page1.length + 1, end: page1.length + 1 + page2.length },
      { page: 3, start: page1.length + 2 + page2.length, end: text.length },
    ];
    const d = doc(text, 'pdf', pages);
    const chunks = chunkDocument(d, chars(100, 30), characterLength);
    assert.deepEqual(
      chunks.map((c) => [c.page, c.text]),
      [
        [1, page1],
        [2, page2],
        [3, page3],
      ],
    );
    checkInvariants(d, chunks, chars(100, 30), characterLength);
  });

  it('keeps token-measured chunks within chunkSize, counting special tokens once', () => {
    // fakeTokens('') is 2: a 10-token budget holds 8 content tokens.
    const text = 'One two three four. Five six seven eight. Nine ten.';
    const chunks = chunkDocument(doc(text), tokens(10), fakeTokens);
    // 'Five six seven eight. Nine ten.' is 2 + 5 + 3 = 10 tokens: it fits, counted as one text.
    assert.deepEqual(textsOf(chunks), ['One two three four.', 'Five six seven eight. Nine ten.']);
    for (const c of chunks) assert.ok(fakeTokens(c.text) <= 10);
  });

  it('re-measures whole chunks when piece sums underestimate (non-additive tokenizer)', () => {
    // Joining text costs extra: one more token per 20 characters of the whole string.
    const lumpy: LengthFunction = (text) => fakeTokens(text) + Math.floor(text.length / 20);
    const text = Array.from({ length: 40 }, (_, i) => `Word${i} and more words here.`).join(' ');
    const options = tokens(40, 10);
    const chunks = chunkDocument(doc(text), options, lumpy);
    assert.ok(chunks.length > 5);
    checkInvariants(doc(text), chunks, options, lumpy);
  });

  it('calls the length function a linear number of times on a long document', () => {
    let calls = 0;
    let measured = 0;
    const counting: LengthFunction = (text) => {
      calls++;
      measured += text.length;
      return fakeTokens(text);
    };
    const sentence = '检索增强生成把文档切成小块，再用向量模型编码。Each chunk is embedded once. ';
    const text = Array.from({ length: 400 }, (_, i) => (i % 5 === 4 ? `${sentence}\n\n` : sentence)).join('');
    const chunks = chunkDocument(doc(text), tokens(128, 24), counting);
    checkInvariants(doc(text), chunks, tokens(128, 24), fakeTokens);
    // 800 sentences, 80 paragraphs: a quadratic packer would measure millions of characters.
    assert.ok(calls < 3000, `${calls} calls`);
    assert.ok(measured < 6 * text.length, `${measured} characters measured for ${text.length}`);
  });

  it('chunks a 100k-character Chinese document with overlong runs in linear work', () => {
    const sentences = ['向量检索通过近似最近邻算法加快速度。', '分层可导航小世界图是常用的索引结构！', '为什么要切块？', '因为模型的输入长度有限；', '切块太大会稀释语义，太小会丢失上下文。'];
    const build = (size: number): string => {
      let text = '';
      for (let i = 0; text.length < size; i++) {
        text += sentences[i % sentences.length] ?? '';
        if (i % 7 === 6) text += '\n\n';
        if (i % 31 === 30) text += '没有标点的长句'.repeat(150); // overlong runs need the hard cut
      }
      return text;
    };
    const work = (text: string): number => {
      let measured = 0;
      const counting: LengthFunction = (piece) => {
        measured += piece.length;
        return characterLength(piece);
      };
      const chunks = chunkDocument(doc(text), chars(512, 64), counting);
      checkInvariants(doc(text), chunks, chars(512, 64), characterLength);
      return measured / text.length;
    };
    // Characters measured per input character stay the same when the input doubles: linear, where
    // re-measuring a run once per hard cut would double the ratio.
    const half = work(build(50_000));
    const full = work(build(100_000));
    assert.ok(full < half * 1.1, `${full.toFixed(2)} characters measured per character at 100k, ${half.toFixed(2)} at 50k`);
  });

  it('holds every invariant on many generated documents', () => {
    const random = mulberry32(20240611);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const pieces = [
      '向量数据库提高检索速度。',
      '它的核心是图结构！',
      '为什么？',
      '因为分层；',
      '他说：“好的。”',
      '等等……',
      'Dr. Smith et al. found 3.14 here.',
      'See Fig. 2, e.g. the left panel.',
      'It works! ',
      'Really? ',
      'a hard-wrapped line\ncontinues here.',
      '- list item\n- another item',
      '没有标点的很长很长的句子'.repeat(8),
      'averyveryverylongwordwithoutanyspacesatallinsideit'.repeat(3),
      'emoji 😀😀😀 and 𠀀 rare.',
      '第一，第二，第三，第四，第五，第六，第七，第八。',
      '\n\n',
      '\n',
      ' ',
      '   ',
    ];
    const markdownPieces = ['\n# Title\n', '\n## Sub section ##\n', '\n```\n# not heading\n\ncode();\n```\n', '\n### Deep\n', '\n#\n'];
    for (let round = 0; round < 300; round++) {
      const format: DocumentFormat = pick(['text', 'markdown', 'pdf', 'html'] as const);
      let text = '';
      const count = 1 + Math.floor(random() * 40);
      for (let k = 0; k < count; k++) {
        text += format === 'markdown' && random() < 0.2 ? pick(markdownPieces) : pick(pieces);
      }
      let pages: PageSpan[] | undefined;
      if (format === 'pdf') {
        pages = [];
        let start = 0;
        for (let page = 1; start < text.length; page++) {
          const end = Math.min(text.length, start + 1 + Math.floor(random() * 120));
          pages.push({ page, start, end });
          start = end;
        }
      }
      const d = doc(text, format, pages);
      const chunkSize = 8 + Math.floor(random() * 200);
      const chunkOverlap = random() < 0.3 ? 0 : Math.floor(random() * chunkSize);
      const useTokens = random() < 0.5;
      const options = useTokens ? tokens(chunkSize, chunkOverlap) : chars(chunkSize, chunkOverlap);
      const length = useTokens ? fakeTokens : characterLength;
      const chunks = chunkDocument(d, options, length);
      try {
        checkInvariants(d, chunks, options, length);
      } catch (error) {
        throw new Error(`round ${round}: ${error instanceof Error ? error.message : String(error)}\n${JSON.stringify({ format, options, text, pages })}`);
      }
    }
  });
});

const mulberry32 = seededRandom;
