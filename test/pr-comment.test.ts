/**
 * The GitHub Action's pull-request comment against a loopback stand-in of the GitHub REST API
 * (real HTTP on 127.0.0.1): created once, found again past the first page of comments and updated,
 * never duplicated; the token only in the Authorization header; API errors as one line, exit 2.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { COMMENT_MARKER, renderPrComment } from '../src/ci/github-comment.js';
import type { EvalSummary } from '../src/ci/github-comment.js';
import { REPO, runCli, tempDir } from './helpers/cli.js';

const TOKEN = 'ghs_testtoken1234567890abcdef';
const ZH_SAMPLE = path.join(REPO, 'datasets', 'zh-sample');

interface Comment {
  id: number;
  body: string;
}

let cwd: string;
let server: http.Server;
let api: string;
const comments: Comment[] = [];
const seen: Array<{ method: string; url: string; auth: string | undefined }> = [];
let failWith: number | undefined;

before(async () => {
  cwd = await tempDir('pr-comment');
  // 100 comments by others fill the first page, so ours has to be found on page 2 later.
  for (let i = 1; i <= 100; i += 1) comments.push({ id: i, body: `looks good ${i}` });
  server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization });
    let data = '';
    req.on('data', (d: Buffer) => (data += d.toString('utf8')));
    req.on('end', () => {
      const send = (status: number, value: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (failWith !== undefined) return send(failWith, { message: 'Resource not accessible by integration' });
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { message: 'Bad credentials' });
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET' && url.pathname === '/repos/acme/kb/issues/7/comments') {
        const page = Number(url.searchParams.get('page') ?? 1);
        const per = Number(url.searchParams.get('per_page') ?? 30);
        return send(200, comments.slice((page - 1) * per, page * per));
      }
      if (req.method === 'POST' && url.pathname === '/repos/acme/kb/issues/7/comments') {
        const c = { id: 1000 + comments.length, body: (JSON.parse(data) as { body: string }).body };
        comments.push(c);
        return send(201, c);
      }
      const m = /^\/repos\/acme\/kb\/issues\/comments\/(\d+)$/.exec(url.pathname);
      if (req.method === 'PATCH' && m) {
        const c = comments.find((x) => x.id === Number(m[1]));
        if (c === undefined) return send(404, { message: 'Not Found' });
        c.body = (JSON.parse(data) as { body: string }).body;
        return send(200, c);
      }
      return send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const base = await runCli(['eval', '--dataset', ZH_SAMPLE, '--mode', 'dense', '--mode', 'bm25', '--out', 'base', '--json'], { cwd });
  assert.equal(base.code, 0, base.stderr);
  const r = await runCli(
    ['eval', '--dataset', ZH_SAMPLE, '--mode', 'dense', '--mode', 'bm25', '--baseline', 'base/results.json', '--margin', '0.01', '--out', 'now', '--json'],
    { cwd },
  );
  assert.equal(r.code, 0, r.stderr);
  await writeFile(path.join(cwd, 'eval.json'), r.stdout);
  await writeFile(path.join(cwd, 'event.json'), JSON.stringify({ action: 'synchronize', pull_request: { number: 7 } }));
});
after(async () => {
  server.close();
  await rm(cwd, { recursive: true, force: true });
});

const env = (): Record<string, string> => ({
  GITHUB_TOKEN: TOKEN,
  GITHUB_REPOSITORY: 'acme/kb',
  GITHUB_API_URL: api,
  GITHUB_EVENT_PATH: path.join(cwd, 'event.json'),
});

describe('renderPrComment', () => {
  it('has the marker, the runs, both comparison tables and the verdicts', async () => {
    const summary = JSON.parse(await readFile(path.join(cwd, 'eval.json'), 'utf8')) as EvalSummary;
    const body = renderPrComment(summary, { reportUrl: 'https://example.test/run/1' });
    const lines = body.split('\n');
    assert.equal(lines[0], COMMENT_MARKER);
    assert.equal(lines[1], '### Retrieval evaluation: zh-sample · ✅ gate passed');
    assert.ok(lines.includes('#### Against the first run'), body);
    assert.ok(lines.includes('#### Against the baseline file `base/results.json`'), body);
    // The same runs as the baseline: Δ 0 on every query, equivalent within the margin.
    assert.ok(lines.some((l) => /^\| hash \(bm25\) \| hash \(bm25\) \| \+0\.0000 \| \[\+0\.0000, \+0\.0000\] \| 1\.000 \| 1\.000 \| 0\/30\/0 \| 0\.0000 \| not significant \(Holm\) · equivalent within ±0\.01 \|$/.test(l)), body);
    assert.ok(lines.some((l) => l.startsWith('| hash (bm25) | hash (dense) |') && l.includes('underpowered')), body);
    assert.ok(lines.includes('Full reports: https://example.test/run/1'));
  });
});

describe('rag pr-comment', () => {
  it('creates the comment once, then updates it in place (found on page 2)', async () => {
    const first = await runCli(['pr-comment', '--from', 'eval.json', '--json'], { cwd, env: env() });
    assert.equal(first.code, 0, first.stderr);
    const created = JSON.parse(first.stdout) as { action: string; id: number; pullRequest: number };
    assert.deepEqual([created.action, created.pullRequest], ['created', 7]);
    assert.equal(comments.length, 101);

    const second = await runCli(['pr-comment', '--from', 'eval.json'], { cwd, env: env() });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stderr, `updated comment ${created.id} on acme/kb#7\n`);
    assert.equal(comments.length, 101, 'no second comment');
    const ours = comments.filter((c) => c.body.includes(COMMENT_MARKER));
    assert.equal(ours.length, 1);
    assert.ok(ours[0]!.body.includes('#### Against the baseline file'));
    assert.ok(seen.some((s) => s.method === 'GET' && s.url.includes('page=2')), 'paged past the first 100 comments');
    assert.ok(seen.some((s) => s.method === 'PATCH'));
    for (const r of [first, second]) assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));
    assert.ok(seen.every((s) => s.auth === `Bearer ${TOKEN}`));
  });

  it('prints the body with --dry-run without any request', async () => {
    const before = seen.length;
    const r = await runCli(['pr-comment', '--from', 'eval.json', '--dry-run'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith(`${COMMENT_MARKER}\n### Retrieval evaluation: zh-sample`));
    assert.equal(seen.length, before);
  });

  it('turns API refusals and missing settings into one line and exit 2', async () => {
    failWith = 403;
    try {
      const r = await runCli(['pr-comment', '--from', 'eval.json'], { cwd, env: env() });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^rag: GitHub API GET \/repos\/acme\/kb\/issues\/7\/comments\?per_page=100&page=1 answered 403: .*; give the job `permissions: pull-requests: write` \(and pass github\.token\)\n$/);
      assert.ok(!r.stderr.includes(TOKEN));
    } finally {
      failWith = undefined;
    }
    const noToken = await runCli(['pr-comment', '--from', 'eval.json'], { cwd, env: { ...env(), GITHUB_TOKEN: undefined } as Record<string, string | undefined> });
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /^rag: GITHUB_TOKEN is not set; /);
  });
});
