/** The pure parts of query generation, against hand-made inputs. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { extractJsonObject, readGrade, readQueries, readVerdict } from '../src/llm/json-reply.js';
import { DuplicateFilter, leakDetector, normalizeQuery } from '../src/eval/querygen/filters.js';
import { passageLanguage, skipReason } from '../src/eval/querygen/passages.js';
import { stratifiedSample } from '../src/eval/querygen/sample.js';
import { estimateTokens, parseStyles, promptSet } from '../src/eval/querygen/prompts.js';

describe('reading JSON out of chat replies', () => {
  it('takes bare, fenced and prose-wrapped objects, and braces inside strings', () => {
    assert.deepEqual(readQueries('{"queries": ["a", "b"]}'), ['a', 'b']);
    assert.deepEqual(readQueries('```json\n{"queries": ["a"]}\n```'), ['a']);
    assert.deepEqual(readQueries('Here they are:\n```\n{"queries": ["x"]}\n```\nEnjoy'), ['x']);
    assert.deepEqual(readQueries('Sure! {"queries": ["what is {k}?", {"query": "q2"}]} Hope it helps {not json}'), ['what is {k}?', 'q2']);
    assert.deepEqual(extractJsonObject('noise {bad} then {"a": 1}'), { a: 1 });
    assert.equal(readQueries('I cannot help with that.'), undefined);
    assert.equal(readQueries('{"answer": "x"}'), undefined);
    assert.equal(readQueries('{"queries": "one"}'), undefined);
  });

  it('reads verdicts and grades', () => {
    assert.equal(readVerdict('{"answerable": "Yes"}'), true);
    assert.equal(readVerdict('```json\n{"answerable": false}\n```'), false);
    assert.equal(readVerdict('{"answer": "否"}'), false);
    assert.equal(readVerdict('{"answerable": "maybe"}'), undefined);
    assert.equal(readGrade('{"grade": 2}'), 2);
    assert.equal(readGrade('{"grade": "3"}'), 3);
    assert.equal(readGrade('{"grade": 4}'), undefined);
  });
});

describe('leakage', () => {
  const zh = '向量数据库通过近似最近邻索引把检索时间从线性降到对数级别，代价是少量召回损失。';
  const en = 'Backups are taken every night at two and kept for thirty days in a second region.';
  it('flags 12 consecutive CJK characters of the passage, ignoring punctuation, not 11', () => {
    const leaks = leakDetector(zh);
    assert.equal(leaks('为什么向量数据库通过近似最近邻索引会更快'), '向量数据库通过近似最近邻');
    assert.equal(leaks('向量数据库通过近似最近是什么'), undefined); // 11 characters copied
    assert.equal(leaks('“少量召回损失”，代价是什么？'), undefined);
    assert.equal(leaks('把检索时间从线性，降到对数级别？'), '把检索时间从线性降到对数');
  });
  it('flags 8 consecutive words, case and punctuation aside, not 7', () => {
    const leaks = leakDetector(en);
    assert.equal(leaks('so Backups are taken every night, at two and kept?'), 'backups are taken every night at two and');
    assert.equal(leaks('Taken every night at two, and kept?'), undefined); // 7 words
    assert.equal(leaks('how long are backups kept'), undefined);
  });
});

describe('duplicates', () => {
  it('drops exact (normalised) and near duplicates, keeps the first', () => {
    const f = new DuplicateFilter();
    assert.equal(f.check('How do I rotate API keys?'), undefined);
    assert.equal(f.check('how do i rotate api keys'), 'exact');
    assert.equal(f.check('How do I rotate the API keys?'), 'near'); // 6 of 7 words shared
    assert.equal(f.check('API key rotation schedule'), undefined);
    assert.equal(f.check('向量数据库如何加快检索速度'), undefined);
    assert.equal(f.check('向量数据库如何加快检索的速度'), 'near');
    assert.equal(f.check('向量数据库占多少内存'), undefined);
    assert.equal(normalizeQuery('ＨＮＳＷ，是什么？'), 'hnsw是什么');
  });
});

describe('passages', () => {
  it('follows the majority language', () => {
    assert.equal(passageLanguage('HNSW 查询时把 ef 调大，召回和延迟分别会怎么变'), 'zh');
    assert.equal(passageLanguage('We use 向量 indexes for search across all the documents'), 'en');
    assert.equal(passageLanguage('部署 Kubernetes 集群需要 kubectl apply 和 helm install 两步完成配置'), 'zh');
  });
  it('skips short chunks and tables or code', () => {
    assert.equal(skipReason('Too short.'), 'too-short');
    const table = '| region | retention |\n|---|---|\n| europe west | thirty days |\n| asia east | ninety days |\n'.repeat(3) + 'Retention per region.';
    assert.equal(skipReason(table), 'markup');
    const code = '```\n' + 'const totals = computeTotals(orders, customers);\nfor (const row of totals) printRow(row);\n'.repeat(3) + '```\nok';
    assert.equal(skipReason(code), 'markup');
    assert.equal(skipReason('Backups are taken every night at two and kept for thirty days in a second region, then deleted.'), undefined);
    // CMRC 2018 prose with taxonomy pipes is a passage, not a table.
    assert.equal(skipReason('黄足笛鲷，又称焦黄笛鲷，俗名赤笔仔、红公眉，为辐鳍鱼纲|鲈形目|鲈亚目|笛鲷科的其中一个种。本鱼分布于印度太平洋区，包括东非、马达加斯加、模里西斯、塞席尔群岛、马尔地夫、红海、波斯湾。'), undefined);
    // SciFact's tables of contents are dot leaders and page numbers.
    assert.equal(skipReason('. . . . . . . . . . . . . . . . . . . 169 Alleviation of Histidine Toxicity . . . . . . . . . . . . . . . . . . . . . . . . . . . . . ... . . . . . . . . . . . . . . . . . . . . . . . . 170 METHIONINE TOXICITY 171 General'), 'markup');
  });
});

describe('stratified sample', () => {
  const candidates = [
    ...Array.from({ length: 50 }, (_, i) => ({ docId: 'big.md', index: i })),
    { docId: 'a.md', index: 0 },
    { docId: 'b.md', index: 0 },
    { docId: 'b.md', index: 1 },
  ];
  it('takes documents in turns, so small ones are not drowned', () => {
    const s = stratifiedSample(candidates, 5, 1);
    assert.equal(s.length, 5);
    const docs = s.map((c) => c.docId);
    assert.ok(docs.includes('a.md') && docs.includes('b.md'));
    assert.equal(docs.filter((d) => d === 'big.md').length, 2);
  });
  it('is reproducible from the seed whatever the input order', () => {
    const a = stratifiedSample(candidates, 10, 9);
    const b = stratifiedSample([...candidates].reverse(), 10, 9);
    assert.deepEqual(a, b);
    assert.notDeepEqual(stratifiedSample(candidates, 10, 10), a);
    assert.equal(stratifiedSample(candidates, 100, 1).length, candidates.length);
  });
});

describe('prompts', () => {
  it('fills custom templates, refuses ones without the slots, and hashes what shapes the prompt', () => {
    const custom = promptSet('Passage: {{passage}}\nWrite {{count}} queries in {{language}}:\n{{styles}}');
    const [, user] = custom.messages('文本', 'zh', ['question', 'keywords']);
    assert.match(user!.content, /^Passage: 文本\nWrite 2 queries in Chinese:\n1\. 一个自然的问题/);
    assert.notEqual(custom.hash, promptSet().hash);
    assert.equal(promptSet().hash, promptSet().hash);
    assert.throws(() => promptSet('no slots'), /has no \{\{passage\}\}/);
    assert.throws(() => parseStyles(['question', 'poem']), /unknown query style "poem"/);
    assert.deepEqual(parseStyles(['Keywords', 'question', 'keywords']), ['keywords', 'question']);
    assert.equal(estimateTokens('向量 index search'), 2 + Math.ceil('indexsearch'.length / 4));
  });
});
