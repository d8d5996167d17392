/** Chat from an Ollama server through `POST /api/chat` with `format: "json"`. */
import { RagError } from '../errors.js';
import { postJson, retryOptionsFrom, serverMessage, type HttpFailure } from '../embed/http.js';
import { resolveOllamaHost } from '../embed/ollama.js';
import { count } from './openai-chat.js';
import type { ChatClientOptions, ChatMessage, ChatModel, ChatReply, ChatRequestOptions } from './types.js';

export interface OllamaChatOptions extends ChatClientOptions {
  /** Default `$OLLAMA_HOST`, else `http://127.0.0.1:11434` (same shapes as the Ollama CLI). */
  host?: string;
}

export function createOllamaChat(model: string, options: OllamaChatOptions = {}): ChatModel {
  if (model.trim() === '') throw new RagError('usage', 'an Ollama chat model needs a name (ollama:MODEL)');
  const base = resolveOllamaHost(options.host ?? process.env['OLLAMA_HOST']);
  const endpoint = `${base}/api/chat`;
  // A local model's first request loads it into memory: allow several minutes.
  const retry = retryOptionsFrom(options, { timeoutMs: 300_000, maxRetries: 3 });
  const onFailure = ({ status, body }: HttpFailure): RagError => {
    const message = serverMessage(body);
    if (status === 404) return new RagError('endpoint-rejected', `Ollama at ${base} has no model ${model} (404: ${message})`, { hint: `run \`ollama pull ${model}\`` });
    return new RagError('endpoint-rejected', `Ollama at ${base} rejected the request (${status}): ${message}`);
  };
  return {
    id: `ollama:${model}`,
    provider: 'ollama',
    name: model,
    endpoint,
    async chat(messages: readonly ChatMessage[], request: ChatRequestOptions = {}): Promise<ChatReply> {
      const body = { model, messages, stream: false, format: 'json', options: { temperature: request.temperature ?? 0.7, ...(request.seed === undefined ? {} : { seed: request.seed }) } };
      const reply = await postJson(endpoint, body, {
        ...retry,
        describe: `Ollama at ${base}`,
        unreachableHint: 'is `ollama serve` running? set OLLAMA_HOST if it runs elsewhere',
        onFailure,
        ...(options.fetchImpl === undefined ? {} : { fetchImpl: options.fetchImpl }),
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      });
      const record = (reply ?? {}) as Record<string, unknown>;
      const content = ((record['message'] ?? {}) as Record<string, unknown>)['content'];
      return {
        text: typeof content === 'string' ? content : '',
        promptTokens: count(record['prompt_eval_count']),
        completionTokens: count(record['eval_count']),
      };
    },
  };
}
