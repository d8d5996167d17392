/**
 * The CLI speaks Chinese when the locale is Chinese (Simplified for zh_CN/zh_SG, Traditional for
 * zh_TW/zh_HK/zh_MO), English otherwise; same one-line shape and exit codes in every language.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { detectLocale, localeFromName } from '../src/cli/i18n/locale.js';
import { catalog, EN, placeholders, t } from '../src/cli/i18n/messages.js';
import { CLI_LOCALES } from '../src/cli/i18n/locale.js';
import type { Command } from 'commander';
import { buildProgram } from '../src/cli/build-program.js';
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

  it('joins what happened and what to do with a full-width semicolon in Chinese, "; " in English', async () => {
    const dir = await tempDir('i18n');
    await mkdir(path.join(dir, 'docs'));
    await writeFile(path.join(dir, 'docs', 'a.md'), '# 标题\n\n向量数据库与检索。\n');
    assert.equal((await runCli(['ingest', 'docs'], { cwd: dir })).code, 0);
    const again = ['ingest', 'docs', '--chunk-size', '300', '--chunk-overlap', '20'];
    for (const lang of ['zh_CN.UTF-8', 'zh_TW.UTF-8']) {
      const zh = await runCli(again, { cwd: dir, env: { LANG: lang } });
      assert.equal(zh.code, 2, lang);
      assert.match(zh.stderr, /^rag: [^\n]*--chunk-overlap 100[^\n;]*；[^\n;]*--rebuild[^\n;]*\n$/u, lang);
    }
    const en = await runCli(again, { cwd: dir, env: { LANG: 'C' } });
    assert.match(en.stderr, /^rag: index .* was built with --chunk-size 800 --chunk-overlap 100; use those, re-chunk it with --rebuild, or ingest into another --index\n$/);
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

  it('prints the eval dataset, reports and gate lines and the table header in Chinese under zh_CN, English under C', async () => {
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
    // The result table's words are translated (test/i18n-output.test.ts has the rest); metric names are not.
    assert.match(zh.stdout, /^模型 +模式 +ndcg@10/);
    assert.match(en.stdout, /^model +mode +ndcg@10/);
  });
});

describe('command output catalogues', () => {
  it('has every output key in every locale, with the same placeholders, translated', async () => {
    const { OUTPUT_EN, outputCatalog } = await import('../src/cli/i18n/output-messages.js');
    const { EVAL_OUTPUT_EN, evalOutputCatalog } = await import('../src/cli/i18n/eval-output-messages.js');
    // The same in Chinese: bare placeholders and separators, metric notation, flags, format names.
    const untranslated = new Set([
      'ingest.reason-count', 'models.col.fp32', 'models.col.q8', 'models.col.id', 'inspect.lines', 'explain.rank',
      'run', 'parts.join', 'plan.row', 'plan.unit.tokens',
    ]);
    const tables: Array<[Record<string, string>, (locale: (typeof CLI_LOCALES)[number]) => Record<string, string>]> = [
      [OUTPUT_EN, outputCatalog],
      [EVAL_OUTPUT_EN, evalOutputCatalog],
    ];
    for (const [english, catalogue] of tables) {
      for (const locale of CLI_LOCALES) {
        const messages = catalogue(locale);
        assert.deepEqual(Object.keys(messages).sort(), Object.keys(english).sort(), locale);
        for (const [key, en] of Object.entries(english)) {
          const text = messages[key]!;
          assert.deepEqual(placeholders(text), placeholders(en), `${locale} ${key}`);
          if (locale !== 'en' && !untranslated.has(key) && !['list.join'].includes(key)) assert.match(text, /\p{Script=Han}|[，：（]/u, `${locale} ${key} is translated`);
        }
      }
    }
  });

  it('names every ingest notice code in words', async () => {
    const { OUTPUT_EN, o } = await import('../src/cli/i18n/output-messages.js');
    const codes = ['unsupported', 'binary', 'empty', 'duplicate-id', 'symlink-loop', 'broken-link', 'not-a-file', 'vanished', 'too-large', 'unreadable', 'path-too-long', 'encrypted', 'no-text', 'corrupt', 'invalid-encoding', 'unknown-encoding', 'legacy-encoding'];
    for (const code of codes) {
      const key = `reason.${code}` as keyof typeof OUTPUT_EN;
      // English keeps the code itself (what `by reason:` printed before), Chinese says it in words.
      assert.equal(o(key, {}, 'en'), code);
      assert.match(o(key, {}, 'zh-Hans'), /\p{Script=Han}/u, code);
    }
  });

  it('reads right in Taiwan wording', async () => {
    const { o } = await import('../src/cli/i18n/output-messages.js');
    const { e } = await import('../src/cli/i18n/eval-output-messages.js');
    assert.equal(o('reason.unsupported', {}, 'zh-Hant'), '不支援的格式');
    assert.equal(o('cache.title', {}, 'zh-Hant'), '嵌入快取');
    assert.equal(o('check.summary', { location: 'idx', generation: 1, documents: 2, chunks: 3 }, 'zh-Hant'), '索引 idx：第 1 代，2 個文件，3 個分塊');
    assert.equal(e('plan.dry-run', {}, 'zh-Hant'), '試執行：沒有儲存任何內容；只嵌入了樣本文本，用於給模型計時');
    assert.equal(e('col.bytes-per-vector', {}, 'zh-Hant'), '位元組/向量');
    // Words s2twp would turn into programming terms are avoided in the Simplified source.
    for (const locale of ['zh-Hant', 'zh-Hant-HK'] as const) {
      assert.doesNotMatch(o('models.col.params', {}, locale) + o('models.note.weights', {}, locale) + o('tune.identity', {}, locale), /引數|啟用值|介面卡/);
    }
  });

  it('puts no space after a full-width colon label', async () => {
    const { labelled, p } = await import('../src/cli/i18n/progress-messages.js');
    assert.equal(labelled(p('progress.warning', {}, 'zh-Hans'), 'x'), '警告：x');
    assert.equal(labelled(p('progress.warning', {}, 'en'), 'x'), 'warning: x');
    assert.equal(labelled(p('progress.note', {}, 'zh-Hant'), 'x', (s) => `<${s}>`), '<提示：>x');
  });
});

describe('notices and warnings', () => {
  it('has every notice key in every locale, with the same placeholders, and a sentence for every library code', async () => {
    const { NOTICE_EN, noticeCatalog } = await import('../src/cli/i18n/notice-messages.js');
    const { NOTICE_REASONS_EN } = await import('../src/ingest/notice-reasons.js');
    const { WARNING_CODES } = await import('../src/warnings.js');
    // Kept in the same words in Chinese: bare placeholders, a separator, names of formats.
    const untranslated = new Set(['line', 'reason.os-error', 'reason.other', 'done.join', 'kind.pdf', 'kind.html', 'kind.xml', 'kind.json', 'kind.rtf']);
    for (const locale of CLI_LOCALES) {
      const messages = noticeCatalog(locale);
      assert.deepEqual(Object.keys(messages).sort(), Object.keys(NOTICE_EN).sort(), locale);
      for (const [key, english] of Object.entries(NOTICE_EN)) {
        const text = messages[key as keyof typeof NOTICE_EN];
        assert.deepEqual(placeholders(text), placeholders(english), `${locale} ${key}`);
        if (locale !== 'en' && !untranslated.has(key)) assert.match(text, /\p{Script=Han}/u, `${locale} ${key} is translated`);
      }
    }
    for (const code of Object.keys(NOTICE_REASONS_EN)) {
      assert.ok(`reason.${code}` in NOTICE_EN, `reason.${code}`);
      // The CLI's English keeps the library's placeholders (it may add a flag, never drop a value).
      assert.deepEqual(placeholders(NOTICE_EN[`reason.${code}` as keyof typeof NOTICE_EN]), placeholders(NOTICE_REASONS_EN[code as keyof typeof NOTICE_REASONS_EN]), code);
    }
    for (const code of WARNING_CODES) assert.ok(`warning.${code}` in NOTICE_EN, `warning.${code}`);
  });

  it('words a notice from its code and params in each locale; unknown codes fall back to the English reason', async () => {
    const { noticeReason } = await import('../src/cli/notices.js');
    const bytes = { reasonCode: 'bytes-replaced' as const, params: { encoding: 'UTF-8', replaced: 1, nuls: 2 }, reason: 'x' };
    assert.equal(noticeReason(bytes, 'en'), 'not valid UTF-8: 1 invalid byte sequence replaced with U+FFFD, 2 stray NUL bytes dropped, the rest ingested');
    assert.equal(noticeReason(bytes, 'zh-Hans'), '不是有效的 UTF-8：1 处无效字节序列已替换为 U+FFFD，已丢弃 2 个多余的 NUL 字节，其余内容已导入');
    const denied = { reasonCode: 'read-failed' as const, params: { errno: 'EACCES', error: "permission denied (EACCES); check the file's permissions" }, reason: 'x' };
    assert.equal(noticeReason(denied, 'zh-Hans'), '无法读取：权限不足（EACCES）；请检查文件的权限');
    const odd = { reasonCode: 'read-failed' as const, params: { errno: 'EWHAT', error: 'something odd' }, reason: 'x' };
    assert.equal(noticeReason(odd, 'zh-Hans'), '无法读取：something odd');
    const line = { reasonCode: 'id-duplicate' as const, params: { line: 7, id: '"d1"', first: 3 }, reason: 'x' };
    assert.equal(noticeReason(line, 'en'), 'line 7: duplicate "_id" "d1" (first on line 3)');
    assert.equal(noticeReason(line, 'zh-Hans'), '第 7 行："_id" "d1" 重复（首次出现在第 3 行）');
    // A record from another rag version: a code this catalogue does not know.
    const foreign = { reasonCode: 'from-the-future', params: {}, reason: 'as it was said' } as unknown as Parameters<typeof noticeReason>[0];
    assert.equal(noticeReason(foreign, 'zh-Hans'), 'as it was said');
  });

  it('prints each ingest notice as one Chinese line under zh_CN / zh_TW, the English lines unchanged under en_US, the same exit code', async () => {
    const iconv = (await import('iconv-lite')).default;
    const { writeFile, mkdir } = await import('node:fs/promises');
    const dir = await tempDir('i18n-notices');
    const docs = path.join(dir, 'docs');
    await mkdir(docs);
    await writeFile(path.join(docs, 'ok.md'), '# 灯塔\n\n灯塔在夜里为船只指路。\n');
    await writeFile(path.join(docs, 'gbk.txt'), iconv.encode('差旅报销制度：员工因公出差，应当事先提交申请，经部门负责人批准后方可出行。\n'.repeat(4), 'gbk'));
    await writeFile(path.join(docs, 'blob.txt'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]));
    await writeFile(path.join(docs, 'big.md'), 'lantern '.repeat(256));
    const expected: Record<string, string[]> = {
      'en_US.UTF-8': [
        'failed docs/big.md: too large (2 KB > 1 KB limit; raise --max-file-size)',
        'skipped docs/blob.txt: binary content in a .txt file (looks like a PNG image)',
        'note docs/gbk.txt: read as GB18030 (detected)',
      ],
      'zh_CN.UTF-8': [
        '失败 docs/big.md：文件过大（2 KB > 上限 1 KB；可用 --max-file-size 调高上限）',
        '跳过 docs/blob.txt：.txt 文件的内容是二进制（看起来是 PNG 图片）',
        '提示 docs/gbk.txt：按 GB18030 读取（自动检测）',
      ],
      'zh_TW.UTF-8': [
        '失敗 docs/big.md：檔案過大（2 KB > 上限 1 KB；可用 --max-file-size 調高上限）',
        '跳過 docs/blob.txt：.txt 檔案的內容是二進位制（看起來是 PNG 圖片）',
        '提示 docs/gbk.txt：按 GB18030 讀取（自動檢測）',
      ],
    };
    for (const [lang, want] of Object.entries(expected)) {
      const r = await runCli(['ingest', 'docs', '--index', path.join(dir, `idx-${lang}`), '--max-file-size', '1KB'], { cwd: dir, env: { LANG: lang, NO_COLOR: '1' } });
      assert.equal(r.code, 3, `${lang}: ${r.stderr}`);
      const noticeLines = r.stderr.split('\n').filter((l) => l.includes('docs/'));
      assert.deepEqual(noticeLines.sort(), [...want].sort(), lang);
      if (lang.startsWith('en')) for (const l of noticeLines) assert.doesNotMatch(l, /\p{Script=Han}/u, l);
    }
    // A re-run with nothing changed replays the stored notices: worded the same.
    const again = await runCli(['ingest', 'docs', '--index', path.join(dir, 'idx-zh_CN.UTF-8'), '--max-file-size', '1KB'], { cwd: dir, env: { LANG: 'zh_CN.UTF-8', NO_COLOR: '1' } });
    assert.equal(again.code, 3, again.stderr);
    assert.deepEqual(again.stderr.split('\n').filter((l) => l.includes('docs/')).sort(), [...expected['zh_CN.UTF-8']!].sort());
    // --json stays the CLI's English under a Chinese locale, with the codes and params for programs.
    const json = await runCli(['ingest', 'docs', '--index', path.join(dir, 'idx-json'), '--max-file-size', '1KB', '--json'], { cwd: dir, env: { LANG: 'zh_CN.UTF-8' } });
    assert.equal(json.code, 3);
    const summary = JSON.parse(json.stdout) as { notices: Array<{ reasonCode: string; params: Record<string, unknown>; reason: string }> };
    const big = summary.notices.find((x) => x.reasonCode === 'too-large');
    assert.equal(big?.reason, 'too large (2 KB > 1 KB limit; raise --max-file-size)');
    assert.deepEqual(big?.params, { size: '2 KB', limit: '1 KB', sizeBytes: 2048, limitBytes: 1024 });
  });

  it('prints library warnings and notes in Chinese (query notes here), English unchanged under C', async () => {
    const dir = await tempDir('i18n-warn');
    const sample = path.join(REPO, 'datasets', 'zh-sample');
    const index = path.join(dir, 'idx');
    const built = await runCli(['ingest', sample, '--index', index], { cwd: dir, env: { LANG: 'C' } });
    assert.equal(built.code, 0, built.stderr);
    const zh = await runCli(['query', 'the of and', '--index', index, '--mode', 'bm25'], { cwd: dir, env: { LANG: 'zh_CN.UTF-8', NO_COLOR: '1' } });
    const en = await runCli(['query', 'the of and', '--index', index, '--mode', 'bm25'], { cwd: dir, env: { LANG: 'C', NO_COLOR: '1' } });
    assert.equal(zh.code, en.code);
    assert.match(zh.stderr, /^提示：查询只有停用词（或没有任何词），没有可匹配的内容；无结果$/m);
    assert.match(en.stderr, /^note: the query has only stop words \(or no words at all\), so there is nothing to match; no results$/m);
  });
});
