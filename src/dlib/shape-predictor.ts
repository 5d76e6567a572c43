/**
 * dlib's `shape_predictor` file (e.g. shape_predictor_68_face_landmarks.dat).
 *
 * Mirrors the serialize/deserialize functions of `dlib/image_processing/shape_predictor.h`
 * (shape_predictor version 1, impl::regression_tree, impl::split_feature).
 *
 * Layout:
 *
 *     int version (1)
 *     matrix<float,0,1> initial_shape                       (x0, y0, x1, y1, ...)
 *     vector<vector<regression_tree>> forests               (one forest per cascade)
 *       regression_tree: vector<split_feature> splits        (idx1, idx2: unsigned long;
 *                                                             thresh: float)
 *                        vector<matrix<float,0,1>> leaf_values
 *     vector<vector<unsigned long>> anchor_idx              (per cascade, per feature pixel)
 *     vector<vector<vector<float,2>>> deltas                (per cascade, per feature pixel)
 *
 * Trees are complete binary trees stored breadth-first: node i's children are 2i+1 and 2i+2;
 * with S splits there are S+1 leaves. Leaf values are stored here flattened in one
 * Float32Array per tree (leaf j's vector at [j*leafSize, (j+1)*leafSize)).
 */
import { DlibReader, DlibWriter } from './serialize.js';

/** One regression tree of the cascade. */
export interface RegressionTree {
  /** split_feature.idx1 for each split node (indexes of feature pixels). */
  splitIdx1: Uint32Array;
  /** split_feature.idx2. */
  splitIdx2: Uint32Array;
  /** split_feature.thresh (go left when pixel[idx1] - pixel[idx2] > thresh). */
  splitThresh: Float32Array;
  /** Number of leaves (leaf_values.size()). */
  numLeaves: number;
  /** Length of each leaf vector (2 * number of landmarks). */
  leafSize: number;
  /** All leaf vectors, leaf-major: numLeaves * leafSize floats. */
  leafValues: Float32Array;
}

/** A `shape_predictor` model. */
export interface ShapePredictor {
  version: 1;
  /** The mean shape in normalized coordinates: x0, y0, x1, y1, ... (2 * numParts floats). */
  initialShape: Float32Array;
  /** forests[c][t]: tree t of cascade c. */
  forests: RegressionTree[][];
  /** anchor_idx[c][p]: the landmark that feature pixel p of cascade c is anchored to. */
  anchorIdx: Uint32Array[];
  /** deltas[c]: per feature pixel, the (x, y) offset from its anchor landmark (2 floats each). */
  deltas: Float32Array[];
}

/** Number of landmarks (parts) the predictor outputs. */
export function numParts(sp: ShapePredictor): number {
  return sp.initialShape.length / 2;
}

function readU32Index(r: DlibReader, what: string): number {
  const at = r.offset;
  const v = r.readInt('unsigned long', what);
  if (v > 0xffffffff) r.fail(`${what} below 2^32`, `${v}`, at);
  return v;
}

function readTree(r: DlibReader, c: number, t: number): RegressionTree {
  const label = `forests[${c}][${t}]`;
  // split_feature is at least 2+2+4 bytes; a leaf vector at least 4 bytes of header.
  const nSplits = r.readCount(`${label} splits size`, 8);
  const splitIdx1 = new Uint32Array(nSplits);
  const splitIdx2 = new Uint32Array(nSplits);
  const splitThresh = new Float32Array(nSplits);
  for (let i = 0; i < nSplits; i++) {
    splitIdx1[i] = readU32Index(r, `${label} split ${i} idx1`);
    splitIdx2[i] = readU32Index(r, `${label} split ${i} idx2`);
    splitThresh[i] = r.readFloat(`${label} split ${i} thresh`);
  }
  const nLeaves = r.readCount(`${label} leaf_values size`, 4);
  let leafSize = -1;
  let leafValues = new Float32Array(0);
  for (let j = 0; j < nLeaves; j++) {
    const at = r.offset;
    const { nr, nc } = r.readMatrixHeader(`${label} leaf ${j} (matrix<float,0,1>)`, 0, 1);
    const n = nr * nc;
    if (leafSize < 0) {
      leafSize = n;
      if (n * nLeaves * 4 > r.remaining) {
        r.fail(`${label}: ${nLeaves} leaves of ${n} floats`, `file ends at ${r.bytes.length}`, at);
      }
      leafValues = new Float32Array(n * nLeaves);
    } else if (n !== leafSize) {
      r.fail(`${label} leaf ${j} with ${leafSize} values like leaf 0`, `${n}`, at);
    }
    r.readFloatsInto(leafValues, j * leafSize, n, `${label} leaf ${j} value`);
  }
  return { splitIdx1, splitIdx2, splitThresh, numLeaves: nLeaves, leafSize: Math.max(leafSize, 0), leafValues };
}

/**
 * Reads a shape_predictor file. The 99.7 MB 68-point model (about 16 million floats) takes
 * well under a second or two.
 */
export function readShapePredictor(bytes: Uint8Array, file?: string): ShapePredictor {
  const r = new DlibReader(bytes, file);
  const sp = r.within('shape_predictor', (): ShapePredictor => {
    r.readVersion([1], 'shape_predictor');
    const initialShape = r.readFloatMatrix('initial_shape (matrix<float,0,1>)', 0, 1).data;
    const nCascades = r.readCount('forests size', 1);
    const forests: RegressionTree[][] = [];
    for (let c = 0; c < nCascades; c++) {
      const nTrees = r.readCount(`forests[${c}] size`, 2);
      const trees: RegressionTree[] = new Array<RegressionTree>(nTrees);
      for (let t = 0; t < nTrees; t++) trees[t] = readTree(r, c, t);
      forests.push(trees);
    }
    const nAnchor = r.readCount('anchor_idx size', 1);
    const anchorIdx: Uint32Array[] = [];
    for (let c = 0; c < nAnchor; c++) {
      const n = r.readCount(`anchor_idx[${c}] size`, 2);
      const a = new Uint32Array(n);
      for (let i = 0; i < n; i++) a[i] = readU32Index(r, `anchor_idx[${c}][${i}]`);
      anchorIdx.push(a);
    }
    const nDeltas = r.readCount('deltas size', 1);
    const deltas: Float32Array[] = [];
    for (let c = 0; c < nDeltas; c++) {
      const n = r.readCount(`deltas[${c}] size`, 8);
      const d = new Float32Array(2 * n);
      r.readFloatsInto(d, 0, 2 * n, `deltas[${c}] value`);
      deltas.push(d);
    }
    return { version: 1, initialShape, forests, anchorIdx, deltas };
  });
  r.expectEnd('end of file after the shape_predictor');
  return sp;
}

/** Serializes a shape_predictor exactly as dlib does. */
export function writeShapePredictor(sp: ShapePredictor): Uint8Array {
  let estimate = 1024;
  for (const f of sp.forests) for (const t of f) estimate += t.leafValues.length * 6 + t.splitThresh.length * 12 + t.numLeaves * 8;
  const w = new DlibWriter(estimate);
  w.writeI32(sp.version);
  w.writeMatrixHeader(sp.initialShape.length, 1);
  w.writeFloats(sp.initialShape);
  w.writeULong(sp.forests.length);
  for (const forest of sp.forests) {
    w.writeULong(forest.length);
    for (const t of forest) {
      const n = t.splitThresh.length;
      w.writeULong(n);
      for (let i = 0; i < n; i++) {
        w.writeULong(t.splitIdx1[i]);
        w.writeULong(t.splitIdx2[i]);
        w.writeFloat(t.splitThresh[i]);
      }
      w.writeULong(t.numLeaves);
      for (let j = 0; j < t.numLeaves; j++) {
        w.writeMatrixHeader(t.leafSize, 1);
        w.writeFloats(t.leafValues, j * t.leafSize, t.leafSize);
      }
    }
  }
  w.writeULong(sp.anchorIdx.length);
  for (const a of sp.anchorIdx) {
    w.writeULong(a.length);
    for (let i = 0; i < a.length; i++) w.writeULong(a[i]);
  }
  w.writeULong(sp.deltas.length);
  for (const d of sp.deltas) {
    w.writeULong(d.length / 2);
    w.writeFloats(d);
  }
  return w.toBytes();
}
