/**
 * The shortlist's published facts: every number has a source that names title, URL and date; the
 * C-MTEB figures are the ones REFERENCES.md lists; filters and sorting of `rag models`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { listModels } from '../src/embed/aliases.js';
import { modelCard, modelCards, SOURCES, weightSizes } from '../src/embed/model-cards.js';
import { parseParamCount, shortlist } from '../src/embed/shortlist.js';
import { parseShortlistSpec } from '../src/cli/shortlist-options.js';
import { REPO, runCli, tempDir } from './helpers/cli.js';

/** Every number inside `value`, with the path to it; numbers must sit in a `{ value, source }` pair. */
function unsourcedNumbers(value: unknown, where: string, sourced: boolean): string[] {
  if (typeof value === 'number') return sourced ? [] : [where];
  if (typeof value !== 'object' || value === null) return [];
  const rec = value as Record<string, unknown>;
  const isSourced = 'value' in rec && 'source' in rec;
  if (isSourced) assert.ok(rec.source as string in SOURCES, `${where}: unknown source ${String(rec.source)}`);
  return Object.entries(rec).flatMap(([k, v]) => unsourcedNumbers(v, `${where}.${k}`, sourced || isSourced));
}

describe('model cards', () => {
  it('every number has a source, and every source has a title, a URL and a date', () => {
    for (const card of modelCards()) assert.deepEqual(unsourcedNumbers(card, card.alias, false), [], card.alias);
    for (const [id, s] of Object.entries(SOURCES)) {
      assert.ok(s.title.length > 10, id);
      assert.match(s.url, /^https:\/\//, id);
      assert.match(s.date, /\b(19|20)\d\d\b/, `${id} needs a date`);
    }
  });

  it('cards only name registry aliases, and unknown facts stay absent', () => {
    const aliases = new Set(listModels().map((m) => m.alias));
    for (const card of modelCards()) assert.ok(aliases.has(card.alias), card.alias);
    assert.deepEqual(modelCard('gte-small'), { alias: 'gte-small' });
    assert.deepEqual(weightSizes(modelCard('gte-small')), {});
  });

  it('C-MTEB retrieval averages are exactly the ones in REFERENCES.md', (t) => {
    const refs = path.join(REPO, '..', 'shared', 'docs', 'REFERENCES.md');
    const alt = '/work/shared/docs/REFERENCES.md';
    const file = existsSync(refs) ? refs : existsSync(alt) ? alt : undefined;
    if (file === undefined) {
      t.skip('../shared/docs/REFERENCES.md is not present');
      return;
    }
    const text = readFileSync(file, 'utf8').replace(/\s+/g, ' ');
    const expected: Record<string, string> = {
      'bge-large-zh': 'bge-large-zh-v1.5 70.46',
      'bge-base-zh': 'bge-base-zh-v1.5 69.49',
      'bge-small-zh': 'bge-small-zh-v1.5 61.77',
      'multilingual-e5-large': 'multilingual-e5-large 63.66',
      'multilingual-e5-base': 'multilingual-e5-base 61.63',
      'multilingual-e5-small': 'multilingual-e5-small 59.95',
    };
    for (const [alias, phrase] of Object.entries(expected)) {
      assert.ok(text.includes(phrase), `REFERENCES.md lists "${phrase}"`);
      assert.equal(modelCard(alias).cmtebRetrieval?.value, Number(phrase.split(' ').at(-1)), alias);
    }
    const withCmteb = modelCards().filter((c) => c.cmtebRetrieval !== undefined).map((c) => c.alias);
    assert.deepEqual(withCmteb.sort(), Object.keys(expected).sort());
  });

  it('weights: fp32 as published, other dtypes params × bytes, marked estimated', () => {
    const w = weightSizes(modelCard('bge-small-zh'));
    assert.deepEqual(w.fp32, { bytes: 95.8e6, estimated: false });
    assert.deepEqual(w.q8, { bytes: 24e6, estimated: true });
    assert.deepEqual(w.fp16, { bytes: 48e6, estimated: true });
    assert.deepEqual(weightSizes(modelCard('Qwen3-Embedding-0.6B')).fp32, { bytes: 2.4e9, estimated: true });
  });
});

describe('shortlist', () => {
  it('parses parameter counts', () => {
    assert.equal(parseParamCount('500M'), 500e6);
    assert.equal(parseParamCount('1.5B'), 1.5e9);
    assert.equal(parseParamCount('24000000'), 24e6);
    assert.throws(() => parseParamCount('big'), /invalid parameter count "big"/);
  });

  it('filters: Chinese (multilingual included), at most 500M parameters, sorted by C-MTEB', () => {
    const zh = shortlist({ lang: 'zh' }).map((m) => m.alias);
    assert.ok(zh.includes('bge-small-zh') && zh.includes('multilingual-e5-small') && zh.includes('bge-m3'));
    assert.ok(!zh.includes('bge-small-en') && !zh.includes('gte-small'));
    // Unknown parameter counts are left out of a --max-params filter, not assumed small.
    assert.deepEqual(shortlist({ lang: 'zh', maxParams: 500e6, sort: 'cmteb' }).map((m) => m.alias), ['bge-large-zh', 'bge-base-zh', 'bge-small-zh']);
  });

  it('filters by tokens, dimension (Matryoshka counts) and provider; sorts unknown last', () => {
    assert.deepEqual(shortlist({ minTokens: 8192 }).map((m) => m.alias), ['bge-m3', 'jina-v2-base-zh', 'Qwen3-Embedding-0.6B']);
    const small = shortlist({ maxDim: 384 }).map((m) => m.alias);
    assert.ok(small.includes('Qwen3-Embedding-0.6B') && small.includes('gte-small') && !small.includes('bge-base-zh'));
    assert.deepEqual(shortlist({ provider: 'builtin' }).map((m) => m.alias), ['hash']);
    const byParams = shortlist({ sort: 'params' }).map((m) => m.alias);
    assert.equal(byParams[0], 'bge-small-zh');
    assert.equal(byParams.indexOf('hash') > byParams.indexOf('Qwen3-Embedding-0.6B'), true, 'unknown counts sort last');
    const byCmteb = shortlist({ sort: 'cmteb' }).map((m) => m.alias);
    assert.deepEqual(byCmteb.slice(0, 6), ['bge-large-zh', 'bge-base-zh', 'multilingual-e5-large', 'bge-small-zh', 'multilingual-e5-base', 'multilingual-e5-small']);
  });

  it('--shortlist text parses with the rag models flags', () => {
    assert.deepEqual(parseShortlistSpec('  --lang zh   --max-params 500M --sort cmteb '), { lang: 'zh', maxParams: 500e6, sort: 'cmteb' });
    assert.throws(() => parseShortlistSpec('--sort size'), /invalid --shortlist "--sort size": option '--sort <key>' argument 'size' is invalid/);
  });
});

describe('rag models', () => {
  it('--json: formatVersion 2, the filtered models with their cards and the sources they cite', async () => {
    const cwd = await tempDir('models-cli');
    const r = await runCli(['models', '--lang', 'zh', '--max-params', '500M', '--sort', 'cmteb', '--json'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { formatVersion: number; models: Array<{ alias: string; card: { cmtebRetrieval?: { value: number } } }>; sources: Record<string, unknown> };
    assert.equal(doc.formatVersion, 2);
    assert.deepEqual(doc.models.map((m) => [m.alias, m.card.cmtebRetrieval?.value]), [['bge-large-zh', 70.46], ['bge-base-zh', 69.49], ['bge-small-zh', 61.77]]);
    assert.deepEqual(Object.keys(doc.sources).sort(), ['bge-license', 'bge-model-table', 'bge-readme-cmteb']);
    const table = await runCli(['models', '--min-tokens', '8192'], { cwd });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^alias +provider +params +fp32 +q8 +dim +max tokens +languages +licence +MTEB-en ret +C-MTEB ret$/m);
    assert.match(table.stdout, /^Qwen3-Embedding-0\.6B +transformers +600M +≈2\.4 GB +≈600 MB +1024 \(32-1024\) +8192 \(model 32768\) /m);
    assert.match(table.stdout, /\[qwen3-embedding-card\] Qwen\/Qwen3-Embedding-0\.6B model card/);
  });
});
