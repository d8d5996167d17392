/**
 * What a query adapter (`rag tune adapter`) buys on a held-out split of a shared dataset, and
 * what training it costs.
 *
 *   node --import tsx bench/tune-adapter.ts [--dataset scifact] [--models hash,tiny] [--hidden 384] [--layers 2]
 *
 * Per model: the dataset is embedded once (no cache), split 80/20 by query (grouped by source
 * document for generated queries) with seed 42, the adapter is fitted on 80% of the training
 * side with early stopping on the other 20%, and the held-out test split is scored plain and
 * adapted by exact search: mean nDCG@10 difference, paired bootstrap 95% CI and randomization p.
 * A worse adapter shows as a negative difference; nothing is filtered.
 *
 * `tiny` is a generated BERT-shaped ONNX model (test/helpers/tiny-bert-vocab.ts: random weights,
 * a WordPiece vocabulary learned from the dataset's text, mean pooling). Its plain scores mean
 * little; the adapter's gain over it is what a linear map can recover from a poor model.
 *
 * Then the training cost alone: 1,000 synthetic queries × 384 dimensions, 7 hard negatives each,
 * batch 32, for the full 30-epoch budget (no early stop), on this machine.
 *
 * Skips (exit 0) when ../shared/datasets/<dataset> is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { seededRandom } from '../src/random.js';
import { trainAdapterOn } from '../src/tune/adapter.js';
import { loadTuneCorpus, toRow } from '../src/tune/corpus.js';
import { DEFAULT_FIT } from '../src/tune/defaults.js';
import { fitAdapter, type FitExample } from '../src/tune/fit.js';
import { writeVocabModel } from '../test/helpers/tiny-bert-vocab.js';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'scifact' },
    models: { type: 'string', default: 'hash,tiny' },
    hidden: { type: 'string', default: '384' },
    layers: { type: 'string', default: '2' },
    'skip-timing': { type: 'boolean', default: false },
    // `rag tune --group-by-relevant`: the test side never asks about a document a training query
    // was about (CMRC 2018 has ~4 questions per paragraph).
    'group-by-relevant': { type: 'boolean', default: false },
  },
});

const DATASET = fileURLToPath(new URL(`../../shared/datasets/${values.dataset}/`, import.meta.url));

function load(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

const signed = (v: number): string => `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;

async function qualityRows(work: string): Promise<void> {
  for (const name of values.models.split(',').filter(Boolean)) {
    let model = name;
    if (name === 'tiny') {
      const texts: string[] = [];
      for (const file of ['corpus.jsonl', 'queries.jsonl']) {
        for (const line of readFileSync(path.join(DATASET, file), 'utf8').split('\n')) {
          if (!line.trim()) continue;
          const row = JSON.parse(line) as { title?: string; text: string };
          texts.push(`${row.title ?? ''}\n${row.text}`);
        }
      }
      model = (await writeVocabModel(path.join(work, 'tiny'), texts, { hidden: Number(values.hidden), layers: Number(values.layers), vocab: 20000 })).dir;
    }
    const started = performance.now();
    const corpus = await loadTuneCorpus({ dataset: DATASET, model, cache: false, modelOptions: { offline: true }, groupByRelevant: values['group-by-relevant'] });
    const embedSeconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage();
    const r = await trainAdapterOn(corpus);
    const used = process.cpuUsage(cpu);
    const t = r.test.result;
    const verdict = t.ci[0] > 0 ? 'better' : t.ci[1] < 0 ? 'worse' : 'no difference shown';
    console.log(
      `${values.dataset}${values['group-by-relevant'] ? ' (grouped by relevant document)' : ''} · ${name} (${corpus.model.dimension} dims, ${corpus.chunkVectors.length} chunks): embedding ${embedSeconds.toFixed(1)} s; ` +
        `${r.trainQueries} train + ${r.validationQueries} validation queries, ${r.epochs.length} epochs (kept ${r.bestEpoch}), training ${r.trainSeconds.toFixed(1)} s wall (fit + scoring, ${((used.user + used.system) / 1e6).toFixed(1)} s CPU incl. mining); ` +
        `validation nDCG@10 ${r.validation.plain.toFixed(4)} → ${r.validation.adapted.toFixed(4)}; ` +
        `test (${t.n} queries) ${t.meanA.toFixed(4)} → ${t.meanB.toFixed(4)}, ${signed(t.meanDiff)} [${signed(t.ci[0])}, ${signed(t.ci[1])}] p=${t.pValue.toFixed(3)} ` +
        `W/T/L ${r.test.wins}/${r.test.ties}/${r.test.losses}: ${verdict} · load ${load()}`,
    );
  }
}

function timingRow(): void {
  const d = 384;
  const n = 1000;
  const random = seededRandom(1);
  const unit = (): Float32Array => {
    const v = Float32Array.from({ length: d }, () => random() - 0.5);
    const s = Math.hypot(...v);
    return v.map((x) => x / s);
  };
  const docs = Array.from({ length: n * 2 }, unit);
  const examples: FitExample[] = Array.from({ length: n }, (_, i) => ({
    query: unit(),
    positives: [toRow(docs[i]!)],
    positiveKeys: [i],
    negatives: Array.from({ length: 7 }, (_, k) => toRow(docs[n + ((i * 7 + k) % n)]!)),
    relevantKeys: new Set([i]),
  }));
  let epochs = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  // A constant score never improves, so with patience = the budget every epoch runs.
  fitAdapter(d, examples, { ...DEFAULT_FIT, patience: DEFAULT_FIT.epochs, seed: 1, score: () => 0, onEpoch: () => epochs++ });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  console.log(`training cost: ${n} queries × ${d} dims, 7 negatives, batch ${DEFAULT_FIT.batchSize}: ${epochs} epochs in ${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU (${(cpuSeconds / epochs).toFixed(2)} CPU s per epoch; one thread) · load ${load()} on ${os.availableParallelism()} cores`);
}

async function main(): Promise<void> {
  if (!existsSync(path.join(DATASET, 'corpus.jsonl'))) {
    console.log(`skipped: ${DATASET} is absent (the shared datasets live next to the repo)`);
    return;
  }
  console.log(`load average ${load()} on ${os.availableParallelism()} cores`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'rag-bench-tune-'));
  try {
    if (!values['skip-timing']) timingRow();
    await qualityRows(work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
