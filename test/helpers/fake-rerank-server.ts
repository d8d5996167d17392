/**
 * A real HTTP server on 127.0.0.1 speaking the common `POST /v1/rerank` shape. By default it
 * scores each document by how many of the query's words it contains (a crude but real relevance
 * signal, so reranking visibly reorders); tests queue raw replies for errors and odd shapes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RerankRequest {
  n: number;
  path: string;
  headers: IncomingMessage['headers'];
  body: { model?: unknown; query?: unknown; documents?: unknown; top_n?: unknown };
}

export type RerankAnswer = { status: number; body: string; headers?: Record<string, string> };

export interface FakeRerankServer {
  origin: string;
  requests: RerankRequest[];
  queue: RerankAnswer[];
  close(): Promise<void>;
}

/** Share of the query's distinct lower-cased words that occur in the document. */
export function overlapScore(query: string, document: string): number {
  const words = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
  const text = document.toLowerCase();
  return words.length === 0 ? 0 : words.filter((w) => text.includes(w)).length / words.length;
}

export async function startFakeRerankServer(): Promise<FakeRerankServer> {
  const requests: RerankRequest[] = [];
  const queue: RerankAnswer[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      let body: RerankRequest['body'] = {};
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as RerankRequest['body'];
      } catch {
        res.writeHead(400).end('{"error":"not JSON"}');
        return;
      }
      requests.push({ n: requests.length + 1, path: req.url ?? '', headers: req.headers, body });
      const queued = queue.shift();
      if (queued !== undefined) {
        res.writeHead(queued.status, { 'content-type': 'application/json', ...queued.headers }).end(queued.body);
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v1/rerank') {
        res.writeHead(404).end('{"error":"no such route"}');
        return;
      }
      const documents = Array.isArray(body.documents) ? body.documents.map(String) : [];
      const query = String(body.query ?? '');
      // Sorted by score like real servers: the client must map results back by index.
      const results = documents
        .map((d, index) => ({ index, relevance_score: overlapScore(query, d) }))
        .sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index)
        .slice(0, typeof body.top_n === 'number' ? body.top_n : documents.length);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ model: body.model, results }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    queue,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
