/**
 * Chat models: what query generation and model judging ask of an LLM endpoint. One method, one
 * request, one reply; retries on 429/5xx/timeouts happen inside, unreadable content is the
 * caller's to judge (see json-reply.ts).
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The text of one reply and what it cost. */
export interface ChatReply {
  text: string;
  /** Tokens the server counted for the prompt (0 when it did not say). */
  promptTokens: number;
  /** Tokens the server counted for the reply (0 when it did not say). */
  completionTokens: number;
}

export interface ChatRequestOptions {
  signal?: AbortSignal;
  /** Sampling temperature; default 0.7 (queries should vary between styles, not be greedy copies). */
  temperature?: number;
  /** Sampling seed, for servers that honour one (OpenAI's `seed`, Ollama's `options.seed`). */
  seed?: number;
}

/** A chat endpoint that answers in JSON (it is always asked to: response_format / format). */
export interface ChatModel {
  /** `openai:gpt-4o-mini`, `ollama:qwen2.5:7b`: the spec as recorded in provenance. */
  readonly id: string;
  readonly provider: 'openai' | 'ollama';
  /** The model name sent to the server. */
  readonly name: string;
  /** Where it runs, for messages and generation.json: scheme, host and path, never a key. */
  readonly endpoint: string;
  chat(messages: readonly ChatMessage[], options?: ChatRequestOptions): Promise<ChatReply>;
}

/** Options of both chat clients; retry defaults: 5 retries, 500 ms doubling, 120 s per attempt. */
export interface ChatClientOptions {
  timeoutMs?: number;
  maxRetries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  fetchImpl?: typeof fetch;
}
