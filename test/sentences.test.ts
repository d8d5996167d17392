import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitBlocks, splitLogicalLines } from '../src/ingest/blocks.js';
import { parseMarkdownStructure } from '../src/ingest/markdown-sections.js';
import { splitClauses, splitSentences, splitWords, type Span } from '../src/ingest/sentences.js';

const texts = (text: string, spans: Span[]): string[] => spans.map((s) => text.slice(s.start, s.end));
const sentences = (text: string): string[] => texts(text, splitSentences(text));

describe('splitSentences', () => {
  it('splits Chinese without spaces and keeps each end mark with its own sentence', () => {
    assert.deepEqual(sentences('向量数据库提高检索速度。它使用HNSW图！为什么快？因为分层；所以好'), [
      '向量数据库提高检索速度。',
      '它使用HNSW图！',
      '为什么快？',
      '因为分层；',
      '所以好',
    ]);
  });

  it('treats runs of end marks and ellipses as one end', () => {
    assert.deepEqual(sentences('真的吗？！当然……好吧…再见。。'), ['真的吗？！', '当然……', '好吧…', '再见。。']);
  });

  it('keeps closing quotes and brackets with the sentence they close', () => {
    assert.deepEqual(sentences('他说：“你好。”她笑了。「走吧！」（完。）最后'), [
      '他说：“你好。”',
      '她笑了。',
      '「走吧！」',
      '（完。）',
      '最后',
    ]);
    assert.deepEqual(sentences('He said "stop." Then (he left.) Done'), ['He said "stop."', 'Then (he left.)', 'Done']);
  });

  it('splits English at . ! ? followed by whitespace but not inside numbers, names or URLs', () => {
    assert.deepEqual(sentences('Pi is 3.14 here. Use Node.js and example.com! Why? Because v2.0 works.'), [
      'Pi is 3.14 here.',
      'Use Node.js and example.com!',
      'Why?',
      'Because v2.0 works.',
    ]);
  });

  it('does not split after common abbreviations, initials and list numbers', () => {
    assert.deepEqual(
      sentences('Dr. Smith et al. Found it, e.g. here and i.e. there. See Fig. 3 and Eq. 2. J. R. Tolkien wrote. The U.S. Army came.'),
      [
        'Dr. Smith et al. Found it, e.g. here and i.e. there.',
        'See Fig. 3 and Eq. 2.',
        'J. R. Tolkien wrote.',
        'The U.S. Army came.',
      ],
    );
    assert.deepEqual(sentences('1. Install node. Then run it.'), ['1. Install node.', 'Then run it.']);
    assert.deepEqual(sentences('It ended, etc. and more. Next one.'), ['It ended, etc. and more.', 'Next one.']);
  });

  it('handles mixed Chinese and English', () => {
    assert.deepEqual(sentences('我们用BERT模型。It has 110M params. 效果很好!下一句?好的'), [
      '我们用BERT模型。',
      'It has 110M params.',
      '效果很好!',
      '下一句?',
      '好的',
    ]);
  });

  it('splits within a range and returns offsets into the whole string', () => {
    const text = 'xx一。二。yy';
    const spans = splitSentences(text, 2, 6);
    assert.deepEqual(spans, [
      { start: 2, end: 4 },
      { start: 4, end: 6 },
    ]);
  });

  it('trims whitespace and drops empty sentences', () => {
    assert.deepEqual(sentences('  One.   Two.  \n '), ['One.', 'Two.']);
    assert.deepEqual(sentences('   '), []);
    assert.deepEqual(sentences('。'), ['。']);
  });
});

describe('splitClauses and splitWords', () => {
  it('splits after clause marks, Latin ones only before whitespace', () => {
    const text = '第一，第二、第三：第四; fifth, 1,000 items: http://x.y';
    assert.deepEqual(texts(text, splitClauses(text)), ['第一，', '第二、', '第三：', '第四;', 'fifth,', '1,000 items:', 'http://x.y']);
  });

  it('splits words at whitespace runs', () => {
    const text = '  a  bb\tc\n';
    assert.deepEqual(texts(text, splitWords(text)), ['a', 'bb', 'c']);
  });
});

describe('splitBlocks and splitLogicalLines', () => {
  it('splits paragraphs at blank lines and keeps code fences whole', () => {
    const text = 'One\ntwo\n\n  \nThree\n```\na\n\nb\n```\nFour';
    const { codeFences } = parseMarkdownStructure(text);
    const blocks = splitBlocks(text, 0, text.length, codeFences);
    assert.deepEqual(
      blocks.map((b) => [b.kind, text.slice(b.start, b.end)]),
      [
        ['prose', 'One\ntwo'],
        ['prose', 'Three'],
        ['code', '```\na\n\nb\n```'],
        ['prose', 'Four'],
      ],
    );
  });

  it('joins hard-wrapped prose but not list items, headings or Chinese lines', () => {
    const text = 'A sentence wrapped\nat the margin.\n- item one\n- item two\n# Title\nbody\n第一行\n第二行';
    assert.deepEqual(texts(text, splitLogicalLines(text, 0, text.length)), [
      'A sentence wrapped\nat the margin.',
      '- item one',
      '- item two',
      '# Title',
      'body',
      '第一行',
      '第二行',
    ]);
  });
});

describe('parseMarkdownStructure', () => {
  it('builds heading paths and ignores # lines inside fenced code', () => {
    const text = [
      'Preamble',
      '# Install',
      'text',
      '## On Windows ##',
      '~~~bash',
      '# not a heading',
      '~~~',
      '### Deep',
      '## On Linux',
      '```',
      '## still code',
      '```',
      '# Usage',
      '    # indented code, not a heading',
      '#NoSpace is not a heading',
    ].join('\n');
    const { sections, codeFences } = parseMarkdownStructure(text);
    assert.deepEqual(
      sections.map((s) => s.headings),
      [[], ['Install'], ['Install', 'On Windows'], ['Install', 'On Windows', 'Deep'], ['Install', 'On Linux'], ['Usage']],
    );
    assert.equal(text.slice(sections[0]?.start, sections[0]?.end), 'Preamble\n');
    assert.equal(text.slice(sections[2]?.start, sections[2]?.bodyStart), '## On Windows ##');
    assert.equal(sections[sections.length - 1]?.end, text.length);
    assert.deepEqual(texts(text, codeFences), ['~~~bash\n# not a heading\n~~~', '```\n## still code\n```']);
  });

  it('runs an unclosed fence to the end and starts without a preamble when the text opens with a heading', () => {
    const text = '# A\n```\n# B\n';
    const { sections, codeFences } = parseMarkdownStructure(text);
    assert.deepEqual(sections, [{ start: 0, end: text.length, headings: ['A'], bodyStart: 3 }]);
    assert.deepEqual(codeFences, [{ start: 4, end: text.length }]);
  });
});
