/**
 * The endpoint an HTTP model (openai:, ollama:) was reached at belongs to its index: later
 * queries go there, never to whatever the environment or the default says today. Only the base
 * URL is kept (credentials in URLs are refused; keys live in the environment and never here).
 */
import { RagError } from '../errors.js';
import type { ModelInfo } from '../model/model-info.js';
import { displayUrl } from './http.js';
import { resolveOllamaHost } from './ollama.js';

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** `https://host/v1/` -> `https://host/v1`; undefined when it does not parse (the factory then says why). */
export function normalizeOpenAIBaseUrl(raw: string): string | undefined {
  try {
    const url = new URL(raw.replace(/\/+$/, ''));
    return url.href.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}

interface EndpointRule {
  variable: string;
  normalize(raw: string | undefined): string | undefined;
}

const RULES: Partial<Record<ModelInfo['provider'], EndpointRule>> = {
  openai: { variable: 'OPENAI_BASE_URL', normalize: (raw) => normalizeOpenAIBaseUrl(raw ?? DEFAULT_OPENAI_BASE_URL) },
  ollama: {
    variable: 'OLLAMA_HOST',
    normalize: (raw) => {
      try {
        return resolveOllamaHost(raw);
      } catch {
        return undefined;
      }
    },
  },
};

/**
 * The base URL to reopen an index's HTTP model at, or undefined for other providers or when an
 * explicit one was passed (then it is used as given; the fingerprint's host still has to match).
 * The stored endpoint wins over an unset environment; a configured endpoint that differs from
 * it is refused, so query text never goes to a server the index was not built with.
 */
export function endpointForReopen(location: string, info: ModelInfo, explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const rule = RULES[info.provider];
  if (rule === undefined || explicit !== undefined) return undefined;
  const configured = env[rule.variable];
  const configuredUrl = configured === undefined || configured === '' ? undefined : rule.normalize(configured);
  if (info.endpoint !== undefined) {
    if (configuredUrl !== undefined && configuredUrl !== info.endpoint) throw mismatch(location, info, displayUrl(info.endpoint), `${rule.variable}=${displayUrl(configuredUrl)}`, rule);
    return info.endpoint;
  }
  // Indexes written before the endpoint was stored know only its host (part of the fingerprint).
  const storedHost = info.params?.['host'];
  const effective = rule.normalize(configured === '' ? undefined : configured);
  if (typeof storedHost === 'string' && effective !== undefined && new URL(effective).host !== storedHost) {
    const now = configuredUrl === undefined ? `the default ${displayUrl(effective)}` : `${rule.variable}=${displayUrl(effective)}`;
    throw mismatch(location, info, `host ${storedHost}`, now, rule);
  }
  return undefined;
}

function mismatch(location: string, info: ModelInfo, built: string, now: string, rule: EndpointRule): RagError {
  return new RagError('endpoint-mismatch', `index ${location} was built with ${info.id} at ${built}, but ${now} points elsewhere; nothing was sent`, {
    hint: `unset ${rule.variable} to use the index's endpoint, or set the baseUrl option to choose one explicitly`,
    details: { advice: 'endpoint-mismatch', variable: rule.variable },
  });
}
