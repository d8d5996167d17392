/**
 * Simplified/Traditional script folding: retrieval quality across scripts and what OpenCC costs.
 *
 *   node --import tsx bench/script-fold.ts [--queries N]
 *
 * Quality: the Traditional CMRC 2018 set of test/helpers/traditional-cmrc.ts (documents converted
 * to Traditional with OpenCC s2tw), searched with the Traditional questions (same script) and
 * with the original Simplified questions (cross script), for bm25, `hash` and their RRF hybrid,
 * under each `--script-fold`. The original Simplified set is the reference row.
 *
 * Cost: converter load (a fresh process each, so the module cache is cold), folding throughput
 * over the Traditional corpus, and analysis time of the whole corpus with and without folding.
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { analyzeForBm25 } from '../src/text/analyze.js';
import { HashEmbedder } from '../src/embed/hash.js';
import { foldScript, type ScriptFold } from '../src/text/script-fold.js';
import { lexicalNdcg, loadTraditionalCmrc, CMRC_DIR } from '../test/helpers/traditional-cmrc.js';

const { values } = parseArgs({ options: { queries: { type: 'string' } } });
const limit = values.queries === undefined ? undefined : Number(values.queries);
const set = loadTraditionalCmrc(limit);
if (set === undefined) {
  console.log(`skipped: ${CMRC_DIR} is absent`);
  process.exit(0);
}
console.log(`cmrc2018 → Traditional (s2tw): ${set.traditionalDocs.length} docs, ${set.simplifiedQueries.length} queries\n`);

const f3 = (x: number): string => x.toFixed(4);
console.log('| fold | system | zh-Hans q → zh-Hans docs | zh-Hant q → zh-Hant docs (same script) | zh-Hans q → zh-Hant docs (cross) | cross − same |');
console.log('|---|---|---|---|---|---|');
for (const fold of ['none', 't2s', 's2t'] as ScriptFold[]) {
  const simplified = await lexicalNdcg({ docs: set.simplifiedDocs, queries: set.simplifiedQueries, qrels: set.qrels }, fold);
  const same = await lexicalNdcg({ docs: set.traditionalDocs, queries: set.traditionalQueries, qrels: set.qrels }, fold);
  const cross = await lexicalNdcg({ docs: set.traditionalDocs, queries: set.simplifiedQueries, qrels: set.qrels }, fold);
  for (const system of ['bm25', 'hash', 'hybrid'] as const) {
    console.log(`| ${fold} | ${system} | ${f3(simplified[system])} | ${f3(same[system])} | ${f3(cross[system])} | ${(cross[system] - same[system]).toFixed(4)} |`);
  }
}

// Cold load of each converter, in a fresh process.
const loadScript = (fold: string): string =>
  `const t=performance.now();const {foldScript}=await import(${JSON.stringify(new URL('../src/text/script-fold.ts', import.meta.url).href)});foldScript('測試','${fold}');console.log(performance.now()-t)`;
for (const fold of ['t2s', 's2t']) {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    runs.push(Number(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', loadScript(fold)], { encoding: 'utf8' }).trim()));
  }
  runs.sort((a, b) => a - b);
  console.log(`\n${fold}: first fold (import + build tries), median of 5 cold processes: ${runs[2]!.toFixed(0)} ms`);
}

const corpus = set.traditionalDocs.map((d) => d.text);
const chars = corpus.reduce((n, t) => n + t.length, 0);
for (const fold of ['t2s', 's2t'] as const) {
  foldScript('預熱', fold);
  const best = bestOf(3, () => {
    for (const text of corpus) foldScript(text, fold);
  });
  console.log(`${fold}: ${(chars / best / 1e6).toFixed(2)} M characters/s over the Traditional corpus (${chars} characters, best of 3)`);
}
const plain = bestOf(3, () => {
  for (const text of corpus) analyzeForBm25(text, 'none');
});
const folded = bestOf(3, () => {
  for (const text of corpus) analyzeForBm25(text, 't2s');
});
console.log(`BM25 analysis of the corpus: none ${(plain * 1000).toFixed(0)} ms, t2s ${(folded * 1000).toFixed(0)} ms (×${(folded / plain).toFixed(2)})`);
const embedTimes: Record<string, number> = {};
for (const fold of ['none', 't2s'] as const) {
  const model = new HashEmbedder({ scriptFold: fold });
  await model.embedDocuments(corpus.slice(0, 20));
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await model.embedDocuments(corpus);
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  embedTimes[fold] = best;
}
console.log(`hash embedding of the corpus (jieba included): none ${(embedTimes['none']! * 1000).toFixed(0)} ms, t2s ${(embedTimes['t2s']! * 1000).toFixed(0)} ms (×${(embedTimes['t2s']! / embedTimes['none']!).toFixed(2)})`);

function bestOf(n: number, run: () => void): number {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    run();
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return best;
}
