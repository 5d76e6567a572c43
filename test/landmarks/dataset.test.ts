/**
 * Unit tests of src/landmarks/dataset.ts on hand-made input: dlib's image dataset XML reader,
 * load_image_dataset's arrangement of parts, the interocular distance and test_shape_predictor's
 * mean. (dlib's own examples/faces XML files, read by live dlib, are compared with ours in
 * test/parity/landmark-accuracy-parity.test.ts.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FacemetricError } from '../../src/errors.js';
import {
  datasetImagePath, datasetObjects, interocularDistance, interocularDistances, loadImageDataset, meanNormalizedError,
  OBJECT_PART_NOT_PRESENT, parseImageDataset,
} from '../../src/landmarks/dataset.js';
import type { Point } from '../../src/geometry/index.js';

const SAMPLE = `<?xml version='1.0' encoding='ISO-8859-1'?>
<?xml-stylesheet type='text/xsl' href='image_metadata_stylesheet.xsl'?>
<dataset>
<name>  Two images  </name>
<comment>A &amp; B
  <!-- not part of the comment --></comment>
<images>
  <image file='a.jpg' width='500' height="332">
    <box top='181' left='274' width='52' height='53'>
      <label> face </label>
      <part name='10' x='277' y='194'/>
      <part name='2' x='278' y='200' />
    </box>
    <box top='10' left='20' width='5' height='6' ignore='1'/>
    <box top='-3' left='0x10' width='1' height='1' ignore='false'></box>
  </image>
  <image file='sub/b.jpg'>
    <box top='0' left='0' width='100' height='100'><part name='0' x='5' y='6'/></box>
  </image>
  <image file='empty.jpg'/>
</images>
</dataset>
`;

describe('parseImageDataset (image_dataset_metadata::load_image_dataset_metadata)', () => {
  const ds = parseImageDataset(SAMPLE, 'sample.xml');

  it('reads name, comment, images with optional width/height, boxes, labels, ignore flags and parts', () => {
    expect(ds.name).toBe('Two images');
    expect(ds.comment).toBe('A & B');
    expect(ds.images.map((i) => [i.file, i.width, i.height, i.boxes.length])).toEqual([
      ['a.jpg', 500, 332, 3],
      ['sub/b.jpg', undefined, undefined, 1],
      ['empty.jpg', undefined, undefined, 0],
    ]);
    const [b0, b1, b2] = ds.images[0].boxes;
    // dlib's rect: [left, top, left + width - 1, top + height - 1]
    expect(b0.rect).toEqual([274, 181, 325, 233]);
    expect(b0.label).toBe('face');
    expect(b0.ignore).toBe(false);
    expect([...b0.parts]).toEqual([['10', [277, 194]], ['2', [278, 200]]]);
    expect(b1.rect).toEqual([20, 10, 24, 15]);
    expect(b1.ignore).toBe(true);
    expect(b2.rect).toEqual([16, -3, 16, -3]);
    expect(b2.ignore).toBe(false);
    expect(b2.parts.size).toBe(0);
  });

  it('datasetObjects: parts in sorted name order (bytes, as std::set<std::string>), absent parts, ignored boxes', () => {
    const o = datasetObjects(ds);
    expect(o.partsList).toEqual(['0', '10', '2']);
    const absent: Point = [OBJECT_PART_NOT_PRESENT[0], OBJECT_PART_NOT_PRESENT[1]];
    expect(o.images).toEqual([
      {
        file: 'a.jpg',
        faces: [
          { rect: [274, 181, 325, 233], parts: [absent, [277, 194], [278, 200]] },
          { rect: [16, -3, 16, -3], parts: [absent, absent, absent] },
        ],
        ignored: [[20, 10, 24, 15]],
      },
      { file: 'sub/b.jpg', faces: [{ rect: [0, 0, 99, 99], parts: [[5, 6], absent, absent] }], ignored: [] },
      { file: 'empty.jpg', faces: [], ignored: [] },
    ]);
    expect(OBJECT_PART_NOT_PRESENT).toEqual([2147483647, 2147483647]);
  });

  it('keeps dlib\'s quirks: parts outside a box are ignored; attribute values are taken verbatim', () => {
    const d = parseImageDataset(`<dataset><images><image file='x&amp;y.jpg'><part name='a' x='1' y='2'/>
      <box top='1' left='1' width='1' height='1'><part name='a' x='1' y='2'/></box></image></images></dataset>`);
    expect(d.images[0].file).toBe('x&amp;y.jpg');
    expect(d.images[0].boxes).toHaveLength(1);
    expect([...d.images[0].boxes[0].parts.keys()]).toEqual(['a']);
  });

  it('datasetImagePath resolves against the XML file\'s folder', () => {
    expect(datasetImagePath('/data/faces/set.xml', 'sub/b.jpg')).toBe('/data/faces/sub/b.jpg');
    expect(datasetImagePath('/data/faces/set.xml', '/abs/c.jpg')).toBe('/abs/c.jpg');
  });
});

describe('parseImageDataset: malformed input fails with the file and line', () => {
  const cases: [string, string, RegExp][] = [
    ['wrong root', `<images></images>`, /line 1: .*Root tag must be <dataset>.*<images>/],
    ['box without top', `<dataset>\n<images><image file='a'>\n<box left='1' width='2' height='3'/></image></images></dataset>`, /line 3: <box> missing required attribute 'top'/],
    ['non-integer width', `<dataset><box top='1' left='1' width='2.5' height='3'/></dataset>`, /width='2\.5' is not an integer/],
    ['integer with trailing blank', `<dataset><box top='1 ' left='1' width='2' height='3'/></dataset>`, /top='1 ' is not an integer/],
    ['bad ignore flag', `<dataset><box top='1' left='1' width='2' height='3' ignore='yes'/></dataset>`, /ignore='yes' is not a boolean/],
    ['part without y', `<dataset><box top='1' left='1' width='2' height='3'><part name='0' x='1'/></box></dataset>`, /<part> missing required attribute 'y'/],
    ['part without name', `<dataset><box top='1' left='1' width='2' height='3'><part x='1' y='2'/></box></dataset>`, /<part> missing required attribute 'name'/],
    ['duplicate part', `<dataset><box top='1' left='1' width='2' height='3'><part name='0' x='1' y='2'/><part name='0' x='1' y='2'/></box></dataset>`, /'0' is defined more than one time/],
    ['image without file', `<dataset><images><image width='3'/></images></dataset>`, /<image> missing required attribute 'file'/],
    ['mismatched end tag', `<dataset><images></image></dataset>`, /<\/image> closes <images>/],
    ['unterminated element', `<dataset>\n<images>\n`, /line 3: the file ends inside <images>/],
    ['unterminated tag', `<dataset><images`, /a tag is not terminated/],
    ['unquoted attribute', `<dataset><image file=a.jpg/></dataset>`, /attribute 'file' is not quoted/],
    ['duplicate attribute', `<dataset><image file='a' file='b'/></dataset>`, /attribute 'file' is given twice/],
    ['no space between attributes', `<dataset><image file='a'width='3'/></dataset>`, /not followed by a space/],
    ['unknown entity', `<dataset><name>a &eacute; b</name></dataset>`, /undefined entity reference/],
    ['unterminated comment', `<dataset><!-- x </dataset>`, /a comment is not terminated/],
    ['second root', `<dataset></dataset><dataset></dataset>`, /after the end of the root element/],
    ['text outside the root', `hello <dataset></dataset>`, /text before the root element/],
    ['empty file', ``, /no <dataset> element/],
  ];
  it.each(cases)('%s', (_name, xml, message) => {
    let err: unknown;
    try {
      parseImageDataset(xml, 'bad.xml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FacemetricError);
    expect((err as FacemetricError).file).toBe('bad.xml');
    expect((err as Error).message).toMatch(/^bad\.xml: line \d+: /);
    expect((err as Error).message).toMatch(message);
  });

  const dir = mkdtempSync(join(tmpdir(), 'facemetric-dataset-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loadImageDataset names the file it cannot read or parse', () => {
    const missing = join(dir, 'missing.xml');
    expect(() => loadImageDataset(missing)).toThrow(FacemetricError);
    expect(() => loadImageDataset(missing)).toThrow(`${missing}: cannot read the dataset (ENOENT)`);
    const bad = join(dir, 'bad.xml');
    writeFileSync(bad, '<dataset>');
    expect(() => loadImageDataset(bad)).toThrow(`${bad}: line 1: the file ends inside <dataset>`);
  });

  it('loadImageDataset reads bytes as latin1, as dlib does', () => {
    const f = join(dir, 'latin1.xml');
    writeFileSync(f, Buffer.from("<dataset><images><image file='caf\xe9.jpg'/></images></dataset>", 'latin1'));
    expect(loadImageDataset(f).images[0].file).toBe('caf\u00e9.jpg');
  });
});

/** A 68-point face whose eye parts 36..41 average to (lx, ly) and 42..47 to (rx, ry). */
function face(lx: number, ly: number, rx: number, ry: number): Point[] {
  const parts: Point[] = Array.from({ length: 68 }, (_, i) => [i, 2 * i]);
  const offsets: Point[] = [[-3, 0], [-1, -2], [1, -2], [3, 0], [1, 2], [-1, 2]]; // sum (0, 0)
  offsets.forEach(([dx, dy], k) => {
    parts[36 + k] = [lx + dx, ly + dy];
    parts[42 + k] = [rx + dx, ry + dy];
  });
  return parts;
}

describe('interocularDistance (train_shape_predictor_ex.cpp interocular_distance)', () => {
  it('is the distance between the means of parts 36..41 and 42..47', () => {
    expect(interocularDistance(face(10, 20, 40, 60))).toBe(50);
    expect(interocularDistance(face(100, 100, 100, 100))).toBe(0);
    // means that are not integers: left (1/6, 0), right (0, 0)
    const p = face(0, 0, 0, 0);
    p[36] = [p[36][0] + 1, p[36][1]];
    expect(interocularDistance(p)).toBe(Math.sqrt((1 / 6) * (1 / 6)));
  });
  it('uses absent parts\' coordinates as they are, as dlib\'s example does', () => {
    const p = face(10, 20, 40, 60);
    p[40] = [OBJECT_PART_NOT_PRESENT[0], OBJECT_PART_NOT_PRESENT[1]];
    expect(interocularDistance(p)).toBeGreaterThan(1e8);
  });
  it('needs parts 36..47', () => {
    expect(() => interocularDistance(face(0, 0, 1, 1).slice(0, 47))).toThrow(FacemetricError);
  });
  it('interocularDistances keeps the nesting per image', () => {
    expect(interocularDistances([[{ parts: face(0, 0, 3, 4) }, { parts: face(0, 0, 6, 8) }], [], [{ parts: face(0, 0, 0, 1) }]]))
      .toEqual([[5, 10], [], [1]]);
  });
});

describe('meanNormalizedError (test_shape_predictor)', () => {
  const truth = [[{ parts: [[0, 0], [10, 10], [OBJECT_PART_NOT_PRESENT[0], OBJECT_PART_NOT_PRESENT[1]]] as Point[] }], [{ parts: [[5, 5], [7, 7], [1, 1]] as Point[] }]];
  const predicted: Point[][][] = [[[[3, 4], [10, 10], [0, 0]]], [[[5, 5], [7, 9], [1, 1]]]];

  it('averages |predicted - truth| / scale over every present part of every face', () => {
    // errors 5, 0, (absent: skipped), 0, 2, 0: five counted parts
    expect(meanNormalizedError(predicted, truth)).toBe((5 + 0 + 0 + 2 + 0) / 5);
    expect(meanNormalizedError(predicted, truth, [])).toBe((5 + 0 + 0 + 2 + 0) / 5);
    expect(meanNormalizedError(predicted, truth, [[10], [4]])).toBe((5 / 10 + 0 / 10 + 0 / 4 + 2 / 4 + 0 / 4) / 5);
  });
  it('is 0 when nothing is counted (running_stats::mean)', () => {
    expect(meanNormalizedError([], [])).toBe(0);
    expect(meanNormalizedError([[[[1, 1]]]], [[{ parts: [[OBJECT_PART_NOT_PRESENT[0], OBJECT_PART_NOT_PRESENT[1]]] }]])).toBe(0);
  });
  it('computes the integer length exactly past 2^53 (dlib\'s long arithmetic)', () => {
    const big = 2 ** 30;
    expect(meanNormalizedError([[[[big, big]]]], [[{ parts: [[0, 0]] }]])).toBe(Math.sqrt(Number(2n * BigInt(big) * BigInt(big))));
  });
  it('rejects inputs whose nesting or part counts differ', () => {
    expect(() => meanNormalizedError(predicted, truth.slice(0, 1))).toThrow(/2 images predicted, 1 in the truth/);
    expect(() => meanNormalizedError([[], predicted[1]], truth)).toThrow(/image 0: 0 faces predicted, 1 in the truth/);
    expect(() => meanNormalizedError([[predicted[0][0].slice(0, 2)], predicted[1]], truth)).toThrow(/2 parts predicted, 3 in the truth/);
    expect(() => meanNormalizedError(predicted, truth, [[1]])).toThrow(/scales for 1 images/);
    expect(() => meanNormalizedError(predicted, truth, [[1], []])).toThrow(/image 1: 0 scales for 1 faces/);
  });
});
