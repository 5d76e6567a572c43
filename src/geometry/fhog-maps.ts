/**
 * dlib's maps between image pixels and fHOG cells, `image_to_fhog` and `fhog_to_image`
 * (dlib/image_transforms/fhog.h, dlib 19.24), for points and rectangles. The HOG detector runs
 * these (fhog_to_image of each window above threshold; image_to_fhog for the window size in
 * cells) and the parity suite checks them against dlib (test/parity/fhog-parity.test.ts, harness
 * `rect-map`).
 *
 * Integer arithmetic as dlib's, with C++ integer division (truncation toward zero):
 * image_to_fhog(p) = (p - (1,1)) / cell_size - (1,1) + ((pc-1)/2, (pr-1)/2);
 * fhog_to_image(p): p' = (p + (1,1) - ((pc-1)/2, (pr-1)/2)) * cell_size + (1,1), then
 * + (±cell_size/2, ±cell_size/2) with the sign of each coordinate of p' (dlib's four cases).
 * Rectangles map both corners and take their bounding box (dlib's rectangle(p1, p2)).
 */
import { rectFromCorners, type Rect } from './rectangle.js';
import type { Point } from './vector.js';

/** The cell size and filter padding of an fHOG map (dlib's defaults 8, 1, 1). */
export interface FhogMapOptions {
  /** Cell size in pixels (dlib's default 8). Integer >= 1. */
  cellSize?: number;
  /** dlib's filter_rows_padding (default 1). Integer >= 1. */
  filterRowsPadding?: number;
  /** dlib's filter_cols_padding (default 1). Integer >= 1. */
  filterColsPadding?: number;
}

/** C++ integer division (truncates toward zero). */
const idiv = (a: number, b: number): number => Math.trunc(a / b);

function checkInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be an integer >= 1, got ${v}`);
}

/**
 * [cellSize, filterRowsPadding, filterColsPadding] of `o` with dlib's defaults (8, 1, 1).
 * Requires: each an integer >= 1 (else a RangeError naming it).
 */
export function fhogGrid(o: FhogMapOptions): [cellSize: number, rowsPadding: number, colsPadding: number] {
  const cs = o.cellSize ?? 8;
  const pr = o.filterRowsPadding ?? 1;
  const pc = o.filterColsPadding ?? 1;
  checkInt('cellSize', cs);
  checkInt('filterRowsPadding', pr);
  checkInt('filterColsPadding', pc);
  return [cs, pr, pc];
}

/**
 * `image_to_fhog(point)`: the fHOG cell of an (integer) image pixel.
 * Requires: integer options >= 1 (else RangeError). Ensures: a new point.
 */
export function imageToFhog(p: Readonly<Point>, opts: FhogMapOptions = {}): Point {
  const [cs, pr, pc] = fhogGrid(opts);
  return [idiv(p[0] - 1, cs) - 1 + idiv(pc - 1, 2), idiv(p[1] - 1, cs) - 1 + idiv(pr - 1, 2)];
}

/**
 * `fhog_to_image(point)`: the image pixel at the centre of an fHOG cell.
 * Requires: integer options >= 1 (else RangeError). Ensures: a new point.
 */
export function fhogToImage(p: Readonly<Point>, opts: FhogMapOptions = {}): Point {
  const [cs, pr, pc] = fhogGrid(opts);
  const x = (p[0] + 1 - idiv(pc - 1, 2)) * cs + 1;
  const y = (p[1] + 1 - idiv(pr - 1, 2)) * cs + 1;
  const h = idiv(cs, 2);
  return [x + (x >= 0 ? h : -h), y + (y >= 0 ? h : -h)];
}

/** `image_to_fhog(rectangle)`: both corners mapped, their bounding box. */
export function imageToFhogRect(r: Readonly<Rect>, opts: FhogMapOptions = {}): Rect {
  return rectFromCorners(imageToFhog([r[0], r[1]], opts), imageToFhog([r[2], r[3]], opts));
}

/** `fhog_to_image(rectangle)`: both corners mapped, their bounding box. */
export function fhogToImageRect(r: Readonly<Rect>, opts: FhogMapOptions = {}): Rect {
  return rectFromCorners(fhogToImage([r[0], r[1]], opts), fhogToImage([r[2], r[3]], opts));
}
