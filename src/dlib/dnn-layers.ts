/**
 * The serialized form of each dlib dnn layer's details object, as a table.
 *
 * Mirrors the `serialize`/`deserialize` friends of every layer class in
 * `dlib/dnn/layers.h` (con_, cont_, fc_, affine_, bn_, max_pool_, avg_pool_, relu_, add_prev_,
 * ...), every input layer in `dlib/dnn/input.h` and every loss layer in `dlib/dnn/loss.h`
 * (dlib 19.24). Each details object starts with a type-name string that doubles as its
 * version ("con_5", "fc_3", "affine_2", "max_pool_2", "input_rgb_image_sized",
 * "loss_metric_2", ...), followed by fixed fields. Older type names that dlib still reads
 * ("con_4", "fc_2", "affine_", "loss_metric_", ...) are listed with their shorter field lists.
 *
 * Field names are the C++ member names in camelCase. C++ types map to encodings in
 * `serialize.ts`: long = 8-byte signed, int = 4-byte signed, unsigned long / size_t =
 * 8-byte unsigned, unsigned int = 4 bytes, float / double = float_details, tensor =
 * resizable_tensor (with data), alias = alias_tensor (a shape only).
 */
import type { DlibAliasTensor, DlibTensor } from './serialize.js';

/** How one field of a details object is serialized. */
export type DnnFieldType = 'tensor' | 'alias' | 'int' | 'long' | 'ulong' | 'uint' | 'longlong' | 'float' | 'double' | 'bool';

/** A field value: numbers for integers and floats, booleans, tensors. */
export type DnnFieldValue = number | boolean | DlibTensor | DlibAliasTensor;

/** Which slot of the network a details object fills. */
export type DnnDetailsRole = 'computational' | 'input' | 'loss';

/** The schema of one serialized type name. */
export interface DnnDetailsSchema {
  /** The type name written first, e.g. 'con_5'. */
  typeName: string;
  /** The dlib class, e.g. 'con_'. */
  type: string;
  role: DnnDetailsRole;
  /** Fields after the type name, in file order. */
  fields: ReadonlyArray<readonly [name: string, type: DnnFieldType]>;
}

type F = ReadonlyArray<readonly [string, DnnFieldType]>;

const MULTIPLIERS: F = [
  ['learningRateMultiplier', 'double'],
  ['weightDecayMultiplier', 'double'],
  ['biasLearningRateMultiplier', 'double'],
  ['biasWeightDecayMultiplier', 'double'],
];

/** The window a con_/cont_ filter or a pooling layer slides: its size, strides and padding. */
const WINDOW_FIELDS: F = [
  ['nr', 'long'],
  ['nc', 'long'],
  ['strideY', 'int'],
  ['strideX', 'int'],
  ['paddingY', 'int'],
  ['paddingX', 'int'],
];

const CON_FIELDS: F = [
  ['params', 'tensor'],
  ['numFilters', 'long'],
  ...WINDOW_FIELDS,
  ['filters', 'alias'],
  ['biases', 'alias'],
  ...MULTIPLIERS,
];

const POOL_FIELDS: F = WINDOW_FIELDS;

const FC_FIELDS: F = [
  ['numOutputs', 'ulong'],
  ['numInputs', 'ulong'],
  ['params', 'tensor'],
  ['weights', 'alias'],
  ['biases', 'alias'],
  ['biasMode', 'int'],
  ...MULTIPLIERS,
];

const BN_FIELDS: F = [
  ['params', 'tensor'],
  ['gamma', 'alias'],
  ['beta', 'alias'],
  ['means', 'tensor'],
  ['invstds', 'tensor'],
  ['runningMeans', 'tensor'],
  ['runningVariances', 'tensor'],
  ['numUpdates', 'ulong'],
  ['runningStatsWindowSize', 'ulong'],
  ...MULTIPLIERS,
  ['eps', 'double'],
];

const AVG_RGB: F = [
  ['avgRed', 'float'],
  ['avgGreen', 'float'],
  ['avgBlue', 'float'],
];

function s(typeName: string, type: string, role: DnnDetailsRole, fields: F = []): DnnDetailsSchema {
  return { typeName, type, role, fields };
}

/** Every details type name this parser reads and writes, computational layers first. */
export const DNN_SCHEMAS: readonly DnnDetailsSchema[] = [
  // ---- computational layers (layers.h) ----
  s('con_5', 'con_', 'computational', [...CON_FIELDS, ['useBias', 'bool']]),
  s('con_4', 'con_', 'computational', CON_FIELDS),
  s('cont_2', 'cont_', 'computational', [...CON_FIELDS, ['useBias', 'bool']]),
  s('cont_1', 'cont_', 'computational', CON_FIELDS),
  s('upsample_', 'upsample_', 'computational', [['scaleY', 'int'], ['scaleX', 'int']]),
  s('resize_to_', 'resize_to_', 'computational', [['nr', 'long'], ['nc', 'long'], ['scaleY', 'double'], ['scaleX', 'double']]),
  s('max_pool_2', 'max_pool_', 'computational', POOL_FIELDS),
  s('avg_pool_2', 'avg_pool_', 'computational', POOL_FIELDS),
  s('layer_norm_', 'layer_norm_', 'computational', [
    ['params', 'tensor'], ['gamma', 'alias'], ['beta', 'alias'], ['means', 'tensor'], ['invstds', 'tensor'],
    ...MULTIPLIERS, ['eps', 'double'],
  ]),
  s('bn_con2', 'bn_', 'computational', BN_FIELDS),
  s('bn_fc2', 'bn_', 'computational', BN_FIELDS),
  s('fc_3', 'fc_', 'computational', [...FC_FIELDS, ['useBias', 'bool']]),
  s('fc_2', 'fc_', 'computational', FC_FIELDS),
  s('dropout_', 'dropout_', 'computational', [['dropRate', 'float'], ['mask', 'tensor']]),
  s('multiply_', 'multiply_', 'computational', [['val', 'float']]),
  s('affine_2', 'affine_', 'computational', [['params', 'tensor'], ['gamma', 'alias'], ['beta', 'alias'], ['mode', 'int'], ['disabled', 'bool']]),
  s('affine_', 'affine_', 'computational', [['params', 'tensor'], ['gamma', 'alias'], ['beta', 'alias'], ['mode', 'int']]),
  s('add_prev_', 'add_prev_', 'computational'),
  s('mult_prev_', 'mult_prev_', 'computational'),
  s('resize_prev_to_tagged_', 'resize_prev_to_tagged_', 'computational'),
  s('scale_', 'scale_', 'computational', [['reshapeScales', 'alias'], ['reshapeSrc', 'alias']]),
  s('scale_prev_', 'scale_prev_', 'computational', [['reshapeScales', 'alias'], ['reshapeSrc', 'alias']]),
  s('relu_', 'relu_', 'computational'),
  s('prelu_', 'prelu_', 'computational', [['params', 'tensor'], ['initialParamValue', 'float']]),
  s('leaky_relu_', 'leaky_relu_', 'computational', [['alpha', 'float']]),
  s('sig_', 'sig_', 'computational'),
  s('mish_', 'mish_', 'computational'),
  s('htan_', 'htan_', 'computational'),
  s('clipped_relu_', 'clipped_relu_', 'computational', [['ceiling', 'float']]),
  s('elu_', 'elu_', 'computational', [['alpha', 'float']]),
  s('gelu_', 'gelu_', 'computational'),
  s('smelu_', 'smelu_', 'computational', [['beta', 'float']]),
  s('silu_', 'silu_', 'computational'),
  s('softmax_', 'softmax_', 'computational'),
  s('softmax_all_', 'softmax_all_', 'computational'),
  s('concat_', 'concat_', 'computational', [['tagCount', 'ulong']]),
  s('l2normalize_', 'l2normalize_', 'computational', [['eps', 'double']]),
  s('extract_', 'extract_', 'computational', [['offset', 'long'], ['k', 'long'], ['nr', 'long'], ['nc', 'long']]),
  s('reorg_', 'reorg_', 'computational', [['rowStride', 'longlong'], ['colStride', 'longlong']]),
  // ---- input layers (input.h) ----
  s('input_rgb_image', 'input_rgb_image', 'input', AVG_RGB),
  s('input_rgb_image_sized', 'input_rgb_image_sized', 'input', [...AVG_RGB, ['nr', 'ulong'], ['nc', 'ulong']]),
  s('input_rgb_image_pair', 'input_rgb_image_pair', 'input', AVG_RGB),
  s('input<matrix>', 'input<matrix>', 'input'),
  s('input<array<matrix>>', 'input<array<matrix>>', 'input'),
  s('input<array2d>', 'input<array2d>', 'input'),
  s('input_grayscale_image_pyramid', 'input_grayscale_image_pyramid', 'input', [['pyramidPadding', 'ulong'], ['pyramidOuterPadding', 'ulong']]),
  s('input_rgb_image_pyramid2', 'input_rgb_image_pyramid', 'input', [...AVG_RGB, ['pyramidPadding', 'ulong'], ['pyramidOuterPadding', 'ulong']]),
  s('input_rgb_image_pyramid', 'input_rgb_image_pyramid', 'input', AVG_RGB),
  // ---- loss layers (loss.h) ----
  s('loss_binary_hinge_', 'loss_binary_hinge_', 'loss'),
  s('loss_binary_log_', 'loss_binary_log_', 'loss'),
  s('loss_multiclass_log_', 'loss_multiclass_log_', 'loss'),
  s('loss_multiclass_log_weighted_', 'loss_multiclass_log_weighted_', 'loss'),
  s('loss_multibinary_log_2', 'loss_multibinary_log_', 'loss', [['gamma', 'double']]),
  s('loss_multibinary_log_', 'loss_multibinary_log_', 'loss'),
  s('loss_metric_2', 'loss_metric_', 'loss', [['margin', 'float'], ['distThresh', 'float']]),
  s('loss_metric_', 'loss_metric_', 'loss'),
  s('loss_ranking_', 'loss_ranking_', 'loss'),
  s('loss_mean_squared_', 'loss_mean_squared_', 'loss'),
  s('loss_epsilon_insensitive_', 'loss_epsilon_insensitive_', 'loss', [['eps', 'double']]),
  s('loss_mean_squared_multioutput_', 'loss_mean_squared_multioutput_', 'loss'),
  s('loss_binary_log_per_pixel_', 'loss_binary_log_per_pixel_', 'loss'),
  s('loss_multiclass_log_per_pixel_', 'loss_multiclass_log_per_pixel_', 'loss'),
  s('loss_multiclass_log_per_pixel_weighted_', 'loss_multiclass_log_per_pixel_weighted_', 'loss'),
  s('loss_mean_squared_per_pixel_', 'loss_mean_squared_per_pixel_', 'loss'),
  s('loss_mean_squared_per_channel_and_pixel_', 'loss_mean_squared_per_channel_and_pixel_', 'loss'),
  s('loss_dot_', 'loss_dot_', 'loss'),
  s('loss_barlow_twins_', 'loss_barlow_twins_', 'loss', [['lambda', 'float']]),
];

/**
 * Type names dlib writes whose payload this parser does not decode (nested option structs,
 * maps); reading one stops with a clear "not supported" error.
 */
export const UNSUPPORTED_TYPE_NAMES: readonly string[] = ['loss_mmod_', 'loss_yolo_', 'loss_multimulticlass_log_'];

const BY_NAME = new Map<string, DnnDetailsSchema>(DNN_SCHEMAS.map((x) => [x.typeName, x]));

/** The schema for a type name, or undefined. */
export function schemaFor(typeName: string): DnnDetailsSchema | undefined {
  return BY_NAME.get(typeName);
}

/** All type names of one role. */
export function typeNamesOf(role: DnnDetailsRole): string[] {
  return DNN_SCHEMAS.filter((x) => x.role === role).map((x) => x.typeName);
}
