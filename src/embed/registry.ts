/**
 * `--model` values to embedders: the one entry point, over the table of providers
 * (providers.ts). Cheap to import: model code loads only when a model is opened.
 */
import { RagError } from '../errors.js';
import type { Pooling } from '../model/model-info.js';
import { unknownModelError } from './aliases.js';
import { providerFor } from './providers.js';
import type { Embedder, ResolveOptions } from './types.js';

/** The model a new index gets when none is named: built in, offline, no download. */
export const DEFAULT_MODEL = 'hash';

const POOLINGS: readonly Pooling[] = ['cls', 'mean', 'last_token', 'none'];

/**
 * Turns a `--model` value into an embedder.
 *
 * Accepted forms: an alias from `listModels()` (`bge-small-zh`, case-insensitive), `hash`,
 * `hf:ORG/NAME` (any transformers.js-compatible repo), a model folder (`./path`, `../path`,
 * `/abs/path`, `~/path`), `openai:MODEL` and `ollama:MODEL`.
 *
 * @throws RagError for an unknown alias (with the closest names), a folder that is not a
 * model, a repo or folder whose pooling is unknown and not given, or a hub that cannot be reached.
 */
export async function resolveModel(spec: string, options: ResolveOptions = {}): Promise<Embedder> {
  const trimmed = spec.trim();
  if (options.pooling !== undefined && !POOLINGS.includes(options.pooling)) {
    throw new RagError('usage', `unknown pooling '${String(options.pooling)}'; use one of ${POOLINGS.join(', ')}`);
  }
  const provider = providerFor(trimmed);
  if (provider === undefined) throw unknownModelError(trimmed);
  return provider.open(trimmed, options);
}
