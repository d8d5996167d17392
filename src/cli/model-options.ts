import { Command, Option } from 'commander';
import type { ResolveOptions } from '../embed/types.js';
import { positiveInt } from './options.js';
import { DEFAULT_SCRIPT_FOLD, SCRIPT_FOLDS, type ScriptFold } from '../text/script-fold.js';

/**
 * The options that say how to load a model, shared by ingest, query and eval. Eval passes
 * `dimensions: false`: its `--dimensions` is a list of truncations of the stored vectors.
 */
export function addModelOptions(command: Command, which: { dimensions?: boolean } = {}): Command {
  command
    .addOption(new Option('--dtype <dtype>', 'ONNX weights to load for local models').choices(['fp32', 'fp16', 'q8', 'q4']))
    .addOption(new Option('--pooling <pooling>', 'pooling for hf:/folder models without a sentence-transformers config').choices(['cls', 'mean', 'last_token']))
    .option('--offline', 'never use the network: hub models must already be in the cache')
    .option('--base-url <url>', 'API base URL for openai: models (default $OPENAI_BASE_URL) or ollama: (default $OLLAMA_HOST)');
  if (which.dimensions !== false) command.option('--dimensions <n>', 'shorter vectors: Matryoshka truncation or the API dimensions parameter', positiveInt);
  return command.addOption(
    new Option('--script-fold <fold>', `Simplified/Traditional folding for BM25, the hash model and highlights (default ${DEFAULT_SCRIPT_FOLD}; a hash index keeps the fold it was built with)`)
      .choices([...SCRIPT_FOLDS]),
  );
}

export interface ModelFlags {
  dtype?: ResolveOptions['dtype'];
  pooling?: ResolveOptions['pooling'];
  offline?: boolean;
  baseUrl?: string;
  dimensions?: number;
  scriptFold?: ScriptFold;
}

export function modelOptionsFrom(flags: ModelFlags): ResolveOptions {
  const out: ResolveOptions = {};
  if (flags.dtype !== undefined) out.dtype = flags.dtype;
  if (flags.pooling !== undefined) out.pooling = flags.pooling;
  if (flags.offline) out.offline = true;
  if (flags.baseUrl !== undefined) out.baseUrl = flags.baseUrl;
  if (flags.dimensions !== undefined) out.dimensions = flags.dimensions;
  if (flags.scriptFold !== undefined) out.scriptFold = flags.scriptFold;
  return out;
}
