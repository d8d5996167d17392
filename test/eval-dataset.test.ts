import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile, access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { countQrels, datasetInfo, evalQueries, ignoreIdenticalIds, loadDataset, removeSelfMatches } from '../src/eval/dataset.js';
import { readCorpusIds } from '../src/eval/beir-layout.js';
import { normalizeDocumentId } from '../src/eval/dataset-files.js';
import { checkDocuments } from '../src/eval/dataset-labels.js';

let tmp = '';
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rag-eval-dataset-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function writeTree(root: string, files: Record<string, string>): Promise<string> {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    await mkdir(path.dirname(p), { recursive: true });
    await writeFile(p, content);
  }
  return root;
}

const jsonl = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

async function beirFixture(name: string, overrides: Record<string, string> = {}): Promise<string> {
  return writeTree(path.join(tmp, name), {
    'corpus.jsonl': jsonl([
      { _id: 'd1', title: 'One', text: 'first' },
      { _id: 'd2', title: 'Two', text: 'second' },
      { _id: 3, title: 'Three', text: 'numeric id' },
    ]),
    'queries.jsonl': jsonl([
      { _id: 'q1', text: 'what is first' },
      { _id: 'q2', text: 'what is second' },
      { _id: 'q3', text: 'a train-split query' },
      { _id: 'q4', text: 'labels only for a missing doc' },
    ]),
    'qrels/test.tsv':
      'query-id\tcorpus-id\tscore\n' +
      'q1\td1\t2\n' +
      'q1\td2\t1\n' +
      'q2\td2\t1\n' +
      'q2\t3\t0\n' +
      'q9\td1\t1\n' + // unknown query
      'q4\td404\t1\n' + // unknown document
      'q2\td2\t2\n', // duplicate label, last wins
    'qrels/train.tsv': 'query-id\tcorpus-id\tscore\nq3\td1\t1\n',
    ...overrides,
  });
}

describe('loadDataset (BEIR layout)', () => {
  it('loads queries and graded qrels of the split and counts every dropped label', async () => {
    const root = await beirFixture('beir-ok');
    const ds = await loadDataset(root);
    assert.equal(ds.layout, 'beir');
    assert.equal(ds.split, 'test');
    assert.equal(ds.documentsPath, path.join(root, 'corpus.jsonl'));
    assert.equal(ds.documentCount, 3);
    assert.deepEqual([...ds.queries.keys()], ['q1', 'q2', 'q4']);
    assert.equal(ds.queries.get('q1'), 'what is first');
    assert.deepEqual([...(ds.qrels.get('q1') ?? [])], [
      ['d1', 2],
      ['d2', 1],
    ]);
    assert.deepEqual([...(ds.qrels.get('q2') ?? [])], [
      ['d2', 2],
      ['3', 0],
    ]);
    assert.equal(ds.qrels.get('q4')?.size, 0);
    assert.deepEqual(ds.warnings, {
      unknownDocuments: { count: 1, examples: ['q4 -> d404'] },
      unknownQueries: { count: 1, examples: ['q9'] },
      duplicateLabels: { count: 1, examples: ['q2 -> d2'] },
      unjudgedQueries: { count: 1, examples: ['q3'] },
    });
    assert.match(ds.fingerprint, /^sha256:[0-9a-f]{64}$/);
    const info = datasetInfo(ds);
    assert.equal(info.qrels, 4);
    assert.equal(info.queries, 3);
    assert.equal(info.name, 'beir-ok');
  });

  it('loads another split and checks labels against given document ids', async () => {
    const root = await beirFixture('beir-split');
    const train = await loadDataset(root, { split: 'train' });
    assert.deepEqual([...train.queries.keys()], ['q3']);
    const restricted = await loadDataset(root, { documentIds: ['d1'] });
    assert.equal(restricted.documentCount, 1);
    assert.equal(restricted.warnings.unknownDocuments.count, 5);
    await assert.rejects(loadDataset(root, { split: 'dev' }), {
      name: 'RagError',
      message: `no qrels for split "dev": ${path.join(root, 'qrels', 'dev.tsv')} is missing (available: test, train)`,
    });
  });

  it('changes the fingerprint when any file changes', async () => {
    const a = await loadDataset(await beirFixture('fp-a'));
    const b = await loadDataset(await beirFixture('fp-b'));
    assert.equal(a.fingerprint, b.fingerprint);
    const c = await loadDataset(
      await beirFixture('fp-c', { 'qrels/test.tsv': 'query-id\tcorpus-id\tscore\nq1\td1\t1\n' }),
    );
    assert.notEqual(a.fingerprint, c.fingerprint);
  });

  it('names file and line of malformed input', async () => {
    const badQuery = await beirFixture('bad-q', {
      'queries.jsonl': '{"_id":"q1","text":"ok"}\n\n{"_id":"q2"}\n',
    });
    await assert.rejects(loadDataset(badQuery), {
      message: `${path.join(badQuery, 'queries.jsonl')} line 3: missing "text"`,
    });
    const badJson = await beirFixture('bad-json', { 'queries.jsonl': '{"_id":"q1","text":"ok"}\n{oops\n' });
    await assert.rejects(loadDataset(badJson), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.equal(e.name, 'RagError');
      assert.ok(e.message.startsWith(`${path.join(badJson, 'queries.jsonl')} line 2: invalid JSON (`), e.message);
      return true;
    });
    const badQrels = await beirFixture('bad-qrels', {
      'qrels/test.tsv': 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1 d2 1\n',
    });
    await assert.rejects(loadDataset(badQrels), {
      message: `${path.join(badQrels, 'qrels', 'test.tsv')} line 3: expected 3 tab-separated columns (query-id, corpus-id, score), got 1`,
    });
    const badScore = await beirFixture('bad-score', { 'qrels/test.tsv': 'q1\td1\thigh\n' });
    await assert.rejects(loadDataset(badScore), {
      message: `${path.join(badScore, 'qrels', 'test.tsv')} line 1: expected query-id, corpus-id and a numeric score`,
    });
    const dupCorpus = await beirFixture('dup-corpus', { 'corpus.jsonl': jsonl([{ _id: 'd1' }, { _id: 'd1' }]) });
    await assert.rejects(loadDataset(dupCorpus), {
      message: `${path.join(dupCorpus, 'corpus.jsonl')} line 2: duplicate "_id" "d1" (first on line 1); ids must be unique`,
    });
  });

  it('reads corpus ids without text', async () => {
    const root = await beirFixture('ids');
    assert.deepEqual(await readCorpusIds(path.join(root, 'corpus.jsonl')), ['d1', 'd2', '3']);
    await assert.rejects(readCorpusIds(path.join(root, 'nope.jsonl')), { name: 'RagError' });
  });
});

describe('loadDataset (simple layout)', () => {
  it('reads list and graded labels, default ids from line numbers, docs/ folder', async () => {
    const root = await writeTree(path.join(tmp, 'simple-docs'), {
      'docs/guide/install.md': '# Install',
      'docs/faq.md': 'FAQ',
      'docs/.hidden.md': 'not a document',
      'queries.jsonl':
        JSON.stringify({ query: 'how to install', relevant: ['guide/install.md'] }) +
        '\n\n' +
        JSON.stringify({ id: 'graded', query: '常见问题', relevant: { 'faq.md': 2, './guide/install.md': 1 } }) +
        '\n' +
        JSON.stringify({ query: 'typo', relevant: ['guide/instal.md', 'faq.md', '.hidden.md'] }) +
        '\n' +
        JSON.stringify({ query: 'nothing relevant', relevant: [] }) +
        '\n',
    });
    const ds = await loadDataset(root);
    assert.equal(ds.layout, 'simple');
    assert.equal(ds.documentsPath, path.join(root, 'docs'));
    assert.deepEqual(ds.excludeFromDocuments, []);
    assert.equal(ds.documentCount, 2);
    assert.deepEqual([...ds.queries], [
      ['q1', 'how to install'],
      ['graded', '常见问题'],
      ['q4', 'typo'],
      ['q5', 'nothing relevant'],
    ]);
    assert.deepEqual([...(ds.qrels.get('graded') ?? [])], [
      ['faq.md', 2],
      ['guide/install.md', 1],
    ]);
    assert.deepEqual([...(ds.qrels.get('q4') ?? [])], [['faq.md', 1]]);
    assert.equal(ds.qrels.get('q5')?.size, 0);
    assert.deepEqual(ds.warnings.unknownDocuments, {
      count: 2,
      examples: ['q4 -> guide/instal.md (did you mean guide/install.md?)', 'q4 -> .hidden.md'],
    });
    assert.equal(countQrels(ds.qrels), 4);

    // Editing a document changes the fingerprint.
    const before = ds.fingerprint;
    await writeFile(path.join(root, 'docs/faq.md'), 'FAQ v2');
    assert.notEqual((await loadDataset(root)).fingerprint, before);
  });

  it('uses the folder itself when there is no docs/ folder, excluding queries.jsonl', async () => {
    const root = await writeTree(path.join(tmp, 'simple-flat'), {
      'a.txt': 'alpha',
      'sub/b.txt': 'beta',
      'queries.jsonl': jsonl([{ query: 'x', relevant: ['sub/b.txt', 'queries.jsonl'] }]),
    });
    const ds = await loadDataset(root);
    assert.equal(ds.documentsPath, root);
    assert.deepEqual(ds.excludeFromDocuments, ['queries.jsonl']);
    assert.equal(ds.documentCount, 2);
    assert.deepEqual([...(ds.qrels.get('q1') ?? [])], [['sub/b.txt', 1]]);
    assert.equal(ds.warnings.unknownDocuments.count, 1);
  });

  it('checks labels against the ingested document ids when given', async () => {
    const root = await writeTree(path.join(tmp, 'simple-ids'), {
      'docs/a.md': 'a',
      'docs/b.md': 'b',
      'queries.jsonl': jsonl([{ query: 'x', relevant: ['a.md', 'b.md'] }]),
    });
    const ds = await loadDataset(root, { documentIds: ['a.md'] });
    assert.deepEqual([...(ds.qrels.get('q1') ?? []).keys()], ['a.md']);
    assert.deepEqual(ds.warnings.unknownDocuments.examples, ['q1 -> b.md']);
  });

  it('names file and line of malformed queries', async () => {
    const cases: Array<[string, string]> = [
      ['{"relevant": ["a.md"]}', 'missing "query"'],
      ['{"query": "x"}', 'missing "relevant" (a list of document paths, or {"path": grade})'],
      ['{"query": "", "relevant": []}', '"query" must be a non-empty string'],
      ['{"query": "x", "relevant": "a.md"}', '"relevant" must be a list of document paths or an object {"path": grade}'],
      ['{"query": "x", "relevant": [1]}', '"relevant" must list document paths as strings'],
      ['{"query": "x", "relevant": {"a.md": "high"}}', 'grade of "a.md" must be a number, got "high"'],
      ['{"query": "x", "relevant": [], "id": false}', '"id" must be a non-empty string'],
      ['["query"]', 'expected a JSON object'],
      ['{"id": "q2", "query": "x", "relevant": []}', 'duplicate query id "q2" (first on line 2); ids must be unique'],
    ];
    for (const [i, [line, why]] of cases.entries()) {
      const root = await writeTree(path.join(tmp, `simple-bad-${i}`), {
        'docs/a.md': 'a',
        // Six good lines (with a blank one) before the bad line 7.
        'queries.jsonl': `${jsonl([
          { query: 'one', relevant: ['a.md'] },
          { query: 'two', relevant: ['a.md'] },
          { query: 'three', relevant: ['a.md'] },
          { query: 'four', relevant: ['a.md'] },
          { query: 'five', relevant: ['a.md'] },
        ])}\n${line}\n`,
      });
      await assert.rejects(loadDataset(root), {
        name: 'RagError',
        message: `${path.join(root, 'queries.jsonl')} line 7: ${why}`,
      });
    }
  });

  it('reports a missing folder or queries file', async () => {
    await assert.rejects(loadDataset(path.join(tmp, 'absent')), {
      message: `dataset folder not found: ${path.join(tmp, 'absent')}`,
    });
    const empty = await writeTree(path.join(tmp, 'no-queries'), { 'docs/a.md': 'a' });
    await assert.rejects(loadDataset(empty), (e: unknown) => e instanceof Error && e.message.startsWith(`no queries.jsonl in ${empty}`));
  });
});

describe('ignoreIdenticalIds', () => {
  it('drops documents whose id equals the query id', () => {
    assert.deepEqual(removeSelfMatches('q1', ['q1', 'd1', 'q1', 'd2']), ['d1', 'd2']);
    const run = new Map([
      ['a', ['a', 'b']],
      ['b', ['a', 'c']],
    ]);
    assert.deepEqual([...ignoreIdenticalIds(run)], [
      ['a', ['b']],
      ['b', ['a', 'c']],
    ]);
  });

  it('normalises user-written document paths', () => {
    assert.equal(normalizeDocumentId('./guide/install.md'), 'guide/install.md');
    assert.equal(normalizeDocumentId('guide\\install.md'), 'guide/install.md');
    assert.equal(normalizeDocumentId('guide//x/../install.md'), 'guide/install.md');
  });
});

const shared = path.resolve(import.meta.dirname, '..', '..', 'shared', 'datasets');
async function present(name: string): Promise<boolean> {
  try {
    await access(path.join(shared, name, 'qrels', 'test.tsv'));
    return true;
  } catch {
    return false;
  }
}

describe('shared datasets', () => {
  for (const [name, docs, queries, qrels] of [
    ['scifact', 2535, 300, 339],
    ['cmrc2018', 848, 3218, 3219],
  ] as const) {
    it(`loads ${name} with the documented counts`, async (t) => {
      if (!(await present(name))) {
        t.skip(`${shared}/${name} not present`);
        return;
      }
      const ds = await loadDataset(path.join(shared, name));
      assert.equal(ds.documentCount, docs);
      assert.equal(ds.queries.size, queries);
      assert.equal(countQrels(ds.qrels), qrels);
      assert.equal(ds.warnings.unknownDocuments.count, 0);
      assert.equal(ds.warnings.unknownQueries.count, 0);
      assert.equal(ds.warnings.duplicateLabels.count, 0);
    });
  }
});

describe('checkDocuments / evalQueries', () => {
  it('drops labels of documents that were not ingested and adds them to the warnings', async () => {
    const root = await beirFixture('check-docs');
    const ds = await loadDataset(root);
    const checked = checkDocuments(ds, ['d2', '3']);
    assert.equal(checked.documentCount, 2);
    assert.deepEqual([...(checked.qrels.get('q1') ?? [])], [['d2', 1]]);
    assert.deepEqual(checked.warnings.unknownDocuments, { count: 2, examples: ['q4 -> d404', 'q1 -> d1'] });
    assert.equal(ds.qrels.get('q1')?.size, 2, 'input unchanged');
    assert.deepEqual(evalQueries(checked)[0], { id: 'q1', text: 'what is first', relevant: { d2: 1 } });
    assert.equal(evalQueries(checked).length, 3);
  });
});

describe('readLines', () => {
  it('splits at \\n, \\r\\n and lone \\r as readline does, across 1 MiB reads, and drops a leading BOM', async () => {
    const { readLines } = await import('../src/eval/dataset-lines.js');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rag-lines-'));
    try {
      const mib = 1 << 20;
      // A \r\n split across the first read boundary, then a 3-byte character split across the second.
      const first = `${'a'.repeat(mib - 1)}\r\n`;
      const second = `${'b'.repeat(mib - first.length + mib - 1 - 10)}`;
      const cases: Record<string, string> = {
        plain: 'one\ntwo\n\nfour',
        crlf: '\uFEFF{"x":1}\r\n{"x":2}\r\n',
        lone: 'a\rb\r\nc\n\rd\r',
        boundaries: `${first}${second}向量数据库\nlast line`,
      };
      for (const [name, text] of Object.entries(cases)) {
        const file = path.join(dir, `${name}.jsonl`);
        await writeFile(file, text, 'utf8');
        const got: string[] = [];
        let expectNo = 0;
        for await (const [no, line] of readLines(file)) {
          assert.equal(no, ++expectNo);
          got.push(line);
        }
        const expected = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
        if (expected[expected.length - 1] === '') expected.pop();
        assert.deepEqual(got, expected, name);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
