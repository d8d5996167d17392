/**
 * Checks the sample datasets shipped in `datasets/`: the README quickstart, the tests and the CI
 * retrieval gate all rely on them, so a broken label or a stray encoding must fail here first.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const DATASETS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'datasets');

interface SampleQuery {
  id: string;
  query: string;
  /** Document id -> grade (a plain list is read as grade 1 for each entry). */
  relevant: Map<string, number>;
}

/** Paths of all files under `dir`, relative to it, with `/` separators, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** Decodes strictly: throws on any byte sequence that is not valid UTF-8. */
function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new Error(`${file} is not valid UTF-8`);
  }
}

function parseRelevant(value: unknown, where: string): Map<string, number> {
  if (Array.isArray(value)) {
    return new Map(
      value.map((d): [string, number] => {
        assert.equal(typeof d, 'string', `${where}: relevant entries must be strings`);
        return [String(d), 1];
      }),
    );
  }
  assert.ok(typeof value === 'object' && value !== null, `${where}: relevant must be a list or an object`);
  const out = new Map<string, number>();
  for (const [doc, grade] of Object.entries(value)) {
    assert.ok(grade === 1 || grade === 2, `${where}: grade of ${doc} must be 1 or 2, got ${JSON.stringify(grade)}`);
    out.set(doc, grade);
  }
  return out;
}

async function readQueries(file: string): Promise<SampleQuery[]> {
  const text = decodeUtf8(await readFile(file), file);
  const lines = text.split('\n');
  assert.equal(lines.at(-1), '', `${file} must end with a newline`);
  return lines.slice(0, -1).map((line, i) => {
    const where = `${file}:${i + 1}`;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      assert.fail(`${where}: not valid JSON`);
    }
    assert.ok(typeof obj === 'object' && obj !== null && !Array.isArray(obj), `${where}: not a JSON object`);
    const rec = obj as Record<string, unknown>;
    assert.deepEqual(Object.keys(rec).sort(), ['id', 'query', 'relevant'], `${where}: expected exactly id, query, relevant`);
    assert.ok(typeof rec.id === 'string' && rec.id !== '', `${where}: id must be a non-empty string`);
    assert.ok(typeof rec.query === 'string' && rec.query.trim() !== '', `${where}: query must be a non-empty string`);
    const relevant = parseRelevant(rec.relevant, where);
    assert.ok(relevant.size > 0, `${where}: at least one relevant document`);
    return { id: rec.id, query: rec.query, relevant };
  });
}

/** Characters of the document's own language: Han for Chinese, Latin letters for English. */
function countScriptChars(text: string, lang: 'zh' | 'en'): number {
  const re = lang === 'zh' ? /\p{Script=Han}/gu : /[A-Za-z]/gu;
  return text.match(re)?.length ?? 0;
}

const SAMPLES = [
  {
    name: 'zh-sample',
    lang: 'zh' as const,
    quickstart: { query: '向量数据库如何加快检索速度', doc: 'tech/vector-index-hnsw.md' },
  },
  {
    name: 'en-sample',
    lang: 'en' as const,
    quickstart: { query: 'how do we rotate API keys', doc: 'security/key-rotation.md' },
  },
];

for (const sample of SAMPLES) {
  const root = path.join(DATASETS, sample.name);
  const docsDir = path.join(root, 'docs');

  describe(`datasets/${sample.name}`, () => {
    it('has only the expected top-level entries', async () => {
      assert.deepEqual((await readdir(root)).sort(), ['docs', 'queries.jsonl']);
    });

    it('has 16-20 documents, mostly Markdown plus at least one .txt and one .html', async () => {
      const docs = await listFiles(docsDir);
      assert.ok(docs.length >= 16 && docs.length <= 20, `${docs.length} documents`);
      const ext = (d: string): string => path.extname(d);
      assert.ok(docs.filter((d) => ext(d) === '.md').length > docs.length / 2, 'mostly Markdown');
      assert.ok(docs.some((d) => ext(d) === '.txt'), 'a .txt document');
      assert.ok(docs.some((d) => ext(d) === '.html'), 'an .html document');
      assert.deepEqual(docs.filter((d) => !['.md', '.txt', '.html'].includes(ext(d))), []);
    });

    it('stores every file as UTF-8 without a BOM or CR line ends', async () => {
      for (const rel of [...(await listFiles(docsDir)).map((d) => `docs/${d}`), 'queries.jsonl']) {
        const bytes = await readFile(path.join(root, rel));
        const text = decodeUtf8(bytes, rel);
        assert.notEqual(text.charCodeAt(0), 0xfeff, `${rel} starts with a BOM`);
        assert.ok(!text.includes('\r'), `${rel} has CR line ends`);
      }
    });

    it('keeps each document a readable size in its own language', async () => {
      for (const doc of await listFiles(docsDir)) {
        const text = await readFile(path.join(docsDir, doc), 'utf8');
        const n = countScriptChars(text, sample.lang);
        // zh: 300-1500 Han characters; en: roughly 250-1000 words' worth of letters.
        const [min, max] = sample.lang === 'zh' ? [300, 1500] : [1200, 6000];
        assert.ok(n >= min && n <= max, `${doc}: ${n} ${sample.lang === 'zh' ? 'Han characters' : 'letters'}`);
        if (doc.endsWith('.md')) assert.match(text, /^## \S/m, `${doc} has no ## section heading`);
      }
    });

    it('parses every queries.jsonl line, with unique ids and labels pointing at real documents', async () => {
      const queries = await readQueries(path.join(root, 'queries.jsonl'));
      const docs = new Set(await listFiles(docsDir));
      assert.ok(queries.length >= 25 && queries.length <= 35, `${queries.length} queries`);

      const ids = queries.map((q) => q.id);
      assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), [], 'duplicate query ids');
      const texts = queries.map((q) => q.query);
      assert.deepEqual(texts.filter((t, i) => texts.indexOf(t) !== i), [], 'duplicate query texts');

      for (const q of queries) {
        for (const doc of q.relevant.keys()) assert.ok(docs.has(doc), `${q.id}: ${doc} is not under docs/`);
        assert.ok([...q.relevant.values()].includes(2), `${q.id}: no document answers it (grade 2)`);
      }
      assert.ok(queries.filter((q) => q.relevant.size >= 2).length >= 5, 'several queries with two or more relevant documents');
    });

    it('labels at least 70% of the documents relevant to some query', async () => {
      const queries = await readQueries(path.join(root, 'queries.jsonl'));
      const docs = await listFiles(docsDir);
      const labelled = new Set(queries.flatMap((q) => [...q.relevant.keys()]));
      const unlabelled = docs.filter((d) => !labelled.has(d));
      assert.ok(labelled.size >= 0.7 * docs.length, `unlabelled: ${unlabelled.join(', ')}`);
    });

    it(`answers the README quickstart query "${sample.quickstart.query}"`, async () => {
      const queries = await readQueries(path.join(root, 'queries.jsonl'));
      const q = queries.find((x) => x.query === sample.quickstart.query);
      assert.ok(q, 'quickstart query is labelled');
      assert.equal(q.relevant.get(sample.quickstart.doc), 2);
    });

    it('does not copy document sentences into queries', async () => {
      // Queries are paraphrases; a query found verbatim in its answer would make retrieval trivial.
      const queries = await readQueries(path.join(root, 'queries.jsonl'));
      for (const q of queries) {
        for (const doc of q.relevant.keys()) {
          const text = await readFile(path.join(docsDir, doc), 'utf8');
          assert.ok(!text.toLowerCase().includes(q.query.toLowerCase()), `${q.id} appears verbatim in ${doc}`);
        }
      }
    });
  });
}
