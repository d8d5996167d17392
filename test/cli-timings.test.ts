import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, runCli, tempDir } from './helpers/cli.js';

describe('rag --version, rag --help and rag query --timings', () => {
  let cwd: string;
  before(async () => {
    cwd = await tempDir('timings');
    await mkdir(path.join(cwd, 'docs'));
    await writeFile(path.join(cwd, 'docs', 'a.md'), '# Vectors\n\nAn HNSW graph makes vector search fast.\n');
    await writeFile(path.join(cwd, 'docs', 'b.md'), '# Cooking\n\nSimmer the soup for an hour.\n');
    const ingested = await runCli(['ingest', 'docs'], { cwd });
    assert.equal(ingested.code, 0, ingested.stderr);
  });
  after(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('prints the version from package.json, with --version and -V, even under npm run', async () => {
    const { version } = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = await runCli([flag], { cwd, env: { npm_package_version: '9.9.9' } });
      assert.deepEqual([result.code, result.stdout, result.stderr], [0, `${version}\n`, '']);
    }
  });

  it('prints the help the build rendered, the same text commander prints for `rag help`', async () => {
    const fast = await runCli(['--help'], { cwd });
    const short = await runCli(['-h'], { cwd });
    const commander = await runCli(['help'], { cwd });
    assert.equal(commander.code, 0);
    assert.match(commander.stdout, /^Usage: rag \[options\] \[command\]/);
    assert.deepEqual([fast.code, fast.stdout, fast.stderr], [0, commander.stdout, '']);
    assert.deepEqual([short.code, short.stdout], [0, commander.stdout]);
  });

  it('adds where the time went to --json only when asked', async () => {
    const plain = await runCli(['query', 'vector search', '--json'], { cwd });
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal('timings' in (JSON.parse(plain.stdout) as object), false);

    const timed = await runCli(['query', 'vector search', '--json', '--timings', '-k', '1'], { cwd });
    assert.equal(timed.code, 0, timed.stderr);
    const parsed = JSON.parse(timed.stdout) as { results: Array<{ docId: string }>; timings: Record<string, number> };
    assert.equal(parsed.results[0]?.docId, 'a.md');
    assert.deepEqual(Object.keys(parsed.timings).sort(), ['embed', 'indexLoad', 'modelLoad', 'search', 'startup']);
    for (const [step, seconds] of Object.entries(parsed.timings)) {
      assert.ok(Number.isFinite(seconds) && seconds >= 0, `${step}: ${seconds}`);
    }
    // Start-up counts from the process's start, so it includes Node's own boot.
    assert.ok(parsed.timings['startup']! > 0.005);
  });

  it('prints one timings line on stderr in the human format', async () => {
    const result = await runCli(['query', 'vector search', '--timings'], { cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /^timings: start-up \d+ ms · index load \d+ ms · model load \d+ ms · embedding \d+ ms · search \d+ ms · total \d+ ms$/m,
    );
    assert.doesNotMatch(result.stdout, /timings/);
  });
});
