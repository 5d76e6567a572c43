/**
 * The training data path of dlib's examples/dnn_metric_learning_on_images_ex.cpp (dlib 19.24):
 * `load_objects_list(dir)` (one list of image files per person folder) and
 * `load_mini_batch(num_people, samples_per_id, rnd, objs, images, labels)`, with the same draws
 * from the same {@link DlibRand} in the same order, so that a seeded generator gives dlib's very
 * mini-batches: the same people, files, labels and (through disturbColors and jitterImage, both
 * bit-identical to dlib's) the same pixels (test/parity/sampler-parity.test.ts).
 *
 * Order of the folders and files: dlib's `directory::get_dirs()` / `get_files()` return
 * readdir's order, which the file system decides (and which differs between machines). Here
 * both are sorted by name with a plain comparison of UTF-16 code units (JavaScript's `<`), and
 * the harness port sorts std::strings (UTF-8 bytes) the same way; the two orders agree except
 * between a character above U+FFFF and one in U+E000..U+FFFF, which sort the other way round.
 *
 * Paths are built as dlib's `file::full_name()` is: the data folder's realpath, then
 * `/<sub-folder>/<file>` as listed (sub-folders and files are not resolved further).
 *
 * The example leaves the mini-batch's consistency to assertions (DLIB_CASSERT); here those are
 * one-line FacemetricErrors: more people asked for than the data holds (naming both numbers),
 * and images of different sizes (naming the two files). The size check is made on the loaded
 * images, before the augmentation (which keeps sizes) draws anything; together with it, a
 * non-square image is refused there too, where dlib would fail later in jitter_image (which it
 * only calls for about 90% of the images).
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FacemetricError } from '../errors.js';
import { disturbColors } from '../image/disturb-colors.js';
import { readImageSync } from '../image/io.js';
import { jitterImage } from '../image/jitter.js';
import { channelsOf, type RgbImage } from '../image/pixels.js';
import type { DlibRand } from '../rand/dlib-rand.js';

/** What `load_objects_list` returns: for each person, the paths of that person's files. */
export type ObjectsList = string[][];

/** One mini-batch of `load_mini_batch`, with the file each image came from. */
export interface MiniBatch {
  /** numPeople * samplesPerId images (RGB, all the same size), colour-disturbed and mostly jittered. */
  images: RgbImage[];
  /** For each image, its person's index in the objects list (the example's `labels`). */
  labels: number[];
  /** For each image, the path it was loaded from (an entry of the objects list). */
  paths: string[];
}

/** A loader of one image file, as dlib's `load_image(image, path)` into a `matrix<rgb_pixel>`. */
export type LoadImage = (path: string) => RgbImage;

/** Plain comparison of UTF-16 code units (see the module comment). */
export const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function fsMessage(e: unknown): string {
  const code = (e as { code?: string } | null)?.code;
  switch (code) {
    case 'ENOENT': return 'no such folder';
    case 'ENOTDIR': return 'not a folder';
    case 'EACCES': case 'EPERM': return 'permission denied';
    default: return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
  }
}

/** Whether `path` is a folder (following symbolic links, as dlib's stat64 does). */
function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The entries of folder `dir` that dlib's `directory::get_files()` (`files`) or `get_dirs()`
 * (`dirs`) lists: every entry but `.` and `..` (hidden ones included), split by whether stat
 * (following links) says it is a folder; a broken link counts as a file, as in dlib. Sorted by
 * name (see the module comment). Throws a FacemetricError naming the folder when it cannot be
 * listed.
 */
export function listFolder(dir: string): { dirs: string[]; files: string[] } {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new FacemetricError(`cannot list the folder: ${fsMessage(e)}`, { file: dir, cause: e });
  }
  names.sort(byName);
  const dirs: string[] = [];
  const files: string[] = [];
  for (const name of names) (isDir(join(dir, name)) ? dirs : files).push(name);
  return { dirs, files };
}

/**
 * The example's `load_objects_list(dir)`: for each sub-folder of `dir` (sorted by name), the
 * paths of all its files (sorted by name; every non-folder entry, whatever its name), and only
 * for sub-folders with at least one file. Paths are `realpath(dir)/<sub>/<file>` (dlib's
 * `full_name()`). Files directly in `dir` and folders inside the person folders are ignored, as
 * dlib's `get_dirs()` / `get_files()` ignore them. Throws a FacemetricError naming `dir` when it
 * is missing or cannot be listed.
 */
export function loadObjectsList(dir: string): ObjectsList {
  let root: string;
  try {
    root = realpathSync(dir);
  } catch (e) {
    throw new FacemetricError(`cannot open the data folder: ${fsMessage(e)}`, { file: dir, cause: e });
  }
  if (!isDir(root)) throw new FacemetricError('the data folder is not a folder', { file: dir });
  const objects: ObjectsList = [];
  for (const sub of listFolder(root).dirs) {
    const person = join(root, sub);
    const imgs = listFolder(person).files.map((f) => join(person, f));
    if (imgs.length !== 0) objects.push(imgs);
  }
  return objects;
}

/**
 * dlib's `load_image(img, path)` into a `matrix<rgb_pixel>`: JPEG or PNG decoded to RGB with
 * dlib's pixel rules and, as dlib, WITHOUT applying the EXIF orientation (src/image/io.ts).
 * Throws an ImageError naming the file.
 */
export function loadImageAsDlib(path: string): RgbImage {
  return readImageSync(path, { applyExifOrientation: false });
}

function checkCount(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 1) throw new FacemetricError(`loadMiniBatch: ${name} must be a whole number >= 1, got ${String(v)}`);
}

/**
 * The example's `load_mini_batch(num_people, samples_per_id, rnd, objs, images, labels)`, draw
 * for draw:
 *  1. for each of the `numPeople` people: `id = get_random_32bit_number() % objs.length`,
 *     redrawn while that person is already in the mini-batch; then `samplesPerId` times a file
 *     `objs[id][get_random_32bit_number() % objs[id].length]` (with replacement), loaded with
 *     `loadImage`, label `id`;
 *  2. then for each image in order: {@link disturbColors} (4 doubles), and if
 *     `get_random_double() > 0.1` {@link jitterImage} (5 doubles).
 * `loadImage` may return a cached image: it is copied before the in-place colour change, so the
 * caller's image is never modified.
 *
 * Requires: `numPeople`, `samplesPerId` whole numbers >= 1; `numPeople <= objs.length`; every
 * person in `objs` with at least one file; the loaded images RGB, square and all the same size.
 * Each is a one-line FacemetricError otherwise (the size errors name the files); loader errors
 * (an ImageError naming the file) pass through.
 * Ensures: `numPeople * samplesPerId` images with their labels and paths, person after person
 * in the order drawn; `rnd` advanced exactly as dlib's.
 */
export function loadMiniBatch(numPeople: number, samplesPerId: number, rnd: DlibRand, objs: ObjectsList, loadImage: LoadImage = loadImageAsDlib): MiniBatch {
  checkCount('numPeople', numPeople);
  checkCount('samplesPerId', samplesPerId);
  if (numPeople > objs.length) {
    throw new FacemetricError(`loadMiniBatch: ${numPeople} people asked for in a mini-batch, but the data has only ${objs.length}`);
  }
  objs.forEach((files, i) => {
    if (files.length === 0) throw new FacemetricError(`loadMiniBatch: person ${i} of the objects list has no files`);
  });

  const images: RgbImage[] = [];
  const labels: number[] = [];
  const paths: string[] = [];
  const alreadySelected = new Array<boolean>(objs.length).fill(false);
  for (let i = 0; i < numPeople; i++) {
    let id = rnd.getRandom32bitNumber() % objs.length;
    while (alreadySelected[id]) id = rnd.getRandom32bitNumber() % objs.length;
    alreadySelected[id] = true;
    const files = objs[id]!;
    for (let j = 0; j < samplesPerId; j++) {
      const path = files[rnd.getRandom32bitNumber() % files.length]!;
      const img = loadImage(path);
      checkRgb(img, path);
      images.push({ width: img.width, height: img.height, data: img.data.slice() });
      labels.push(id);
      paths.push(path);
    }
  }

  const first = images[0]!;
  images.forEach((img, k) => {
    if (img.width !== first.width || img.height !== first.height) {
      throw new FacemetricError(`loadMiniBatch: all images in one mini-batch must be the same size: ${paths[0]} is ${first.width}x${first.height}, ${paths[k]} is ${img.width}x${img.height}`);
    }
  });
  if (first.width !== first.height) {
    throw new FacemetricError(`loadMiniBatch: ${paths[0]} is ${first.width}x${first.height}; dlib's jitter_image needs square images (face chips)`);
  }

  for (let k = 0; k < images.length; k++) {
    disturbColors(images[k]!, rnd);
    if (rnd.getRandomDouble() > 0.1) images[k] = jitterImage(images[k]!, rnd);
  }
  return { images, labels, paths };
}

function checkRgb(img: RgbImage, path: string): void {
  let ch: number;
  try {
    ch = channelsOf(img);
  } catch {
    throw new FacemetricError('loadMiniBatch: the loader returned something that is not an RGB image', { file: path });
  }
  if (ch !== 3 || img.width <= 0 || img.height <= 0) {
    throw new FacemetricError(`loadMiniBatch: the loader returned a ${img.width}x${img.height} ${ch === 1 ? 'grey' : 'empty'} image; RGB needed`, { file: path });
  }
}
