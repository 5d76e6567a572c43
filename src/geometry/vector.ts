/**
 * dlib's 2-D points (dlib/geometry/vector.h, dlib 19.24): `point` (vector<long,2>), `dpoint`
 * (vector<double,2>) and vector<float,2> are all one type here, an `[x, y]` pair of numbers.
 * dlib converts a point's coordinates to double before any arithmetic, so holding the exact
 * values as JavaScript numbers loses nothing; the conversions that round (dpoint -> point) are
 * the callers' (dlib rounds with floor(v + 0.5): see roundRect in rectangle.ts).
 */

/** dlib::point / dlib::dpoint: `[x, y]`. */
export type Point = [x: number, y: number];
