/**
 * The non-zero entries of row-major rows, stored by column (compressed sparse columns). A sparse
 * query against sparse rows (the built-in `hash` model: a few hundred non-zero components of
 * 4,096 on both sides) then reads only the entries where both are non-zero, instead of every
 * row at every query position: for the 300 queries of one eval row on SciFact the scan was 19 ms
 * a query. The sums are the ones sparseDots (exact-scan.ts) makes, term by term in the same order (a
 * skipped zero entry only adds ±0), so results do not depend on which path ran. Used in memory (flat-vectors.ts, eval) and written
 * as the column file (columns-file.ts).
 */
export class SparseColumns {
  private constructor(
    readonly rows: number,
    /** Column c's entries are `offsets[c]` up to `offsets[c + 1]` (d + 1 entries). */
    readonly offsets: Int32Array,
    /** Each entry's row. */
    readonly rowOf: Int32Array,
    /** Each entry's value. */
    readonly values: Float32Array,
  ) {}

  /** The columns of the first `n` rows, or undefined when they are not sparse enough to pay (over a quarter non-zero). */
  static build(data: Float32Array, d: number, n: number): SparseColumns | undefined {
    const limit = (n * d) / 4;
    // One pass over the rows collects their non-zero entries (row-major); the second places those
    // entries only, by column. Rows denser than a quarter stop the pass as soon as that is certain.
    let cols = new Int32Array(Math.max(1024, Math.min(limit, 1 << 20)));
    let vals = new Float32Array(cols.length);
    const rowEnd = new Int32Array(n);
    const counts = new Int32Array(d + 1);
    let nonZero = 0;
    for (let row = 0, base = 0; row < n; row++, base += d) {
      if (nonZero + d > cols.length) {
        const grownCols = new Int32Array(Math.max(2 * cols.length, nonZero + d));
        grownCols.set(cols.subarray(0, nonZero));
        cols = grownCols;
        const grownVals = new Float32Array(cols.length);
        grownVals.set(vals.subarray(0, nonZero));
        vals = grownVals;
      }
      for (let c = 0; c < d; c++) {
        const x = data[base + c]!;
        if (x === 0) continue;
        cols[nonZero] = c;
        vals[nonZero++] = x;
        counts[c + 1]!++;
      }
      rowEnd[row] = nonZero;
      if (nonZero >= limit) return undefined;
    }
    for (let c = 0; c < d; c++) counts[c + 1]! += counts[c]!;
    const offsets = Int32Array.from(counts);
    const fill = counts.subarray(0, d);
    const rowOf = new Int32Array(nonZero);
    const values = new Float32Array(nonZero);
    for (let row = 0, p = 0; row < n; row++) {
      for (const end = rowEnd[row]!; p < end; p++) {
        const at = fill[cols[p]!]!++;
        rowOf[at] = row;
        values[at] = vals[p]!;
      }
    }
    return new SparseColumns(n, offsets, rowOf, values);
  }

  /** out[row] = Σⱼ values[j] · rows[row][positions[j]] for every row. */
  dots(positions: Int32Array, queryValues: Float32Array, out: Float64Array): void {
    out.fill(0, 0, this.rows);
    const { offsets, rowOf, values } = this;
    for (let j = 0; j < positions.length; j++) {
      const w = queryValues[j]!;
      const c = positions[j]!;
      for (let p = offsets[c]!, end = offsets[c + 1]!; p < end; p++) out[rowOf[p]!]! += w * values[p]!;
    }
  }
}
