/**
 * The package as a consumer gets it: `npm pack`, installed into a fresh project (from npm's
 * cache when it can, so the run is quick and works offline once the cache is warm), then the CLI
 * with the built-in model, the published types under `skipLibCheck: false`, and what the
 * tarball holds. Also: the runtime dependencies are exactly what dist/ imports.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import ts from 'typescript';
import { REPO } from './helpers/cli.js';

const run = promisify(execFile);

interface PackageJson {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies?: Record<string, string>;
  files?: string[];
}

async function packageJson(): Promise<PackageJson> {
  return JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as PackageJson;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** `@scope/name/sub` -> `@scope/name`; `name/sub` -> `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Every bare specifier dist/ imports (static, dynamic or require), as package names. */
async function importedPackages(): Promise<Map<string, string[]>> {
  const imported = new Map<string, string[]>();
  const builtins = new Set(builtinModules);
  for (const file of await walk(path.join(REPO, 'dist'))) {
    if (!file.endsWith('.js')) continue;
    const code = await readFile(file, 'utf8');
    const info = ts.preProcessFile(code, true, true);
    // rag loads CommonJS packages through createRequire under several names (requireFromHere, …).
    const required = [...code.matchAll(/(?:\b[rR]equire\w*|createRequire\(import\.meta\.url\))\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? '');
    for (const fileName of [...info.importedFiles.map((f) => f.fileName), ...required]) {
      if (fileName.startsWith('.') || fileName.startsWith('node:') || builtins.has(fileName)) continue;
      const name = packageOf(fileName);
      imported.set(name, [...(imported.get(name) ?? []), path.relative(REPO, file)]);
    }
  }
  return imported;
}

/** A scrubbed environment: nothing of the developer's (no ONNXRUNTIME_* or npm settings) leaks in. */
function bareEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: home, NO_COLOR: '1', npm_config_cache: process.env.npm_config_cache ?? path.join(os.homedir(), '.npm') };
}

describe('runtime dependencies', () => {
  it('are exactly the packages dist/ imports (dependencies plus peers)', async (t) => {
    if (!existsSync(path.join(REPO, 'dist', 'index.js'))) return t.skip('dist/ is not built (npm run build)');
    const pkg = await packageJson();
    const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
    const imported = await importedPackages();
    const undeclared = [...imported.keys()].filter((name) => !declared.has(name));
    assert.deepEqual(undeclared, [], `imported by dist/ but not a dependency: ${undeclared.map((n) => `${n} (${imported.get(n)?.[0]})`).join(', ')}`);
    const unused = [...declared].filter((name) => !imported.has(name));
    assert.deepEqual(unused, [], `declared but never imported by dist/: ${unused.join(', ')}`);
  });

  it('keep onnxruntime out of a default install: @huggingface/transformers is an optional peer', async () => {
    const pkg = await packageJson();
    assert.equal(pkg.dependencies?.['@huggingface/transformers'], undefined);
    assert.equal(pkg.dependencies?.['onnxruntime-node'], undefined);
    assert.equal(pkg.peerDependenciesMeta?.['@huggingface/transformers']?.optional, true);
  });
});

describe('the packed package in a fresh project', { timeout: 600_000 }, () => {
  let work = '';
  let app = '';
  let tarball = '';
  let files: string[] = [];
  let skipped: string | undefined;

  before(async () => {
    if (!existsSync(path.join(REPO, 'dist', 'index.js'))) {
      skipped = 'dist/ is not built (npm run build)';
      return;
    }
    work = await mkdtemp(path.join(os.tmpdir(), 'rag-pack-'));
    const home = path.join(work, 'home');
    await mkdir(home);
    // --ignore-scripts: dist/ is already built; `prepare` would compile it again.
    const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: REPO, maxBuffer: 64 << 20 });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    assert.ok(info);
    tarball = path.join(work, info.filename);
    files = info.files.map((f) => f.path);
    app = path.join(work, 'app');
    await mkdir(app);
    await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
    const devVersions = (await packageJson()).devDependencies ?? {};
    try {
      await run(
        'npm',
        ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `typescript@${devVersions.typescript}`, `@types/node@${devVersions['@types/node']}`],
        // The real HOME for npm alone: its user config says where node-gyp finds Node's headers here.
        { cwd: app, env: bareEnv(os.homedir()), maxBuffer: 64 << 20, timeout: 480_000 },
      );
    } catch (error) {
      const text = String((error as { stderr?: string }).stderr ?? error);
      if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENOTCACHED/.test(text)) skipped = `npm could not reach the registry and the cache lacks a package: ${text.split('\n')[0]}`;
      else throw error;
    }
  });

  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('ships a LICENSE, no .npmrc and source maps that carry their sources', async (t) => {
    if (skipped) return t.skip(skipped);
    assert.ok(files.includes('LICENSE'), 'LICENSE is in the tarball');
    assert.ok(!files.some((f) => f.endsWith('.npmrc')));
    const maps = files.filter((f) => f.endsWith('.map'));
    for (const map of maps) {
      const parsed = JSON.parse(await readFile(path.join(app, 'node_modules', 'rag', map), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
      assert.equal(parsed.sourcesContent?.length, parsed.sources.length, `${map} embeds its sources`);
      assert.ok(parsed.sourcesContent.every((s) => typeof s === 'string' && s.length > 0), map);
    }
  });

  it('the shipped README links only files that are in the package', async (t) => {
    if (skipped) return t.skip(skipped);
    const readme = await readFile(path.join(app, 'node_modules', 'rag', 'README.md'), 'utf8');
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '').filter((href) => !/^([a-z]+:|#)/i.test(href));
    assert.ok(targets.length > 0, 'the README has relative links to check');
    for (const href of targets) {
      const file = href.split('#')[0] ?? '';
      assert.ok(files.includes(file), `README links ${href}, which the package does not contain`);
    }
  });

  it('installs without onnxruntime and runs ingest and query with the hash model, no variables set', async (t) => {
    if (skipped) return t.skip(skipped);
    assert.ok(!existsSync(path.join(app, 'node_modules', 'onnxruntime-node')), 'onnxruntime-node was not installed');
    assert.ok(!existsSync(path.join(app, 'node_modules', '@huggingface', 'transformers')));
    const docs = path.join(app, 'docs');
    await mkdir(docs);
    await writeFile(path.join(docs, 'hnsw.md'), '# HNSW\n\nVector databases speed up retrieval with HNSW graphs.\n');
    await writeFile(path.join(docs, 'bm25.md'), '# BM25\n\nLexical search ranks documents by term frequency.\n');
    const env = bareEnv(path.join(work, 'home'));
    const bin = path.join(app, 'node_modules', '.bin', 'rag');
    await run(bin, ['ingest', 'docs', '--index', 'idx'], { cwd: app, env });
    const { stdout } = await run(bin, ['query', 'vector graph retrieval', '--index', 'idx', '--json'], { cwd: app, env });
    const result = JSON.parse(stdout) as { results: { source: string }[] };
    assert.equal(result.results[0]?.source, 'hnsw.md');
  });

  it('RagVectorStore works with the @langchain/core the app installs: the current line, then 0.3', async (t) => {
    if (skipped) return t.skip(skipped);
    const env = bareEnv(path.join(work, 'home'));
    const script = [
      "import { RagVectorStore } from 'rag';",
      "import { VectorStore } from '@langchain/core/vectorstores';",
      "import { createRequire } from 'node:module';",
      "const store = await RagVectorStore.open('idx');",
      "const docs = await store.asRetriever({ k: 1 }).invoke('vector graph retrieval');",
      "const version = createRequire(import.meta.url)('@langchain/core/package.json').version;",
      'console.log(JSON.stringify({ version, instance: store instanceof VectorStore, sources: docs.map((d) => d.metadata.source) }));',
      'await store.close();',
    ].join('\n');
    await writeFile(path.join(app, 'serve.mjs'), script);
    const runServe = async (): Promise<{ version: string; instance: boolean; sources: string[] }> =>
      JSON.parse((await run(process.execPath, ['serve.mjs'], { cwd: app, env })).stdout) as { version: string; instance: boolean; sources: string[] };
    const current = await runServe();
    assert.match(current.version, /^1\./, 'npm installed the current @langchain/core as the peer');
    assert.deepEqual([current.instance, current.sources], [true, ['hnsw.md']]);
    try {
      await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '@langchain/core@0.3'], { cwd: app, env: bareEnv(os.homedir()), maxBuffer: 64 << 20, timeout: 300_000 });
    } catch (error) {
      return t.skip(`@langchain/core@0.3 is neither in npm's cache nor reachable: ${String((error as { stderr?: string }).stderr ?? error).split('\n')[0]}`);
    }
    const old = await runServe();
    assert.match(old.version, /^0\.3\./);
    assert.deepEqual([old.instance, old.sources], [true, ['hnsw.md']], 'the same store class extends the app\'s 0.3 VectorStore');
  });

  it('a local ONNX model without @huggingface/transformers is a dependency-missing error naming the package', async (t) => {
    if (skipped) return t.skip(skipped);
    const env = bareEnv(path.join(work, 'home'));
    const bin = path.join(app, 'node_modules', '.bin', 'rag');
    const failed = await run(bin, ['ingest', 'docs', '--index', 'idx-onnx', '--model', 'bge-small-zh', '--offline'], { cwd: app, env }).then(
      () => assert.fail('ingest with an ONNX model succeeded without transformers'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, /^rag: .*@huggingface\/transformers.*npm install @huggingface\/transformers/m);
    assert.equal(failed.stderr.trim().split('\n').length, 1, failed.stderr);
  });

  it('its declarations compile in a strict project with skipLibCheck false (no @types/pg needed)', async (t) => {
    if (skipped) return t.skip(skipped);
    await writeFile(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true, types: ['node'] }, files: ['main.ts'] }),
    );
    await writeFile(
      path.join(app, 'main.ts'),
      [
        "import { ingest, query, evaluate, openIndex, RagError, hasCode, toLangChainEmbeddings, HashEmbedder, type PgIndex, type QueryHit, type IngestEvent, type ErrorCode } from 'rag';",
        "const hits: QueryHit[] = (await query({ text: 'x', index: 'idx' })).results;",
        'const codes: ErrorCode[] = [];',
        'const onEvent = (event: IngestEvent): void => void event;',
        'const pg: PgIndex | undefined = undefined;',
        'console.log(hits, codes, onEvent, pg, ingest, evaluate, openIndex, RagError, hasCode, toLangChainEmbeddings, HashEmbedder);',
        '',
      ].join('\n'),
    );
    assert.ok(!existsSync(path.join(app, 'node_modules', '@types', 'pg')), '@types/pg is not installed in the consumer');
    const tsc = path.join(app, 'node_modules', '.bin', 'tsc');
    await run(tsc, ['-p', '.'], { cwd: app }).catch((error: { stdout: string }) => assert.fail(`tsc failed:\n${error.stdout}`));
  });
});
