/**
 * The prompts: built-in ones in English and Chinese (a Chinese passage gets a Chinese prompt, so
 * the model answers in Chinese instead of translating), or the user's own template.
 */
import { createHash } from 'node:crypto';
import { RagError } from '../../errors.js';
import type { ChatMessage } from '../../llm/types.js';
import type { PassageLanguage } from './passages.js';

export const QUERY_STYLES = ['question', 'keywords', 'paraphrase'] as const;
export type QueryStyle = (typeof QUERY_STYLES)[number];

const STYLE_TEXT: Record<PassageLanguage, Record<QueryStyle, string>> = {
  en: {
    question: 'a natural question, the way a person would ask it',
    keywords: 'a short keyword query of 2 to 5 words, as typed into a search box',
    paraphrase: 'a question that says the same thing in other words: no phrase taken from the passage',
  },
  zh: {
    question: '一个自然的问题，像真人提问那样',
    keywords: '一个简短的关键词查询（2 到 5 个词，用空格分开），像在搜索框里输入的那样',
    paraphrase: '一个换了说法的问题：意思相同，但不用原文里的词句',
  },
};

const SYSTEM: Record<PassageLanguage, string> = {
  en: 'You write realistic search queries for testing a search engine. You answer with JSON only.',
  zh: '你为检索系统的评测编写真实的搜索查询。你只用 JSON 回答。',
};

const TEMPLATE: Record<PassageLanguage, string> = {
  en: `Here is a passage from a document collection:

<passage>
{{passage}}
</passage>

Write {{count}} search queries that someone who has NOT seen this passage would type to find it, one for each of these styles, in this order:
{{styles}}

Rules: write in English; the passage must answer every query; never copy a long phrase from the passage; no numbering, no quotation marks.
Answer with JSON only, in this shape: {"queries": ["...", "..."]}`,
  zh: `下面是文档库中的一段文字：

<passage>
{{passage}}
</passage>

请写 {{count}} 个搜索查询：提问的人没有看过这段文字，想用这些查询找到它。按下面的顺序，每种写法一个：
{{styles}}

要求：用中文写；这段文字必须能回答每个查询；不要照抄原文中的长句或词组；不要编号，不要引号。
只用 JSON 回答，格式为：{"queries": ["……", "……"]}`,
};

const CHECK: Record<PassageLanguage, string> = {
  en: `Passage:
<passage>
{{passage}}
</passage>

Query: {{query}}

Does the passage contain what the query asks for, so that a person searching with this query would be satisfied to find it?
Answer with JSON only: {"answerable": "yes"} or {"answerable": "no"}`,
  zh: `文字：
<passage>
{{passage}}
</passage>

查询：{{query}}

这段文字是否包含查询所要的信息，使用这个查询搜索的人找到它会满意？
只用 JSON 回答：{"answerable": "yes"} 或 {"answerable": "no"}`,
};

/** How queries are asked for: the built-in templates, or one template (from --prompt) for every language. */
export interface PromptSet {
  /** `sha256:` + 16 hex of everything that shapes the prompt, recorded with every query. */
  hash: string;
  /** Whether the template came from the user. */
  custom: boolean;
  messages(passage: string, language: PassageLanguage, styles: readonly QueryStyle[]): ChatMessage[];
  checkMessages(passage: string, query: string, language: PassageLanguage): ChatMessage[];
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => values[name] ?? whole);
}

function styleList(language: PassageLanguage, styles: readonly QueryStyle[]): string {
  return styles.map((s, i) => `${i + 1}. ${STYLE_TEXT[language][s]}`).join('\n');
}

/**
 * The prompt set. A custom template must contain `{{passage}}` and `{{count}}`; it may use
 * `{{styles}}` (the numbered style list) and `{{language}}` (`Chinese` or `English`).
 */
export function promptSet(customTemplate?: string): PromptSet {
  if (customTemplate !== undefined) {
    for (const slot of ['{{passage}}', '{{count}}']) {
      if (!customTemplate.includes(slot)) {
        throw new RagError('usage', `the prompt template has no ${slot}`, {
          hint: 'a template needs {{passage}} and {{count}}; {{styles}} and {{language}} are optional',
          details: { advice: 'prompt-slot', slot },
        });
      }
    }
  }
  const hash = `sha256:${createHash('sha256')
    .update(JSON.stringify(customTemplate === undefined ? { SYSTEM, TEMPLATE, STYLE_TEXT, CHECK } : { customTemplate, STYLE_TEXT, CHECK }))
    .digest('hex')
    .slice(0, 16)}`;
  return {
    hash,
    custom: customTemplate !== undefined,
    messages(passage, language, styles) {
      const template = customTemplate ?? TEMPLATE[language];
      const user = fill(template, {
        passage,
        count: String(styles.length),
        styles: styleList(language, styles),
        language: language === 'zh' ? 'Chinese' : 'English',
      });
      return [
        { role: 'system', content: SYSTEM[language] },
        { role: 'user', content: user },
      ];
    },
    checkMessages(passage, query, language) {
      return [
        { role: 'system', content: SYSTEM[language] },
        { role: 'user', content: fill(CHECK[language], { passage, query }) },
      ];
    },
  };
}

/** Parses `--styles question,keywords` (any order, no repeats). */
export function parseStyles(values: readonly string[]): QueryStyle[] {
  const out: QueryStyle[] = [];
  for (const v of values) {
    const style = QUERY_STYLES.find((s) => s === v.trim().toLowerCase());
    if (style === undefined) throw new RagError('usage', `unknown query style "${v}"`, { hint: `use ${QUERY_STYLES.join(', ')}` });
    if (!out.includes(style)) out.push(style);
  }
  if (out.length === 0) throw new RagError('usage', 'no query styles given', { hint: `use ${QUERY_STYLES.join(', ')}` });
  return out;
}

/** Rough token count for --dry-run: one per CJK character, one per four other non-space characters. */
export function estimateTokens(text: string): number {
  const cjk = (text.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu) ?? []).length;
  const other = text.replace(/\s+/g, '').length - cjk;
  return cjk + Math.ceil(other / 4);
}
