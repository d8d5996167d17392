/** A local model folder's or cached hub model's files, read outside transformers.js. */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { RagError } from '../errors.js';
import type { FastBertTokenizer } from './wordpiece.js';

/**
 * rag's WordPiece tokenizer for this model's tokenizer files, when it reproduces them (BERT
 * models: bge-*-zh, bge-*-en, gte, m3e); undefined keeps transformers.js's. Files it cannot read
 * or parse are transformers.js's business, which has already loaded them.
 */
export async function fastTokenizerFor(fileOf: (file: string) => string): Promise<FastBertTokenizer | undefined> {
  try {
    const configFile = fileOf('tokenizer_config.json');
    const config = existsSync(configFile) ? (JSON.parse(await readFile(configFile, 'utf8')) as unknown) : undefined;
    // Imported only by a load (not by a deferred open), like everything else a model run needs.
    const { fastBertTokenizer, hasPlainTokenizerClass } = await import('./wordpiece.js');
    // BGE-M3's or Qwen3's tokenizer.json is 10+ MB: not parsed a second time just to be declined.
    if (!hasPlainTokenizerClass(config)) return undefined;
    const json = JSON.parse(await readFile(fileOf('tokenizer.json'), 'utf8')) as unknown;
    return fastBertTokenizer(json, config);
  } catch {
    return undefined;
  }
}

/** A model's JSON file as an object; anything else is a one-line error naming the file. */
export async function readJsonObject(file: string, modelId: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new RagError('model-invalid', `cannot load model ${modelId}: ${file} is not valid JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new RagError('model-invalid', `cannot load model ${modelId}: ${file} is not a JSON object`);
  return parsed as Record<string, unknown>;
}

/**
 * A content-derived revision for a local folder, so an index notices a re-exported model
 * without depending on where the folder lives: config and tokenizer bytes plus the ONNX size.
 */
export async function localRevision(dir: string, modelPath: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) {
    const p = path.join(dir, file);
    if (existsSync(p)) hash.update(file).update(await readFile(p));
  }
  hash.update(`onnx:${(await stat(modelPath)).size}`);
  return `local-${hash.digest('hex').slice(0, 16)}`;
}
