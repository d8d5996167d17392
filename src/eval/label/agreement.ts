/** How far a chat model's judgments agree with a person's: Cohen's kappa and the confusion table. */

export interface Agreement {
  /** Pairs both judged. */
  n: number;
  /** Share of pairs with the same grade. */
  observed: number;
  /** Agreement expected by chance from each judge's grade frequencies. */
  expected: number;
  /** (observed − expected) / (1 − expected); null when undefined (no pairs, or both judges used one grade only). */
  kappa: number | null;
  /** Grades 0..3: `confusion[person][model]` pairs. */
  confusion: number[][];
  /** Kappa after merging grades into not relevant (0–1) and relevant (2–3). */
  binaryKappa: number | null;
}

function kappaOf(confusion: number[][]): { n: number; observed: number; expected: number; kappa: number | null } {
  const size = confusion.length;
  let n = 0;
  let agree = 0;
  const rows = new Array<number>(size).fill(0);
  const cols = new Array<number>(size).fill(0);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const c = confusion[i]![j]!;
      n += c;
      rows[i]! += c;
      cols[j]! += c;
      if (i === j) agree += c;
    }
  }
  if (n === 0) return { n, observed: 0, expected: 0, kappa: null };
  const observed = agree / n;
  let expected = 0;
  for (let k = 0; k < size; k++) expected += (rows[k]! / n) * (cols[k]! / n);
  return { n, observed, expected, kappa: expected === 1 ? null : (observed - expected) / (1 - expected) };
}

/** Compares two label maps (`queryId\tdocId` -> grade 0..3) on the pairs both have. */
export function agreement(person: ReadonlyMap<string, number>, model: ReadonlyMap<string, number>): Agreement {
  const confusion = Array.from({ length: 4 }, () => new Array<number>(4).fill(0));
  for (const [key, a] of person) {
    const b = model.get(key);
    if (b === undefined || !Number.isInteger(a) || !Number.isInteger(b) || a < 0 || a > 3 || b < 0 || b > 3) continue;
    confusion[a]![b]! += 1;
  }
  const binary = [
    [0, 0],
    [0, 0],
  ];
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) binary[i >= 2 ? 1 : 0]![j >= 2 ? 1 : 0]! += confusion[i]![j]!;
  const k = kappaOf(confusion);
  return { ...k, confusion, binaryKappa: kappaOf(binary).kappa };
}
