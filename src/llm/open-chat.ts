import { RagError } from '../errors.js';
import { createOllamaChat } from './ollama-chat.js';
import { createOpenAIChat } from './openai-chat.js';
import type { ChatClientOptions, ChatModel } from './types.js';

export interface OpenChatOptions extends ChatClientOptions {
  /** OpenAI-compatible base URL (with /v1); default `$OPENAI_BASE_URL`. */
  baseUrl?: string;
  apiKey?: string;
  /** Ollama host; default `$OLLAMA_HOST`. */
  host?: string;
}

/** Opens `openai:MODEL` or `ollama:MODEL` (the part after the first colon is the model name, colons allowed). */
export function openChatModel(spec: string, options: OpenChatOptions = {}): ChatModel {
  const cut = spec.indexOf(':');
  const provider = cut < 0 ? '' : spec.slice(0, cut).toLowerCase();
  const name = cut < 0 ? '' : spec.slice(cut + 1);
  const retry = {
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    ...(options.retryBaseMs === undefined ? {} : { retryBaseMs: options.retryBaseMs }),
    ...(options.retryMaxMs === undefined ? {} : { retryMaxMs: options.retryMaxMs }),
    ...(options.fetchImpl === undefined ? {} : { fetchImpl: options.fetchImpl }),
  };
  if (provider === 'openai') {
    return createOpenAIChat(name, { ...retry, ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }), ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }) });
  }
  if (provider === 'ollama') return createOllamaChat(name, { ...retry, ...(options.host === undefined ? {} : { host: options.host }) });
  throw new RagError('usage', `unknown chat model "${spec}"`, {
    hint: 'use openai:MODEL (OPENAI_BASE_URL, OPENAI_API_KEY) or ollama:MODEL (OLLAMA_HOST)',
    details: { advice: 'chat-model-unknown', spec },
  });
}
