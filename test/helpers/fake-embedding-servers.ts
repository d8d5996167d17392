/**
 * Real HTTP servers on 127.0.0.1 that speak OpenAI's `/v1/embeddings` and Ollama's `/api/embed`
 * with deterministic vectors derived from the text, plus scripted faults (status codes,
 * Retry-After, garbage, stalls, wrong dimensions) and counters the tests assert on.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A deterministic, deliberately unnormalised vector for `text`. */
export function fakeVector(text: string, dimension: number): number[] {
  const out: number[] = [];
  for (let block = 0; out.length < dimension; block++) {
    const digest = createHash('sha256').update(`${block}:${text}`).digest();
    for (const byte of digest) {
      if (out.length === dimension) break;
      out.push((byte - 127.5) / 40);
    }
  }
  return out;
}

/** `fakeVector` L2-normalised and rounded to float32, as an embedder should return it. */
export function expectedVector(text: string, dimension: number): Float32Array {
  const raw = fakeVector(text, dimension);
  const norm = Math.sqrt(raw.reduce((s, x) => s + x * x, 0));
  return Float32Array.from(raw.map((x) => x / norm));
}

/** One scripted reply that replaces the normal answer for one request. */
export type Fault =
  | { status: number; body?: string; headers?: Record<string, string> }
  | { stall: true }
  | { garbage: string }
  | { dimension: number };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface FakeServer {
  /** `http://127.0.0.1:port` */
  origin: string;
  requests: RecordedRequest[];
  /** Most requests that were being handled at the same time. */
  maxInFlight: number;
  /** Faults served in order to the next embedding requests (before normal replies). */
  faults: Fault[];
  close(): Promise<void>;
}

export interface FakeServerOptions {
  dimension?: number;
  /** Delay before every normal reply, so concurrent requests overlap. */
  delayMs?: number;
  /** Model names the server knows; others get a 404. Default: any. */
  models?: string[];
  /** Required `Authorization` header value; others get a 401. */
  authorization?: string;
}

type Protocol = 'openai' | 'ollama';

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

async function start(protocol: Protocol, options: FakeServerOptions): Promise<FakeServer> {
  const dimension = options.dimension ?? 8;
  const sockets = new Set<Socket>();
  let inFlight = 0;
  const state: FakeServer = {
    origin: '',
    requests: [],
    maxInFlight: 0,
    faults: [],
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    let body: unknown = undefined;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    const path = req.url ?? '';
    state.requests.push({ method: req.method ?? '', path, headers: req.headers, body });

    if (protocol === 'ollama' && req.method === 'GET' && path === '/api/tags') {
      const names = options.models ?? [];
      send(res, 200, { models: names.map((name, i) => ({ name, model: name, digest: `${String(i).repeat(4)}abcdef0123456789` })) });
      return;
    }
    const isEmbed = protocol === 'openai' ? path === '/v1/embeddings' : path === '/api/embed';
    if (!isEmbed || req.method !== 'POST') {
      send(res, 404, protocol === 'openai' ? { error: { message: 'no such route' } } : '404 page not found');
      return;
    }
    if (options.authorization !== undefined && req.headers['authorization'] !== options.authorization) {
      send(res, 401, { error: { message: `Incorrect API key provided: ${String(req.headers['authorization'])}` } });
      return;
    }
    const fault = state.faults.shift();
    let replyDimension = dimension;
    if (fault !== undefined) {
      if ('stall' in fault) return; // accept, read, and never answer
      if ('garbage' in fault) {
        send(res, 200, fault.garbage);
        return;
      }
      if ('status' in fault) {
        send(res, fault.status, fault.body ?? { error: { message: `scripted ${fault.status}` } }, fault.headers);
        return;
      }
      replyDimension = fault.dimension;
    }
    const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const model = String(record['model']);
    // Like Ollama, a name without a tag means `:latest`.
    const known = options.models === undefined || options.models.includes(model)
      || (protocol === 'ollama' && !model.includes(':') && options.models.includes(`${model}:latest`));
    if (!known) {
      if (protocol === 'openai') send(res, 404, { error: { message: `The model \`${model}\` does not exist`, code: 'model_not_found' } });
      else send(res, 404, { error: `model "${model}" not found, try pulling it first` });
      return;
    }
    const input = record['input'];
    const texts = Array.isArray(input) ? input.map(String) : [String(input)];
    if (typeof record['dimensions'] === 'number' && fault === undefined) replyDimension = record['dimensions'];
    if (options.delayMs !== undefined) await new Promise((r) => setTimeout(r, options.delayMs));
    const vectors = texts.map((t) => fakeVector(t, replyDimension));
    if (protocol === 'openai') {
      // Deliberately out of order: clients must place vectors by `index`.
      const data = vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })).reverse();
      send(res, 200, { object: 'list', data, model, usage: { prompt_tokens: texts.length, total_tokens: texts.length } });
    } else {
      send(res, 200, { model, embeddings: vectors, prompt_eval_count: texts.length });
    }
  };

  const server = createServer((req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    handle(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** An OpenAI-compatible server: `POST /v1/embeddings`. */
export function startOpenAIServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  return start('openai', options);
}

/** An Ollama server: `POST /api/embed`, `GET /api/tags`. */
export function startOllamaServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  return start('ollama', options);
}
