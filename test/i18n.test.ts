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
import { runCli, tempDir } from './helpers/cli.js';

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
    assert.match(t('usage.see-help', { command: 'rag' }, 'zh-Hant'), /查看用法/);
    assert.match(t('model-mismatch.model.hint', { built: 'hash' }, 'zh-Hant'), /請使用 --model hash，或導入到另一個 --index/);
  });
});

describe('locale detection', () => {
  it('follows RAG_LANG, then LC_ALL, LC_MESSAGES, LANG', () => {
    assert.equal(detectLocale({ LANG: 'zh_CN.UTF-8' }), 'zh-Hans');
    assert.equal(detectLocale({ LANG: 'zh_SG.UTF-8' }), 'zh-Hans');
    for (const name of ['zh_TW.UTF-8', 'zh_HK.Big5-HKSCS', 'zh_MO', 'zh-Hant']) assert.equal(localeFromName(name), 'zh-Hant', name);
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
      'zh_TW.UTF-8': `rag: ${missing} 處沒有索引：請先運行 \`rag ingest <paths>\`\n`,
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
    assert.equal(zh.stderr, "rag: unknown option '--frobnicate' (运行 `rag ingest --help` 查看用法)\n");
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
