/**
 * dlib's image dataset metadata (the XML that imglab writes and dlib's examples ship, e.g.
 * `examples/faces/testing_with_face_landmarks.xml`), and dlib's measure of landmark accuracy on
 * it:
 *
 * - {@link parseImageDataset} / {@link loadImageDataset}: `image_dataset_metadata::
 *   load_image_dataset_metadata` (`dlib/data_io/image_dataset_metadata.cpp`), reading only what
 *   landmark evaluation needs: each image's file (and width/height when given), each box's rect,
 *   `ignore` flag and label, and its parts by name.
 * - {@link datasetObjects}: the part of `load_image_dataset(images, full_object_detections,
 *   file)` (`dlib/data_io/load_image_dataset.h`) that turns the metadata into
 *   `full_object_detection`s: parts numbered in sorted name order, absent parts set to
 *   `OBJECT_PART_NOT_PRESENT`, ignored boxes set aside (loading the pixels is the caller's).
 * - {@link interocularDistance} / {@link interocularDistances}: `interocular_distance` and
 *   `get_interocular_distances` of dlib's `examples/train_shape_predictor_ex.cpp`.
 * - {@link meanNormalizedError}: `test_shape_predictor` (`dlib/image_processing/
 *   shape_predictor.h`), given the predicted parts instead of the predictor.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FacemetricError } from '../errors.js';
import type { Point, Rect } from '../geometry/index.js';

/**
 * dlib's `OBJECT_PART_NOT_PRESENT` (`dlib/image_processing/full_object_detection.h`): the value
 * of a part that a face does not have. dlib compares parts with it by value, so a part written
 * in the XML at (2147483647, 2147483647) counts as absent too.
 */
export const OBJECT_PART_NOT_PRESENT: Readonly<Point> = Object.freeze([0x7fffffff, 0x7fffffff]) as Readonly<Point>;

/** One `<box>` of an image. */
export interface DatasetBox {
  /** dlib's rectangle [left, top, left + width - 1, top + height - 1]. */
  rect: Rect;
  /** The `ignore` attribute (dlib's `box::ignore`): the box is neither a face to evaluate nor a miss. */
  ignore: boolean;
  /** The box's `<label>` text, trimmed ('' when there is none). */
  label: string;
  /** The box's `<part name x y/>`s by name, in the order of the file. */
  parts: Map<string, Point>;
}

/** One `<image>` of the dataset. */
export interface DatasetImage {
  /** The `file` attribute as written (dlib resolves a relative one against the XML's folder; see {@link datasetImagePath}). */
  file: string;
  /** The `width` attribute, when present. */
  width?: number;
  /** The `height` attribute, when present. */
  height?: number;
  boxes: DatasetBox[];
}

/** A parsed dataset file (dlib's `image_dataset_metadata::dataset`). */
export interface ImageDataset {
  /** `<name>` text, trimmed. */
  name: string;
  /** `<comment>` text, trimmed. */
  comment: string;
  images: DatasetImage[];
}

/** One face as `load_image_dataset` gives it (dlib's `full_object_detection`). */
export interface DatasetFace {
  rect: Rect;
  /** The parts in {@link DatasetObjects.partsList} order; absent ones are {@link OBJECT_PART_NOT_PRESENT}. */
  parts: Point[];
}

/** A dataset as `load_image_dataset(images, object_locations, file, parts_list)` arranges it. */
export interface DatasetObjects {
  /** Every part name used by a loaded box, sorted (dlib's `parts_list`): part k is `partsList[k]`. */
  partsList: string[];
  /** One entry per `<image>` (dlib loads empty images too), in file order. */
  images: { file: string; faces: DatasetFace[]; ignored: Rect[] }[];
}

// ---------------------------------------------------------------------------------------------
// A small XML reader with the rules of dlib's xml_parser (dlib/xml_parser/xml_parser_kernel_1.h)
// for what dataset files contain: elements with quoted attributes (values taken verbatim, as
// dlib does: no entity references, no '>' inside), text with the five predefined entities,
// comments, processing instructions, <!DOCTYPE ...> and CDATA sections.

interface XmlHandler {
  start(name: string, atts: Map<string, string>, line: number): void;
  end(name: string): void;
  chars(text: string): void;
}

const WS = new Set([' ', '\t', '\r', '\n']);
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', apos: "'", quot: '"' };

function countLines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

/** Splits one start tag's text (between '<' and '>', without a closing '/') into name and attributes, or returns a reason. */
function parseTag(tag: string): { name: string; atts: Map<string, string> } | string {
  let i = 0;
  let name = '';
  while (i < tag.length && !WS.has(tag[i]) && tag[i] !== '=' && tag[i] !== '/') name += tag[i++];
  if (name === '') return 'an element without a name';
  const atts = new Map<string, string>();
  const skipWs = (): void => {
    while (i < tag.length && WS.has(tag[i])) i++;
  };
  skipWs();
  while (i < tag.length) {
    let att = '';
    while (i < tag.length && tag[i] !== '=' && !WS.has(tag[i])) att += tag[i++];
    if (att === '') return `<${name}>: an attribute without a name`;
    skipWs();
    if (tag[i] !== '=') return `<${name}>: attribute '${att}' has no value`;
    i++;
    skipWs();
    const quote = tag[i];
    if (quote !== "'" && quote !== '"') return `<${name}>: the value of attribute '${att}' is not quoted`;
    const close = tag.indexOf(quote, i + 1);
    if (close < 0) return `<${name}>: the value of attribute '${att}' is not terminated`;
    const value = tag.slice(i + 1, close);
    i = close + 1;
    if (i < tag.length && !WS.has(tag[i])) return `<${name}>: attribute '${att}' is not followed by a space or the end of the tag`;
    skipWs();
    if (atts.has(att)) return `<${name}>: attribute '${att}' is given twice`;
    atts.set(att, value);
  }
  return { name, atts };
}

function decodeText(text: string): string | undefined {
  let out = '';
  let i = 0;
  for (;;) {
    const amp = text.indexOf('&', i);
    if (amp < 0) return out + text.slice(i);
    const semi = text.indexOf(';', amp);
    const ent = semi < 0 ? undefined : ENTITIES[text.slice(amp + 1, semi)];
    if (ent === undefined) return undefined;
    out += text.slice(i, amp) + ent;
    i = semi + 1;
  }
}

function readXml(xml: string, h: XmlHandler, fail: (line: number, message: string) => never): void {
  const stack: string[] = [];
  let line = 1;
  let i = 0;
  let rootSeen = false;
  while (i < xml.length) {
    if (xml[i] !== '<') {
      let end = xml.indexOf('<', i);
      if (end < 0) end = xml.length;
      const raw = xml.slice(i, end);
      if (stack.length === 0) {
        if (raw.trim() !== '') fail(line, rootSeen ? 'text after the end of <dataset>' : 'text before the root element');
      } else {
        const text = decodeText(raw);
        if (text === undefined) fail(line, "an undefined entity reference (only &amp; &lt; &gt; &apos; &quot; are known)");
        h.chars(text);
      }
      line += countLines(xml, i, end);
      i = end;
      continue;
    }
    const special = (open: string, close: string, what: string): number => {
      const end = xml.indexOf(close, i + open.length);
      if (end < 0) fail(line, `${what} is not terminated (no '${close}')`);
      return end + close.length;
    };
    let next: number;
    if (xml.startsWith('<!--', i)) {
      next = special('<!--', '-->', 'a comment');
    } else if (xml.startsWith('<![CDATA[', i)) {
      next = special('<![CDATA[', ']]>', 'a CDATA section');
      if (stack.length === 0) fail(line, 'a CDATA section outside the root element');
      h.chars(xml.slice(i + 9, next - 3));
    } else if (xml.startsWith('<?', i)) {
      next = special('<?', '?>', 'a processing instruction');
    } else if (xml.startsWith('<!', i)) {
      next = special('<!', '>', 'a declaration');
    } else {
      const gt = xml.indexOf('>', i);
      if (gt < 0) fail(line, 'a tag is not terminated (no \'>\')');
      next = gt + 1;
      const body = xml.slice(i + 1, gt);
      if (body.startsWith('/')) {
        const name = body.slice(1).trim();
        if (stack.length === 0) fail(line, `</${name}> without a start tag`);
        const open = stack.pop()!;
        if (name !== open) fail(line, `</${name}> closes <${open}>`);
        h.end(name);
      } else {
        const empty = body.endsWith('/');
        const tag = parseTag(empty ? body.slice(0, -1) : body);
        if (typeof tag === 'string') fail(line, `malformed tag: ${tag}`);
        if (stack.length === 0 && rootSeen) fail(line, `<${tag.name}> after the end of the root element`);
        rootSeen = true;
        stack.push(tag.name);
        h.start(tag.name, tag.atts, line);
        if (empty) {
          stack.pop();
          h.end(tag.name);
        }
      }
    }
    line += countLines(xml, i, next);
    i = next;
  }
  if (stack.length > 0) fail(line, `the file ends inside <${stack[stack.length - 1]}>`);
  if (!rootSeen) fail(line, 'no <dataset> element');
}

// ---------------------------------------------------------------------------------------------
// The dataset reader: dlib's doc_handler in image_dataset_metadata.cpp, state for state.

/** dlib's `trim`: strips spaces, tabs, CRs and LFs. */
const trim = (s: string): string => s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');

/** `string_cast<long>`: optional leading blanks and sign, decimal digits (or 0x hex), nothing after. */
function parseLong(value: string): number | undefined {
  let v: number;
  if (value.length > 2 && value.startsWith('0x')) {
    if (!/^0x[0-9a-fA-F]+$/.test(value)) return undefined;
    v = parseInt(value.slice(2), 16);
  } else {
    if (!/^[ \t\r\n\f\v]*[+-]?[0-9]+$/.test(value)) return undefined;
    v = Number(value.trim());
  }
  return Number.isSafeInteger(v) ? v + 0 : undefined;
}

/** `string_cast<bool>`: "1", "0", or true/false in any case. */
function parseBool(value: string): boolean | undefined {
  if (value === '1') return true;
  if (value === '0') return false;
  const l = value.toLowerCase();
  return l === 'true' ? true : l === 'false' ? false : undefined;
}

/**
 * Parses the text of a dlib image dataset XML file; mirrors dlib's
 * `image_dataset_metadata::load_image_dataset_metadata` for the fields facemetric uses. The root
 * must be `<dataset>`; an `<image>` counts when it closes inside `<images>`, a `<box>` when it
 * closes inside an `<image>`, a `<part>` only directly inside a `<box>`. `<box>` needs integer
 * `top`, `left`, `width`, `height` (rect = [left, top, left + width - 1, top + height - 1]);
 * `<part>` needs `name` (unique within its box) and integer `x`, `y`; `<image>` needs `file`.
 * Like dlib, attribute values are taken verbatim (no entity references).
 *
 * @param xml the file's text (dlib reads bytes: decode the file as latin1 to keep them).
 * @param file the file name for error messages.
 * @throws FacemetricError naming the file and line on malformed XML or a missing or malformed attribute.
 */
export function parseImageDataset(xml: string, file?: string): ImageDataset {
  const fail: (line: number, message: string) => never = (line, message) => {
    throw new FacemetricError(`line ${line}: ${message}`, { file });
  };
  const meta: ImageDataset = { name: '', comment: '', images: [] };
  // dlib's temp_image and temp_box: reset only when added to their parent (as dlib does).
  const newBox = (): DatasetBox => ({ rect: [0, 0, 0, 0], ignore: false, label: '', parts: new Map() });
  let image: DatasetImage = { file: '', boxes: [] };
  let box = newBox();
  const ts: string[] = [];
  readXml(xml, {
    start(name, atts, line) {
      const int = (tag: string, att: string, required: boolean): number | undefined => {
        const v = atts.get(att);
        if (v === undefined) {
          if (required) fail(line, `<${tag}> missing required attribute '${att}'`);
          return undefined;
        }
        const n = parseLong(v);
        if (n === undefined) fail(line, `<${tag}> attribute ${att}='${v}' is not an integer`);
        return n;
      };
      if (ts.length === 0) {
        if (name !== 'dataset') fail(line, `Invalid XML document.  Root tag must be <dataset>.  Found <${name}> instead.`);
        ts.push(name);
        return;
      }
      if (name === 'box') {
        const top = int('box', 'top', true)!;
        const left = int('box', 'left', true)!;
        const width = int('box', 'width', true)!;
        const height = int('box', 'height', true)!;
        box.rect = [left, top, width + left - 1, height + top - 1];
        const ignore = atts.get('ignore');
        if (ignore !== undefined) {
          const b = parseBool(ignore);
          if (b === undefined) fail(line, `<box> attribute ignore='${ignore}' is not a boolean (1, 0, true, false)`);
          box.ignore = b;
        }
      } else if (name === 'part' && ts[ts.length - 1] === 'box') {
        const x = int('part', 'x', true)!;
        const y = int('part', 'y', true)!;
        const partName = atts.get('name');
        if (partName === undefined) fail(line, "<part> missing required attribute 'name'");
        if (box.parts.has(partName)) fail(line, `<part> with name '${partName}' is defined more than one time in a single box.`);
        box.parts.set(partName, [x, y]);
      } else if (name === 'image') {
        image.boxes = [];
        const f = atts.get('file');
        if (f === undefined) fail(line, "<image> missing required attribute 'file'");
        image.file = f;
        const w = int('image', 'width', false);
        const h = int('image', 'height', false);
        if (w !== undefined) image.width = w;
        if (h !== undefined) image.height = h;
      }
      ts.push(name);
    },
    end(name) {
      ts.pop();
      if (ts.length === 0) return;
      const parent = ts[ts.length - 1];
      if (name === 'box' && parent === 'image') {
        image.boxes.push(box);
        box = newBox();
      } else if (name === 'image' && parent === 'images') {
        meta.images.push(image);
        image = { file: '', boxes: [] };
      }
    },
    chars(text) {
      if (ts.length === 2 && ts[1] === 'name') meta.name = trim(text);
      else if (ts.length === 2 && ts[1] === 'comment') meta.comment = trim(text);
      else if (ts.length >= 2 && ts[ts.length - 1] === 'label' && ts[ts.length - 2] === 'box') box.label = trim(text);
    },
  }, fail);
  return meta;
}

/**
 * Reads and parses a dlib image dataset XML file (bytes as latin1, as dlib reads them); mirrors
 * dlib's `image_dataset_metadata::load_image_dataset_metadata`.
 * @throws FacemetricError naming the file when it cannot be read or is malformed.
 */
export function loadImageDataset(file: string): ImageDataset {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (e) {
    throw new FacemetricError(`cannot read the dataset (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
  return parseImageDataset(text, file);
}

/**
 * The path of an image of the dataset in `xmlFile`: dlib's `load_image_dataset` changes to the
 * XML file's folder before loading, so a relative `file` is relative to that folder.
 */
export function datasetImagePath(xmlFile: string, imageFile: string): string {
  return path.resolve(path.dirname(xmlFile), imageFile);
}

/**
 * Arranges a dataset's boxes as dlib's `load_image_dataset(images, object_locations, file,
 * parts_list)` (`dlib/data_io/load_image_dataset.h`, the `full_object_detection` overload with a
 * default `image_dataset_file`) does, without loading pixels: `partsList` is the sorted set of
 * part names used by any box (byte order, as `std::set<std::string>`), each non-ignored box
 * becomes a face whose part k is the box's part named `partsList[k]` or
 * {@link OBJECT_PART_NOT_PRESENT}, boxes without parts included; ignored boxes go to `ignored`.
 * Every image is kept, empty ones included.
 */
export function datasetObjects(dataset: ImageDataset): DatasetObjects {
  const names = new Set<string>();
  for (const img of dataset.images) for (const b of img.boxes) for (const n of b.parts.keys()) names.add(n);
  const partsList = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(partsList.map((n, k) => [n, k]));
  const images = dataset.images.map((img) => {
    const faces: DatasetFace[] = [];
    const ignored: Rect[] = [];
    for (const b of img.boxes) {
      if (b.ignore) {
        ignored.push([...b.rect]);
        continue;
      }
      const parts: Point[] = partsList.map(() => [OBJECT_PART_NOT_PRESENT[0], OBJECT_PART_NOT_PRESENT[1]]);
      for (const [n, p] of b.parts) parts[index.get(n)!] = [p[0], p[1]];
      faces.push({ rect: [...b.rect], parts });
    }
    return { file: img.file, faces, ignored };
  });
  return { partsList, images };
}

// ---------------------------------------------------------------------------------------------
// Accuracy.

const isAbsent = (p: Readonly<Point>): boolean => p[0] === OBJECT_PART_NOT_PRESENT[0] && p[1] === OBJECT_PART_NOT_PRESENT[1];

/** `sqrt((double)(dx*dx + dy*dy))` with dlib's `long` arithmetic (exact, through BigInt past 2^53). */
function integerLength(dx: number, dy: number): number {
  const s = dx * dx + dy * dy;
  if (s <= Number.MAX_SAFE_INTEGER) return Math.sqrt(s);
  const bx = BigInt(dx);
  const by = BigInt(dy);
  return Math.sqrt(Number(bx * bx + by * by));
}

/**
 * The distance between the eye centres of a 68-point face: the mean of parts 36..41 and the
 * mean of parts 42..47, each summed in double one part at a time and divided by 6, then
 * `sqrt(dx*dx + dy*dy)`. Mirrors `interocular_distance` of dlib's
 * `examples/train_shape_predictor_ex.cpp`, which, like this, does not check for absent parts
 * (an absent eye part enters as {@link OBJECT_PART_NOT_PRESENT}'s coordinates, giving a huge
 * distance and so a near-zero normalized error for that face).
 * @throws FacemetricError when there are fewer than 48 parts.
 */
export function interocularDistance(parts: readonly Readonly<Point>[]): number {
  if (parts.length < 48) throw new FacemetricError(`interocular distance: needs the 68-point layout (parts 36..47), got ${parts.length} parts`);
  let lx = 0;
  let ly = 0;
  let rx = 0;
  let ry = 0;
  let n = 0;
  for (let i = 36; i <= 41; i++, n++) {
    lx += parts[i][0];
    ly += parts[i][1];
  }
  lx /= n;
  ly /= n;
  n = 0;
  for (let i = 42; i <= 47; i++, n++) {
    rx += parts[i][0];
    ry += parts[i][1];
  }
  rx /= n;
  ry /= n;
  const dx = lx - rx;
  const dy = ly - ry;
  return Math.sqrt(dx * dx + dy * dy);
}

/**
 * {@link interocularDistance} of every face, nested per image; mirrors
 * `get_interocular_distances` of dlib's `examples/train_shape_predictor_ex.cpp`.
 */
export function interocularDistances(faces: readonly (readonly { parts: readonly Readonly<Point>[] }[])[]): number[][] {
  return faces.map((img) => img.map((f) => interocularDistance(f.parts)));
}

/**
 * The mean over all faces and all present parts of |predicted - truth| / scale; mirrors dlib's
 * `test_shape_predictor(sp, images, objects, scales)` (`dlib/image_processing/shape_predictor.h`)
 * given the predictions `sp(images[i], objects[i][j].get_rect())` as `predicted[i][j]`: for each
 * image i, face j and part k in order, a truth part equal to {@link OBJECT_PART_NOT_PRESENT} is
 * skipped, else `sqrt((double)(dx*dx + dy*dy)) / scales[i][j]` (integer dx, dy; scale 1 when
 * `scales` is omitted or empty, as dlib's) is added to a running sum; the result is sum / count
 * (0 when nothing was counted, as `running_stats::mean`).
 * @throws FacemetricError when the nesting of predicted, truth and scales differs or a face's
 * part counts differ (dlib only asserts these in debug builds).
 */
export function meanNormalizedError(
  predicted: readonly (readonly (readonly Readonly<Point>[])[])[],
  truth: readonly (readonly { parts: readonly Readonly<Point>[] }[])[],
  scales?: readonly (readonly number[])[],
): number {
  const scaled = scales !== undefined && scales.length !== 0;
  if (predicted.length !== truth.length) throw new FacemetricError(`mean error: ${predicted.length} images predicted, ${truth.length} in the truth`);
  if (scaled && scales!.length !== truth.length) throw new FacemetricError(`mean error: scales for ${scales!.length} images, ${truth.length} in the truth`);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < truth.length; i++) {
    if (predicted[i].length !== truth[i].length) throw new FacemetricError(`mean error: image ${i}: ${predicted[i].length} faces predicted, ${truth[i].length} in the truth`);
    if (scaled && scales![i].length !== truth[i].length) throw new FacemetricError(`mean error: image ${i}: ${scales![i].length} scales for ${truth[i].length} faces`);
    for (let j = 0; j < truth[i].length; j++) {
      const det = predicted[i][j];
      const want = truth[i][j].parts;
      if (det.length !== want.length) throw new FacemetricError(`mean error: image ${i} face ${j}: ${det.length} parts predicted, ${want.length} in the truth`);
      const scale = scaled ? scales![i][j] : 1;
      for (let k = 0; k < det.length; k++) {
        if (isAbsent(want[k])) continue;
        sum += integerLength(det[k][0] - want[k][0], det[k][1] - want[k][1]) / scale;
        n++;
      }
    }
  }
  return n !== 0 ? sum / n : 0;
}
