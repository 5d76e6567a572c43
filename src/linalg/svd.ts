/**
 * dlib 19.24's `svd(m, u, w, v)` for small fixed-size double matrices (dlib/matrix/matrix_la.h),
 * the SVD that face chips and the shape predictor need (through find_similarity_transform,
 * src/geometry/point-transforms.ts).
 *
 * Which algorithm dlib really runs: `svd` calls `svd3`, which sends only matrices with
 * `NR*NC == 0 || NR*NC > 9` straight to LAPACK; smaller fixed-size matrices go to dlib's `svd4`.
 * But `svd4` itself is two algorithms under one name: when dlib is configured with LAPACK
 * (`DLIB_USE_LAPACK`, which Debian's libdlib-dev defines in dlib/config.h, as do most builds) its
 * body is a call to LAPACK's `dgesvd` (jobs 'S' and 'A', on the row-major data, i.e. on the
 * transpose); only without LAPACK does it run the EISPACK-style Golub-Reinsch code. One file each:
 *
 *  - src/linalg/svd-lapack.ts, {@link svdLapack2x2}: LAPACK 3.11's `dgesvd` as it runs for a 2x2
 *    matrix, what the linked dlib computes for `matrix<double,2,2>`;
 *  - src/linalg/svd4.ts, {@link svd3NoLapack}: dlib's own non-LAPACK `svd4`/`svd3`, general m x n.
 *
 * {@link svd} picks like dlib does (LAPACK by default). Matrices are row-major
 * `{ rows, cols, data }` (src/linalg/matrix.ts).
 */
import type { Mat, Svd } from './matrix.js';
import { svdLapack2x2 } from './svd-lapack.js';
import { svd3NoLapack } from './svd4.js';

/**
 * dlib's `svd(m, u, w, v)` for a small fixed-size double matrix (NR*NC <= 9), with `w` returned
 * as the vector W (dlib's `w` is `diagm(W)`; see diagm in src/linalg/matrix.ts). With `lapack: true` (the
 * default, as the linked dlib is built) this is {@link svdLapack2x2} and is ported for 2x2 only;
 * with `lapack: false` it is dlib's own svd4 path ({@link svd3NoLapack}) for any size.
 */
export function svd(a: Mat, options: { lapack?: boolean } = {}): Svd {
  if (options.lapack ?? true) return svdLapack2x2(a);
  return svd3NoLapack(a);
}
