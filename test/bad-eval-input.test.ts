/**
 * Bad input to `rag eval`, through the real CLI: malformed JSONL and TSV lines, duplicate ids,
 * an empty split, labels naming unknown documents or queries. Errors are one stderr line naming
 * file and line (exit 2, nothing on stdout); dropped labels are counted warnings and the run goes on.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { lines, runCli, tempDir } from './helpers/cli.js';

let cwd: string;
before(async () => {
  cwd = await tempDir('bad-eval');
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const CORPUS = [
  { _id: 'd1', title: 'Apples', text: 'Apples grow on trees in the orchard.' },
  { _id: 'd2', title: 'Bananas', text: 'Bananas ripen in warm climates.' },
  { _id: 'd3', title: 'Cherries', text: 'Cherries are small red stone fruits.' },
];
const QUERIES = [
  { _id: 'q1', text: 'where do apples grow' },
  { _id: 'q2', text: 'warm climate fruit' },
];
const jsonl = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const QRELS = 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n';

let n = 0;
/** A BEIR dataset folder with the given files replaced; returns its path relative to cwd. */
async function beir(files: { corpus?: string; queries?: string; qrels?: string; split?: string } = {}): Promise<string> {
  const rel = `beir-${++n}`;
  const dir = path.join(cwd, rel);
  await mkdir(path.join(dir, 'qrels'), { recursive: true });
  await writeFile(path.join(dir, 'corpus.jsonl'), files.corpus ?? jsonl(CORPUS));
  await writeFile(path.join(dir, 'queries.jsonl'), files.queries ?? jsonl(QUERIES));
  await writeFile(path.join(dir, 'qrels', `${files.split ?? 'test'}.tsv`), files.qrels ?? QRELS);
  return rel;
}

/** A simple-layout dataset: docs/ plus the given queries.jsonl. */
async function simple(queries: string): Promise<string> {
  const rel = `simple-${++n}`;
  await mkdir(path.join(cwd, rel, 'docs'), { recursive: true });
  await writeFile(path.join(cwd, rel, 'docs', 'apples.md'), '# Apples\n\nApples grow on trees in the orchard.\n');
  await writeFile(path.join(cwd, rel, 'docs', 'bananas.md'), '# Bananas\n\nBananas ripen in warm climates.\n');
  await writeFile(path.join(cwd, rel, 'queries.jsonl'), queries);
  return rel;
}

/** `expected` is the whole line after `rag: `; a RegExp where the JSON parser's wording varies by Node version. */
async function assertOneLineError(dataset: string, expected: string | RegExp, extra: string[] = []): Promise<void> {
  const r = await runCli(['eval', '--dataset', dataset, ...extra], { cwd });
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  const all = lines(r.stderr);
  assert.equal(all.length, 1, r.stderr);
  if (typeof expected === 'string') assert.equal(all[0], `rag: ${expected}`);
  else assert.match(all[0]!.slice('rag: '.length), expected);
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `<file> line <n>: invalid JSON (<whatever the parser says>)`. */
const invalidJson = (file: string, line: number): RegExp => new RegExp(`^${escape(file)} line ${line}: invalid JSON \\(.+\\)$`);

describe('rag eval: malformed lines name file and line', () => {
  it('corpus.jsonl: invalid JSON, a missing _id', async () => {
    const bad = await beir({ corpus: `${JSON.stringify(CORPUS[0])}\n{"_id": "d2", "text": \n` });
    await assertOneLineError(bad, invalidJson(`${bad}/corpus.jsonl`, 2));
    const noId = await beir({ corpus: `${JSON.stringify(CORPUS[0])}\n\n${JSON.stringify({ title: 't', text: 'x' })}\n` });
    await assertOneLineError(noId, `${noId}/corpus.jsonl line 3: missing "_id"`);
  });

  it('queries.jsonl: invalid JSON, not an object, missing text', async () => {
    const bad = await beir({ queries: `${JSON.stringify(QUERIES[0])}\n{"_id": q2}\n` });
    await assertOneLineError(bad, invalidJson(`${bad}/queries.jsonl`, 2));
    const array = await beir({ queries: '["q1", "text"]\n' });
    await assertOneLineError(array, `${array}/queries.jsonl line 1: expected a JSON object`);
    const noText = await beir({ queries: `${JSON.stringify(QUERIES[0])}\n{"_id": "q2"}\n` });
    await assertOneLineError(noText, `${noText}/queries.jsonl line 2: missing "text"`);
  });

  it('qrels TSV: wrong column count, a score that is not a number', async () => {
    const cols = await beir({ qrels: 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2 d2 1\n' });
    await assertOneLineError(cols, `${cols}/qrels/test.tsv line 3: expected 3 tab-separated columns (query-id, corpus-id, score), got 1`);
    const score = await beir({ qrels: 'query-id\tcorpus-id\tscore\nq1\td1\tvery\n' });
    await assertOneLineError(score, `${score}/qrels/test.tsv line 2: expected query-id, corpus-id and a numeric score`);
  });

  it('simple layout: invalid JSON, missing fields, wrong types', async () => {
    const bad = await simple('{"query": "apples", "relevant": ["apples.md"]}\n{"query": "bananas", "relevant": [}\n');
    await assertOneLineError(bad, invalidJson(`${bad}/queries.jsonl`, 2));
    const noRel = await simple('{"query": "apples"}\n');
    await assertOneLineError(noRel, `${noRel}/queries.jsonl line 1: missing "relevant" (a list of document paths, or {"path": grade})`);
    const grade = await simple('{"query": "apples", "relevant": {"apples.md": "high"}}\n');
    await assertOneLineError(grade, `${grade}/queries.jsonl line 1: grade of "apples.md" must be a number, got "high"`);
  });
});

describe('rag eval: duplicate ids are errors naming both lines', () => {
  it('in corpus.jsonl, queries.jsonl and a simple queries.jsonl', async () => {
    const corpus = await beir({ corpus: jsonl([...CORPUS, { _id: 'd2', title: 'again', text: 'again' }]) });
    await assertOneLineError(corpus, `${corpus}/corpus.jsonl line 4: duplicate "_id" "d2" (first on line 2); ids must be unique`);
    const queries = await beir({ queries: jsonl([...QUERIES, { _id: 'q1', text: 'again' }]) });
    await assertOneLineError(queries, `${queries}/queries.jsonl line 3: duplicate "_id" "q1" (first on line 1); ids must be unique`);
    const own = await simple('{"id": "a", "query": "apples", "relevant": ["apples.md"]}\n{"id": "a", "query": "again", "relevant": ["bananas.md"]}\n');
    await assertOneLineError(own, `${own}/queries.jsonl line 2: duplicate query id "a" (first on line 1); ids must be unique`);
  });
});

describe('rag eval: empty splits', () => {
  it('a qrels file with only its header names the file and the split', async () => {
    const empty = await beir({ qrels: 'query-id\tcorpus-id\tscore\n', split: 'dev' });
    await assertOneLineError(
      empty,
      `${empty}/qrels/dev.tsv: split "dev" is empty (no labels); add query-id, corpus-id, score lines or choose another --split`,
      ['--split', 'dev'],
    );
  });

  it('a split whose labels all name unknown queries says so', async () => {
    const unknown = await beir({ qrels: 'query-id\tcorpus-id\tscore\nq8\td1\t1\nq9\td2\t1\n' });
    await assertOneLineError(unknown, `${unknown}/qrels/test.tsv: none of the 2 labels of split "test" names a query of ${unknown}/queries.jsonl (e.g. "q8")`);
  });

  it('a missing split lists the ones there are', async () => {
    const ds = await beir();
    await assertOneLineError(ds, `no qrels for split "train": ${ds}/qrels/train.tsv is missing (available: test)`, ['--split', 'train']);
  });

  it('an empty simple queries.jsonl', async () => {
    const ds = await simple('\n\n');
    await assertOneLineError(
      ds,
      `${ds}/queries.jsonl has no queries; write one line per query, e.g. {"query": "...", "relevant": ["guide/install.md"]}`,
    );
  });
});

describe('rag eval: labels naming unknown documents or queries', () => {
  it('are dropped, counted on stderr and in --json, and the evaluation goes on (exit 0)', async () => {
    const ds = await beir({ qrels: 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td9\t1\nq7\td1\t1\nq2\td2\t1\nq2\td2\t2\n' });
    const r = await runCli(['eval', '--dataset', ds, '--mode', 'bm25', '--json', '--out', `${ds}-out`], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const warnings = lines(r.stderr).filter((l) => l.startsWith('warning:') && !l.includes('judged@10'));
    assert.deepEqual(warnings, [
      'warning: labels naming unknown documents (not in the corpus, or not loaded), dropped: 1 (e.g. q1 -> d9)',
      'warning: labels naming unknown queries (not in queries.jsonl), dropped: 1 (e.g. q7)',
      'warning: labels repeating a (query, document) pair, the last one kept: 1 (e.g. q2 -> d2)',
    ]);
    const json = JSON.parse(r.stdout) as {
      dataset: { queries: number; qrels: number; warnings: Record<string, { count: number; examples: string[] }> };
      runs: Array<{ metrics: Record<string, number> }>;
    };
    assert.equal(json.dataset.queries, 2);
    assert.equal(json.dataset.qrels, 2);
    assert.deepEqual(json.dataset.warnings.unknownDocuments, { count: 1, examples: ['q1 -> d9'] });
    assert.deepEqual(json.dataset.warnings.unknownQueries, { count: 1, examples: ['q7'] });
    assert.deepEqual(json.dataset.warnings.duplicateLabels, { count: 1, examples: ['q2 -> d2'] });
    assert.equal(json.runs.length, 1);
  });

  it('in the simple layout, a path that is not among the documents is counted, not fatal', async () => {
    const ds = await simple('{"query": "apples orchard", "relevant": ["apples.md", "pears.md"]}\n{"query": "warm climates", "relevant": ["bananas.md"]}\n');
    const r = await runCli(['eval', '--dataset', ds, '--mode', 'bm25', '--out', `${ds}-out`], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      lines(r.stderr).filter((l) => l.startsWith('warning:') && !l.includes('judged@10')),
      ['warning: labels naming unknown documents (not in the corpus, or not loaded), dropped: 1 (e.g. q1 -> pears.md)'],
    );
  });
});
