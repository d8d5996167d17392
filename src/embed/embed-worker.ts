/**
 * Worker-thread side of worker-pool.ts: loads one local model on this thread and embeds what the
 * pool sends. onnxruntime-node runs a session synchronously on the thread that calls it, so this
 * is how model runs leave the main thread and how two of them run at once.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RagError } from '../errors.js';
import { loadTransformersEmbedder, type TransformersLoadOptions, type TransformersModelSpec } from './transformers.js';
import type { EmbedBatchResult } from './types.js';

export interface WorkerInit {
  spec: TransformersModelSpec;
  options: TransformersLoadOptions;
}

export type WorkerRequest = { type: 'embed'; id: number; kind: 'documents' | 'query'; texts: string[] } | { type: 'dispose' };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'load-error'; message: string; userError: boolean }
  | { type: 'result'; id: number; vectors: Float32Array[]; truncated: number }
  | { type: 'error'; id: number; message: string; userError: boolean };

const port = parentPort;
if (port === null) throw new Error('embed-worker runs as a worker thread of worker-pool');
const init = workerData as WorkerInit;

function describe(error: unknown): { message: string; userError: boolean } {
  return { message: error instanceof Error ? error.message : String(error), userError: error instanceof RagError };
}

try {
  const embedder = await loadTransformersEmbedder(init.spec, { ...init.options, workers: 0 });
  port.on('message', (request: WorkerRequest) => {
    if (request.type === 'dispose') {
      void embedder.dispose().finally(() => port.close());
      return;
    }
    const run: Promise<EmbedBatchResult> =
      request.kind === 'query'
        ? embedder.embedQuery(request.texts[0] ?? '').then((vector) => ({ vectors: [vector], truncated: 0 }))
        : embedder.embedDocuments(request.texts);
    run.then(
      ({ vectors, truncated }) => {
        const reply: WorkerReply = { type: 'result', id: request.id, vectors, truncated };
        // Vectors move without a copy; views that share a buffer take it along once.
        port.postMessage(reply, [...new Set(vectors.map((v) => v.buffer as ArrayBuffer))]);
      },
      (error: unknown) => port.postMessage({ type: 'error', id: request.id, ...describe(error) } satisfies WorkerReply),
    );
  });
  port.postMessage({ type: 'ready' } satisfies WorkerReply);
} catch (error) {
  port.postMessage({ type: 'load-error', ...describe(error) } satisfies WorkerReply);
  port.close();
}
