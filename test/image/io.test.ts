import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ImageError } from '../../src/errors.js';
import {
  decodeImage, encodePng, grayToRgb, readImage, readImageSync, rgbToGray, writePng, type GrayImage, type RgbImage,
} from '../../src/image/index.js';
import { fsErrorToImageError } from '../../src/image/io.js';
import { encodeJpeg, exifOrientationSegment, insertAfterSoi, quadrants, readIhdr } from './helpers.js';

let dir: string;
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemetric-image-')); });
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i % 3) * 50) & 255;
  return { width, height, data, channels: 3 };
}

/** Files in `dir` other than the ones named: leftovers such as temporary files. */
function others(...names: string[]): string[] {
  return fs.readdirSync(dir).filter((f) => !names.includes(f));
}

describe('encodePng', () => {
  test('RGB round trip is exact', () => {
    const img = gradient(37, 23);
    const png = encodePng(img);
    expect(readIhdr(png)).toEqual({ width: 37, height: 23, bitDepth: 8, colorType: 2, interlace: 0 });
    expect(decodeImage(png)).toEqual(img);
  });

  test.each([0, 1, 2, 3, 4] as const)('filterType %i: still an exact round trip', (filterType) => {
    const img = gradient(37, 23);
    expect(decodeImage(encodePng(img, { filterType }))).toEqual(img);
  });

  test('grey round trip is exact (decoded as r = g = b)', () => {
    const grey: GrayImage = { width: 16, height: 16, data: Uint8Array.from({ length: 256 }, (_, i) => i), channels: 1 };
    const png = encodePng(grey);
    expect(readIhdr(png)).toMatchObject({ bitDepth: 8, colorType: 0 });
    const back = decodeImage(png);
    expect(back).toEqual(grayToRgb(grey));
    expect(rgbToGray(back)).toEqual(grey);
  });

  test('a 1x1 image is encoded as grey (1 byte) or RGB (3 bytes) by its data length', () => {
    expect(readIhdr(encodePng({ width: 1, height: 1, data: Uint8Array.of(9) })).colorType).toBe(0);
    expect(readIhdr(encodePng({ width: 1, height: 1, data: Uint8Array.of(9, 8, 7) })).colorType).toBe(2);
  });

  test('works on a view into a larger buffer', () => {
    const backing = new Uint8Array(100).map((_, i) => i);
    const img = { width: 2, height: 2, data: backing.subarray(10, 22) };
    expect(Array.from(decodeImage(encodePng(img)).data)).toEqual(Array.from(backing.subarray(10, 22)));
  });

  test('rejects malformed images', () => {
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8Array(5) })).toThrow(RangeError);
    expect(() => encodePng({ width: 0, height: 0, data: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => encodePng({ width: 1.5, height: 2, data: new Uint8Array(3) })).toThrow(RangeError);
  });
});

describe('readImage / readImageSync', () => {
  test('read PNG and JPEG files, naming errors after the path', async () => {
    const img = gradient(10, 6);
    const pngPath = path.join(dir, 'read.png');
    fs.writeFileSync(pngPath, encodePng(img));
    expect(await readImage(pngPath)).toEqual(img);
    expect(readImageSync(pngPath)).toEqual(img);

    const jpgPath = path.join(dir, 'rotated.jpg');
    const jpeg = encodeJpeg(32, 16, quadrants(32, 16, [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0]]));
    fs.writeFileSync(jpgPath, insertAfterSoi(jpeg, exifOrientationSegment(6)));
    expect([(await readImage(jpgPath)).width, readImageSync(jpgPath).height]).toEqual([16, 32]);
    expect((await readImage(jpgPath, { applyExifOrientation: false })).width).toBe(32);

    const bad = path.join(dir, 'bad.png');
    fs.writeFileSync(bad, 'hello');
    await expect(readImage(bad)).rejects.toThrow(`${bad}: not an image (looks like a text file); facemetric reads JPEG and PNG`);
    expect(() => readImageSync(bad, { file: 'shown-name.png' }))
      .toThrow('shown-name.png: not an image (looks like a text file); facemetric reads JPEG and PNG');
    await expect(readImage(pngPath, { maxPixels: 10 })).rejects.toThrow(`${pngPath}: image is 10x6 = 60 pixels, over the limit of 10`);
  });

  test('empty file', async () => {
    const p = path.join(dir, 'empty.jpg');
    fs.writeFileSync(p, '');
    await expect(readImage(p)).rejects.toThrow(new ImageError('empty file (0 bytes)', { file: p }));
    expect(() => readImageSync(p)).toThrow(`${p}: empty file (0 bytes)`);
  });

  test('missing file', async () => {
    const p = path.join(dir, 'nope.jpg');
    await expect(readImage(p)).rejects.toThrow(new ImageError('no such file', { file: p }));
    expect(() => readImageSync(p)).toThrow(`${p}: no such file`);
    const under = path.join(dir, 'nodir', 'x.png');
    await expect(readImage(under)).rejects.toThrow(`${under}: no such file`);
  });

  test('a directory', async () => {
    await expect(readImage(dir)).rejects.toThrow(new ImageError('is a directory, not an image file', { file: dir }));
    expect(() => readImageSync(dir)).toThrow(`${dir}: is a directory, not an image file`);
  });

  test('a path through a file', async () => {
    const f = path.join(dir, 'plain.txt');
    fs.writeFileSync(f, 'x');
    const p = path.join(f, 'x.png');
    await expect(readImage(p)).rejects.toThrow(`${p}: no such file (a parent in its path is not a directory)`);
  });

  test('not a regular file', async () => {
    if (!fs.existsSync('/dev/null')) return;
    await expect(readImage('/dev/null')).rejects.toThrow('/dev/null: is not a regular file');
    expect(() => readImageSync('/dev/null')).toThrow('/dev/null: is not a regular file');
  });

  test.skipIf(process.platform === 'win32' || process.getuid?.() === 0)('permission denied (real file)', async () => {
    const p = path.join(dir, 'secret.png');
    fs.writeFileSync(p, encodePng(gradient(2, 2)));
    fs.chmodSync(p, 0o000);
    try {
      await expect(readImage(p)).rejects.toThrow(`${p}: cannot read: permission denied`);
      expect(() => readImageSync(p)).toThrow(`${p}: cannot read: permission denied`);
    } finally {
      fs.chmodSync(p, 0o600);
    }
  });

  test('file-system error codes map to one-line messages', () => {
    const cases: Array<[string, 'read' | 'write', string]> = [
      ['ENOENT', 'read', 'f.png: no such file'],
      ['EISDIR', 'read', 'f.png: is a directory, not an image file'],
      ['EACCES', 'read', 'f.png: cannot read: permission denied'],
      ['EPERM', 'read', 'f.png: cannot read: permission denied'],
      ['EACCES', 'write', 'f.png: cannot write: permission denied'],
      ['ENOENT', 'write', 'f.png: cannot write: directory . does not exist'],
      ['ENOSPC', 'write', 'f.png: cannot write: no space left on device'],
      ['EROFS', 'write', 'f.png: cannot write: read-only file system'],
      ['EWEIRD', 'read', 'f.png: cannot read: EWEIRD: something odd'],
    ];
    for (const [code, action, message] of cases) {
      const cause = Object.assign(new Error('something odd\nsecond line'), { code });
      const err = fsErrorToImageError(cause, 'f.png', action);
      expect(err).toBeInstanceOf(ImageError);
      expect(err.message).toBe(message);
      expect(err.cause).toBe(cause);
    }
  });
});

describe('writePng', () => {
  test('writes a PNG that reads back identically, leaving no temporary file', async () => {
    const img = gradient(20, 10);
    const p = path.join(dir, 'out.png');
    await writePng(p, img);
    expect(readImageSync(p)).toEqual(img);
    expect(others('out.png').filter((f) => f.startsWith('.out.png'))).toEqual([]);
  });

  test('refuses to overwrite an existing file, which stays untouched', async () => {
    const p = path.join(dir, 'precious.png');
    fs.writeFileSync(p, 'the user\'s data');
    const before = others();
    await expect(writePng(p, gradient(4, 4))).rejects.toThrow(
      new ImageError('already exists (refusing to overwrite it; pass overwrite: true, or --force on the command line, to replace it)', { file: p }));
    await expect(writePng(p, gradient(4, 4), { overwrite: false })).rejects.toThrow(`${p}: already exists`);
    expect(fs.readFileSync(p, 'utf8')).toBe('the user\'s data');
    expect(others()).toEqual(before);
  });

  test('refuses to overwrite a directory or a symlink', async () => {
    const sub = path.join(dir, 'subdir.png');
    fs.mkdirSync(sub);
    await expect(writePng(sub, gradient(2, 2))).rejects.toThrow(`${sub}: already exists`);
    const link = path.join(dir, 'link.png');
    fs.symlinkSync(path.join(dir, 'missing-target'), link);
    await expect(writePng(link, gradient(2, 2))).rejects.toThrow(`${link}: already exists`);
    expect(fs.existsSync(path.join(dir, 'missing-target'))).toBe(false);
  });

  test('overwrite: true replaces the file atomically', async () => {
    const p = path.join(dir, 'replace.png');
    fs.writeFileSync(p, 'old');
    const img = gradient(3, 3);
    await writePng(p, img, { overwrite: true });
    expect(readImageSync(p)).toEqual(img);
    expect(others().filter((f) => f.startsWith('.replace.png'))).toEqual([]);
  });

  test('overwrite: true onto a directory fails and leaves nothing behind', async () => {
    const sub = path.join(dir, 'adir.png');
    fs.mkdirSync(sub);
    const before = others();
    await expect(writePng(sub, gradient(2, 2), { overwrite: true })).rejects.toThrow(new RegExp(`^${sub.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot write: `));
    expect(others()).toEqual(before);
  });

  test('a missing directory is a clear error', async () => {
    const p = path.join(dir, 'no', 'such', 'dir', 'x.png');
    await expect(writePng(p, gradient(2, 2))).rejects.toThrow(`${p}: cannot write: directory ${path.dirname(p)} does not exist`);
  });

  test('a malformed image fails before any file is touched', async () => {
    const p = path.join(dir, 'never.png');
    await expect(writePng(p, { width: 2, height: 2, data: new Uint8Array(7) })).rejects.toThrow(RangeError);
    expect(fs.existsSync(p)).toBe(false);
  });

  test('concurrent writers to one path: exactly one wins, the others get "already exists"', async () => {
    const p = path.join(dir, 'race.png');
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => writePng(p, gradient(4 + i, 4))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(String(r.reason)).toContain(`${p}: already exists`);
    }
    expect(readImageSync(p).height).toBe(4);
    expect(others().filter((f) => f.startsWith('.race.png'))).toEqual([]);
  });
});
