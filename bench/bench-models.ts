/**
 * Model folders generated at bench time (random weights, real BERT shapes) and kept in the OS
 * temp directory between runs, so benches run from a fresh clone without downloads and nothing
 * binary is committed.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeBertModel, wordPieceVocabulary, type BertShape } from '../test/helpers/bert-onnx.js';

/** Where generated model folders are kept. */
export const BENCH_MODEL_DIR = path.join(os.tmpdir(), 'rag-bench-models');

/** `${title}\n${text}` of every row of a BEIR corpus.jsonl (what our loader embeds). */
export function corpusTexts(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const row = JSON.parse(l) as { title?: string; text: string };
      return row.title && row.title.trim() !== '' ? `${row.title}\n${row.text}` : row.text;
    });
}

/**
 * A small BERT (default 1 layer, hidden 128, heads hidden/64, FFN 4×hidden, vocabulary 21128
 * learned from `texts`, mean pooling) under {@link BENCH_MODEL_DIR}/`name`; made once.
 */
export async function smallBertFor(name: string, texts: () => string[], options: { layers?: number; hidden?: number } = {}): Promise<string> {
  const hidden = options.hidden ?? 128;
  const shape: BertShape = { layers: options.layers ?? 1, hidden, heads: Math.max(1, hidden / 64), ffn: 4 * hidden, vocab: 21128, maxPositions: 512 };
  const dir = path.join(BENCH_MODEL_DIR, `${name}-l${shape.layers}-h${hidden}`);
  if (!existsSync(path.join(dir, 'onnx', 'model.onnx'))) {
    await writeBertModel(dir, { shape, vocabulary: wordPieceVocabulary(texts(), shape.vocab), pooling: 'mean' });
  }
  return dir;
}
