/**
 * `rag label --llm`: a chat model grades the same pools on the same 0–3 scale, into its own qrels
 * file (never the person's), one call per pair, cached and resumable like query generation.
 */
import path from 'node:path';
import { mapWithConcurrency } from '../../embed/http.js';
import { RagError } from '../../errors.js';
import { readGrade } from '../../llm/json-reply.js';
import type { ChatMessage, ChatModel } from '../../llm/types.js';
import { CallCache } from '../querygen/call-cache.js';
import { passageLanguage } from '../querygen/passages.js';
import type { JudgmentStore } from './judgments.js';
import type { Pool, PooledPair } from './pool.js';

const PROMPT = {
  en: `Grade how well the passage answers the search query.

Query: {{query}}

<passage>
{{passage}}
</passage>

Grades: 0 = not relevant (nothing the query asks for); 1 = related (on the topic, does not answer); 2 = relevant (answers part of it); 3 = answers it (what the person was looking for).
Answer with JSON only: {"grade": 0}, {"grade": 1}, {"grade": 2} or {"grade": 3}`,
  zh: `请评价这段文字对搜索查询的回答程度。

查询：{{query}}

<passage>
{{passage}}
</passage>

等级：0 = 不相关（没有查询要的内容）；1 = 有关（话题相关，但没有回答）；2 = 相关（回答了一部分）；3 = 完全回答（正是提问的人要找的）。
只用 JSON 回答：{"grade": 0}、{"grade": 1}、{"grade": 2} 或 {"grade": 3}`,
};

export function judgeMessages(pair: Pick<PooledPair, 'query' | 'passage'>): ChatMessage[] {
  const language = passageLanguage(pair.query);
  return [
    { role: 'system', content: language === 'zh' ? '你是检索评测的标注员。你只用 JSON 回答。' : 'You judge search results for a retrieval evaluation. You answer with JSON only.' },
    { role: 'user', content: PROMPT[language].replace('{{query}}', pair.query).replace('{{passage}}', pair.passage) },
  ];
}

export interface ModelJudgeSummary {
  pairs: number;
  /** Already in the model's qrels from an earlier run. */
  alreadyJudged: number;
  judged: number;
  /** Replies unreadable at first (each retried once). */
  unreadableReplies: number;
  /** Pairs left without a grade after the retry. */
  unreadablePairs: number;
  calls: { made: number; cached: number };
  byGrade: [number, number, number, number];
}

export async function judgeWithModel(options: {
  dataset: string;
  pool: Pool;
  llm: ChatModel;
  store: JudgmentStore;
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}): Promise<ModelJudgeSummary> {
  const { pool, llm, store } = options;
  const cache = await CallCache.open(path.join(options.dataset, '.cache', 'chat.jsonl'));
  const todo = pool.pairs.filter((p) => !store.isJudged(p.queryId, p.docId));
  const summary: ModelJudgeSummary = {
    pairs: pool.pairs.length,
    alreadyJudged: pool.pairs.length - todo.length,
    judged: 0,
    unreadableReplies: 0,
    unreadablePairs: 0,
    calls: { made: 0, cached: 0 },
    byGrade: [0, 0, 0, 0],
  };
  const ask = async (messages: ChatMessage[], attempt: number): Promise<string> => {
    const key = CallCache.key(llm.id, messages, { attempt, temperature: 0 });
    const hit = cache.get(key);
    if (hit !== undefined) {
      summary.calls.cached++;
      return hit.text;
    }
    const reply = await llm.chat(messages, { temperature: 0, ...(options.signal === undefined ? {} : { signal: options.signal }) });
    summary.calls.made++;
    await cache.put(key, reply);
    return reply.text;
  };
  let done = 0;
  try {
    await mapWithConcurrency(todo, options.concurrency ?? 4, async (pair) => {
      const messages = judgeMessages(pair);
      let grade = readGrade(await ask(messages, 0));
      if (grade === undefined) {
        summary.unreadableReplies++;
        grade = readGrade(await ask(messages, 1));
      }
      if (grade === undefined) summary.unreadablePairs++;
      else {
        await store.set(pair.queryId, pair.docId, grade, { who: llm.id, action: 'judge', pool: { runs: pool.runs, depth: pool.depth } });
        summary.judged++;
        summary.byGrade[grade as 0 | 1 | 2 | 3]++;
      }
      options.onProgress?.(++done, todo.length);
    });
  } catch (error) {
    await cache.flush();
    if (options.signal?.aborted) throw new RagError('interrupted', `stopped after ${summary.judged} model judgments (saved)`, { hint: 'run the same command again to continue' });
    throw error;
  }
  return summary;
}
