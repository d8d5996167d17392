import { listModels } from '../../embed/aliases.js';
import { out, printJson } from '../ui.js';

export async function runModels(opts: { json?: boolean }): Promise<void> {
  const models = listModels();
  if (opts.json) {
    printJson({ models });
    return;
  }
  const rows = models.map((m) => [
    m.alias,
    m.provider,
    m.hubId || '(built in)',
    m.pooling,
    show(m.queryPrefix),
    show(m.passagePrefix),
    String(m.dimension),
    m.maxTokens > 0 ? String(m.maxTokens) : '-',
    m.languages.join(','),
  ]);
  const header = ['alias', 'provider', 'id', 'pooling', 'query prefix', 'passage prefix', 'dim', 'max tokens', 'languages'];
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]!))));
  const line = (cells: string[]) => cells.map((c, i) => c + ' '.repeat(widths[i]! - width(c))).join('  ').trimEnd();
  process.stdout.write(`${out.bold(line(header))}\n${rows.map(line).join('\n')}\n`);
  process.stdout.write(out.dim('\nAlso: hf:ORG/NAME (any transformers.js model), ./folder (local model), openai:MODEL, ollama:MODEL\n'));
}

function show(prefix: string): string {
  if (!prefix) return '-';
  const flat = JSON.stringify(prefix);
  return flat.length > 40 ? `${flat.slice(0, 39)}…` : flat;
}

/** Terminal columns: CJK characters take two. */
function width(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return w;
}
