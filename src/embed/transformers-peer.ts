/**
 * The optional peer `@huggingface/transformers`: checking that it is installed, importing it on
 * first use, and the lock that runs loads one at a time. The embedder (transformers.ts) and the
 * cross-encoder reranker (rerank/cross-encoder.ts) share all three.
 */
import { RagError } from '../errors.js';

type TransformersModule = typeof import('@huggingface/transformers');

// transformers.js keeps its settings in one global `env`; loads run one at a time so two
// models with different settings (a hub model and a local folder) cannot mix them up.
let loadChain: Promise<unknown> = Promise.resolve();
export function serialized<T>(task: () => Promise<T>): Promise<T> {
  const run = loadChain.then(task, task);
  loadChain = run.catch(() => undefined);
  return run;
}

function missingTransformers(error: unknown): RagError {
  // An optional peer: users of `hash`, OpenAI-compatible or Ollama models never install
  // onnxruntime, whose install script fails on some machines (e.g. an unsupported CUDA).
  return new RagError('dependency-missing', 'local ONNX models (aliases, hf:ORG/NAME, model folders) need the optional package @huggingface/transformers, which is not installed', {
    hint: 'install it next to rag: npm install @huggingface/transformers@^3.8.1',
    cause: error,
  });
}

/** Resolving is cheap (no module is evaluated), so a deferred load can check it up front. */
export function assertTransformersInstalled(): void {
  try {
    import.meta.resolve('@huggingface/transformers');
  } catch (error) {
    throw missingTransformers(error);
  }
}

/**
 * The optional peer, imported on first use. @internal: its type names the peer's module, which a
 * consumer without `@huggingface/transformers` installed cannot resolve in our declarations.
 */
export async function importTransformers(): Promise<TransformersModule> {
  try {
    return await import('@huggingface/transformers');
  } catch (error) {
    throw missingTransformers(error);
  }
}
