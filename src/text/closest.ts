/**
 * The id in `ids` a mistyped one most likely meant, for "did you mean" hints: a labeled set that
 * names `drcd/1179-38` when the corpus has `drcd/1179-38.txt`. Cheap forms first (the id with a
 * document extension added or removed, another letter case, other slashes), then the nearest by
 * edit distance when the id set is small enough to scan; undefined when nothing is close.
 */
export function closestId(target: string, ids: ReadonlySet<string>): string | undefined {
  for (const form of likelyForms(target)) if (form !== target && ids.has(form)) return form;
  if (ids.size > MAX_SCAN) return undefined;
  const lower = target.toLowerCase();
  // One edit per five characters: more than that (or any edit to a short id like `b.md`) is a
  // different id, not a typo.
  let bound = Math.floor(target.length / 5);
  if (bound === 0) return undefined;
  let best: string | undefined;
  for (const id of ids) {
    if (Math.abs(id.length - target.length) > bound) continue;
    const d = editDistance(lower, id.toLowerCase(), bound);
    if (d <= bound && (best === undefined || d < bound)) {
      best = id;
      bound = d;
      if (d === 0) break;
    }
  }
  return best;
}

/** Beyond this many ids a full scan per unknown id costs more than the hint is worth. */
const MAX_SCAN = 200_000;

const EXTENSIONS = ['.txt', '.md', '.markdown', '.html', '.htm', '.pdf', '.docx', '.rst', '.text'];

function* likelyForms(id: string): Generator<string> {
  const slashed = id.replace(/\\/g, '/').replace(/^\.\//, '');
  yield slashed;
  for (const ext of EXTENSIONS) yield slashed + ext;
  const dot = slashed.lastIndexOf('.');
  if (dot > slashed.lastIndexOf('/') + 1) {
    const stem = slashed.slice(0, dot);
    yield stem;
    for (const ext of EXTENSIONS) yield stem + ext;
  }
  yield slashed.toLowerCase();
}

/** Levenshtein distance, giving up (returning bound + 1) once every path exceeds `bound`. */
function editDistance(a: string, b: string, bound: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      row.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > bound) return bound + 1;
    prev = row;
  }
  return prev[b.length]!;
}
