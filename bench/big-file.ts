/**
 * One big text file through `ingest()` with the built-in `hash` model: peak memory and time for
 * a small and a ten times larger file, and where each went (issue 22 item 9).
 *
 *   npm run bench:big-file -- [--sizes 6,60] [--keep]
 *
 * The parent writes each file (lorem ipsum and Chinese sentences, paragraphs every few
 * sentences, numbered so no two chunks are equal) in a temp folder and ingests it in a child
 * process (a fresh heap, so the peak is the ingest's own) with `--max-file-size` raised and the
 * embedding cache off. The child samples its RSS every 100 ms per phase (load: reading, decoding
 * and chunking; embed; index: staging, the HNSW graph when the index is big enough for one, and
 * the commit) and reports the kernel's high-water mark (VmHWM). The table gives the peak of
 * each size against the smallest one: the goal of issue 22 is ≤ 2×.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ingest } from '../src/ingest/pipeline.js';
import { mixedText } from '../test/helpers/big-text.js';

function vmHwmBytes(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

interface ChildReport {
  vmHwm: number;
  seconds: number;
  chunks: number;
  /** Seconds and peak RSS per phase. */
  phases: Record<string, { seconds: number; peak: number }>;
}

async function child(file: string, index: string): Promise<void> {
  const started = performance.now();
  const phases: ChildReport['phases'] = {};
  let phase = 'load';
  let phaseStart = started;
  const sample = (): void => {
    const entry = (phases[phase] ??= { seconds: 0, peak: 0 });
    entry.peak = Math.max(entry.peak, process.memoryUsage().rss);
  };
  const enter = (next: string): void => {
    if (next === phase) return;
    sample();
    (phases[phase] ??= { seconds: 0, peak: 0 }).seconds += (performance.now() - phaseStart) / 1000;
    phase = next;
    phaseStart = performance.now();
  };
  const timer = setInterval(sample, 100);
  const summary = await ingest({
    paths: [file],
    index,
    cache: false,
    maxFileSize: 1 << 30,
    onEvent: (event) => {
      if (event.type === 'embed-progress') enter('embed');
      if (event.type === 'indexing') enter('index');
    },
  });
  enter('done');
  clearInterval(timer);
  const report: ChildReport = { vmHwm: vmHwmBytes(), seconds: (performance.now() - started) / 1000, chunks: summary.chunks.total, phases };
  process.stdout.write(JSON.stringify(report));
}

const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MB`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { child: { type: 'boolean' }, sizes: { type: 'string', default: '6,60' }, keep: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (values.child) return child(positionals[0]!, positionals[1]!);
  const sizes = values.sizes.split(',').map(Number);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rag-big-file-'));
  const self = fileURLToPath(import.meta.url);
  const rows: Array<{ size: number; report: ChildReport }> = [];
  try {
    for (const size of sizes) {
      const file = path.join(dir, `big-${size}mb.txt`);
      writeFileSync(file, mixedText(size * 2 ** 20));
      const result = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', file, path.join(dir, `index-${size}`)], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (result.status !== 0) throw new Error(`child for ${size} MB failed: ${result.stderr}`);
      rows.push({ size, report: JSON.parse(result.stdout) as ChildReport });
      process.stderr.write(`${size} MB done in ${rows.at(-1)!.report.seconds.toFixed(1)} s\n`);
    }
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
  const base = rows[0]!.report;
  const lines = [
    `| file | chunks | time | load | embed | index + commit | peak RSS (VmHWM) | peak vs ${sizes[0]} MB | time vs ${sizes[0]} MB |`,
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { size, report } of rows) {
    const p = (name: string): string => {
      const phase = report.phases[name];
      return phase === undefined ? '–' : `${phase.seconds.toFixed(1)} s, ${mb(phase.peak)}`;
    };
    lines.push(
      `| ${size} MB | ${report.chunks} | ${report.seconds.toFixed(1)} s | ${p('load')} | ${p('embed')} | ${p('index')} | ${mb(report.vmHwm)} | ${(report.vmHwm / base.vmHwm).toFixed(2)}× | ${(report.seconds / base.seconds).toFixed(1)}× |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
