/**
 * Unit tests of src/geometry/pyramid-maps.ts and rectangle.ts without dlib: pyramid_down<N>'s
 * coordinate maps' algebra and dlib's rectangle helpers. Identity with dlib is in
 * test/parity/fhog-parity.test.ts (harness `rect-map`).
 */
import { describe, expect, it } from 'vitest';
import {
  centeredRect, emptyRect, intersect, isEmptyRect, PyramidDown, rectArea, rectFromCorners, rectHeight, rectUnion,
  rectWidth, roundRect,
} from '../../src/geometry/index.js';

describe('PyramidDown coordinate maps', () => {
  const close = (a: number, b: number): void => expect(Math.abs(a - b)).toBeLessThan(1e-9);

  it('N >= 4: down (p - 0.3)*(N-1)/N, up p*N/(N-1) + 0.3, inverse of each other', () => {
    const p = new PyramidDown(6);
    expect(p.rate).toBeCloseTo(5 / 6, 15);
    expect(p.pointDown([100, 10])).toEqual([(100 - 0.3) * (5 / 6), (10 - 0.3) * (5 / 6)]);
    for (const levels of [0, 1, 2, 5]) {
      const q = p.pointUp(p.pointDown([123.5, -7], levels), levels);
      close(q[0], 123.5);
      close(q[1], -7);
    }
  });

  it('N = 2 and 3 use dlib\'s dedicated formulas; N = 1 maps everything to 0 except 0 levels', () => {
    const two = new PyramidDown(2);
    expect(two.pointDown([10, 10])).toEqual([3.75, 4.25]);
    expect(two.pointUp([3.75, 4.25])).toEqual([10, 10]);
    const three = new PyramidDown(3);
    close(three.pointDown([9, 3])[0], 5);
    close(three.pointUp(three.pointDown([9, 3]))[1], 3);
    const one = new PyramidDown(1);
    expect(one.pointDown([5, 6], 0)).toEqual([5, 6]);
    expect(one.pointDown([5, 6], 2)).toEqual([0, 0]);
    expect(() => new PyramidDown(0)).toThrow(RangeError);
  });

  it('rect maps map both corners; roundRect is dlib\'s floor(v + 0.5)', () => {
    const two = new PyramidDown(2);
    // what run_detector_with_upscale does to a box found on a 1x upsampled image
    const r = roundRect(two.rectDown([100, 60, 179, 139], 1));
    expect(r).toEqual([49, 29, 88, 69]);
    expect(roundRect([-0.5, 0.5, 1.49, -1.5])).toEqual([0, 1, 1, -1]);
  });
});

describe('rectangles', () => {
  it('width, height and area are 0 for an empty rectangle, else inclusive', () => {
    expect(isEmptyRect(emptyRect())).toBe(true);
    expect([rectWidth(emptyRect()), rectHeight(emptyRect()), rectArea(emptyRect())]).toEqual([0, 0, 0]);
    expect([rectWidth([2, 3, 5, 9]), rectHeight([2, 3, 5, 9]), rectArea([2, 3, 5, 9])]).toEqual([4, 7, 28]);
    expect(rectArea([5, 0, 4, 10])).toBe(0);
    expect(rectArea([0.5, 0.5, 1.5, 2])).toBe(2 * 2.5); // drectangle: the same formulas in double
  });

  it('intersect, union (operator+), centered_rect and rectangle(p1, p2) as dlib', () => {
    expect(intersect([0, 0, 10, 10], [5, -3, 20, 4])).toEqual([5, 0, 10, 4]);
    expect(isEmptyRect(intersect([0, 0, 1, 1], [3, 3, 4, 4]))).toBe(true);
    expect(rectUnion([0, 0, 10, 10], [5, -3, 20, 4])).toEqual([0, -3, 20, 10]);
    expect(rectUnion(emptyRect(), [5, 6, 7, 8])).toEqual([5, 6, 7, 8]);
    expect(rectUnion([5, 6, 7, 8], emptyRect())).toEqual([5, 6, 7, 8]);
    expect(centeredRect(0, 0, 80, 80)).toEqual([-40, -40, 39, 39]);
    expect(centeredRect(-3, 5, 7, 4)).toEqual([-6, 3, 0, 6]);
    expect(rectFromCorners([4, -1], [2, 7])).toEqual([2, -1, 4, 7]);
  });
});
