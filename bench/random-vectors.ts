import { normalized } from '../src/store/hnsw.js';
import { seededRandom } from '../src/random.js';

/** `count` random directions in `dim` dimensions (Gaussian components, unit length), reproducible from `seed`. */
export function randomUnits(count: number, dim: number, seed: number): Float32Array[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const v = new Float32Array(dim);
    for (let i = 0; i < dim; i++) v[i] = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    return normalized(v);
  });
}
