/**
 * Reading JSON out of what chat models actually send: a bare object, an object in a ```json
 * fence, or one wrapped in prose ("Sure! Here are the queries: {...} Hope this helps").
 */

/** The first JSON object in `text`, or undefined when there is none that parses. */
export function extractJsonObject(text: string): Record<string, unknown> | undefined {
  const trimmed = text.trim();
  const direct = tryObject(trimmed);
  if (direct !== undefined) return direct;
  const fence = /```(?:json|JSON)?\s*\n?([\s\S]*?)```/.exec(trimmed);
  if (fence?.[1] !== undefined) {
    const fenced = tryObject(fence[1].trim());
    if (fenced !== undefined) return fenced;
  }
  // Every '{' may open the object; the first balanced span that parses wins.
  for (let start = trimmed.indexOf('{'); start >= 0; start = trimmed.indexOf('{', start + 1)) {
    const end = balancedEnd(trimmed, start);
    if (end < 0) continue;
    const found = tryObject(trimmed.slice(start, end + 1));
    if (found !== undefined) return found;
  }
  return undefined;
}

function tryObject(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Index of the `}` closing the `{` at `start`, skipping braces inside strings; -1 if unbalanced. */
function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

/** `{"queries": ["…", …]}` (items may also be `{"query": "…"}` or `{"text": "…"}`); undefined when the shape is wrong. */
export function readQueries(text: string): string[] | undefined {
  const object = extractJsonObject(text);
  const list = object?.['queries'];
  if (!Array.isArray(list)) return undefined;
  const out: string[] = [];
  for (const item of list) {
    if (typeof item === 'string') out.push(item);
    else if (typeof item === 'object' && item !== null) {
      const record = item as Record<string, unknown>;
      const value = record['query'] ?? record['text'];
      if (typeof value === 'string') out.push(value);
    }
  }
  return out;
}

/** `{"answerable": "yes"|"no"}` (or a boolean, or `answer`); undefined when unreadable. */
export function readVerdict(text: string): boolean | undefined {
  const object = extractJsonObject(text);
  const value = object?.['answerable'] ?? object?.['answer'];
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  if (['yes', 'y', 'true', '是', '能', '可以'].includes(v)) return true;
  if (['no', 'n', 'false', '否', '不能', '不可以'].includes(v)) return false;
  return undefined;
}

/** `{"grade": 0..3}` for model judging; undefined when unreadable or out of range. */
export function readGrade(text: string): number | undefined {
  const value = extractJsonObject(text)?.['grade'];
  const n = typeof value === 'string' ? Number(value.trim()) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 3 ? n : undefined;
}
