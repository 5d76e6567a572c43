/**
 * The coordinate maps of dlib's `pyramid_down<N>` (dlib/image_transforms/image_pyramid.h, dlib
 * 19.24): where a point or rectangle of one pyramid level lies in the next smaller (`down`) or
 * larger (`up`) level, after any number of levels. All in double precision, as dlib's
 * dpoint/drectangle versions (integer rectangles are converted to drectangle first; convert the
 * results back with roundRect, as dlib's rectangle(drectangle) does). The HOG detector runs these
 * (rect_up of each window to the image, rect_down to count pyramid levels and to map upsampled
 * boxes back), and so do face chips (pyramid_down<2>::rect_down); the parity suite checks them
 * against dlib (test/parity/fhog-parity.test.ts, harness `rect-map`).
 *
 * N = 1 (`pyramid_disable`): every level maps to (0, 0). N = 2 and N = 3 use dlib's dedicated
 * formulas; N >= 4 the general ones: down p -> (p - 0.3)*(N-1)/N, up p -> p*N/(N-1) + 0.3.
 */
import { rectFromCorners, type Rect } from './rectangle.js';
import type { Point } from './vector.js';

/** dlib's `pyramid_down<N>`'s coordinate maps. */
export class PyramidDown {
  readonly n: number;

  /** Requires: n an integer >= 1 (else RangeError). */
  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`pyramid_down<N> needs an integer N >= 1, got ${n}`);
    this.n = n;
  }

  /** dlib's pyramid_rate: (N-1)/N. */
  get rate(): number {
    return (this.n - 1) / this.n;
  }

  private down1(x: number, y: number): Point {
    const n = this.n;
    if (n === 1) return [0, 0];
    if (n === 2) return [x / 2.0 - 1.25, y / 2.0 - 0.75];
    if (n === 3) {
      const ratio = 2.0 / 3.0;
      return [x * ratio - 1, y * ratio - 1];
    }
    const ratio = (n - 1.0) / n;
    return [(x - 0.3) * ratio, (y - 0.3) * ratio];
  }

  private up1(x: number, y: number): Point {
    const n = this.n;
    if (n === 1) return [0, 0];
    if (n === 2) return [(x + 1.25) * 2, (y + 0.75) * 2];
    if (n === 3) {
      const ratio = 3.0 / 2.0;
      return [x * ratio + ratio, y * ratio + ratio];
    }
    const ratio = n / (n - 1.0);
    return [x * ratio + 0.3, y * ratio + 0.3];
  }

  /** `point_down(p, levels)`. Ensures: a new point; `p` with levels 0. */
  pointDown(p: Readonly<Point>, levels = 1): Point {
    if (this.n === 1) return levels === 0 ? [p[0], p[1]] : [0, 0];
    let t: Point = [p[0], p[1]];
    for (let i = 0; i < levels; i++) t = this.down1(t[0], t[1]);
    return t;
  }

  /** `point_up(p, levels)`. Ensures: a new point; `p` with levels 0. */
  pointUp(p: Readonly<Point>, levels = 1): Point {
    if (this.n === 1) return levels === 0 ? [p[0], p[1]] : [0, 0];
    let t: Point = [p[0], p[1]];
    for (let i = 0; i < levels; i++) t = this.up1(t[0], t[1]);
    return t;
  }

  /** `rect_down(rect, levels)`: both corners mapped with pointDown, as a drectangle. */
  rectDown(r: Readonly<Rect>, levels = 1): Rect {
    return rectFromCorners(this.pointDown([r[0], r[1]], levels), this.pointDown([r[2], r[3]], levels));
  }

  /** `rect_up(rect, levels)`: both corners mapped with pointUp, as a drectangle. */
  rectUp(r: Readonly<Rect>, levels = 1): Rect {
    return rectFromCorners(this.pointUp([r[0], r[1]], levels), this.pointUp([r[2], r[3]], levels));
  }
}
