/**
 * Unit tests of src/geometry/fhog-maps.ts without dlib: dlib's image_to_fhog / fhog_to_image
 * formulas and their inverse relation. Identity with dlib is in test/parity/fhog-parity.test.ts
 * (harness `rect-map`).
 */
import { describe, expect, it } from 'vitest';
import { fhogToImage, fhogToImageRect, imageToFhog, imageToFhogRect } from '../../src/geometry/index.js';

describe('image_to_fhog / fhog_to_image', () => {
  it('maps as dlib: (p - 1) / cell - 1 + (pad - 1) / 2, C++ integer division', () => {
    expect(imageToFhog([1, 1])).toEqual([-1, -1]);
    expect(imageToFhog([17, 9])).toEqual([1, 0]);
    expect(imageToFhog([-8, -1])).toEqual([-2, -1]); // -9/8 and -2/8 truncate to -1 and 0
    expect(imageToFhog([17, 17], { cellSize: 8, filterRowsPadding: 5, filterColsPadding: 3 })).toEqual([2, 3]);
  });

  it('fhog_to_image gives the cell centre; image_to_fhog inverts it on cells', () => {
    expect(fhogToImage([0, 0])).toEqual([13, 13]);
    expect(fhogToImage([-2, 0])).toEqual([-11, 13]);
    for (const opts of [{}, { cellSize: 4, filterRowsPadding: 3, filterColsPadding: 6 }]) {
      for (let x = 0; x < 20; x++) {
        for (let y = 0; y < 5; y++) expect(imageToFhog(fhogToImage([x, y], opts), opts)).toEqual([x, y]);
      }
    }
  });

  it('rectangle versions map both corners', () => {
    expect(imageToFhogRect([1, 1, 80, 80])).toEqual([-1, -1, 8, 8]);
    expect(fhogToImageRect([0, 0, 9, 9])).toEqual([13, 13, 85, 85]);
  });

  it('rejects a cell size or padding that is not an integer >= 1', () => {
    expect(() => imageToFhog([0, 0], { cellSize: 0 })).toThrow(RangeError);
    expect(() => fhogToImageRect([0, 0, 1, 1], { filterRowsPadding: 1.5 })).toThrow(RangeError);
  });
});
