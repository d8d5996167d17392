/**
 * Chinese `--help`: swaps the English descriptions the program declares for their entries in
 * help-messages.ts and teaches commander's help formatter Chinese titles, Chinese "(default: …)"
 * and East Asian column widths. Applied once after the whole program is declared, so the
 * declarations stay English and `--json` and the C locale are untouched.
 */
import type { Argument, Command, Help, Option } from 'commander';
import type { CliLocale } from './locale.js';
import { toTraditional } from './traditional.js';
import { COMMANDER_TITLES_ZH_HANS, HELP_ZH_HANS, commanderMessageZhHans } from './help-messages.js';

export type Chinese = Exclude<CliLocale, 'en'>;

/** `text` in the Chinese `locale`: Traditional is derived as in the message catalogues. */
export function inScript(text: string, locale: Chinese): string {
  return locale === 'zh-Hans' ? text : toTraditional(text, locale);
}

/** The Chinese help of an English description, or the description itself when none is written. */
export function helpText(english: string, locale: Chinese): string {
  const zh = HELP_ZH_HANS[english];
  return zh === undefined ? english : inScript(zh, locale);
}

export function localizeHelp(command: Command, locale: Chinese): void {
  const description = command.description();
  if (description) command.description(helpText(description, locale));
  for (const argument of command.registeredArguments as Argument[]) {
    if (argument.description) argument.description = helpText(argument.description, locale);
  }
  for (const option of command.options as Option[]) {
    if (option.description) option.description = helpText(option.description, locale);
  }
  command.helpOption('-h, --help', helpText('display help for command', locale));
  // Only where commander would add `help [command]` anyway: commands with subcommands (none has an action).
  if (command.commands.length > 0) command.helpCommand('help [command]', helpText('display help for command', locale));
  command.configureHelp(chineseHelp(locale));
  for (const sub of command.commands) localizeHelp(sub, locale);
}

/** Full-width: CJK ideographs, kana, Hangul, CJK punctuation and full-width forms take 2 columns. */
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{20000}-\u{3fffd}]/u;

export function displayWidth(text: string): number {
  let width = 0;
  // eslint-disable-next-line no-control-regex
  for (const char of text.replace(/\x1b\[[0-9;]*m/g, '')) width += WIDE.test(char) ? 2 : 1;
  return width;
}

/**
 * Break points for wrapping: commander breaks only at spaces, and Chinese has none, so each wide
 * character is a chunk of its own (closing punctuation stays with the character before it, and opening
 * punctuation with the one after, so no line starts with `，` or ends with `（`); runs of other characters are words as before.
 */
const WIDE_CHAR = '(?:[\\u2e80-\\u303e\\u3041-\\u33ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\uff00-\\uff60]|[\\u{20000}-\\u{3fffd}])';
const NARROW_RUN = '[^\\s\\u2e80-\\u303e\\u3041-\\u33ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\uff00-\\uff60]+';
const CHUNK = new RegExp(`\\s*[（「『《〈【]*(?:${WIDE_CHAR}|${NARROW_RUN})[，。、；：！？）」』》〉】]*`, 'gu');

export function boxWrap(text: string, width: number): string {
  const lines: string[] = [];
  for (const raw of text.split(/\r\n|\n/)) {
    const chunks = raw.match(CHUNK);
    if (chunks === null) {
      lines.push('');
      continue;
    }
    let line = chunks[0] ?? '';
    let lineWidth = displayWidth(line);
    for (const chunk of chunks.slice(1)) {
      const w = displayWidth(chunk);
      if (lineWidth + w <= width) {
        line += chunk;
        lineWidth += w;
        continue;
      }
      lines.push(line);
      line = chunk.trimStart();
      lineWidth = displayWidth(line);
    }
    lines.push(line);
  }
  return lines.join('\n');
}

const NOTE_NAMES: Readonly<Record<string, string>> = { default: '默认', choices: '可选值', preset: '预设', env: '环境变量' };

/** commander's own words in the help: section titles and the (default: …) / (choices: …) notes. */
function chineseHelp(locale: Chinese): Partial<Help> {
  const notes = (text: string): string =>
    text.replace(/ ?\(((?:choices|default|preset|env): .*)\)$/, (_whole, inside: string) => {
      const named = inside.replace(/\b(choices|default|preset|env): /g, (_label, what: string) => `${NOTE_NAMES[what] ?? what}：`);
      return inScript(`（${named}）`, locale);
    });
  return {
    styleTitle: (title: string) => inScript(COMMANDER_TITLES_ZH_HANS[title] ?? title, locale),
    displayWidth: (text: string) => displayWidth(text),
    boxWrap: (text: string, width: number) => (width < 40 ? text : boxWrap(text, width)),
    optionDescription(this: Help, option: Option) {
      return notes(Object.getPrototypeOf(this).optionDescription.call(this, option) as string);
    },
    argumentDescription(this: Help, argument: Argument) {
      return notes(Object.getPrototypeOf(this).argumentDescription.call(this, argument) as string);
    },
  };
}

/** A commander usage error (`unknown option '--x'`) in the Chinese locale. */
export function commanderMessage(english: string, locale: Chinese): string {
  return inScript(commanderMessageZhHans(english), locale);
}
