/**
 * Runs a local model in worker threads.
 *
 * Why: onnxruntime-node runs a session synchronously on the calling thread. On the main thread
 * that serialises tokenizing, pooling, chunking and index writes with the model, and the
 * session's intra-op threads parallelise a small model's many tiny operators poorly (a 1-layer
 * model kept 1.1 of 2 cores busy). Two workers, each tokenizing and running its share of the
 * texts on its own session, keep both cores busy whatever the model's size.
 */
import { Worker } from 'node:worker_threads';
import { RagError } from '../errors.js';
import type { BatchLimits } from './batching.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './embed-worker.js';
import type { LocalModelEmbedder } from './transformers.js';
import type { EmbedBatchResult, EmbedOptions, ModelInfo } from './types.js';

/** Texts per request: enough to sort by length within, few enough to share out and report progress. */
const MAX_PIECE = 128;
const MIN_PIECE = 16;
/** Requests a worker holds at once: one running, one being tokenized or queued behind it. */
const IN_FLIGHT_PER_WORKER = 2;

interface Pending {
  resolve(result: EmbedBatchResult): void;
  reject(error: Error): void;
}

/**
 * Under tsx (tests, benches) this module is TypeScript and so is the worker's entry; Node 20 does
 * not carry `--import tsx` into a worker, so a two-line script registers tsx there first.
 */
function startThread(init: WorkerInit): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./embed-worker.js', import.meta.url), { workerData: init });
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./embed-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: init });
}

/** One worker thread and its outstanding requests. */
class EmbedWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #failure: Error | undefined;
  #disposed = false;
  readonly ready: Promise<void>;

  constructor(init: WorkerInit) {
    this.#worker = startThread(init);
    this.ready = new Promise<void>((resolve, reject) => {
      this.#worker.on('message', (reply: WorkerReply) => {
        if (reply.type === 'ready') {
          // An idle worker must not keep the process alive; one with work does (see request()).
          this.#worker.unref();
          resolve();
        } else if (reply.type === 'load-error') {
          reject(reply.userError ? new RagError(reply.message) : new Error(reply.message));
        } else {
          this.#settle(reply);
        }
      });
      const fail = (error: Error): void => {
        this.#failure ??= error;
        reject(error);
        for (const pending of this.#pending.values()) pending.reject(error);
        this.#pending.clear();
      };
      this.#worker.on('error', (error) => fail(error));
      this.#worker.on('exit', (code) => {
        if (!this.#disposed) fail(new Error(`the model's worker thread exited (code ${code})`));
      });
    });
    // A load failure is reported by whoever awaits `ready`; this only keeps it from being unhandled.
    this.ready.catch(() => undefined);
  }

  get load(): number {
    return this.#pending.size;
  }

  #settle(reply: WorkerReply): void {
    if (reply.type !== 'result' && reply.type !== 'error') return;
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.type === 'result') pending.resolve({ vectors: reply.vectors, truncated: reply.truncated });
    else pending.reject(reply.userError ? new RagError(reply.message) : new Error(reply.message));
  }

  request(kind: 'documents' | 'query', texts: string[]): Promise<EmbedBatchResult> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#disposed) return Promise.reject(new Error('the model was disposed'));
    const id = this.#nextId++;
    return new Promise<EmbedBatchResult>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage({ type: 'embed', id, kind, texts } satisfies WorkerRequest);
    });
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    try {
      await this.ready;
      this.#worker.postMessage({ type: 'dispose' } satisfies WorkerRequest);
      // The worker releases its ONNX session and exits; if it has not within 5 s, stop it.
      const timer = setTimeout(() => void this.#worker.terminate(), 5000);
      await exited;
      clearTimeout(timer);
    } catch {
      await this.#worker.terminate();
    }
  }
}

export interface WorkerPoolOptions {
  workers: number;
  /** What worker `index` loads; the first may download, the rest read the cache. */
  start(index: number): WorkerInit;
}

/**
 * An embedder whose model runs in worker threads. `local` is the same model loaded on this thread
 * without its ONNX session: it gives `info`, the fingerprint and token counts.
 */
class WorkerPoolEmbedder implements LocalModelEmbedder {
  readonly info: ModelInfo;
  readonly fingerprint: string;
  readonly cacheable = true;
  readonly #local: LocalModelEmbedder;
  readonly #options: WorkerPoolOptions;
  readonly #workers: EmbedWorker[];
  #growing: Promise<void> | undefined;

  constructor(local: LocalModelEmbedder, first: EmbedWorker, options: WorkerPoolOptions) {
    this.#local = local;
    this.info = local.info;
    this.fingerprint = local.fingerprint;
    this.#options = options;
    this.#workers = [first];
  }

  get batchLimits(): BatchLimits {
    return this.#local.batchLimits;
  }

  /** Worker threads started so far: one at load, the rest with the first call that can use them. */
  get workerCount(): number {
    return this.#workers.length;
  }

  countTokens(text: string): number {
    return this.#local.countTokens(text);
  }

  /** Starts the remaining workers one after another, so a model is never being loaded twice at once. */
  #grow(): Promise<void> {
    this.#growing ??= (async () => {
      for (let index = this.#workers.length; index < this.#options.workers; index++) {
        const worker = new EmbedWorker(this.#options.start(index));
        try {
          await worker.ready;
        } catch (error) {
          await worker.dispose();
          throw error;
        }
        this.#workers.push(worker);
      }
    })();
    return this.#growing;
  }

  #leastBusy(): EmbedWorker {
    return this.#workers.reduce((best, w) => (w.load < best.load ? w : best));
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const { vectors } = await this.#leastBusy().request('query', [text]);
    return vectors[0]!;
  }

  async embedDocuments(texts: readonly string[], options: EmbedOptions = {}): Promise<EmbedBatchResult> {
    const lanes = this.#options.workers * IN_FLIGHT_PER_WORKER;
    const pieceSize = Math.max(MIN_PIECE, Math.min(MAX_PIECE, Math.ceil(texts.length / lanes)));
    if (texts.length > pieceSize && this.#workers.length < this.#options.workers) await this.#grow();
    const vectors = new Array<Float32Array>(texts.length);
    let truncated = 0;
    let done = 0;
    let next = 0;
    // Pieces go out in order to whichever worker has room; each worker sorts its piece by length.
    const pump = async (worker: EmbedWorker): Promise<void> => {
      while (next < texts.length) {
        options.signal?.throwIfAborted();
        const start = next;
        const piece = texts.slice(start, start + pieceSize);
        next += piece.length;
        let result: EmbedBatchResult;
        try {
          result = await worker.request('documents', piece);
        } catch (error) {
          next = texts.length; // the other lanes stop taking pieces
          throw error;
        }
        result.vectors.forEach((v, i) => (vectors[start + i] = v));
        truncated += result.truncated;
        done += piece.length;
        options.onProgress?.({ done, total: texts.length });
      }
    };
    const settled = await Promise.allSettled(this.#workers.flatMap((w) => Array.from({ length: IN_FLIGHT_PER_WORKER }, () => pump(w))));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    // Aborted while the last pieces ran: the caller asked to stop, so it gets no result.
    options.signal?.throwIfAborted();
    return { vectors, truncated };
  }

  async dispose(): Promise<void> {
    await this.#growing?.catch(() => undefined);
    await Promise.all(this.#workers.map((w) => w.dispose()));
    await this.#local.dispose();
  }
}

/**
 * Starts the first worker (so a model that cannot load fails here, as a load on this thread
 * would) and returns the pool; the others start with the first call that has texts to share.
 */
export async function startWorkerPool(local: LocalModelEmbedder, options: WorkerPoolOptions): Promise<LocalModelEmbedder> {
  const first = new EmbedWorker(options.start(0));
  try {
    await first.ready;
  } catch (error) {
    await first.dispose();
    throw error;
  }
  return new WorkerPoolEmbedder(local, first, options);
}
