/**
 * The `rag label` page: a server on 127.0.0.1 that shows one pooled (query, passage) pair at a
 * time. The page is server-rendered HTML with plain forms (it works without JavaScript); one
 * small inline script adds the keys 0–3, ←/u (undo) and →/s (skip). Nothing is loaded from
 * elsewhere (a strict Content-Security-Policy says so), so it works offline and on a phone on the
 * same machine's browser. Every request must carry the random token printed with the URL.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { escapeXml as e } from '../report/format.js';
import { passageLanguage } from '../querygen/passages.js';
import { highlight } from './highlight.js';
import type { JudgmentStore } from './judgments.js';
import type { Pool, PooledPair } from './pool.js';

export interface LabelServerOptions {
  pool: Pool;
  store: JudgmentStore;
  /** Who judges, recorded in the log. Default: the OS user. */
  who: string;
  /** 0 picks a free port. */
  port?: number;
  /** Default: 32 random hex characters. */
  token?: string;
  /** A pair shown in one tab is not offered to another for this long (ms). Default 120000. */
  leaseMs?: number;
  /** Called after every judgment or undo (progress on the terminal). */
  onJudgment?: (judged: number, total: number) => void;
}

export interface LabelServer {
  /** `http://127.0.0.1:PORT/?t=TOKEN` */
  url: string;
  port: number;
  close(): Promise<void>;
}

export const GRADES: ReadonlyArray<{ grade: number; label: string; help: string }> = [
  { grade: 0, label: 'not relevant', help: 'nothing the query asks for' },
  { grade: 1, label: 'related', help: 'on the topic, does not answer' },
  { grade: 2, label: 'relevant', help: 'answers part of it' },
  { grade: 3, label: 'answers it', help: 'what the person was looking for' },
];

interface TabState {
  skipped: Set<string>;
  /** The tab's judgments, newest last, for undo. */
  done: Array<{ queryId: string; docId: string; previous: number | null }>;
}

const pairKey = (p: { queryId: string; docId: string }): string => `${p.queryId}\t${p.docId}`;

export async function startLabelServer(options: LabelServerOptions): Promise<LabelServer> {
  const token = options.token ?? randomBytes(16).toString('hex');
  const leaseMs = options.leaseMs ?? 120_000;
  const { pool, store } = options;
  const byKey = new Map(pool.pairs.map((p) => [pairKey(p), p]));
  // Pairs judged before the server started are not pooled: only the rest is work to do.
  const work = pool.pairs.filter((p) => !store.isJudged(p.queryId, p.docId));
  const leases = new Map<string, { tab: string; until: number }>();
  const tabs = new Map<string, TabState>();
  const tabState = (tab: string): TabState => {
    let s = tabs.get(tab);
    if (s === undefined) {
      s = { skipped: new Set(), done: [] };
      tabs.set(tab, s);
    }
    return s;
  };
  const judgedCount = (): number => work.filter((p) => store.isJudged(p.queryId, p.docId)).length;

  const next = (tab: string): PooledPair | undefined => {
    const state = tabState(tab);
    const now = Date.now();
    const open = work.filter((p) => !store.isJudged(p.queryId, p.docId));
    const free = (p: PooledPair): boolean => {
      const lease = leases.get(pairKey(p));
      return lease === undefined || lease.tab === tab || lease.until < now;
    };
    // Unskipped first; skipped pairs come back once nothing else is left.
    const pick = open.find((p) => free(p) && !state.skipped.has(pairKey(p))) ?? open.find((p) => free(p));
    if (pick !== undefined) {
      for (const [k, l] of leases) if (l.tab === tab) leases.delete(k);
      leases.set(pairKey(pick), { tab, until: now + leaseMs });
    }
    return pick;
  };

  const poolInfo = { runs: pool.runs, depth: pool.depth };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const form = req.method === 'POST' ? new URLSearchParams(await body(req)) : url.searchParams;
    if (form.get('t') !== token && url.searchParams.get('t') !== token) {
      send(res, 403, 'text/plain; charset=utf-8', 'forbidden: open the URL rag label printed (it carries the token)\n');
      return;
    }
    const tab = form.get('tab') ?? url.searchParams.get('tab') ?? '';
    const home = (t: string): string => `/?t=${token}&tab=${encodeURIComponent(t)}`;
    if (req.method === 'GET' && url.pathname === '/') {
      if (!/^[a-z0-9]{1,32}$/.test(tab)) {
        redirect(res, home(randomBytes(6).toString('hex')));
        return;
      }
      const pair = next(tab);
      const state = tabState(tab);
      const last = state.done.at(-1);
      const lastPair = last === undefined ? undefined : byKey.get(pairKey(last));
      const nonce = randomBytes(12).toString('base64');
      send(res, 200, 'text/html; charset=utf-8', renderPage({ pair, token, tab, nonce, judged: judgedCount(), total: work.length, lastPair, skipped: pair !== undefined && state.skipped.has(pairKey(pair)) }), {
        'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/state.json') {
      send(res, 200, 'application/json', JSON.stringify({ judged: judgedCount(), total: work.length, runs: pool.runs, depth: pool.depth }));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/judge') {
      const queryId = form.get('q') ?? '';
      const docId = form.get('d') ?? '';
      const grade = Number(form.get('grade'));
      if (!byKey.has(`${queryId}\t${docId}`) || !GRADES.some((g) => g.grade === grade)) {
        send(res, 400, 'text/plain; charset=utf-8', 'unknown pair or grade\n');
        return;
      }
      const entry = await store.set(queryId, docId, grade, { who: options.who, action: 'judge', pool: poolInfo });
      tabState(tab).done.push({ queryId, docId, previous: entry.previous });
      leases.delete(`${queryId}\t${docId}`);
      options.onJudgment?.(judgedCount(), work.length);
      redirect(res, home(tab));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/skip') {
      tabState(tab).skipped.add(`${form.get('q') ?? ''}\t${form.get('d') ?? ''}`);
      redirect(res, home(tab));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/undo') {
      const last = tabState(tab).done.pop();
      if (last !== undefined) {
        await store.set(last.queryId, last.docId, last.previous, { who: options.who, action: 'undo', pool: poolInfo });
        tabState(tab).skipped.delete(pairKey(last));
        // The undone pair is shown again at once, in this tab.
        leases.set(pairKey(last), { tab, until: Date.now() + leaseMs });
        const at = work.findIndex((p) => pairKey(p) === pairKey(last));
        if (at > 0) work.unshift(...work.splice(at, 1));
        options.onJudgment?.(judgedCount(), work.length);
      }
      redirect(res, home(tab));
      return;
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  };

  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, 500, 'text/plain; charset=utf-8', `could not save: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?t=${token}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 65_536) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, type: string, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', ...headers });
  res.end(text);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store' });
  res.end();
}

interface PageState {
  pair: PooledPair | undefined;
  token: string;
  tab: string;
  nonce: string;
  judged: number;
  total: number;
  lastPair: PooledPair | undefined;
  skipped: boolean;
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #5b636e; --bg: #fff; --card: #f5f6f8; --mark: #ffe58a; --accent: #2456d6; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e8eb; --muted: #9aa3ad; --bg: #15181c; --card: #1f2329; --mark: #6b5a12; --accent: #7ea2ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 52rem; margin: 0 auto; padding: 1rem 1rem 13rem; }
header { display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: baseline; justify-content: space-between; color: var(--muted); font-size: .9rem; }
progress { width: 100%; height: .5rem; margin: .5rem 0 1rem; accent-color: var(--accent); }
h1 { font-size: 1.35rem; line-height: 1.35; margin: .25rem 0 1rem; }
h1 small { display: block; font-size: .8rem; font-weight: normal; color: var(--muted); }
.passage { background: var(--card); border-radius: .5rem; padding: 1rem; white-space: pre-wrap; overflow-wrap: anywhere; max-height: calc(100vh - 24rem); min-height: 8rem; overflow-y: auto; }
mark { background: var(--mark); color: inherit; border-radius: .15rem; padding: 0 .05rem; }
.meta { color: var(--muted); font-size: .85rem; margin: .5rem 0 0; overflow-wrap: anywhere; }
.controls { position: fixed; left: 0; right: 0; bottom: 0; background: var(--bg); border-top: 1px solid var(--card); padding: .5rem; }
.grades { display: grid; grid-template-columns: repeat(4, 1fr); gap: .5rem; max-width: 52rem; margin: 0 auto; }
.row2 { display: flex; gap: .5rem; max-width: 52rem; margin: .5rem auto 0; }
.row2 form { flex: 1; }
form { margin: 0; }
button { width: 100%; min-height: 3.25rem; font: inherit; border-radius: .5rem; border: 1px solid var(--muted); background: var(--card); color: var(--fg); cursor: pointer; padding: .25rem; }
button b { display: block; font-size: 1.2rem; }
button span { font-size: .8rem; color: var(--muted); }
button:focus-visible { outline: 3px solid var(--accent); }
.row2 button { min-height: 2.5rem; }
.keys { color: var(--muted); font-size: .8rem; text-align: center; margin-top: .35rem; }
.done { text-align: center; margin-top: 4rem; }
@media (max-width: 30rem) { h1 { font-size: 1.15rem; } .keys { display: none; } button span { font-size: .7rem; } }
`;

const SCRIPT = `
document.addEventListener('keydown', function (ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  var id = null;
  if (/^[0-3]$/.test(ev.key)) id = 'grade-' + ev.key;
  else if (ev.key === 'ArrowRight' || ev.key === 's') id = 'skip';
  else if (ev.key === 'ArrowLeft' || ev.key === 'u' || ev.key === 'Backspace') id = 'undo';
  var button = id && document.getElementById(id);
  if (!button || button.disabled) return;
  ev.preventDefault();
  button.disabled = true;
  button.form.submit();
});
`;

function renderPage(s: PageState): string {
  const hidden = (extra: Record<string, string> = {}): string =>
    Object.entries({ t: s.token, tab: s.tab, ...extra })
      .map(([k, v]) => `<input type="hidden" name="${k}" value="${e(v)}">`)
      .join('');
  const percent = s.total === 0 ? 100 : Math.round((s.judged / s.total) * 100);
  const undo = `<form method="post" action="/undo">${hidden()}<button id="undo" type="submit"${s.lastPair === undefined ? ' disabled' : ''}>← undo</button></form>`;
  // The language picks fonts and line breaking: Chinese queries get zh-Hans, the rest en.
  const lang = s.pair !== undefined && passageLanguage(`${s.pair.query} ${s.pair.passage}`) === 'zh' ? 'zh-Hans' : 'en';
  const head = `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>rag label · ${s.judged}/${s.total}</title><style nonce="${s.nonce}">${STYLE}</style></head><body><main>`;
  const progress = `<header><span>${s.judged} of ${s.total} judged (${percent}%)</span>${s.lastPair === undefined ? '' : `<span>last: ${e(s.lastPair.docId)}</span>`}</header><progress max="${Math.max(1, s.total)}" value="${s.judged}" aria-label="progress">${percent}%</progress>`;
  if (s.pair === undefined) {
    return `${head}${progress}<div class="done"><h1>All ${s.total} pooled pairs are judged.</h1><p>The labels are in the dataset's qrels; run <code>rag eval</code> on it.</p></div><div class="controls"><div class="row2">${undo}</div></div><script nonce="${s.nonce}">${SCRIPT}</script></main></body></html>`;
  }
  const p = s.pair;
  const passage = highlight(p.passage, p.query)
    .map((seg) => (seg.hit ? `<mark>${e(seg.text)}</mark>` : e(seg.text)))
    .join('');
  const ranks = Object.entries(p.ranks)
    .map(([run, rank]) => `${e(run)} #${rank}`)
    .join(' · ');
  const grades = GRADES.map(
    (g) => `<form method="post" action="/judge">${hidden({ q: p.queryId, d: p.docId, grade: String(g.grade) })}<button id="grade-${g.grade}" type="submit" title="${e(g.help)}"><b>${g.grade}</b><span>${e(g.label)}</span></button></form>`,
  ).join('');
  const skip = `<form method="post" action="/skip">${hidden({ q: p.queryId, d: p.docId })}<button id="skip" type="submit">skip →</button></form>`;
  return `${head}${progress}
<h1 data-query-id="${e(p.queryId)}"><small>query ${e(p.queryId)}${s.skipped ? ' · skipped before' : ''}</small>${e(p.query)}</h1>
<div class="passage" aria-label="passage">${passage}</div>
<p class="meta" data-doc-id="${e(p.docId)}">${e(p.docId)} · pooled from ${ranks}</p>
<div class="controls"><div class="grades">${grades}</div><div class="row2">${undo}${skip}</div><p class="keys">keys: 0–3 grade · ← or u undo · → or s skip</p></div>
<script nonce="${s.nonce}">${SCRIPT}</script></main></body></html>`;
}
