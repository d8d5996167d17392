/** `rag queries generate --prompt FILE` reads the template through the same decoder as every text input (issue 20 item 2). */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import { REPO, runCli, tempDir } from './helpers/cli.js';
import { startFakeChatServer, type FakeChatServer } from './helpers/fake-chat-server.js';

let server: FakeChatServer;
let cwd: string;
before(async () => {
  server = await startFakeChatServer();
  cwd = await tempDir('prompt-encoding');
});
after(async () => {
  await server.close();
  await rm(cwd, { recursive: true, force: true });
});

const ZH_DOCS = path.join(REPO, 'datasets', 'zh-sample', 'docs');
const TEMPLATE = '下面是文档中的一段：\n\n<passage>\n{{passage}}\n</passage>\n\n请写 {{count}} 条检索查询，按以下类型：\n{{styles}}\n\n只输出 JSON：{"queries": ["…"]}\n';

describe('--prompt file encodings', () => {
  for (const [name, encoding, label] of [
    ['gbk', 'gbk', 'GB18030'],
    ['big5', 'big5', 'Big5 (HKSCS)'],
  ] as const) {
    it(`reads a ${name} prompt file as ${label}, not as mojibake`, async () => {
      const file = path.join(cwd, `prompt-${name}.txt`);
      const template = name === 'big5' ? TEMPLATE.replace('下面是文档中的一段', '下面是文檔中的一段').replace('请写', '請寫').replace('条检索查询，按以下类型', '條檢索查詢，按以下類型').replace('只输出', '只輸出') : TEMPLATE;
      await writeFile(file, iconv.encode(template, encoding));
      const before = server.requests.length;
      const r = await runCli(['queries', 'generate', ZH_DOCS, '--llm', 'ollama:qwen2.5', '--count', '4', '--out', `gen-${name}`, '--prompt', file], { cwd, env: { OLLAMA_HOST: server.origin } });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stderr.includes(`note: ${file} read as ${label} (detected)`), r.stderr);
      const sent = server.requests.slice(before).map((q) => q.messages.map((m) => m.content).join('\n'));
      assert.ok(sent.length > 0);
      for (const text of sent) {
        assert.ok(text.includes(template.split('\n')[0]!), text);
        assert.ok(!text.includes('\uFFFD'));
      }
    });
  }

  it('refuses a prompt file that decodes in no supported encoding', async () => {
    const file = path.join(cwd, 'prompt-bad.txt');
    const bytes = Buffer.alloc(400);
    for (let i = 0; i < bytes.length; i++) bytes[i] = 0x80 + ((i * 37) % 0x7f);
    await writeFile(file, Buffer.concat([Buffer.from('{{passage}} {{count}} {{styles}}\n'), bytes]));
    const r = await runCli(['queries', 'generate', ZH_DOCS, '--llm', 'ollama:qwen2.5', '--count', '4', '--out', 'gen-bad', '--prompt', file], { cwd, env: { OLLAMA_HOST: server.origin } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^rag: .*prompt-bad\.txt: not text in UTF-8/m);
  });
});
