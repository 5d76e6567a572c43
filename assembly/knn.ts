// Brute-force k-nearest-neighbour search over face descriptors (issue 15's search at scale):
// the rows of a row-major n x 128 float matrix nearest to a query. The TypeScript side is
// src/gallery/knn-wasm.ts; the reference is src/gallery/knn.ts (knnReference: every row's
// face_recognition distance, float64 in numpy's order, sorted by distance, ties by index).
//
// The kernel does not decide the answer; it narrows it down, exactly. For each row it computes
// S' = the float sum of fl(fl(q_k - r_k)^2) in f32x4 lanes (any order), keeps the k smallest S'
// in a max-heap, and appends to a candidate list every row whose S' is at most the limit
// L = top * slack + TINY, where top is the heap's largest S' (L = +inf until the heap holds k
// rows). The limit only falls, so the list holds every row with S' <= the final limit (and some
// more, dropped later). A row is abandoned as soon as a partial sum (every 32 dimensions) exceeds
// the limit: the terms are non-negative and float addition is monotone, so its S' would too.
// The caller re-ranks the candidates with S' <= the final limit by the reference distance.
//
// Why every true nearest row is a candidate. Let T be a row's exact squared distance. Each term
// fl(fl(d)^2) is d^2 (1 + e_k) with |e_k| <= 3u + O(u^2), u = 2^-24, unless it underflows; any
// order of summing 128 non-negative floats adds a relative error of at most gamma_127 < 7.6e-6
// (Higham, 4.2; see assembly/distance.ts). So S' lies within T (1 +- 8e-6), up to an absolute
// error below 128 * 2^-149 from underflowing squares. The reference's float64 distance is
// sqrt(T) to within 1e-15 (relative). The k heap rows have T <= S'/(1 - 8e-6) + abs, so the
// true k-th smallest T is at most top (1 + 8.1e-6) + abs, and a row of the true top k has
// S' <= top (1 + 1.7e-5) + 2 abs. The slack the glue passes is 1 + 1e-4 (rounded up) and
// TINY = 2^-140 > 2 x 128 x 2^-149: every row of the true top k (ties included: equal
// distances are all candidates) is in the list, and the re-ranking makes the answer exactly the
// reference's. The list has a capacity; when full it is compacted against the current limit,
// and if still full (a huge number of rows within the slack of each other) the call returns -1
// and the caller falls back to the reference.

const DIM: i32 = 128;
const TINY: f32 = 7.174648137343064e-43; // 2^-140

// @ts-ignore: decorator
@inline
function sqacc(acc: v128, d: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(d, d, acc);
  return f32x4.add(acc, f32x4.mul(d, d));
}

// @ts-ignore: decorator
@inline
function lanesum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

// Sifts the max-heap (hd: f32 keys, hi: i32 values; `size` entries) down from the root.
function siftDown(hd: usize, hi: usize, size: i32): void {
  let i: i32 = 0;
  const key = load<f32>(hd);
  const val = load<i32>(hi);
  while (true) {
    let c = 2 * i + 1;
    if (c >= size) break;
    if (c + 1 < size && load<f32>(hd + (<usize>(c + 1) << 2)) > load<f32>(hd + (<usize>c << 2))) c++;
    const ck = load<f32>(hd + (<usize>c << 2));
    if (!(ck > key)) break;
    store<f32>(hd + (<usize>i << 2), ck);
    store<i32>(hi + (<usize>i << 2), load<i32>(hi + (<usize>c << 2)));
    i = c;
  }
  store<f32>(hd + (<usize>i << 2), key);
  store<i32>(hi + (<usize>i << 2), val);
}

// Sifts entry `i` of the max-heap up.
function siftUp(hd: usize, hi: usize, i: i32): void {
  const key = load<f32>(hd + (<usize>i << 2));
  const val = load<i32>(hi + (<usize>i << 2));
  while (i > 0) {
    const p = (i - 1) >> 1;
    const pk = load<f32>(hd + (<usize>p << 2));
    if (!(key > pk)) break;
    store<f32>(hd + (<usize>i << 2), pk);
    store<i32>(hi + (<usize>i << 2), load<i32>(hi + (<usize>p << 2)));
    i = p;
  }
  store<f32>(hd + (<usize>i << 2), key);
  store<i32>(hi + (<usize>i << 2), val);
}

// The search's state between knn_scan calls: heap size, candidates written, the current limit.
let heapSize: i32 = 0;
let candCount: i32 = 0;
let lastLimit: f32 = Infinity;

// The final limit of the last search (the caller keeps candidates with S' <= it).
export function knn_limit(): f32 {
  return lastLimit;
}

// Candidates for the k rows of `data` (n x 128 floats) nearest to `q` (128 floats): see above.
// heapD/heapI: k floats and k ints of scratch; candD/candI: `cap` floats (S') and ints (row
// indices). Returns the number of candidates written, or -1 when they overflow `cap`.
export function knn_candidates(q: usize, data: usize, n: i32, k: i32, slack: f32,
  heapD: usize, heapI: usize, candD: usize, candI: usize, cap: i32): i32 {
  heapSize = 0;
  candCount = 0;
  lastLimit = Infinity;
  if (!knnScan(q, data, 0, n, k, slack, heapD, heapI, candD, candI, cap)) return -1;
  return candCount;
}

// The same over some row ranges of `data` only (an approximate index's probed cells): `ranges`
// holds `count` pairs of i32 (first row, rows); candidates are numbered by their row in `data`.
// One heap and one limit across all the ranges, so the answer is that of the rows they cover.
export function knn_candidates_ranges(q: usize, data: usize, ranges: usize, count: i32, k: i32, slack: f32,
  heapD: usize, heapI: usize, candD: usize, candI: usize, cap: i32): i32 {
  heapSize = 0;
  candCount = 0;
  lastLimit = Infinity;
  for (let j: i32 = 0; j < count; j++) {
    const first = load<i32>(ranges + (<usize>j << 3));
    const rows = load<i32>(ranges + (<usize>j << 3) + 4);
    if (!knnScan(q, data, first, first + rows, k, slack, heapD, heapI, candD, candI, cap)) return -1;
  }
  return candCount;
}

// Rows [from, to) of `data` into the search's heap and candidate list; false on overflow.
function knnScan(q: usize, data: usize, from: i32, to: i32, k: i32, slack: f32,
  heapD: usize, heapI: usize, candD: usize, candI: usize, cap: i32): bool {
  let size = heapSize;
  let count = candCount;
  let limit = lastLimit;
  for (let r: i32 = from; r < to; r++) {
    const row = data + (<usize>r << 9);
    let s: f32 = 0;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let abandoned = false;
    for (let c: i32 = 0; c < DIM; c += 32) {
      const o = <usize>c << 2;
      a0 = sqacc(a0, f32x4.sub(v128.load(q + o), v128.load(row + o)));
      a1 = sqacc(a1, f32x4.sub(v128.load(q + o + 16), v128.load(row + o + 16)));
      a2 = sqacc(a2, f32x4.sub(v128.load(q + o + 32), v128.load(row + o + 32)));
      a3 = sqacc(a3, f32x4.sub(v128.load(q + o + 48), v128.load(row + o + 48)));
      a0 = sqacc(a0, f32x4.sub(v128.load(q + o + 64), v128.load(row + o + 64)));
      a1 = sqacc(a1, f32x4.sub(v128.load(q + o + 80), v128.load(row + o + 80)));
      a2 = sqacc(a2, f32x4.sub(v128.load(q + o + 96), v128.load(row + o + 96)));
      a3 = sqacc(a3, f32x4.sub(v128.load(q + o + 112), v128.load(row + o + 112)));
      s = lanesum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
      if (s > limit) {
        abandoned = true;
        break;
      }
    }
    if (abandoned) continue;
    if (size < k) {
      store<f32>(heapD + (<usize>size << 2), s);
      store<i32>(heapI + (<usize>size << 2), r);
      siftUp(heapD, heapI, size);
      size++;
      if (size == k) limit = load<f32>(heapD) * slack + TINY;
    } else if (s < load<f32>(heapD)) {
      store<f32>(heapD, s);
      store<i32>(heapI, r);
      siftDown(heapD, heapI, size);
      limit = load<f32>(heapD) * slack + TINY;
    }
    if (!(s <= limit)) continue;
    if (count == cap) {
      let w: i32 = 0;
      for (let j: i32 = 0; j < count; j++) {
        const d = load<f32>(candD + (<usize>j << 2));
        if (d <= limit) {
          store<f32>(candD + (<usize>w << 2), d);
          store<i32>(candI + (<usize>w << 2), load<i32>(candI + (<usize>j << 2)));
          w++;
        }
      }
      count = w;
      if (count == cap) return false;
    }
    store<f32>(candD + (<usize>count << 2), s);
    store<i32>(candI + (<usize>count << 2), r);
    count++;
  }
  heapSize = size;
  candCount = count;
  lastLimit = limit;
  return true;
}
