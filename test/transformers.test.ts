import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { AutoTokenizer } from '@huggingface/transformers';
import { cliLine, cliWording } from '../src/cli/error-advice.js';
import { RagError } from '../src/errors.js';
import { batchLimitsForWidth, DEFAULT_BATCH_LIMITS, padBatch, planBatches } from '../src/embed/batching.js';
import { fingerprintOf } from '../src/model/fingerprint.js';
import { resolveModel } from '../src/embed/registry.js';
import { encodeText } from '../src/embed/transformers-inputs.js';
import { chooseEncoder } from '../src/embed/token-encoder.js';
import { loadTransformersEmbedder } from '../src/embed/transformers.js';
import { fastBertTokenizer } from '../src/embed/wordpiece.js';
import type { Embedder } from '../src/embed/types.js';
import type { Pooling } from '../src/model/model-info.js';
import { writeTinyModel } from './helpers/tiny-bert.js';

let root: string;
const dirs: Record<'cls' | 'mean' | 'last', string> = { cls: '', mean: '', last: '' };
const sessions = new Map<string, ort.InferenceSession>();

const TEXTS = [
  'hello world',
  '向量数据库如何加快检索速度？',
  'the quick brown fox jumps over the lazy dog and the cat sat on the mat',
  'a',
  'embedding model for retrieval of relevant passages 检索相关文章',
];

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rag-transformers-'));
  dirs.cls = await writeTinyModel(path.join(root, 'tiny-cls'), { variant: 'cls' });
  dirs.mean = await writeTinyModel(path.join(root, 'tiny-mean'), { variant: 'mean' });
  dirs.last = await writeTinyModel(path.join(root, 'tiny-last'), { variant: 'last_token' });
});

after(async () => {
  for (const s of sessions.values()) await s.release();
  await rm(root, { recursive: true, force: true });
});

/** Token ids as the model's own tokenizer produces them (special tokens included). */
async function tokenIds(dir: string, text: string): Promise<number[]> {
  const tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  return tokenizer.encode(text);
}

/** last_hidden_state of one unpadded sequence, straight from onnxruntime. */
async function rawStates(dir: string, ids: number[]): Promise<Float32Array[]> {
  let session = sessions.get(dir);
  if (!session) {
    session = await ort.InferenceSession.create(path.join(dir, 'onnx', 'model.onnx'));
    sessions.set(dir, session);
  }
  const dims = [1, ids.length];
  const out = await session.run({
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), dims),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), dims),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(ids.length), dims),
  });
  const states = out.last_hidden_state!;
  const [, seq, hidden] = states.dims as [number, number, number];
  const data = states.data as Float32Array;
  return Array.from({ length: seq }, (_, s) => data.slice(s * hidden, (s + 1) * hidden));
}

function normalized(v: Float32Array): Float32Array {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / norm);
}

async function expectedVector(dir: string, ids: number[], pooling: Pooling): Promise<Float32Array> {
  const rows = await rawStates(dir, ids);
  if (pooling === 'cls') return normalized(rows[0]!);
  if (pooling === 'last_token') return normalized(rows[rows.length - 1]!);
  const mean = new Float32Array(rows[0]!.length);
  for (const r of rows) r.forEach((x, i) => (mean[i]! += x / rows.length));
  return normalized(mean);
}

function assertClose(actual: Float32Array, expected: Float32Array, tolerance = 1e-5, label = ''): void {
  assert.equal(actual.length, expected.length, label);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `${label} component ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
}

describe('loading a local folder', () => {
  it('loads offline and describes the model', async () => {
    const embedder = await resolveModel(dirs.cls, { pooling: 'cls', offline: true });
    assert.equal(embedder.info.id, 'local:tiny-cls');
    assert.equal(embedder.info.provider, 'transformers');
    assert.equal(embedder.info.name, 'tiny-cls');
    assert.equal(embedder.info.dimension, 32);
    assert.equal(embedder.info.pooling, 'cls');
    assert.equal(embedder.info.maxTokens, 128);
    assert.equal(embedder.info.normalize, true);
    assert.deepEqual(embedder.info.params, { dtype: 'fp32' });
    assert.match(embedder.info.revision ?? '', /^local-[0-9a-f]{16}$/);
    assert.equal(embedder.fingerprint, fingerprintOf(embedder.info));
    assert.equal(embedder.cacheable, true);
    await embedder.dispose?.();
  });

  it('reads pooling from 1_Pooling/config.json and asks for --pooling when there is none', async () => {
    const mean = await resolveModel(dirs.mean, { offline: true });
    assert.equal(mean.info.pooling, 'mean');
    const last = await resolveModel(dirs.last, { offline: true });
    assert.equal(last.info.pooling, 'last_token');
    assert.equal(last.info.params?.paddingSide, 'left');
    await assert.rejects(resolveModel(dirs.cls, { offline: true }), (e: unknown) => {
      assert.ok(e instanceof RagError);
      assert.equal(e.message, `model folder ${dirs.cls} does not declare its pooling (no sentence-transformers 1_Pooling/config.json); set the pooling option to cls, mean or last_token as its model card says`);
      return true;
    });
    // An explicit option wins over the folder.
    const overridden = await resolveModel(dirs.mean, { offline: true, pooling: 'cls' });
    assert.equal(overridden.info.pooling, 'cls');
    assert.notEqual(overridden.fingerprint, mean.fingerprint);
  });

  it('names what a folder lacks', async () => {
    const empty = await mkdtemp(path.join(root, 'empty-'));
    await assert.rejects(resolveModel(empty, { pooling: 'mean' }), {
      message: `model folder ${empty} lacks config.json, tokenizer.json, onnx/model.onnx; it needs config.json, tokenizer.json and onnx/model.onnx (export one with \`optimum-cli export onnx\`)`,
    });
    await assert.rejects(resolveModel(dirs.cls, { pooling: 'cls', dtype: 'q8' }), (e: unknown) => {
      assert.ok(e instanceof RagError);
      const lacks = `model folder ${dirs.cls} lacks onnx/model_quantized.onnx; it needs config.json, tokenizer.json and onnx/model_quantized.onnx`;
      assert.equal(e.message, `${lacks} (dtype q8) (export one with \`optimum-cli export onnx\`)`);
      assert.equal(cliLine(cliWording(e)), `${lacks} (--dtype q8) (export one with \`optimum-cli export onnx\`)`);
      return true;
    });
  });
});

describe('pooling', () => {
  const cases: [keyof typeof dirs, Pooling][] = [
    ['cls', 'cls'],
    ['mean', 'mean'],
    ['last', 'last_token'],
  ];
  for (const [variant, pooling] of cases) {
    it(`${pooling} matches pooling recomputed from raw onnxruntime states, batched with padding`, async () => {
      const embedder = await resolveModel(dirs[variant], { pooling, offline: true });
      const { vectors, truncated } = await embedder.embedDocuments(TEXTS);
      assert.equal(truncated, 0);
      for (let i = 0; i < TEXTS.length; i++) {
        let ids = await tokenIds(dirs[variant], TEXTS[i]!);
        if (pooling === 'last_token') ids = [...ids, 3]; // tokenizer adds no [SEP]; the embedder appends EOS
        assertClose(vectors[i]!, await expectedVector(dirs[variant], ids, pooling), 1e-5, `${pooling} text ${i}`);
        const norm = Math.sqrt(vectors[i]!.reduce((s, x) => s + x * x, 0));
        assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
      }
    });
  }

  it('--dimensions keeps a prefix of the vector and renormalises it (Matryoshka)', async () => {
    const full = await resolveModel(dirs.last, { offline: true });
    const short = await resolveModel(dirs.last, { offline: true, dimensions: 8 });
    assert.equal(short.info.dimension, 8);
    assert.equal(short.info.params?.dimensions, 8);
    assert.notEqual(short.fingerprint, full.fingerprint);
    const [a, b] = await Promise.all([full.embedQuery('hello world'), short.embedQuery('hello world')]);
    assertClose(b, normalized(a.slice(0, 8)), 1e-6);
    await assert.rejects(resolveModel(dirs.last, { offline: true, dimensions: 33 }), (e: unknown) => {
      assert.ok(e instanceof RagError);
      assert.equal(e.message, 'model local:tiny-last: dimensions must be an integer from 1 to 32, got 33');
      assert.equal(cliLine(cliWording(e)), 'model local:tiny-last: --dimensions must be an integer from 1 to 32, got 33');
      return true;
    });
  });

  it('different poolings give different vectors for the same model', async () => {
    const cls = await resolveModel(dirs.mean, { pooling: 'cls', offline: true });
    const mean = await resolveModel(dirs.mean, { offline: true });
    const [a, b] = await Promise.all([cls.embedQuery('hello world'), mean.embedQuery('hello world')]);
    assert.ok(maxDiff(a, b) > 0.05);
  });
});

describe('batching', () => {
  for (const variant of ['cls', 'mean', 'last'] as const) {
    it(`${variant}: batched vectors equal one-by-one vectors within 1e-5, in input order`, async () => {
      const embedder = await loadTransformersEmbedder(
        { id: 't', source: { kind: 'local', dir: dirs[variant] }, pooling: variant === 'last' ? 'last_token' : variant },
        { offline: true, batchLimits: { maxBatchSize: 2, maxBatchTokens: 1000 } },
      );
      const progress: number[] = [];
      const batched = await embedder.embedDocuments(TEXTS, { onProgress: (p) => progress.push(p.done) });
      assert.deepEqual(progress, [2, 4, 5]);
      for (let i = 0; i < TEXTS.length; i++) {
        const single = await embedder.embedDocuments([TEXTS[i]!]);
        assertClose(batched.vectors[i]!, single.vectors[0]!, 1e-5, `text ${i}`);
      }
    });
  }

  it('plans longest-first batches within the limits and pads on either side', () => {
    assert.deepEqual(planBatches([3, 10, 5, 10, 1], { maxBatchSize: 2, maxBatchTokens: 100 }), [[1, 3], [2, 0], [4]]);
    assert.deepEqual(planBatches([3, 10, 5, 10, 1], { maxBatchSize: 8, maxBatchTokens: 20 }), [[1, 3], [2, 0, 4]]);
    assert.deepEqual(planBatches([50, 1], { maxBatchSize: 8, maxBatchTokens: 20 }), [[0], [1]]);
    const right = padBatch([[5, 6, 7], [8]], 0, 'right');
    assert.deepEqual(Array.from(right.inputIds), [5n, 6n, 7n, 8n, 0n, 0n]);
    assert.deepEqual(Array.from(right.attentionMask), [1n, 1n, 1n, 1n, 0n, 0n]);
    const left = padBatch([[5, 6, 7], [8]], 9, 'left');
    assert.deepEqual(Array.from(left.inputIds), [5n, 6n, 7n, 9n, 9n, 8n]);
    assert.deepEqual(Array.from(left.attentionMask), [1n, 1n, 1n, 0n, 0n, 1n]);
  });

  it('sizes batches to the widest layer: 8 MiB of activations, between 512 and 16,384 tokens', () => {
    assert.deepEqual(batchLimitsForWidth(2048), { maxBatchSize: 32, maxBatchTokens: 1024 }); // bge-small
    assert.deepEqual(batchLimitsForWidth(3072), { maxBatchSize: 32, maxBatchTokens: 682 }); // bge-base
    assert.deepEqual(batchLimitsForWidth(4096), { maxBatchSize: 32, maxBatchTokens: 512 }); // bge-large, bge-m3
    assert.deepEqual(batchLimitsForWidth(20_000), { maxBatchSize: 32, maxBatchTokens: 512 });
    assert.deepEqual(batchLimitsForWidth(32), { maxBatchSize: 32, maxBatchTokens: 16_384 });
    assert.deepEqual(batchLimitsForWidth(undefined), DEFAULT_BATCH_LIMITS);
  });

  it('is part of the library API: loadTransformersEmbedder with batchLimits', async () => {
    const library = await import('../src/index.js');
    const embedder = await library.loadTransformersEmbedder(
      { id: 't', source: { kind: 'local', dir: dirs.cls }, pooling: 'cls' },
      { offline: true, threads: 1, batchLimits: { maxBatchSize: 4, maxBatchTokens: 256 } },
    );
    assert.deepEqual(embedder.batchLimits, { maxBatchSize: 4, maxBatchTokens: 256 });
    assert.equal((await embedder.embedDocuments(TEXTS)).vectors.length, TEXTS.length);
    await embedder.dispose();
  });

  it('takes the widest layer from config.json (intermediate_size, else hidden_size)', async () => {
    const wide = path.join(root, 'tiny-wide-ffn');
    await cp(dirs.cls, wide, { recursive: true });
    const configFile = path.join(wide, 'config.json');
    const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
    await writeFile(configFile, JSON.stringify({ ...config, intermediate_size: 3072 }));
    const spec = { id: 't', source: { kind: 'local', dir: wide }, pooling: 'cls' } as const;
    const sized = await loadTransformersEmbedder(spec, { offline: true });
    assert.deepEqual(sized.batchLimits, { maxBatchSize: 32, maxBatchTokens: 682 });
    await writeFile(configFile, JSON.stringify({ ...config, intermediate_size: undefined, hidden_size: 4096 }));
    const byHidden = await loadTransformersEmbedder(spec, { offline: true });
    assert.deepEqual(byHidden.batchLimits, { maxBatchSize: 32, maxBatchTokens: 512 });
    const explicit = await loadTransformersEmbedder(spec, { offline: true, batchLimits: { maxBatchSize: 3, maxBatchTokens: 99 } });
    assert.deepEqual(explicit.batchLimits, { maxBatchSize: 3, maxBatchTokens: 99 });
    // The same texts give the same vectors whatever the batching.
    const [a, b] = [await sized.embedDocuments(TEXTS), await explicit.embedDocuments(TEXTS)];
    for (let i = 0; i < TEXTS.length; i++) assertClose(a.vectors[i]!, b.vectors[i]!, 1e-5, `text ${i}`);
  });

  it('stops between batches when aborted', async () => {
    const embedder = await loadTransformersEmbedder(
      { id: 't', source: { kind: 'local', dir: dirs.cls }, pooling: 'cls' },
      { offline: true, batchLimits: { maxBatchSize: 1, maxBatchTokens: 1000 } },
    );
    const controller = new AbortController();
    await assert.rejects(
      embedder.embedDocuments(TEXTS, { signal: controller.signal, onProgress: () => controller.abort() }),
      { name: 'AbortError' },
    );
  });
});

describe('prefixes', () => {
  it('puts the query prefix on queries only and the passage prefix on documents only', async () => {
    const e5like = await resolveModel(dirs.mean, { offline: true, queryPrefix: 'query: ', passagePrefix: 'passage: ' });
    const plain = await resolveModel(dirs.mean, { offline: true, queryPrefix: '', passagePrefix: '' });
    assert.equal(e5like.info.queryPrefix, 'query: ');
    assert.equal(e5like.info.passagePrefix, 'passage: ');
    assert.equal(plain.info.queryPrefix, undefined);
    assert.notEqual(e5like.fingerprint, plain.fingerprint);

    const text = 'fast vector search';
    const query = await e5like.embedQuery(text);
    const [doc] = (await e5like.embedDocuments([text])).vectors;
    const [manualQuery, manualPassage, bare] = (await plain.embedDocuments([`query: ${text}`, `passage: ${text}`, text])).vectors;
    assertClose(query, manualQuery!, 1e-6, 'query');
    assertClose(doc!, manualPassage!, 1e-6, 'document');
    assert.ok(maxDiff(query, manualPassage!) > 1e-3, 'query must not get the passage prefix');
    assert.ok(maxDiff(doc!, manualQuery!) > 1e-3, 'document must not get the query prefix');
    assert.ok(maxDiff(query, bare!) > 1e-3);
  });

  it('takes prompts from config_sentence_transformers.json', async () => {
    const dir = path.join(root, 'tiny-prompts');
    await cp(dirs.last, dir, { recursive: true });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dir, 'config_sentence_transformers.json'), JSON.stringify({ prompts: { query: 'Instruct: find\nQuery:', document: '' } }));
    const embedder = await resolveModel(dir, { offline: true });
    assert.equal(embedder.info.queryPrefix, 'Instruct: find\nQuery:');
    assert.equal(embedder.info.passagePrefix, undefined);
  });
});

describe('tokens', () => {
  it('counts model tokens without special tokens', async () => {
    const embedder = await resolveModel(dirs.cls, { pooling: 'cls', offline: true });
    // hello | world ##s | 向 | 量 | !
    assert.equal(embedder.countTokens?.('Hello worlds 向量!'), 6);
    assert.equal(embedder.countTokens?.(''), 0);
  });

  it('truncates at maxTokens keeping [CLS] and [SEP], and counts truncated inputs', async () => {
    const embedder = await resolveModel(dirs.cls, { pooling: 'cls', offline: true, maxTokens: 8 });
    assert.equal(embedder.info.maxTokens, 8);
    const long = 'the quick brown fox jumps over the lazy dog';
    const result = await embedder.embedDocuments([long, 'hello world', long]);
    assert.equal(result.truncated, 2);
    const full = await tokenIds(dirs.cls, long);
    assert.equal(full.length, 12);
    const kept = [...full.slice(0, 7), full[full.length - 1]!];
    assert.deepEqual([kept[0], kept[7]], [2, 3]);
    assertClose(result.vectors[0]!, await expectedVector(dirs.cls, kept, 'cls'), 1e-5);
    assertClose(result.vectors[2]!, result.vectors[0]!, 1e-6);
  });

  it("encodes with rag's WordPiece when it reproduces the model's tokenizer, with the same special tokens", async () => {
    for (const dir of [dirs.cls, dirs.last]) {
      const slow = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
      const fast = fastBertTokenizer(JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8')), JSON.parse(await readFile(path.join(dir, 'tokenizer_config.json'), 'utf8')));
      assert.ok(fast !== undefined, dir);
      const chosen = chooseEncoder(slow, fast);
      assert.equal(chosen.kind, 'wordpiece');
      for (const text of [...TEXTS, '', '[SEP] inside text [MASK]', 'Ünïcödé  \t tabs']) {
        assert.deepEqual(chosen.encoder.encode(text), slow.encode(text), text);
        assert.deepEqual(chosen.encoder.encode(text, { add_special_tokens: false }), slow.encode(text, { add_special_tokens: false }), text);
      }
      // A fast tokenizer that disagrees on any probe is not used.
      const wrong = { encode: (text: string) => fast.encode(text).reverse() };
      assert.equal(chooseEncoder(slow, wrong).kind, 'transformers.js');
      assert.equal(chooseEncoder(slow, undefined).encoder, slow);
      const embedder = await loadTransformersEmbedder({ id: 'tiny', source: { kind: 'local', dir }, pooling: 'cls' });
      assert.equal(embedder.tokenizer, 'wordpiece');
      await embedder.dispose();
    }
  });

  it('keeps the EOS a last-token model reads when truncating', () => {
    const tokenizer = { encode: (text: string) => text.split(' ').map(Number) };
    assert.deepEqual(encodeText(tokenizer, '5 6 7 8 9', { maxTokens: 4, eosId: 3 }), { ids: [5, 6, 7, 3], truncated: true });
    assert.deepEqual(encodeText(tokenizer, '5 6', { maxTokens: 4, eosId: 3 }), { ids: [5, 6, 3], truncated: false });
    assert.deepEqual(encodeText(tokenizer, '5 6 3', { maxTokens: 4, eosId: 3 }), { ids: [5, 6, 3], truncated: false });
  });
});

describe('deferred loading', () => {
  it('describes the model from its config files alone, exactly as a loaded one', async () => {
    // tokenizer_config.json's limit below the position table's, so it must be read from the file.
    const dir = path.join(root, 'tiny-short-limit');
    await cp(dirs.last, dir, { recursive: true });
    const tokenizerConfig = JSON.parse(await readFile(path.join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...tokenizerConfig, model_max_length: 40 }));
    for (const [folder, options] of [
      [dirs.cls, { pooling: 'cls' as const }],
      [dirs.mean, { dimensions: 16 }],
      [dir, {}],
    ] as const) {
      const eager = await resolveModel(folder, { offline: true, ...options });
      const deferred = await resolveModel(folder, { offline: true, ...options, deferLoad: true });
      assert.deepEqual(deferred.info, eager.info, folder);
      assert.equal(deferred.fingerprint, eager.fingerprint);
      const text = TEXTS[2]!;
      assert.throws(() => deferred.countTokens?.(text), /not loaded yet: await load\(\) before countTokens\(\)/);
      // Embedding loads by itself; the vectors are the eager model's.
      assertClose(await deferred.embedQuery(text), await eager.embedQuery(text), 0, folder);
      assert.equal(deferred.countTokens?.(text), eager.countTokens?.(text));
      await Promise.all([eager.dispose?.(), deferred.dispose?.()]);
    }
    const limited = await resolveModel(dir, { offline: true, deferLoad: true });
    assert.equal(limited.info.maxTokens, 40);
  });

  it('loads once for concurrent callers, and a model never loaded disposes quietly', async () => {
    const embedder = await loadTransformersEmbedder({ id: 'tiny', source: { kind: 'local', dir: dirs.mean }, pooling: 'mean' }, { deferLoad: true });
    assert.equal(embedder.loaded, false);
    await embedder.dispose();
    const [, , documents] = await Promise.all([embedder.load(), embedder.load(), embedder.embedDocuments(TEXTS)]);
    assert.equal(embedder.loaded, true);
    assert.equal(documents.vectors.length, TEXTS.length);
    await embedder.dispose();
    assert.equal(embedder.loaded, false);
  });

  it('a broken model is reported when it is first needed, in one line, and can be retried', async () => {
    const dir = path.join(root, 'tiny-broken');
    await cp(dirs.mean, dir, { recursive: true });
    const weights = path.join(dir, 'onnx', 'model.onnx');
    const good = await readFile(weights);
    await writeFile(weights, Buffer.alloc(good.length, 7));
    await assert.rejects(resolveModel(dir, { offline: true }), /^RagError: cannot load model local:tiny-broken from /);
    const deferred = await resolveModel(dir, { offline: true, deferLoad: true });
    await assert.rejects(deferred.embedQuery('hello'), (e: unknown) => {
      assert.ok(e instanceof RagError);
      assert.match(e.message, /^cannot load model local:tiny-broken from .*tiny-broken: /);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
    await writeFile(weights, good);
    assert.equal((await deferred.embedQuery('hello')).length, 32);
    await deferred.dispose?.();

    await writeFile(path.join(dir, 'config.json'), '{"hidden_size": 32,');
    await assert.rejects(resolveModel(dir, { offline: true, deferLoad: true }), /^RagError: cannot load model local:tiny-broken: .*config\.json is not valid JSON/);
  });

  it('a cached hub model defers too; one not cached is downloaded at once', async () => {
    const cacheDir = path.join(root, 'cache-deferred');
    await cp(dirs.cls, path.join(cacheDir, 'Xenova', 'bge-small-zh-v1.5'), { recursive: true });
    const deferred = await withEndpoint('http://127.0.0.1:9', () => resolveModel('bge-small-zh', { cacheDir, deferLoad: true }));
    const eager = await withEndpoint('http://127.0.0.1:9', () => resolveModel('bge-small-zh', { cacheDir }));
    assert.deepEqual(deferred.info, eager.info);
    assertClose(await deferred.embedQuery('向量'), await eager.embedQuery('向量'), 0);

    const hub = await startHub({ 'test-org/tiny-mean': dirs.mean });
    try {
      const fresh = path.join(root, 'cache-deferred-download');
      const downloaded = await withEndpoint(hub.url, () => resolveModel('hf:test-org/tiny-mean', { cacheDir: fresh, deferLoad: true }));
      assert.ok(hub.requests.includes('/test-org/tiny-mean/resolve/main/onnx/model.onnx'), 'downloaded before returning');
      assert.equal(downloaded.info.dimension, 32);
    } finally {
      hub.server.close();
    }
  });
});

/** A pretend hub on 127.0.0.1 serving model folders at /ORG/NAME/resolve/main/FILE. */
async function startHub(models: Record<string, string>): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const match = /^\/([^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(req.url ?? '');
    const dir = match ? models[match[1]!] : undefined;
    if (!match || !dir) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Repository not found');
      return;
    }
    readFile(path.join(dir, decodeURIComponent(match[2]!))).then(
      (data) => res.writeHead(200, { 'content-length': data.length }).end(data),
      () => res.writeHead(404).end('Entry not found'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

async function withEndpoint<T>(url: string | undefined, task: () => Promise<T>): Promise<T> {
  const saved = process.env.HF_ENDPOINT;
  if (url === undefined) delete process.env.HF_ENDPOINT;
  else process.env.HF_ENDPOINT = url;
  try {
    return await task();
  } finally {
    if (saved === undefined) delete process.env.HF_ENDPOINT;
    else process.env.HF_ENDPOINT = saved;
  }
}

async function timed<T>(task: () => Promise<T>): Promise<{ ms: number; error: unknown }> {
  const start = performance.now();
  try {
    await task();
    return { ms: performance.now() - start, error: undefined };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

describe('hub, cache and offline', () => {
  it('offline: a model missing from the cache fails at once without any request', async () => {
    const hub = await startHub({});
    try {
      const cacheDir = path.join(root, 'cache-offline');
      const { error } = await withEndpoint(hub.url, () => timed(() => resolveModel('bge-small-zh', { offline: true, cacheDir })));
      assert.ok(error instanceof RagError);
      assert.equal(
        error.message,
        `model Xenova/bge-small-zh-v1.5 is not in the model cache (${cacheDir}) and offline mode forbids downloading; run once online to download it, or use a local model folder`,
      );
      assert.deepEqual(hub.requests, []);
    } finally {
      hub.server.close();
    }
  });

  it('an unreachable hub fails with one line naming HF_ENDPOINT and --model', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const cacheDir = path.join(root, 'cache-unreachable');
    const { error } = await withEndpoint(url, () => timed(() => resolveModel('bge-small-zh', { cacheDir })));
    assert.ok(error instanceof RagError);
    assert.equal(
      error.message,
      `cannot download Xenova/bge-small-zh-v1.5 from ${url} (fetch failed: ECONNREFUSED); check HF_ENDPOINT (now ${url}) or use a local model folder`,
    );
    assert.ok(!error.message.includes('\n'));
  });

  it('a hub that accepts connections but never answers is given up after the timeout', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const { error } = await withEndpoint(url, () =>
        timed(() => resolveModel('gte-small', { cacheDir: path.join(root, 'cache-silent'), hubTimeoutMs: 300 })),
      );
      assert.ok(error instanceof RagError);
      assert.equal(error.message, `cannot download Xenova/gte-small from ${url} (no answer within 300 ms); check HF_ENDPOINT (now ${url}) or use a local model folder`);
      } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('a repo the hub does not have gives the HTTP status in the same line', async () => {
    const hub = await startHub({});
    try {
      const { error } = await withEndpoint(hub.url, () => timed(() => resolveModel('hf:nobody/nothing', { cacheDir: path.join(root, 'cache-404'), pooling: 'mean' })));
      assert.ok(error instanceof RagError);
      assert.equal(error.message, `cannot download nobody/nothing from ${hub.url} (HTTP 404 Not Found); check HF_ENDPOINT (now ${hub.url}) or use a local model folder`);
    } finally {
      hub.server.close();
    }
  });

  it('downloads through HF_ENDPOINT into the cache dir, reads pooling from the repo, then loads offline', async () => {
    const hub = await startHub({ 'test-org/tiny-mean': dirs.mean });
    const cacheDir = path.join(root, 'cache-download');
    try {
      const online = await withEndpoint(hub.url, () => resolveModel('hf:test-org/tiny-mean', { cacheDir }));
      assert.equal(online.info.id, 'hf:test-org/tiny-mean');
      assert.equal(online.info.name, 'test-org/tiny-mean');
      assert.equal(online.info.revision, 'main');
      assert.equal(online.info.pooling, 'mean');
      assert.ok(hub.requests.includes('/test-org/tiny-mean/resolve/main/onnx/model.onnx'));
      assert.deepEqual((await readdir(path.join(cacheDir, 'test-org', 'tiny-mean', 'onnx'))).sort(), ['model.onnx']);
      const expected = await online.embedQuery('hello world');

      hub.requests.length = 0;
      const offline = await withEndpoint(hub.url, () => resolveModel('hf:test-org/tiny-mean', { cacheDir, offline: true, pooling: 'mean' }));
      assert.deepEqual(hub.requests, []);
      assert.equal(offline.fingerprint, online.fingerprint);
      assertClose(await offline.embedQuery('hello world'), expected, 0);
    } finally {
      hub.server.close();
    }
  });

  it('an alias whose files are cached loads with the table settings and no network', async () => {
    const cacheDir = path.join(root, 'cache-alias');
    await cp(dirs.cls, path.join(cacheDir, 'Xenova', 'bge-small-zh-v1.5'), { recursive: true });
    const embedder: Embedder = await withEndpoint('http://127.0.0.1:9', () => resolveModel('BGE-Small-ZH', { cacheDir }));
    assert.equal(embedder.info.id, 'bge-small-zh');
    assert.equal(embedder.info.name, 'Xenova/bge-small-zh-v1.5');
    assert.equal(embedder.info.pooling, 'cls');
    assert.equal(embedder.info.queryPrefix, '为这个句子生成表示以用于检索相关文章：');
    assert.equal(embedder.info.passagePrefix, undefined);
    assert.equal(embedder.info.maxTokens, 512);
    assert.deepEqual(embedder.info.languages, ['zh']);
  });
});
