import { createRequire } from 'node:module';

type JiebaModule = typeof import('@node-rs/jieba');
type JiebaInstance = InstanceType<JiebaModule['Jieba']>;

let instance: JiebaInstance | undefined;

// The dictionary takes ~0.25 s to load, so it is loaded on the first Chinese text only: English-only
// corpora and `rag --help` never pay for it. `require` keeps the analyzers synchronous.
function jieba(): JiebaInstance {
  if (instance === undefined) {
    const require = createRequire(import.meta.url);
    const { Jieba } = require('@node-rs/jieba') as JiebaModule;
    const { dict } = require('@node-rs/jieba/dict.js') as typeof import('@node-rs/jieba/dict.js');
    instance = Jieba.withDict(dict);
  }
  return instance;
}

/**
 * Segments a run of Chinese characters into words with jieba (default dictionary, HMM on for
 * words missing from it).
 */
export function segmentChinese(run: string): string[] {
  return jieba().cut(run, true);
}
