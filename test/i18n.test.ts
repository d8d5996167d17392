/**
 * The CLI speaks Chinese when the locale is Chinese (Simplified for zh_CN/zh_SG, Traditional for
 * zh_TW/zh_HK/zh_MO), English otherwise; same one-line shape and exit codes in every language.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { detectLocale, localeFromName } from '../src/cli/i18n/locale.js';
import { catalog, EN, placeholders, t } from '../src/cli/i18n/messages.js';
import { CLI_LOCALES } from '../src/cli/i18n/locale.js';
import type { Command } from 'commander';
import { buildProgram } from '../src/cli/main.js';
import { HELP_ZH_HANS } from '../src/cli/i18n/help-messages.js';
import { boxWrap, displayWidth } from '../src/cli/i18n/localize-help.js';
import { PROGRESS_EN, progressCatalog } from '../src/cli/i18n/progress-messages.js';
import { REPO, runCli, tempDir } from './helpers/cli.js';

describe('message catalogue', () => {
  it('has every key in every locale, with the same placeholders', () => {
    for (const locale of CLI_LOCALES) {
      const messages = catalog(locale);
      assert.deepEqual(Object.keys(messages).sort(), Object.keys(EN).sort(), locale);
      for (const [key, english] of Object.entries(EN)) {
        const text = messages[key as keyof typeof EN];
        assert.deepEqual(placeholders(text), placeholders(english), `${locale} ${key}`);
        if (locale !== 'en') assert.match(text, /\p{Script=Han}/u, `${locale} ${key} is translated`);
      }
    }
  });

  it('derives Traditional from Simplified', () => {
    assert.equal(t('index-empty.summary', { location: 'x' }, 'zh-Hans'), '索引 x 是空的');
    assert.match(t('index-empty.summary', { location: 'x' }, 'zh-Hant'), /^索引 x 是空的$/);
    assert.match(t('usage.see-help', { command: 'rag' }, 'zh-Hant'), /執行 `rag --help` 檢視用法/);
    assert.match(t('model-mismatch.model.hint', { built: 'hash' }, 'zh-Hant'), /請使用 --model hash，或匯入到另一個 --index/);
    assert.match(t('usage.see-help', { command: 'rag' }, 'zh-Hant-HK'), /運行 `rag --help` 查看用法/);
  });

  it('words Traditional for Taiwan with Taiwan phrases (s2twp) and for Hong Kong with s2hk', async () => {
    const { toTraditional } = await import('../src/cli/i18n/traditional.js');
    // Words that differ between the regions: Taiwan says 軟體 / 檔案 / 預設, s2t and Hong Kong keep 軟件 / 文件 / 默認.
    assert.equal(toTraditional('软件的默认文件', 'zh-Hant'), '軟體的預設檔案');
    assert.equal(toTraditional('软件的默认文件', 'zh-Hant-HK'), '軟件的默認文件');
    // Hong Kong character variants.
    assert.equal(toTraditional('里面', 'zh-Hant-HK'), '裏面');
    assert.equal(toTraditional('里面', 'zh-Hant'), '裡面');
    // Flags, placeholders and ASCII pass through untouched.
    assert.equal(toTraditional('用 --max-file-size {limit} 调整', 'zh-Hant'), '用 --max-file-size {limit} 調整');
  });
});

describe('locale detection', () => {
  it('follows RAG_LANG, then LC_ALL, LC_MESSAGES, LANG', () => {
    assert.equal(detectLocale({ LANG: 'zh_CN.UTF-8' }), 'zh-Hans');
    assert.equal(detectLocale({ LANG: 'zh_SG.UTF-8' }), 'zh-Hans');
    for (const name of ['zh_TW.UTF-8', 'zh-TW', 'zh-Hant', 'zh_Hant_TW']) assert.equal(localeFromName(name), 'zh-Hant', name);
    for (const name of ['zh_HK.Big5-HKSCS', 'zh_HK.UTF-8', 'zh_MO', 'zh-Hant-HK']) assert.equal(localeFromName(name), 'zh-Hant-HK', name);
    assert.equal(detectLocale({ LANG: 'en_US.UTF-8' }), 'en');
    assert.equal(detectLocale({ LANG: 'C' }), 'en');
    assert.equal(detectLocale({}), 'en');
    assert.equal(detectLocale({ LC_ALL: 'C', LANG: 'zh_CN.UTF-8' }), 'en');
    assert.equal(detectLocale({ LC_MESSAGES: 'zh_TW.UTF-8', LANG: 'en_US.UTF-8' }), 'zh-Hant');
    assert.equal(detectLocale({ RAG_LANG: 'en', LC_ALL: 'zh_CN.UTF-8' }), 'en');
    assert.equal(detectLocale({ RAG_LANG: 'zh-Hant', LANG: 'C' }), 'zh-Hant');
  });
});

describe('the CLI in each locale', () => {
  it('prints the error line in the locale\'s language, one line, the same exit code', async () => {
    const dir = await tempDir('i18n');
    const missing = path.join(dir, 'absent');
    const expected: Record<string, string> = {
      'zh_CN.UTF-8': `rag: ${missing} 处没有索引：请先运行 \`rag ingest <paths>\`\n`,
      'zh_TW.UTF-8': `rag: ${missing} 處沒有索引：請先執行 \`rag ingest <paths>\`\n`,
      'zh_HK.UTF-8': `rag: ${missing} 處沒有索引：請先運行 \`rag ingest <paths>\`\n`,
      'en_US.UTF-8': `rag: no index at ${missing}: run \`rag ingest <paths>\` first\n`,
      C: `rag: no index at ${missing}: run \`rag ingest <paths>\` first\n`,
    };
    for (const [lang, line] of Object.entries(expected)) {
      const r = await runCli(['query', 'x', '--index', missing], { cwd: dir, env: { LANG: lang } });
      assert.equal(r.code, 2, lang);
      assert.equal(r.stdout, '', lang);
      assert.equal(r.stderr, line, lang);
    }
    // --json stays English for programs.
    const json = await runCli(['query', 'x', '--index', missing, '--json'], { cwd: dir, env: { LANG: 'zh_CN.UTF-8' } });
    assert.equal((JSON.parse(json.stdout) as { error: { message: string } }).error.message, `no index at ${missing}: run \`rag ingest <paths>\` first`);
  });

  it('points a usage error to the subcommand help in Chinese', async () => {
    const dir = await tempDir('i18n');
    const zh = await runCli(['ingest', 'x', '--frobnicate'], { cwd: dir, env: { LANG: 'zh_CN.UTF-8' } });
    assert.equal(zh.code, 2);
    assert.equal(zh.stderr, "rag: 未知选项 '--frobnicate' (运行 `rag ingest --help` 查看用法)\n");
    const missing = await runCli(['eval'], { cwd: dir, env: { LANG: 'zh_TW.UTF-8' } });
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, "rag: 未指定必需的選項 '--dataset <dir>' (執行 `rag eval --help` 檢視用法)\n");
    const hk = await runCli(['eval'], { cwd: dir, env: { LANG: 'zh_HK.UTF-8' } });
    assert.equal(hk.code, 2);
    assert.equal(hk.stderr, "rag: 未指定必需的選項 '--dataset <dir>' (運行 `rag eval --help` 查看用法)\n");
    const en = await runCli(['ingest', 'x', '--frobnicate'], { cwd: dir, env: { LANG: 'en_US.UTF-8' } });
    assert.equal(en.code, 2);
    assert.equal(en.stderr, "rag: unknown option '--frobnicate' (run `rag ingest --help` for usage)\n");
  });

  it('prints the command summaries of --help in the locale\'s script, English under C', async () => {
    const dir = await tempDir('i18n');
    const hans = await runCli(['--help'], { cwd: dir, env: { LANG: 'zh_CN.UTF-8' } });
    assert.equal(hans.code, 0);
    assert.match(hans.stdout, /ingest \[options\] <paths\.\.\.>\s+加载、分块、嵌入并索引文档/);
    const hant = await runCli(['--help'], { cwd: dir, env: { LC_ALL: 'zh_HK.UTF-8', LANG: 'en_US.UTF-8' } });
    assert.match(hant.stdout, /加載、分塊、嵌入並索引文檔/);
    const c = await runCli(['--help'], { cwd: dir, env: { LANG: 'C' } });
    assert.equal(c.code, 0);
    assert.match(c.stdout, /load, chunk, embed and index documents/);
    assert.doesNotMatch(c.stdout, /\p{Script=Han}/u);
  });
});

/** Every description the program declares (commands, arguments, options), in English. */
function declaredDescriptions(): Set<string> {
  const saved = process.env['RAG_LANG'];
  process.env['RAG_LANG'] = 'en';
  try {
    const found = new Set<string>();
    const walk = (command: Command): void => {
      found.add(command.description());
      for (const argument of command.registeredArguments) found.add(argument.description);
      for (const option of command.options) found.add(option.description ?? '');
      command.commands.forEach(walk);
    };
    walk(buildProgram());
    found.delete('');
    return found;
  } finally {
    if (saved === undefined) delete process.env['RAG_LANG'];
    else process.env['RAG_LANG'] = saved;
  }
}

describe('Chinese help catalogue', () => {
  it('translates every description the program declares, and holds no stale entry', () => {
    const declared = declaredDescriptions();
    const summaries = new Set<string>(Object.entries(EN).filter(([k]) => k.startsWith('help.')).map(([, v]) => v));
    const missing = [...declared].filter((d) => !(d in HELP_ZH_HANS) && !summaries.has(d));
    assert.deepEqual(missing, []);
    const stale = Object.keys(HELP_ZH_HANS).filter((k) => !declared.has(k) && k !== 'display help for command');
    assert.deepEqual(stale, []);
    for (const [english, zh] of Object.entries(HELP_ZH_HANS)) {
      assert.match(zh, /\p{Script=Han}/u, english);
      // Flags, placeholders and $VARIABLES must survive translation.
      for (const token of english.match(/--[a-z-]+|\$[A-Z_]+|\{\{\w+\}\}/g) ?? []) assert.ok(zh.includes(token), `${english}: ${token}`);
    }
  });

  it('counts CJK characters as two columns and wraps Chinese between characters', () => {
    assert.equal(displayWidth('分块a'), 5);
    assert.equal(displayWidth('\x1b[31m错误\x1b[39m'), 4);
    const wrapped = boxWrap('分块大小（有分词器的模型默认 512 个 token，不超过模型窗口；否则 800 个字符）', 20).split('\n');
    assert.ok(wrapped.length > 1);
    for (const line of wrapped) {
      assert.ok(displayWidth(line) <= 20, line);
      assert.doesNotMatch(line, /^[，。；）]|（$/, line);
    }
  });
});

describe('subcommand help in each locale', () => {
  it('prints option help in Simplified under zh_CN, Traditional under zh_TW, English under C and en_US', async () => {
    const dir = await tempDir('i18n');
    const hans = await runCli(['ingest', '--help'], { cwd: dir, env: { LANG: 'zh_CN.UTF-8' } });
    assert.equal(hans.code, 0);
    assert.match(hans.stdout, /^用法： rag ingest \[options\] <paths\.\.\.>$/m);
    assert.match(hans.stdout, /^选项：$/m);
    assert.match(hans.stdout, /--rebuild +从 <paths> 从头重建索引/);
    assert.match(hans.stdout, /--lock-timeout <seconds> +等待另一个 ingest 结束的最长时间（默认：10）/);
    assert.match(hans.stdout, /-h, --help +显示命令帮助/);
    for (const line of hans.stdout.split('\n')) assert.ok(displayWidth(line) <= 80, `wider than 80 columns: ${line}`);

    const evalHans = await runCli(['eval', '--help'], { cwd: dir, env: { LANG: 'zh_CN.UTF-8' } });
    assert.equal(evalHans.code, 0);
    assert.match(evalHans.stdout, /--baseline <file> +用于对比的旧 results\.json（CI 门禁）/);
    assert.match(evalHans.stdout, /^数据集布局（--dataset DIR）：$/m);

    const hant = await runCli(['eval', '--help'], { cwd: dir, env: { LANG: 'zh_TW.UTF-8' } });
    assert.match(hant.stdout, /^選項：$/m);
    assert.match(hant.stdout, /--limit <n> +只評測前 n 個查詢（快速檢查）/);

    const cache = await runCli(['cache', '--help'], { cwd: dir, env: { LANG: 'zh_CN.UTF-8' } });
    assert.match(cache.stdout, /^命令：$/m);
    assert.match(cache.stdout, /clear \[options\] +删除缓存的向量/);
    assert.match(cache.stdout, /help \[command\] +显示命令帮助/);
    assert.doesNotMatch(cache.stdout, /display help/);

    for (const args of [['ingest', '--help'], ['eval', '--help'], ['cache', 'clear', '--help'], ['tune', 'adapter', '--help']]) {
      const c = await runCli(args, { cwd: dir, env: { LANG: 'C' } });
      const en = await runCli(args, { cwd: dir, env: { LANG: 'en_US.UTF-8' } });
      const plain = await runCli(args, { cwd: dir, env: { RAG_LANG: 'en' } });
      assert.equal(c.code, 0);
      assert.equal(c.stdout, en.stdout, args.join(' '));
      assert.equal(c.stdout, plain.stdout, args.join(' '));
      assert.match(c.stdout, /^Usage: rag /m);
      assert.doesNotMatch(c.stdout, /\p{Script=Han}/u, args.join(' '));
    }
  });
});

describe('progress and summary lines', () => {
  it('has every progress key in every locale, with the same placeholders', () => {
    for (const locale of CLI_LOCALES) {
      const messages = progressCatalog(locale);
      assert.deepEqual(Object.keys(messages).sort(), Object.keys(PROGRESS_EN).sort(), locale);
      for (const [key, english] of Object.entries(PROGRESS_EN)) {
        const text = messages[key as keyof typeof PROGRESS_EN];
        assert.deepEqual(placeholders(text), placeholders(english), `${locale} ${key}`);
        if (locale !== 'en' && key !== 'ingest.unit.tokens') assert.match(text, /\p{Script=Han}/u, `${locale} ${key} is translated`);
      }
    }
  });

  it('prints the ingest summary and query line in Chinese under zh_CN / zh_TW, English under C, --json English', async () => {
    const dir = await tempDir('i18n');
    const sample = path.join(REPO, 'datasets', 'zh-sample');
    const zh = await runCli(['ingest', sample, '--index', path.join(dir, 'zh')], { cwd: dir, env: { LANG: 'zh_CN.UTF-8', NO_COLOR: '1' } });
    assert.equal(zh.code, 0, zh.stderr);
    assert.match(zh.stdout, /^已索引 zh，模型 hash（分块大小 800 个字符，重叠 100）$/m);
    assert.match(zh.stdout, /^文档：新增 (\d+)，更新 0，未变 0，移除 0，跳过 \d+$/m);
    assert.match(zh.stdout, /^分块：嵌入 (\d+)，移除 0，索引中共 \1$/m);
    assert.match(zh.stderr, /^模型：hash$/m);
    const added = /新增 (\d+)/.exec(zh.stdout)?.[1];

    const en = await runCli(['ingest', sample, '--index', path.join(dir, 'en')], { cwd: dir, env: { LANG: 'C', NO_COLOR: '1' } });
    assert.equal(en.code, 0, en.stderr);
    assert.match(en.stdout, /^indexed en with model hash \(chunks of 800 characters, overlap 100\)$/m);
    assert.match(en.stdout, new RegExp(`^documents: ${added} added, 0 updated, 0 unchanged, 0 removed, \\d+ skipped$`, 'm'));
    assert.doesNotMatch(en.stdout, /\p{Script=Han}/u);

    const json = await runCli(['ingest', sample, '--index', path.join(dir, 'zh'), '--json'], { cwd: dir, env: { LANG: 'zh_CN.UTF-8' } });
    assert.equal(json.code, 0);
    assert.equal((JSON.parse(json.stdout) as { documents: { unchanged: number } }).documents.unchanged, Number(added));

    const query = await runCli(['query', '报销', '--index', path.join(dir, 'zh'), '-k', '2'], { cwd: dir, env: { LANG: 'zh_TW.UTF-8', NO_COLOR: '1' } });
    assert.equal(query.code, 0, query.stderr);
    assert.match(query.stderr, /^模型：hash · 模式：dense · 2 個結果，用時 \d+ ms$/m);
  });

  it('prints the eval dataset, reports and gate lines in Chinese under zh_CN, English under C; the table stays English', async () => {
    const dir = await tempDir('i18n');
    const dataset = path.join(REPO, 'datasets', 'zh-sample');
    const args = (out: string): string[] => ['eval', '--dataset', dataset, '--out', path.join(dir, out), '--min', 'ndcg_at_10=0.01'];
    const zh = await runCli(args('zh'), { cwd: dir, env: { LANG: 'zh_CN.UTF-8', NO_COLOR: '1' } });
    assert.equal(zh.code, 0, zh.stderr);
    assert.match(zh.stderr, /^数据集 .*zh-sample：(\d+) 个文档，(\d+) 个已标注查询$/m);
    assert.match(zh.stderr, /^报告：zh\/（results\.json、report\.md、report\.html、junit\.xml、per-query\.jsonl）$/m);
    assert.match(zh.stderr, /^门禁通过（1 项检查）$/m);
    const en = await runCli(args('en'), { cwd: dir, env: { LANG: 'C', NO_COLOR: '1' } });
    assert.equal(en.code, 0, en.stderr);
    assert.match(en.stderr, /^dataset .*zh-sample: \d+ documents, \d+ labelled queries$/m);
    assert.match(en.stderr, /^gate passed \(1 checks\)$/m);
    // The result table (stdout) is not translated: its header is the same in both.
    const header = (text: string): string[] => (text.split('\n')[0] ?? '').trim().split(/\s+/);
    assert.deepEqual(header(zh.stdout), header(en.stdout));
    assert.match(zh.stdout, /^model +mode +ndcg@10/);
  });
});
