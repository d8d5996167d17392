/**
 * Synthetic "embedding-like" unit vectors: a mixture of Gaussians with structure at three
 * scales, reproducible from a seed. Used by the 100k benches (search recall, query timing).
 *
 * Why this shape: sentence embeddings of one corpus are neither uniform on the sphere (the worst
 * case for a graph index) nor a few tight blobs (the easy case). They share a common direction
 * (every model has a mean vector: random pairs of passages have cosine well above 0), passages
 * group into topics, topics into finer clusters of very different sizes and tightness.
 *
 * - `mean`: one shared direction, weight 0.4 in every centre.
 * - 40 topic directions; each of the `centres` cluster centres is
 *   normalise(0.4·mean + 0.6·topic + 0.7·own random direction): centres of one topic have
 *   cosine ≈ 0.5, of different topics ≈ 0.16.
 * - Each cluster has its own spread s, log-uniform in [0.6, 1.6]; a point is
 *   normalise(centre + s·g) with g a random Gaussian vector of expected length 1, so its cosine to
 *   its centre is ≈ 1/√(1+s²): 0.86 for the tightest clusters, 0.53 for the loosest.
 * - Cluster sizes follow a Zipf-like law (weight ∝ rank^-0.8): at 100k points and 1,000 centres
 *   the largest cluster has ~6,400 points, the smallest ~25.
 * - Queries come from the same process (cluster picked by the same weights) with fresh noise
 *   and 1.2× the cluster's spread (queries are short and sit a little off the passages):
 *   near the data, never a data point.
 */
import { normalized } from '../src/store/exact-scan.js';
import { seededRandom } from '../src/random.js';

export interface ClusteredOptions {
  count: number;
  queries: number;
  dim: number;
  /** Number of cluster centres (default 1000). */
  centres?: number;
  seed?: number;
}

export interface ClusteredData {
  vectors: Float32Array[];
  queries: Float32Array[];
}

const TOPICS = 40;

export function clusteredVectors(options: ClusteredOptions): ClusteredData {
  const { count, queries: queryCount, dim } = options;
  const centreCount = options.centres ?? 1000;
  const rand = seededRandom(options.seed ?? 1);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const unit = (): Float32Array => {
    const v = new Float32Array(dim);
    for (let i = 0; i < dim; i++) v[i] = gaussian();
    return normalized(v);
  };

  const mean = unit();
  const topics = Array.from({ length: TOPICS }, unit);
  const centres = Array.from({ length: centreCount }, () => {
    const topic = topics[Math.floor(rand() * TOPICS)]!;
    const own = unit();
    const c = new Float32Array(dim);
    for (let i = 0; i < dim; i++) c[i] = 0.4 * mean[i]! + 0.6 * topic[i]! + 0.7 * own[i]!;
    return normalized(c);
  });
  const spread = Array.from({ length: centreCount }, () => 0.6 * Math.pow(1.6 / 0.6, rand()));
  const cumulative = new Float64Array(centreCount);
  let total = 0;
  for (let c = 0; c < centreCount; c++) cumulative[c] = total += Math.pow(c + 1, -0.8);

  const pickCentre = (): number => {
    const x = rand() * total;
    let lo = 0;
    let hi = centreCount - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const noiseScale = 1 / Math.sqrt(dim);
  const point = (spreadFactor: number): Float32Array => {
    const c = pickCentre();
    const centre = centres[c]!;
    const s = spread[c]! * spreadFactor * noiseScale;
    const v = new Float32Array(dim);
    for (let i = 0; i < dim; i++) v[i] = centre[i]! + s * gaussian();
    return normalized(v);
  };
  const vectors = Array.from({ length: count }, () => point(1));
  const queries = Array.from({ length: queryCount }, () => point(1.2));
  return { vectors, queries };
}
