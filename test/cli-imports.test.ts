/**
 * What a one-shot command loads: `rag query` and an unchanged `rag ingest` are mostly process
 * start-up, so each module they do not import is time saved (issue 14). main.ts declares only
 * the command being run; these tests pin which modules stay unloaded, and that a command's help
 * is the same whether it was declared alone or with every other command.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { REPO, runCli, tempDir } from './helpers/cli.js';

describe('modules a one-shot command loads', () => {
  let cwd: string;
  let register: string;
  before(async () => {
    cwd = await tempDir('imports');
    await mkdir(path.join(cwd, 'docs'));
    await writeFile(path.join(cwd, 'docs', 'a.md'), '# Vectors\n\nAn HNSW graph makes vector search fast.\n');
    await writeFile(path.join(cwd, 'docs', 'b.md'), '# Cooking\n\nSimmer the soup for an hour.\n');
    assert.equal((await runCli(['ingest', 'docs'], { cwd })).code, 0);
    // A loader hook that notes every ES module the CLI loads (in the hooks thread, hence the file).
    const hooks = path.join(cwd, 'hooks.mjs');
    await writeFile(hooks, "import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { if (url.startsWith('file:')) appendFileSync(process.env.RAG_TEST_MODULES, url + '\\n'); return next(url, context); }\n");
    register = path.join(cwd, 'register.mjs');
    await writeFile(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  });
  after(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  /** The repository files (dist/…, node_modules/…) `rag …args` loads. */
  async function loaded(args: string[]): Promise<string[]> {
    const log = path.join(cwd, `modules-${args.join('-').replace(/\W+/g, '_')}.txt`);
    const result = await runCli(args, { cwd, env: { NODE_OPTIONS: `--import ${pathToFileURL(register).href}`, RAG_TEST_MODULES: log } });
    assert.equal(result.code, 0, result.stderr);
    const root = pathToFileURL(REPO).href;
    return (await readFile(log, 'utf8')).split('\n').filter((url) => url.startsWith(root)).map((url) => url.slice(root.length).replace(/^\//, ''));
  }

  it('rag query loads its own declaration only, and no reranker, eval or ingest module', async () => {
    for (const mode of ['dense', 'bm25']) {
      const files = await loaded(['query', 'vector search', '--mode', mode]);
      assert.ok(files.includes('dist/cli/declare/query.js'), mode);
      assert.deepEqual(files.filter((f) => f.startsWith('dist/cli/declare/') && f !== 'dist/cli/declare/query.js'), [], mode);
      assert.deepEqual(files.filter((f) => /^dist\/(?:rerank\/(?!cross-encoder-aliases)|eval\/|tune\/|ingest\/pipeline|ingest\/loaders\/(?!sniff)|cli\/build-program|cli\/i18n\/localize-help)/.test(f)), [], mode);
    }
  });

  it('an unchanged rag ingest loads neither the pipeline, the loaders, the index store nor the model', async () => {
    const files = await loaded(['ingest', 'docs']);
    assert.ok(files.includes('dist/ingest/start-ingest.js'));
    assert.deepEqual(files.filter((f) => /^dist\/(?:ingest\/(?:pipeline|load|chunk|inspect)\.js|ingest\/loaders\/(?!sniff|detect)|store\/(?:index-store|write-index|hnsw|flat-vectors)\.js|cli\/declare\/(?!ingest)|embed\/|text\/(?!script-fold))/.test(f)), []);
    // Something changed: the model and the pipeline are loaded after all.
    await writeFile(path.join(cwd, 'docs', 'b.md'), '# Cooking\n\nSimmer the soup for two hours.\n');
    const changed = await loaded(['ingest', 'docs']);
    assert.ok(changed.includes('dist/ingest/pipeline.js') && changed.includes('dist/embed/hash.js'));
  });

  it('gives every command the help it has in the whole program', async () => {
    for (const command of ['ingest', 'query', 'check', 'inspect', 'eval', 'queries', 'label', 'tune', 'models', 'pr-comment', 'cache']) {
      // `rag help NAME` names no command to run, so it builds the whole program.
      const [alone, whole] = await Promise.all([runCli([command, '--help'], { cwd }), runCli(['help', command], { cwd })]);
      assert.equal(alone.code, 0, command);
      assert.equal(alone.stdout, whole.stdout, command);
      assert.match(alone.stdout, new RegExp(`^Usage: rag ${command} `), command);
    }
  });
});
