/**
 * Drawing on RGB images: lines and rectangle outlines, for annotated output (boxes and landmark
 * outlines). In the spirit of dlib's `draw_line` / `draw_rectangle`
 * (`dlib/image_transforms/draw.h`) and `render_face_detections`
 * (`dlib/image_processing/render_face_detections.h`); pixels are not meant to match dlib's
 * drawings bit for bit (dlib draws into a GUI overlay), only to show what was found.
 *
 * All functions draw in place, clip to the image and accept any coordinates (also far outside).
 */
import type { Point, Rect } from '../geometry/index.js';
import type { Rgb, RgbImage } from './pixels.js';
import { drawText, fillRect, textHeight, textWidth } from './font.js';

/** Sets pixel (x, y) when it is inside the image. */
function plot(img: RgbImage, x: number, y: number, c: Rgb): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const i = (y * img.width + x) * 3;
  img.data[i] = c[0];
  img.data[i + 1] = c[1];
  img.data[i + 2] = c[2];
}

/** A filled square of side `thickness` centred on (x, y) (the pen). */
function dab(img: RgbImage, x: number, y: number, c: Rgb, thickness: number): void {
  const lo = -((thickness - 1) >> 1);
  for (let dy = lo; dy < lo + thickness; dy++) for (let dx = lo; dx < lo + thickness; dx++) plot(img, x + dx, y + dy, c);
}

/** The part of segment (x0, y0)-(x1, y1) inside [xmin, xmax] x [ymin, ymax], or undefined. */
function clipSegment(x0: number, y0: number, x1: number, y1: number, xmin: number, ymin: number, xmax: number, ymax: number): [number, number, number, number] | undefined {
  const dx = x1 - x0;
  const dy = y1 - y0;
  let lo = 0;
  let hi = 1;
  for (const [p, q] of [[-dx, x0 - xmin], [dx, xmax - x0], [-dy, y0 - ymin], [dy, ymax - y0]] as const) {
    if (p === 0) {
      if (q < 0) return undefined;
    } else {
      const r = q / p;
      if (p < 0) lo = Math.max(lo, r);
      else hi = Math.min(hi, r);
    }
  }
  if (lo > hi) return undefined;
  return [x0 + lo * dx, y0 + lo * dy, x0 + hi * dx, y0 + hi * dy];
}

/**
 * Draws the segment from (x0, y0) to (x1, y1) (integer pixel centres, rounded if not) with a
 * square pen of `thickness` pixels.
 *
 * Requires: finite coordinates; thickness >= 1. Ensures: one pixel per step along the major
 * axis, end points included: at step k of n the point (x0 + (x1 - x0)k/n, y0 + (y1 - y0)k/n)
 * rounded (Math.round: halves up) — the digital line, ties broken one way whatever the
 * direction; each such pixel inside the image (widened by the pen) has colour `c`; nothing else
 * changes.
 */
export function drawLine(img: RgbImage, x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 1): void {
  const t = Math.max(1, Math.round(thickness));
  // Clip the segment (Liang-Barsky) to the image widened by the pen, so that a wild coordinate
  // costs nothing: only the visible part is walked.
  const m = t + 1;
  const clipped = clipSegment(x0, y0, x1, y1, -m, -m, img.width - 1 + m, img.height - 1 + m);
  if (!clipped) return;
  const xs = Math.round(clipped[0]);
  const ys = Math.round(clipped[1]);
  const dx = Math.round(clipped[2]) - xs;
  const dy = Math.round(clipped[3]) - ys;
  const n = Math.max(Math.abs(dx), Math.abs(dy), 1);
  for (let k = 0; k <= n; k++) dab(img, Math.round(xs + (dx * k) / n), Math.round(ys + (dy * k) / n), c, t);
}

/**
 * Draws the outline of dlib rectangle [left, top, right, bottom] (inclusive), `thickness` pixels
 * wide, growing inwards (as dlib's draw_rectangle with a thickness).
 */
export function drawRectangle(img: RgbImage, rect: Readonly<Rect>, c: Rgb, thickness = 1): void {
  const [l, t, r, b] = rect.map(Math.round) as Rect;
  const w = Math.max(1, Math.round(thickness));
  for (let k = 0; k < w; k++) {
    if (l + k > r - k || t + k > b - k) break;
    drawLine(img, l + k, t + k, r - k, t + k, c);
    drawLine(img, l + k, b - k, r - k, b - k, c);
    drawLine(img, l + k, t + k, l + k, b - k, c);
    drawLine(img, r - k, t + k, r - k, b - k, c);
  }
}

/**
 * The line segments dlib's `render_face_detections` draws for a face shape, as index pairs into
 * its parts: for 68 points the jaw, eyebrows, nose bridge and base, both eyes and both lips
 * (closed where dlib closes them); for 5 points the four segments joining the eye corners to the
 * nose tip. Any other number of points: none (the points are drawn on their own).
 */
export function faceShapeSegments(numParts: number): [number, number][] {
  const seg: [number, number][] = [];
  const chain = (from: number, to: number): void => {
    for (let i = from + 1; i <= to; i++) seg.push([i, i - 1]);
  };
  if (numParts === 5) return [[0, 1], [1, 4], [4, 3], [3, 2]];
  if (numParts !== 68) return seg;
  chain(0, 16); // jaw
  chain(27, 30); // nose bridge
  chain(17, 21); // eyebrows
  chain(22, 26);
  chain(30, 35); // nose base, closed back to 30
  seg.push([30, 35]);
  chain(36, 41); // eyes
  seg.push([36, 41]);
  chain(42, 47);
  seg.push([42, 47]);
  chain(48, 59); // outer lips
  seg.push([48, 59]);
  chain(60, 67); // inner lips
  seg.push([60, 67]);
  return seg;
}

/** What {@link annotateFaces} draws for one face. */
export interface FaceAnnotation {
  rect: Readonly<Rect>;
  /** Integer landmarks (68 or 5 points, or any other number: dots only). */
  landmarks?: readonly Readonly<Point>[];
  /** A name written above the box (below its top edge when there is no room), black on the box's green. */
  label?: string;
}

/**
 * Returns a copy of `img` with each face's box (green), its label if any, and, when present, its landmark outline
 * (dlib's render_face_detections segments, red) and points drawn, the pen scaled to the image
 * (1 pixel up to ~600 px on the short side, thicker above).
 */
export function annotateFaces(img: RgbImage, faces: readonly FaceAnnotation[]): RgbImage {
  const out: RgbImage = { width: img.width, height: img.height, data: new Uint8Array(img.data), channels: 3 };
  const pen = Math.max(1, Math.round(Math.min(img.width, img.height) / 600));
  const box: Rgb = [0, 255, 0];
  const shape: Rgb = [255, 0, 0];
  for (const f of faces) {
    drawRectangle(out, f.rect, box, pen + 1);
    if (f.label !== undefined && f.label !== '') {
      const scale = 2 * pen;
      const w = textWidth(f.label, scale) + 2 * scale;
      const h = textHeight(scale) + 2 * scale;
      const top = f.rect[1] - h >= 0 ? f.rect[1] - h : f.rect[1];
      fillRect(out, f.rect[0], top, f.rect[0] + w, top + h, box);
      drawText(out, f.label, f.rect[0] + scale, top + scale, [0, 0, 0], scale);
    }
    const pts = f.landmarks;
    if (!pts) continue;
    for (const [a, b] of faceShapeSegments(pts.length)) drawLine(out, pts[a]![0], pts[a]![1], pts[b]![0], pts[b]![1], shape, pen);
    for (const [x, y] of pts) drawLine(out, x, y, x, y, shape, pen + 1);
  }
  return out;
}
