/** Chat completions from any server speaking OpenAI's `POST /v1/chat/completions` (OpenAI, vLLM, DeepSeek, DashScope ...). */
import { RagError } from '../errors.js';
import { displayUrl, postJson, redact, retryOptionsFrom, serverMessage, type HttpFailure } from '../embed/http.js';
import type { ChatClientOptions, ChatMessage, ChatModel, ChatReply, ChatRequestOptions } from './types.js';

export interface OpenAIChatOptions extends ChatClientOptions {
  /** API root including `/v1`. Default: `$OPENAI_BASE_URL`, else `https://api.openai.com/v1`. */
  baseUrl?: string;
  /** Bearer key. Default `$OPENAI_API_KEY`; none for local servers. Never printed or stored. */
  apiKey?: string;
}

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export function createOpenAIChat(model: string, options: OpenAIChatOptions = {}): ChatModel {
  if (model.trim() === '') throw new RagError('usage', 'an OpenAI-compatible chat model needs a name (openai:MODEL)');
  const apiKey = options.apiKey ?? process.env['OPENAI_API_KEY'] ?? '';
  const secrets = apiKey === '' ? [] : [apiKey];
  const rawBase = options.baseUrl ?? process.env['OPENAI_BASE_URL'] ?? DEFAULT_BASE_URL;
  let url: URL;
  try {
    url = new URL(rawBase.replace(/\/+$/, ''));
  } catch {
    throw new RagError('endpoint-invalid', `invalid base URL for OpenAI-compatible chat: ${redact(rawBase, secrets)}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new RagError('endpoint-invalid', `the base URL ${displayUrl(url.href)} contains credentials; pass the key in OPENAI_API_KEY instead`);
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/chat/completions`;
  const endpoint = url.href;
  const where = displayUrl(endpoint);
  const retry = retryOptionsFrom(options, { timeoutMs: 120_000, maxRetries: 5 });
  const headers: Record<string, string> = apiKey === '' ? {} : { authorization: `Bearer ${apiKey}` };
  // Some OpenAI-compatible servers refuse response_format (400 naming it): asked once more without
  // it, and not again for the rest of the run; the prompt itself asks for JSON either way.
  let jsonMode = true;
  let refusedJsonMode = false;
  const onFailure = ({ status, body }: HttpFailure): RagError => {
    if (status === 400 && /response_format|json_object|json mode/i.test(body)) refusedJsonMode = true;
    if (status === 401 || status === 403) {
      return new RagError('endpoint-rejected', `the chat endpoint at ${where} ${apiKey === '' ? 'requires an API key' : 'rejected the API key'} (${status})`, { hint: 'set OPENAI_API_KEY' });
    }
    const message = redact(serverMessage(body), secrets);
    if (status === 404) return new RagError('endpoint-rejected', `chat model ${model} not found at ${where} (404: ${message})`, { hint: 'check the model name and that the base URL ends in /v1' });
    return new RagError('endpoint-rejected', `the chat endpoint at ${where} rejected the request (${status}): ${message}`);
  };
  return {
    id: `openai:${model}`,
    provider: 'openai',
    name: model,
    endpoint: where,
    async chat(messages: readonly ChatMessage[], request: ChatRequestOptions = {}): Promise<ChatReply> {
      const askedForJson = jsonMode;
      try {
        return await send(messages, request, askedForJson);
      } catch (error) {
        // Requests in flight when the refusal came all retry, once each, without it.
        if (!askedForJson || !refusedJsonMode) throw error;
        jsonMode = false;
        return send(messages, request, false);
      }
    },
  };

  async function send(messages: readonly ChatMessage[], request: ChatRequestOptions, json: boolean): Promise<ChatReply> {
    const body = {
      model,
      messages,
      temperature: request.temperature ?? 0.7,
      ...(json ? { response_format: { type: 'json_object' } } : {}),
      ...(request.seed === undefined ? {} : { seed: request.seed }),
    };
    const reply = await postJson(endpoint, body, {
      ...retry,
      headers,
      secrets,
      describe: `the chat endpoint at ${where}`,
      unreachableHint: 'check OPENAI_BASE_URL / the baseUrl option and your network',
      unreachableAdvice: 'chat-unreachable',
      onFailure,
      ...(options.fetchImpl === undefined ? {} : { fetchImpl: options.fetchImpl }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
    return readReply(reply);
  }
}

/** `choices[0].message.content` and `usage`; a reply without content is empty text (counted as unreadable upstream). */
function readReply(reply: unknown): ChatReply {
  const record = (reply ?? {}) as Record<string, unknown>;
  const choices = Array.isArray(record['choices']) ? (record['choices'] as unknown[]) : [];
  const message = ((choices[0] ?? {}) as Record<string, unknown>)['message'];
  const content = ((message ?? {}) as Record<string, unknown>)['content'];
  const usage = (record['usage'] ?? {}) as Record<string, unknown>;
  return {
    text: typeof content === 'string' ? content : '',
    promptTokens: count(usage['prompt_tokens']),
    completionTokens: count(usage['completion_tokens']),
  };
}

export function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}
