/**
 * dlib's rectangles (dlib/geometry/rectangle.h and drectangle.h, dlib 19.24) as one type: a
 * `[left, top, right, bottom]` tuple with inclusive right and bottom, integer for dlib::rectangle
 * and double for dlib::drectangle (the detector builds and compares millions of them; a tuple is
 * what it runs fast with, and what the CLI's JSON prints).
 *
 * A rectangle is empty when right < left or bottom < top; dlib's default rectangle() is
 * [0, 0, -1, -1]. Width, height and area are 0 for an empty rectangle, else right - left + 1
 * etc. (the same formulas for drectangle). drectangle -> rectangle rounds each coordinate with
 * floor(v + 0.5) ({@link roundRect}); rectangle(p1, p2) is the bounding box of both points
 * ({@link rectFromCorners}).
 */
import type { Point } from './vector.js';

/** dlib::rectangle / dlib::drectangle: `[left, top, right, bottom]`, right and bottom inclusive. */
export type Rect = [left: number, top: number, right: number, bottom: number];

/** dlib's rectangle(): empty. Ensures: a new array each call. */
export function emptyRect(): Rect {
  return [0, 0, -1, -1];
}

/** rectangle::is_empty(): right < left or bottom < top. */
export function isEmptyRect(r: Readonly<Rect>): boolean {
  return r[2] < r[0] || r[3] < r[1];
}

/** rectangle::width(): 0 when empty, else right - left + 1. */
export function rectWidth(r: Readonly<Rect>): number {
  return isEmptyRect(r) ? 0 : r[2] - r[0] + 1;
}

/** rectangle::height(): 0 when empty, else bottom - top + 1. */
export function rectHeight(r: Readonly<Rect>): number {
  return isEmptyRect(r) ? 0 : r[3] - r[1] + 1;
}

/** rectangle::area(): width() * height(). */
export function rectArea(r: Readonly<Rect>): number {
  return rectWidth(r) * rectHeight(r);
}

/** rectangle::intersect(rect): the overlap of both (empty when they do not overlap). */
export function intersect(a: Readonly<Rect>, b: Readonly<Rect>): Rect {
  return [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
}

/**
 * rectangle::operator+(rect): the smallest rectangle holding both; an empty operand gives the
 * other one.
 */
export function rectUnion(a: Readonly<Rect>, b: Readonly<Rect>): Rect {
  if (isEmptyRect(b)) return [a[0], a[1], a[2], a[3]];
  if (isEmptyRect(a)) return [b[0], b[1], b[2], b[3]];
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

/**
 * centered_rect(point(x, y), width, height) for integer arguments: left = x - width/2 and
 * top = y - height/2 with C++ integer division, then width x height from there.
 */
export function centeredRect(x: number, y: number, width: number, height: number): Rect {
  const left = x - Math.trunc(width / 2);
  const top = y - Math.trunc(height / 2);
  return [left, top, left + width - 1, top + height - 1];
}

/** rectangle(p1, p2) / drectangle(p1, p2): the bounding box of the two corner points. */
export function rectFromCorners(a: Readonly<Point>, b: Readonly<Point>): Rect {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
}

/** drectangle -> rectangle (dlib's conversion): each coordinate to floor(v + 0.5). */
export function roundRect(r: Readonly<Rect>): Rect {
  return [Math.floor(r[0] + 0.5), Math.floor(r[1] + 0.5), Math.floor(r[2] + 0.5), Math.floor(r[3] + 0.5)];
}
