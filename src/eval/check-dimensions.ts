import type { Embedder } from '../embed/types.js';
import { RagError } from '../errors.js';
import { findModel } from '../embed/aliases.js';
import { ragWarning } from '../warnings.js';
import type { EvalEvent } from './eval-options.js';

/**
 * Truncations must fit the model; truncating a model not trained for it (Matryoshka) still
 * runs, since measuring the loss is the point, but says so.
 */
export function checkDimensions(dims: readonly number[] | undefined, embedder: Embedder, modelName: string, emit: (e: EvalEvent) => void): void {
  if (!dims?.length) return;
  const full = embedder.info.dimension;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 1) throw new RagError('usage', `dimensions ${d}: expected positive whole numbers`, { details: { advice: 'dimensions-invalid', value: d } });
    if (d > full) {
      throw new RagError('usage', `dimensions ${d} is larger than ${modelName}'s ${full} dimensions`, {
        hint: `use values up to ${full}`,
        details: { advice: 'dimensions-too-large', value: d, model: modelName, full },
      });
    }
  }
  if (dims.some((d) => d < full) && !isMatryoshka(modelName)) {
    emit({ type: 'warning', ...ragWarning('dimensions-not-matryoshka', { model: modelName, dimensions: dims.filter((d) => d < full).join(',') }) });
  }
}

/** Models whose cards say they were trained for truncation (the registry's `matryoshka` flag). */
function isMatryoshka(modelName: string): boolean {
  return findModel(modelName)?.matryoshka === true;
}
