/** Generated text for big-file tests and bench/big-file.ts: English and Chinese, no two pieces alike. */
const LOREM =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ' +
  'Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. ';
const CHINESE = '向量数据库通过近似最近邻索引加快检索速度。检索增强生成把文档切成块，再为每一块计算嵌入向量。中文文本没有空格，分词器需要先把句子切成词语。';

/**
 * About `bytes` bytes of UTF-8: two lorem pieces then a Chinese one, each numbered `(i)` so that
 * every piece (and so every chunk) is distinct, with a paragraph break after every seventh.
 */
export function mixedText(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const part = `${i % 3 === 2 ? CHINESE : LOREM}(${i})${i % 7 === 6 ? '\n\n' : ' '}`;
    parts.push(part);
    size += Buffer.byteLength(part);
  }
  return parts.join('');
}
