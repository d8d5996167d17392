/**
 * A real HTTP server on 127.0.0.1 speaking OpenAI's `POST /v1/chat/completions` and Ollama's
 * `POST /api/chat`. By default it answers like a decent chat model: queries written from the
 * passage in the prompt, in the passage's language; tests script the ways real models go wrong
 * (fenced JSON, prose around it, unreadable text, duplicates, verbatim copies, 429, 5xx).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ChatRequest {
  flavour: 'openai' | 'ollama';
  /** 1-based number of this request on this server. */
  n: number;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  messages: Array<{ role: string; content: string }>;
  /** The user message's text between <passage> and </passage>, if any. */
  passage: string | undefined;
  /** The query of an answerability check, if this is one. */
  checkQuery: string | undefined;
}

/** What to send back: chat content (wrapped in the flavour's envelope) or a raw HTTP reply. */
export type ChatAnswer = { content: string; promptTokens?: number; completionTokens?: number } | { status: number; body?: string; headers?: Record<string, string> };

export interface FakeChatServer {
  origin: string;
  requests: ChatRequest[];
  maxInFlight: number;
  /** Replaces the answer of the next requests, in order (before `respond`). */
  queue: Array<ChatAnswer | ((r: ChatRequest) => ChatAnswer)>;
  /** Decides every answer not taken from `queue`; default {@link realisticAnswer}. */
  respond: (r: ChatRequest) => ChatAnswer;
  close(): Promise<void>;
}

const CJK = /[\p{Script=Han}]/u;

/** Queries a reasonable model might write for a passage: one per style, in the passage's language. */
export function realisticQueries(passage: string, count: number): string[] {
  const chinese = (passage.match(/\p{Script=Han}/gu) ?? []).length > (passage.match(/[A-Za-z]+/g) ?? []).length;
  if (chinese) {
    const runs = (passage.match(/\p{Script=Han}{4,}/gu) ?? []).filter((r) => r.length >= 4);
    const a = runs[0]?.slice(0, 4) ?? '这个问题';
    const b = runs[1]?.slice(0, 4) ?? runs[0]?.slice(2, 6) ?? '相关规定';
    const c = runs[2]?.slice(0, 3) ?? '流程';
    return [`${a}应该怎么理解？`, `${a} ${b} ${c}`, `有没有关于${b}的说明`].slice(0, count);
  }
  const words = (passage.toLowerCase().match(/[a-z]{5,}/g) ?? []).filter((w, i, all) => all.indexOf(w) === i);
  const [a = 'this', b = 'topic', c = 'policy'] = words;
  return [`how does ${a} relate to ${b}?`, `${a} ${b} ${c}`, `where can I read about ${c} and ${a}`].slice(0, count);
}

/** The default behaviour: queries for generation prompts, "yes" for checks. */
export function realisticAnswer(r: ChatRequest): ChatAnswer {
  if (r.checkQuery !== undefined) return { content: JSON.stringify({ answerable: 'yes' }), promptTokens: 80, completionTokens: 5 };
  const count = Number(/(?:Write|请写) (\d+)/.exec(r.messages.at(-1)?.content ?? '')?.[1] ?? 3);
  return { content: JSON.stringify({ queries: realisticQueries(r.passage ?? '', count) }), promptTokens: 200, completionTokens: 40 };
}

export function isChinese(text: string): boolean {
  return CJK.test(text);
}

export async function startFakeChatServer(options: { delayMs?: number } = {}): Promise<FakeChatServer> {
  const sockets = new Set<Socket>();
  let inFlight = 0;
  const state: FakeChatServer = {
    origin: '',
    requests: [],
    maxInFlight: 0,
    queue: [],
    respond: realisticAnswer,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        inFlight++;
        state.maxInFlight = Math.max(state.maxInFlight, inFlight);
        try {
          const flavour = req.url === '/v1/chat/completions' ? 'openai' : req.url === '/api/chat' ? 'ollama' : undefined;
          if (req.method !== 'POST' || flavour === undefined) {
            res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
            return;
          }
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          const messages = (body['messages'] ?? []) as Array<{ role: string; content: string }>;
          const user = messages.at(-1)?.content ?? '';
          const passage = /<passage>\n?([\s\S]*?)\n?<\/passage>/.exec(user)?.[1];
          const afterPassage = user.slice(user.indexOf('</passage>') + 1);
          const checkQuery = /answerable/.test(user) ? /\n(?:Query: |查询：)(.*)\n/.exec(afterPassage)?.[1]?.trim() : undefined;
          const request: ChatRequest = { flavour, n: state.requests.length + 1, body, headers: req.headers, messages, passage, checkQuery };
          state.requests.push(request);
          if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
          const queued = state.queue.shift();
          const answer = queued === undefined ? state.respond(request) : typeof queued === 'function' ? queued(request) : queued;
          if ('status' in answer) {
            res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body ?? '');
            return;
          }
          const envelope =
            flavour === 'openai'
              ? {
                  id: `chatcmpl-${request.n}`,
                  object: 'chat.completion',
                  model: body['model'],
                  choices: [{ index: 0, message: { role: 'assistant', content: answer.content }, finish_reason: 'stop' }],
                  usage: { prompt_tokens: answer.promptTokens ?? 0, completion_tokens: answer.completionTokens ?? 0 },
                }
              : {
                  model: body['model'],
                  message: { role: 'assistant', content: answer.content },
                  done: true,
                  prompt_eval_count: answer.promptTokens ?? 0,
                  eval_count: answer.completionTokens ?? 0,
                };
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(envelope));
        } finally {
          inFlight--;
        }
      })();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
