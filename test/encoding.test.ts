import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import iconv from 'iconv-lite';

import { decodeLines, decodeText, looksLikeText } from '../src/ingest/encoding.js';

const SENTENCE = '向量数据库通过近似最近邻搜索来提高检索速度。';

function isValidUtf8(buf: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}

describe('decodeText', () => {
  it('decodes UTF-8 without a BOM', () => {
    assert.deepEqual(decodeText(Buffer.from(`café ${SENTENCE}`, 'utf8')), { text: `café ${SENTENCE}`, encoding: 'utf-8', replaced: 0 });
  });

  it('strips a UTF-8 BOM', () => {
    const buf = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`# 标题\n${SENTENCE}`, 'utf8')]);
    assert.deepEqual(decodeText(buf), { text: `# 标题\n${SENTENCE}`, encoding: 'utf-8', replaced: 0 });
  });

  it('decodes UTF-16LE with a BOM', () => {
    const buf = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`Hello ${SENTENCE} 𠀀`, 'utf16le')]);
    assert.deepEqual(decodeText(buf), { text: `Hello ${SENTENCE} 𠀀`, encoding: 'utf-16le', replaced: 0 });
  });

  it('decodes UTF-16BE with a BOM', () => {
    const le = Buffer.from(`Hello ${SENTENCE}`, 'utf16le');
    const be = Buffer.from(le).swap16();
    const buf = Buffer.concat([Buffer.from([0xfe, 0xff]), be]);
    assert.deepEqual(decodeText(buf), { text: `Hello ${SENTENCE}`, encoding: 'utf-16be', replaced: 0 });
  });

  it('decodes GBK bytes as Chinese, not mojibake', () => {
    const gbk = iconv.encode(SENTENCE, 'gbk');
    assert.equal(gbk.length, SENTENCE.length * 2); // really two-byte GBK, not UTF-8
    assert.equal(isValidUtf8(gbk), false);
    assert.deepEqual(decodeText(gbk), { text: SENTENCE, encoding: 'gb18030', replaced: 0 });
  });

  it('decodes GB18030 four-byte sequences', () => {
    const text = `${SENTENCE}𠀀😀`;
    const buf = iconv.encode(text, 'gb18030');
    // 2 bytes per BMP Han character + 4 bytes each for U+20000 and U+1F600 (absent from GBK).
    assert.equal(buf.length, SENTENCE.length * 2 + 8);
    assert.deepEqual(decodeText(buf), { text, encoding: 'gb18030', replaced: 0 });
  });

  it('decodes a file mixing ASCII lines and GBK lines', () => {
    const buf = Buffer.concat([
      Buffer.from('Title: RAG notes\r\n', 'ascii'),
      iconv.encode('第一行：向量检索', 'gbk'),
      Buffer.from('\nplain ASCII line (v2.1)\n', 'ascii'),
      iconv.encode('最后一行。', 'gbk'),
    ]);
    assert.deepEqual(decodeText(buf), {
      text: 'Title: RAG notes\r\n第一行：向量检索\nplain ASCII line (v2.1)\n最后一行。',
      encoding: 'gb18030',
      replaced: 0,
    });
  });

  it('keeps UTF-8 with a few invalid bytes as UTF-8 and counts them, instead of reading it all as GB18030', () => {
    const good = `第一段：向量检索把文本变成向量。${SENTENCE}`;
    const buf = Buffer.concat([
      Buffer.from(good, 'utf8'),
      Buffer.from([0xff]), // never valid in UTF-8
      Buffer.from(' 中间', 'utf8'),
      Buffer.from([0xe4, 0xb8]), // a three-byte sequence cut short
      Buffer.from(' end \uFFFD kept', 'utf8'), // a real U+FFFD in the text is not an error
    ]);
    assert.equal(isValidUtf8(buf), false);
    assert.deepEqual(decodeText(buf), { text: `${good}\uFFFD 中间\uFFFD end \uFFFD kept`, encoding: 'utf-8', replaced: 2 });
    assert.equal(looksLikeText(buf), true);
  });

  it('counts the bytes GB18030 cannot decode either', () => {
    const buf = Buffer.concat([iconv.encode(SENTENCE, 'gbk'), Buffer.from([0xff]), iconv.encode(SENTENCE, 'gbk')]);
    assert.deepEqual(decodeText(buf), { text: `${SENTENCE}\uFFFD${SENTENCE}`, encoding: 'gb18030', replaced: 1 });
  });

  it('returns an empty string for an empty buffer', () => {
    assert.deepEqual(decodeText(Buffer.alloc(0)), { text: '', encoding: 'utf-8', replaced: 0 });
  });
});

describe('decodeLines', () => {
  const text = `{"_id":"1","text":"café"}\r\n\n{"_id":"2","text":"${SENTENCE}"}\n尾行`;
  const expected = text.split('\n');

  it('gives the lines decodeText would give, for UTF-8, a UTF-8 BOM, GB18030 and UTF-16', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const utf16le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    for (const buf of [Buffer.from(text, 'utf8'), Buffer.concat([bom, Buffer.from(text, 'utf8')]), iconv.encode(text, 'gb18030'), utf16le]) {
      assert.deepEqual([...decodeLines(buf)], expected);
      assert.deepEqual([...decodeLines(buf)], decodeText(buf).text.split('\n'));
    }
  });

  it('decodes a whole GB18030 file as GB18030 even when some of its lines are valid UTF-8', () => {
    const buf = Buffer.concat([Buffer.from('ascii line\n', 'utf8'), iconv.encode(SENTENCE, 'gb18030')]);
    assert.deepEqual([...decodeLines(buf)], ['ascii line', SENTENCE]);
  });

  it('ends without an empty line after a final newline, and gives nothing for an empty buffer', () => {
    assert.deepEqual([...decodeLines(Buffer.from('a\nb\n'))], ['a', 'b']);
    assert.deepEqual([...decodeLines(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a\nb\n', 'utf16le')]))], ['a', 'b']);
    assert.deepEqual([...decodeLines(Buffer.alloc(0))], []);
  });
});

describe('looksLikeText', () => {
  it('accepts UTF-8, UTF-16 with BOM, GBK and empty input', () => {
    assert.equal(looksLikeText(Buffer.from(`Hello ${SENTENCE}\n`, 'utf8')), true);
    assert.equal(looksLikeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SENTENCE, 'utf16le')])), true);
    assert.equal(looksLikeText(iconv.encode(`ASCII then ${SENTENCE}`, 'gbk')), true);
    assert.equal(looksLikeText(Buffer.alloc(0)), true);
  });

  it('accepts a head cut inside a multi-byte character', () => {
    const utf8 = Buffer.from(SENTENCE.repeat(10), 'utf8');
    assert.equal(looksLikeText(utf8.subarray(0, 31)), true); // 31 = 10 characters + 1 byte of the 11th
    const gbk = iconv.encode(SENTENCE.repeat(10), 'gbk');
    assert.equal(looksLikeText(gbk.subarray(0, 41)), true);
  });

  it('rejects NUL bytes, byte noise and control characters', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    assert.equal(looksLikeText(png), false);
    let seed = 7;
    const noise = Buffer.alloc(4096, 0).map(() => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return 1 + (seed % 255); // any byte but NUL
    });
    assert.equal(looksLikeText(Buffer.from(noise)), false);
    assert.equal(looksLikeText(Buffer.from('ab\u0001\u0002\u0003\u0004cd\u0005\u0006\u0007\u0008', 'latin1')), false);
  });
});
