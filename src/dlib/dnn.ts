/**
 * A generic reader and writer for dlib dnn network files (`serialize("net.dat") << net`).
 *
 * Mirrors the serialize/deserialize functions of the network building blocks in
 * `dlib/dnn/core.h` — add_loss_layer (version 1), add_layer over a subnetwork (version 2),
 * add_layer over an input layer (versions 3 and 2), add_tag_layer over a subnetwork
 * (version 1) and over an input layer (versions 2 and 1), add_skip_layer (version 1),
 * repeat (version 1) and repeat's empty repeat_input_layer — plus each layer's details via
 * the table in `dnn-layers.ts` (`dlib/dnn/layers.h`, `input.h`, `loss.h`) and tensors via
 * `serialize.ts` (`dlib/cuda/tensor.h`).
 *
 * ## How dlib lays out a network
 *
 * Serialization recurses from the top (loss) layer: each wrapper writes its version, then
 * its subnetwork, then its own details and state. So a file is the wrapper versions from the
 * top down, then the input layer, then each computational layer's details *from the input
 * upwards* (that is also the order of the parameter tensors):
 *
 *     add_loss_layer:  int 1, loss details, subnetwork
 *     add_layer (sub): int 2, subnetwork, details, bool this_layer_setup_called,
 *                      bool gradient_input_is_stale, bool get_output_and_gradient_input_disabled,
 *                      tensor x_grad, tensor cached_output, tensor params_grad
 *     add_layer (input): int 3, input layer, details, the same three bools, x_grad,
 *                      cached_output, tensor grad_final, unsigned int sample_expansion_factor
 *                      (version 2: without sample_expansion_factor)
 *     add_tag_layer (sub) and add_skip_layer: int 1, subnetwork
 *     add_tag_layer (input): int 2, input layer, cached_output, grad_final,
 *                      bool gradient_input_is_stale, unsigned int sample_expansion_factor
 *     repeat:          int 1, unsigned long count, count x (the repeated block, whose bottom
 *                      is a repeat_input_layer that writes nothing), subnetwork
 *
 * Two things are *not* in the file: tag IDs (tag1 vs tag2) and whether a payload-free version-1
 * wrapper is an add_tag_layer or an add_skip_layer — both write just `int 1`. Such wrappers
 * are reported as `tag_or_skip` nodes; the network's C++ type (e.g. `anet.ts` for the face
 * ResNet) resolves them. add_layer version 1 (dlib before params_grad was serialized) is
 * indistinguishable from these wrappers by position and is not supported.
 *
 * ## Representation
 *
 * {@link DnnNet.nodes} is the layer list **top-down**, in dlib's `layer<i>(net)` order:
 * `nodes[0]` is the loss layer (when present), the last node is the input layer. A repeat
 * node holds its blocks' own top-down lists, each ending with a `repeat_input` node.
 * {@link layersInFileOrder} gives the computational layers from the input upwards (the order
 * their details and parameters appear in the file).
 */
import { DlibFormatError } from '../errors.js';
import {
  DNN_SCHEMAS, UNSUPPORTED_TYPE_NAMES, schemaFor, typeNamesOf,
  type DnnDetailsRole, type DnnFieldValue,
} from './dnn-layers.js';
import {
  DlibReader, DlibWriter, tensorSize,
  type DlibAliasTensor, type DlibTensor,
} from './serialize.js';

export type { DnnFieldValue } from './dnn-layers.js';

/** A layer's details object (the `LAYER_DETAILS` of add_layer, an input layer, or a loss). */
export interface DnnLayerDetails {
  /** The type name exactly as in the file, e.g. 'con_5' (dlib's type + format version). */
  typeName: string;
  /** The dlib class, e.g. 'con_', 'fc_', 'input_rgb_image_sized', 'loss_metric_'. */
  type: string;
  /** Fields in file order (see dnn-layers.ts): hyper-parameters, parameter tensors, ... */
  fields: Record<string, DnnFieldValue>;
}

/** add_layer's own state (serialized after the details). */
export interface DnnAddLayerState {
  thisLayerSetupCalled: boolean;
  gradientInputIsStale: boolean;
  getOutputAndGradientInputDisabled: boolean;
  xGrad: DlibTensor;
  cachedOutput: DlibTensor;
  /** add_layer over a subnetwork (version 2). */
  paramsGrad?: DlibTensor;
  /** add_layer over an input layer. */
  gradFinal?: DlibTensor;
  /** add_layer over an input layer, version 3. */
  sampleExpansionFactor?: number;
}

/** add_tag_layer directly over an input layer: its state. */
export interface DnnTagInputState {
  cachedOutput: DlibTensor;
  gradFinal: DlibTensor;
  gradientInputIsStale: boolean;
  /** Version 2 only. */
  sampleExpansionFactor?: number;
}

/** add_loss_layer. */
export interface DnnLossNode { kind: 'loss'; version: 1; details: DnnLayerDetails }
/** add_layer: a computational layer. `version` 2 over a subnetwork; 3 (or 2) over an input. */
export interface DnnLayerNode { kind: 'layer'; version: number; details: DnnLayerDetails; state: DnnAddLayerState }
/** add_tag_layer<ID> or add_skip_layer<TAG> over a subnetwork (the file does not say which). */
export interface DnnTagOrSkipNode { kind: 'tag_or_skip'; version: 1 }
/** add_tag_layer directly over an input layer (version 2 or 1). */
export interface DnnTagNode { kind: 'tag'; version: number; state: DnnTagInputState }
/** repeat<N, BLOCK, SUBNET>: N copies of a block, each a top-down list ending in repeat_input. */
export interface DnnRepeatNode { kind: 'repeat'; version: 1; blocks: DnnNode[][] }
/** The input layer. */
export interface DnnInputNode { kind: 'input'; details: DnnLayerDetails }
/** The bottom of a repeat block (repeat_input_layer, serialized as nothing). */
export interface DnnRepeatInputNode { kind: 'repeat_input' }

export type DnnNode =
  | DnnLossNode | DnnLayerNode | DnnTagOrSkipNode | DnnTagNode | DnnRepeatNode | DnnInputNode | DnnRepeatInputNode;

/** A parsed network file. */
export interface DnnNet {
  /** Top-down layer list: [loss?], ..., input. */
  nodes: DnnNode[];
}

const INPUT_NAMES = typeNamesOf('input');
const LOSS_NAMES = typeNamesOf('loss');
const COMPUTATIONAL_NAMES = typeNamesOf('computational');

const isInputName = (x: string): boolean => INPUT_NAMES.includes(x);
const isLossName = (x: string): boolean => LOSS_NAMES.includes(x);
const isComputationalName = (x: string): boolean => COMPUTATIONAL_NAMES.includes(x);

function roleWord(role: DnnDetailsRole): string {
  return role === 'computational' ? 'layer type' : role === 'input' ? 'input layer type' : 'loss layer type';
}

function listNames(names: readonly string[], max = 6): string {
  const q = names.map((n) => `'${n}'`);
  return q.length <= max ? q.join(' or ') : `${q.slice(0, max).join(' or ')} or … (${q.length} known)`;
}

// ------------------------------------------------------------------------------------------

/** A string that looks like a dlib type name (not random bytes). */
function looksLikeTypeName(x: string): boolean {
  return x.length >= 3 && x.length <= 64 && /^[A-Za-z][A-Za-z0-9_<>]*$/.test(x);
}

/** Throws "expected layer type 'con_5' or ..., found 'xyz'" for an unknown or misplaced type name. */
function failUnknownType(r: DlibReader, role: DnnDetailsRole, typeName: string, at: number): never {
  const shown = `'${(typeName.length > 40 ? `${typeName.slice(0, 40)}…` : typeName).replace(/[^\x20-\x7e]/g, '?')}'`;
  if (UNSUPPORTED_TYPE_NAMES.includes(typeName)) {
    return r.fail(`${roleWord(role)} this parser supports`, `${shown} (its payload is not supported)`, at);
  }
  const known = schemaFor(typeName);
  if (known !== undefined) {
    return r.fail(`${roleWord(role)} ${listNames(typeNamesOf(role))}`, `${known.role} layer type ${shown} in this position`, at);
  }
  const family = DNN_SCHEMAS
    .filter((x) => x.role === role && typeName.startsWith(x.type) && /^\d*$/.test(typeName.slice(x.type.length)))
    .map((x) => x.typeName);
  if (family.length > 0) {
    return r.fail(`${roleWord(role)} ${listNames(family)}`, `${shown} (a version this reader does not know)`, at);
  }
  return r.fail(`${roleWord(role)} ${listNames(typeNamesOf(role))}`, shown, at);
}

/** Reads one details object of the given role. */
export function readDnnDetails(r: DlibReader, role: DnnDetailsRole, at = r.offset): DnnLayerDetails {
  const typeName = r.readStringLoose(roleWord(role));
  const schema = schemaFor(typeName);
  if (schema === undefined || schema.role !== role) failUnknownType(r, role, typeName, at);
  const fields: Record<string, DnnFieldValue> = {};
  r.within(typeName, () => {
    for (const [name, type] of schema.fields) {
      switch (type) {
        case 'tensor': fields[name] = r.readTensor(`${name} tensor`); break;
        case 'alias': fields[name] = r.readAliasTensor(`${name} alias_tensor`); break;
        case 'int': fields[name] = r.readInt('int', name); break;
        case 'long': fields[name] = r.readInt('long', name); break;
        case 'ulong': fields[name] = r.readInt('unsigned long', name); break;
        case 'uint': fields[name] = r.readInt('unsigned int', name); break;
        case 'longlong': fields[name] = r.readInt('long long', name); break;
        case 'float': fields[name] = r.readFloat(name); break;
        case 'double': fields[name] = r.readDouble(name); break;
        case 'bool': fields[name] = r.readBool(`${name} (bool '0' or '1')`); break;
      }
    }
  });
  return { typeName, type: schema.type, fields };
}

/** Writes one details object (type name then fields in schema order). */
export function writeDnnDetails(w: DlibWriter, d: DnnLayerDetails): void {
  const schema = schemaFor(d.typeName);
  if (schema === undefined) throw new Error(`unknown dlib layer type name '${d.typeName}'`);
  w.writeString(d.typeName);
  for (const [name, type] of schema.fields) {
    const v = d.fields[name];
    if (v === undefined) throw new Error(`layer '${d.typeName}' is missing field '${name}'`);
    switch (type) {
      case 'tensor': w.writeTensor(v as DlibTensor); break;
      case 'alias': w.writeAliasTensor(v as DlibAliasTensor); break;
      case 'int': w.writeInt('int', v as number); break;
      case 'long': w.writeInt('long', v as number); break;
      case 'ulong': w.writeInt('unsigned long', v as number); break;
      case 'uint': w.writeInt('unsigned int', v as number); break;
      case 'longlong': w.writeInt('long long', v as number); break;
      case 'float': w.writeFloat(v as number); break;
      case 'double': w.writeDouble(v as number); break;
      case 'bool': w.writeBool(v as boolean); break;
    }
  }
}

// ------------------------------------------------------------------------------------------

/** Upper bound on parse attempts (guards against pathological backtracking). */
const MAX_ATTEMPTS = 100_000;

/** An alternative that failed before it became plausible (see parseRepeat); carries its error. */
class UnlikelyParse extends DlibFormatError {
  constructor(readonly inner: DlibFormatError) {
    super('(unlikely alternative)', -1);
  }
}

interface MemoEntry { nodes: DnnNode[]; end: number; error?: DlibFormatError }

/** The state fields both add_layer forms start with (writeAddLayerCommonState's inverse). */
type DnnAddLayerCommonState = Pick<DnnAddLayerState,
  'thisLayerSetupCalled' | 'gradientInputIsStale' | 'getOutputAndGradientInputDisabled' | 'xGrad' | 'cachedOutput'>;

/** Reads the three flags, x_grad and cached_output, in dlib's order. */
function readAddLayerCommonState(r: DlibReader): DnnAddLayerCommonState {
  const thisLayerSetupCalled = r.readBool('this_layer_setup_called');
  const gradientInputIsStale = r.readBool('gradient_input_is_stale');
  const getOutputAndGradientInputDisabled = r.readBool('get_output_and_gradient_input_disabled');
  const xGrad = r.readTensor('x_grad tensor');
  const cachedOutput = r.readTensor('cached_output tensor');
  return { thisLayerSetupCalled, gradientInputIsStale, getOutputAndGradientInputDisabled, xGrad, cachedOutput };
}

class NetParser {
  private attempts = 0;
  private readonly memoTop = new Map<number, MemoEntry>();
  private readonly memoBlock = new Map<number, MemoEntry>();
  constructor(private readonly r: DlibReader) {}

  /** The whole file: an optional loss layer, then the network, then nothing. */
  parseFile(): DnnNet {
    const r = this.r;
    const nodes: DnnNode[] = [];
    // The file starts with add_loss_layer's version and the loss type name, or with the
    // wrappers of a network saved without a loss layer.
    const head = this.peekVersionThenStringHeader(r.offset);
    if (head !== undefined && head.length >= 3 && head.text === undefined) {
      // a type name cut off by the end of the file
      r.readI32('add_loss_layer version');
      r.readStringLoose('loss or input layer type');
    }
    const first = head?.text !== undefined && looksLikeTypeName(head.text) ? head.text : undefined;
    if (first !== undefined && !isLossName(first) && !isInputName(first)) {
      r.readI32('add_loss_layer version');
      const shown = `'${first.length > 40 ? `${first.slice(0, 40)}…` : first}'`;
      if (first.startsWith('loss_') || schemaFor(first) !== undefined) failUnknownType(r, 'loss', first, r.offset);
      r.fail(`a loss layer type (${listNames(LOSS_NAMES, 3)}) or an input layer type (${listNames(INPUT_NAMES, 3)})`, shown);
    }
    if (first !== undefined && isLossName(first)) {
      r.within('add_loss_layer', () => {
        r.readVersion([1], 'add_loss_layer');
        nodes.push({ kind: 'loss', version: 1, details: readDnnDetails(r, 'loss') });
      });
    }
    nodes.push(...this.parseSub(false, nodes.length));
    if (!r.atEnd) {
      const trailing = r.peekString(isComputationalName);
      if (trailing !== undefined) {
        r.fail('end of the network file', `more layer details ('${trailing}'): the file may use add_layer version 1 (an old dlib format this reader does not support)`);
      }
      r.expectEnd('end of the network file');
    }
    return { nodes };
  }

  /**
   * If at `at` there is an int followed by a string header, returns the string's length and,
   * when the file holds all of it, its text.
   */
  private peekVersionThenStringHeader(at: number): { length: number; text?: string } | undefined {
    const b = this.r.bytes;
    if (at >= b.length) return undefined;
    const size = b[at] & 0x0f;
    if (size === 0 || size > 4) return undefined;
    const p = at + 1 + size;
    if (p >= b.length) return undefined;
    const ls = b[p] & 0x8f;
    if (ls === 0 || ls > 2 || p + 1 + ls > b.length) return undefined;
    const length = ls === 1 ? b[p + 1] : b[p + 1] | (b[p + 2] << 8);
    if (length > 256) return undefined;
    const text = this.r.peekString(() => true, p);
    return text === undefined ? { length } : { length, text };
  }

  /**
   * Parses a subnetwork at the current offset: a top-down node list ending with the input
   * node (or, in a repeat block, a repeat_input node). `depth` is the layer index, for errors.
   */
  parseSub(inBlock: boolean, depth: number): DnnNode[] {
    // Packrat memo: a subnetwork at a given offset (and mode) parses the same way whichever
    // alternative above asks for it, so each is parsed at most once.
    const memo = inBlock ? this.memoBlock : this.memoTop;
    const start = this.r.offset;
    const hit = memo.get(start);
    if (hit !== undefined) {
      if (hit.error !== undefined) throw hit.error;
      this.r.offset = hit.end;
      return hit.nodes;
    }
    try {
      const nodes = this.parseSubUncached(inBlock, depth);
      memo.set(start, { nodes, end: this.r.offset });
      return nodes;
    } catch (e) {
      if (e instanceof DlibFormatError) memo.set(start, { nodes: [], end: start, error: e });
      throw e;
    }
  }

  private parseSubUncached(inBlock: boolean, depth: number): DnnNode[] {
    const r = this.r;
    if (++this.attempts > MAX_ATTEMPTS) {
      r.fail('a network structure that parses without excessive backtracking', 'too many alternatives');
    }
    const start = r.offset;
    const v = r.within(`layer<${depth}>`, () => r.readI32('layer wrapper version (add_layer, add_tag_layer, add_skip_layer or repeat)'));
    const afterVersion = r.offset;
    const label = `layer<${depth}>`;

    if (!inBlock) {
      const name = r.peekString(looksLikeTypeName);
      if (name !== undefined) {
        if (!isInputName(name)) r.within(label, () => failUnknownType(r, 'input', name, afterVersion));
        return r.within(label, () => this.parseOverInput(v, start));
      }
      if (v === 2) return this.parseAddLayerSub(v, inBlock, depth);
      if (v === 1) {
        return this.alternatives(afterVersion, [
          () => this.parseTagOrSkip(inBlock, depth),
          () => this.parseRepeat(inBlock, depth),
        ]);
      }
      if (v === 3) {
        // add_layer over an input: the input layer's type name must follow.
        return r.within(label, () => { readDnnDetails(r, 'input'); return r.fail('an input layer type name', 'something else', afterVersion); });
      }
      r.fail('layer wrapper version 1, 2 or 3 (add_tag_layer/add_skip_layer/repeat, add_layer, add_layer over input)', `${v}`, start);
    }

    // Inside a repeat block: the bottom is a repeat_input_layer that writes nothing.
    const detailsFollow = r.peekString(isComputationalName, afterVersion) !== undefined;
    if ((v === 3 || v === 2) && detailsFollow) {
      return r.within(label, () => this.finishAddLayerOverInput(v, { kind: 'repeat_input' }));
    }
    if (v === 2) {
      return this.alternatives(afterVersion, [
        () => this.parseAddLayerSub(v, inBlock, depth),
        () => r.within(label, () => this.finishTagOverInput(v, { kind: 'repeat_input' })),
      ]);
    }
    if (v === 1) {
      return this.alternatives(afterVersion, [
        () => this.parseTagOrSkip(inBlock, depth),
        () => this.parseRepeat(inBlock, depth),
        () => r.within(label, () => this.finishTagOverInput(v, { kind: 'repeat_input' })),
      ]);
    }
    if (v === 3) {
      return r.within(label, () => { readDnnDetails(r, 'computational'); return r.fail('a layer type name', 'something else', afterVersion); });
    }
    return r.fail('layer wrapper version 1, 2 or 3', `${v}`, start);
  }

  /** Tries each alternative from offset `from`; returns the first success or rethrows the furthest error. */
  private alternatives(from: number, alts: Array<() => DnnNode[]>): DnnNode[] {
    let best: DlibFormatError | undefined;
    let fallback: DlibFormatError | undefined;
    for (const alt of alts) {
      this.r.offset = from;
      try {
        return alt();
      } catch (e) {
        if (!(e instanceof DlibFormatError)) throw e;
        if (this.attempts > MAX_ATTEMPTS) throw e;
        if (e instanceof UnlikelyParse) {
          fallback ??= e.inner;
        } else if (best === undefined || e.offset > best.offset) {
          best = e;
        }
      }
    }
    throw best ?? fallback!;
  }

  private parseOverInput(v: number, start: number): DnnNode[] {
    const r = this.r;
    const inputAt = r.offset;
    const input: DnnInputNode = { kind: 'input', details: readDnnDetails(r, 'input', inputAt) };
    if (v === 3) return this.finishAddLayerOverInput(v, input);
    if (v === 2) {
      // add_layer version 2 (details follow) or add_tag_layer version 2 (a tensor follows).
      if (r.peekString(isComputationalName) !== undefined) return this.finishAddLayerOverInput(v, input);
      return this.finishTagOverInput(v, input);
    }
    if (v === 1) return this.finishTagOverInput(v, input);
    return r.fail(`add_layer version 3 or 2, or add_tag_layer version 2 or 1, over input layer '${input.details.typeName}'`, `version ${v}`, start);
  }

  /** After the version (and input, if any): details + add_layer input-form state. */
  private finishAddLayerOverInput(v: number, input: DnnInputNode | DnnRepeatInputNode): DnnNode[] {
    const r = this.r;
    const details = readDnnDetails(r, 'computational');
    const state = r.within(`${details.typeName} add_layer state`, (): DnnAddLayerState => {
      const st: DnnAddLayerState = { ...readAddLayerCommonState(r), gradFinal: r.readTensor('grad_final tensor') };
      if (v >= 3) st.sampleExpansionFactor = r.readInt('unsigned int', 'sample_expansion_factor');
      return st;
    });
    return [{ kind: 'layer', version: v, details, state }, input];
  }

  private finishTagOverInput(v: number, input: DnnInputNode | DnnRepeatInputNode): DnnNode[] {
    const r = this.r;
    const state = r.within('add_tag_layer (over input) state', (): DnnTagInputState => {
      const cachedOutput = r.readTensor('cached_output tensor');
      const gradFinal = r.readTensor('grad_final tensor');
      const gradientInputIsStale = r.readBool('gradient_input_is_stale');
      const st: DnnTagInputState = { cachedOutput, gradFinal, gradientInputIsStale };
      if (v >= 2) st.sampleExpansionFactor = r.readInt('unsigned int', 'sample_expansion_factor');
      return st;
    });
    return [{ kind: 'tag', version: v, state }, input];
  }

  private parseAddLayerSub(v: number, inBlock: boolean, depth: number): DnnNode[] {
    const r = this.r;
    const sub = this.parseSub(inBlock, depth + 1);
    const details = r.within(`layer<${depth}>`, () => readDnnDetails(r, 'computational'));
    const state = r.within(`layer<${depth}> ${details.typeName} add_layer state`, (): DnnAddLayerState => {
      const common = readAddLayerCommonState(r);
      return { ...common, paramsGrad: r.readTensor('params_grad tensor') };
    });
    return [{ kind: 'layer', version: v, details, state }, ...sub];
  }

  private parseTagOrSkip(inBlock: boolean, depth: number): DnnNode[] {
    const sub = this.parseSub(inBlock, depth + 1);
    return [{ kind: 'tag_or_skip', version: 1 }, ...sub];
  }

  private parseRepeat(inBlock: boolean, depth: number): DnnNode[] {
    const r = this.r;
    const n = r.within(`layer<${depth}> repeat`, () => r.readCount('repeat block count', 2));
    const blocks: DnnNode[][] = [];
    for (let i = 0; i < n; i++) {
      try {
        blocks.push(r.within(`layer<${depth}> repeat block ${i}`, () => this.parseSub(true, 0)));
      } catch (e) {
        // Until one block has parsed, reading this as a repeat layer is only a guess; its
        // error must not hide the error of the plainer reading.
        if (i === 0 && e instanceof DlibFormatError && !(e instanceof UnlikelyParse)) throw new UnlikelyParse(e);
        throw e;
      }
    }
    const sub = this.parseSub(inBlock, depth + 1);
    return [{ kind: 'repeat', version: 1, blocks }, ...sub];
  }
}

/**
 * Parses a dlib dnn network file into a top-down layer list. Throws DlibFormatError ("at
 * byte N: expected X, found Y") for wrong type strings, unknown versions, truncation and
 * trailing bytes.
 */
export function readDnnNet(bytes: Uint8Array, file?: string): DnnNet {
  const r = new DlibReader(bytes, file);
  if (bytes.length >= 4 && bytes[0] === 0x42 && bytes[1] === 0x5a && bytes[2] === 0x68 && bytes[3] >= 0x30 && bytes[3] <= 0x39) {
    r.fail('a dlib network file', 'a bzip2 header (decompress the file first)', 0);
  }
  try {
    return new NetParser(r).parseFile();
  } catch (e) {
    if (e instanceof UnlikelyParse) throw e.inner;
    throw e;
  }
}

// ------------------------------------------------------------------------------------------

function writeAddLayerCommonState(w: DlibWriter, s: DnnAddLayerState): void {
  w.writeBool(s.thisLayerSetupCalled);
  w.writeBool(s.gradientInputIsStale);
  w.writeBool(s.getOutputAndGradientInputDisabled);
  w.writeTensor(s.xGrad);
  w.writeTensor(s.cachedOutput);
}

function writeSub(w: DlibWriter, nodes: readonly DnnNode[], i: number): void {
  const node = nodes[i];
  if (node === undefined) throw new Error('network list ends without an input layer');
  switch (node.kind) {
    case 'layer': {
      const next = nodes[i + 1];
      if (next === undefined) throw new Error(`layer '${node.details.typeName}' has nothing below it`);
      if (next.kind === 'input' || next.kind === 'repeat_input') {
        if (node.version !== 3 && node.version !== 2) throw new Error(`add_layer over an input must be version 3 or 2, not ${node.version}`);
        w.writeI32(node.version);
        if (next.kind === 'input') writeDnnDetails(w, next.details);
        writeDnnDetails(w, node.details);
        writeAddLayerCommonState(w, node.state);
        w.writeTensor(node.state.gradFinal ?? emptyT());
        if (node.version >= 3) w.writeInt('unsigned int', node.state.sampleExpansionFactor ?? 1);
      } else {
        if (node.version !== 2) throw new Error(`add_layer over a subnetwork must be version 2, not ${node.version}`);
        w.writeI32(2);
        writeSub(w, nodes, i + 1);
        writeDnnDetails(w, node.details);
        writeAddLayerCommonState(w, node.state);
        w.writeTensor(node.state.paramsGrad ?? emptyT());
      }
      return;
    }
    case 'tag': {
      const next = nodes[i + 1];
      if (next === undefined || (next.kind !== 'input' && next.kind !== 'repeat_input')) {
        throw new Error("a 'tag' node (add_tag_layer over an input) must be followed by the input");
      }
      w.writeI32(node.version);
      if (next.kind === 'input') writeDnnDetails(w, next.details);
      w.writeTensor(node.state.cachedOutput);
      w.writeTensor(node.state.gradFinal);
      w.writeBool(node.state.gradientInputIsStale);
      if (node.version >= 2) w.writeInt('unsigned int', node.state.sampleExpansionFactor ?? 1);
      return;
    }
    case 'tag_or_skip':
      w.writeI32(1);
      writeSub(w, nodes, i + 1);
      return;
    case 'repeat':
      w.writeI32(1);
      w.writeULong(node.blocks.length);
      for (const b of node.blocks) writeSub(w, b, 0);
      writeSub(w, nodes, i + 1);
      return;
    case 'loss':
      throw new Error('a loss layer can only be the first node');
    case 'input':
    case 'repeat_input':
      throw new Error('an input layer must sit below an add_layer or add_tag_layer node');
  }
}

function emptyT(): DlibTensor {
  return { numSamples: 0, k: 0, nr: 0, nc: 0, data: new Float32Array(0) };
}

/** Serializes a network exactly as dlib does (byte-identical for files dlib wrote). */
export function writeDnnNet(net: DnnNet): Uint8Array {
  let estimate = 1 << 16;
  forEachTensor(net, (t) => { estimate += t.data.length * 4 + 48; });
  const w = new DlibWriter(estimate);
  const nodes = net.nodes;
  if (nodes.length > 0 && nodes[0].kind === 'loss') {
    w.writeI32(1);
    writeDnnDetails(w, nodes[0].details);
    writeSub(w, nodes, 1);
  } else {
    writeSub(w, nodes, 0);
  }
  return w.toBytes();
}

// ------------------------------------------------------------------------------------------
// Helpers over the layer list.

/** Calls fn for every tensor (parameters and state) in the network. */
export function forEachTensor(net: DnnNet, fn: (t: DlibTensor) => void): void {
  const visit = (nodes: readonly DnnNode[]): void => {
    for (const n of nodes) {
      if (n.kind === 'layer' || n.kind === 'loss' || n.kind === 'input') {
        for (const v of Object.values(n.details.fields)) if (typeof v === 'object' && 'data' in v) fn(v);
      }
      if (n.kind === 'layer') {
        const s = n.state;
        fn(s.xGrad); fn(s.cachedOutput);
        if (s.paramsGrad) fn(s.paramsGrad);
        if (s.gradFinal) fn(s.gradFinal);
      } else if (n.kind === 'tag') {
        fn(n.state.cachedOutput); fn(n.state.gradFinal);
      } else if (n.kind === 'repeat') {
        for (const b of n.blocks) visit(b);
      }
    }
  };
  visit(net.nodes);
}

/**
 * The computational layers (add_layer nodes) in the order their details appear in the
 * file: from the input upwards (repeat blocks come before the layers below the repeat, as
 * dlib writes them).
 */
export function layersInFileOrder(net: DnnNet): DnnLayerNode[] {
  const out: DnnLayerNode[] = [];
  const visit = (nodes: readonly DnnNode[], i: number): void => {
    const n = nodes[i];
    if (n === undefined) return;
    if (n.kind === 'repeat') {
      for (const b of n.blocks) visit(b, 0);
      visit(nodes, i + 1);
      return;
    }
    visit(nodes, i + 1);
    if (n.kind === 'layer') out.push(n);
  };
  visit(net.nodes, net.nodes.length > 0 && net.nodes[0].kind === 'loss' ? 1 : 0);
  return out;
}

/** The input layer's details (the last node of the top-level list). */
export function inputLayer(net: DnnNet): DnnLayerDetails | undefined {
  const last = net.nodes[net.nodes.length - 1];
  return last?.kind === 'input' ? last.details : undefined;
}

/** The loss layer's details, if the file has one. */
export function lossLayer(net: DnnNet): DnnLayerDetails | undefined {
  const first = net.nodes[0];
  return first?.kind === 'loss' ? first.details : undefined;
}

/** Named parameter views of a layer (subarrays of its `params` tensor, no copies). */
export interface DnnLayerParams {
  /** con_/cont_: [numFilters][k][nr][nc]; fc_: [numInputs][numOutputs]. */
  filters?: Float32Array;
  weights?: Float32Array;
  biases?: Float32Array;
  gamma?: Float32Array;
  beta?: Float32Array;
  /** Shapes of the named views (alias_tensor shapes). */
  shapes: Record<string, DlibAliasTensor>;
}

/**
 * Splits a layer's `params` tensor into its named parts the way dlib's layers alias it:
 * con_/cont_: filters then biases; fc_: weights then biases; affine_/bn_/layer_norm_: gamma
 * then beta; prelu_: the single slope (as `weights`).
 */
export function layerParams(d: DnnLayerDetails): DnnLayerParams {
  const params = d.fields.params as DlibTensor | undefined;
  const out: DnnLayerParams = { shapes: {} };
  if (params === undefined) return out;
  const take = (names: Array<[keyof DnnLayerParams & string, string]>): void => {
    let off = 0;
    for (const [key, field] of names) {
      const alias = d.fields[field] as DlibAliasTensor | undefined;
      if (alias === undefined) continue;
      const n = tensorSize(alias);
      if (n === 0 || off + n > params.data.length) continue;
      (out as unknown as Record<string, unknown>)[key] = params.data.subarray(off, off + n);
      out.shapes[key] = alias;
      off += n;
    }
  };
  switch (d.type) {
    case 'con_':
    case 'cont_':
      take([['filters', 'filters'], ['biases', 'biases']]);
      break;
    case 'fc_':
      take([['weights', 'weights'], ['biases', 'biases']]);
      break;
    case 'affine_':
    case 'bn_':
    case 'layer_norm_':
      take([['gamma', 'gamma'], ['beta', 'beta']]);
      break;
    case 'prelu_':
      out.weights = params.data;
      break;
    default:
      break;
  }
  return out;
}

/** A one-line description of a node, e.g. "con_5 32 7x7 /2 pad 0", for listings and tests. */
export function describeNode(n: DnnNode): string {
  switch (n.kind) {
    case 'loss':
    case 'input':
    case 'layer': {
      const f = n.details.fields;
      const parts: string[] = [n.details.typeName];
      for (const [k, v] of Object.entries(f)) {
        if (typeof v === 'number' || typeof v === 'boolean') parts.push(`${k}=${v}`);
        else if ('data' in v) parts.push(`${k}=[${v.numSamples}x${v.k}x${v.nr}x${v.nc}]`);
        else parts.push(`${k}=<${v.numSamples}x${v.k}x${v.nr}x${v.nc}>`);
      }
      return parts.join(' ');
    }
    case 'tag_or_skip': return 'tag_or_skip';
    case 'tag': return 'tag (over input)';
    case 'repeat': return `repeat x${n.blocks.length}`;
    case 'repeat_input': return 'repeat_input';
  }
}

function shapeOf(t: DlibAliasTensor): string {
  return `${t.numSamples}x${t.k}x${t.nr}x${t.nc}`;
}

function describeFields(d: DnnLayerDetails): string {
  const parts: string[] = [d.typeName];
  for (const [k, v] of Object.entries(d.fields)) {
    if (typeof v === 'number' || typeof v === 'boolean') parts.push(`${k}=${v}`);
    else parts.push(`${k}=${'data' in v ? 'tensor' : 'alias'}(${shapeOf(v)})`);
  }
  return parts.join(' ');
}

/**
 * One string per node describing everything but parameter and state tensor *values*: node
 * kind, wrapper version, type name, scalar fields, tensor shapes, add_layer state flags.
 * Two networks with equal signatures differ only in numbers inside tensors.
 */
export function structureSignature(net: DnnNet): string[] {
  const out: string[] = [];
  const visit = (nodes: readonly DnnNode[], prefix: string): void => {
    nodes.forEach((n, i) => {
      const p = `${prefix}${i}`;
      switch (n.kind) {
        case 'loss': out.push(`${p} loss v${n.version} ${describeFields(n.details)}`); break;
        case 'input': out.push(`${p} input ${describeFields(n.details)}`); break;
        case 'layer': {
          const s = n.state;
          const st = [
            `setup=${s.thisLayerSetupCalled}`, `stale=${s.gradientInputIsStale}`, `disabled=${s.getOutputAndGradientInputDisabled}`,
            `x_grad=${shapeOf(s.xGrad)}`, `cached_output=${shapeOf(s.cachedOutput)}`,
            s.paramsGrad ? `params_grad=${shapeOf(s.paramsGrad)}` : '', s.gradFinal ? `grad_final=${shapeOf(s.gradFinal)}` : '',
            s.sampleExpansionFactor !== undefined ? `sample_expansion_factor=${s.sampleExpansionFactor}` : '',
          ].filter((x) => x !== '').join(' ');
          out.push(`${p} add_layer v${n.version} ${describeFields(n.details)} | ${st}`);
          break;
        }
        case 'tag_or_skip': out.push(`${p} tag_or_skip v${n.version}`); break;
        case 'tag': out.push(`${p} tag v${n.version} cached_output=${shapeOf(n.state.cachedOutput)} grad_final=${shapeOf(n.state.gradFinal)} stale=${n.state.gradientInputIsStale} sef=${n.state.sampleExpansionFactor}`); break;
        case 'repeat':
          out.push(`${p} repeat v${n.version} x${n.blocks.length}`);
          n.blocks.forEach((b, j) => visit(b, `${p}.${j}.`));
          break;
        case 'repeat_input': out.push(`${p} repeat_input`); break;
      }
    });
  };
  visit(net.nodes, '');
  return out;
}

/** All schemas, re-exported for tools. */
export { DNN_SCHEMAS };
