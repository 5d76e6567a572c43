/*
 * facemetric_cuda: the C ABI of facemetric_cuda.h. See that header for the program format and
 * the two builds; the kernels are in fmc_kernels.cuh.
 *
 * What this file does: validates a program against its weights (every tensor and weight range
 * inside its buffer, every op's shapes consistent), uploads the weights once, allocates one
 * arena for max_batch chips, and runs the ops in order on one stream (GPU) or in a loop (host).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facemetric_cuda.h"
#include "fmc_kernels.cuh"

#ifndef FMC_HOST
#include <cuda_runtime.h>
#endif

/* ------------------------------------------------------------------------------------------ */
/* Errors */

static thread_local char last_error[512];

static int fail(int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  return status;
}

extern "C" const char *fmc_last_error(void) { return last_error; }

extern "C" const char *fmc_status_name(int status) {
  switch (status) {
  case FMC_OK: return "ok";
  case FMC_ERR_NO_DRIVER: return "no driver";
  case FMC_ERR_NO_DEVICE: return "no device";
  case FMC_ERR_BAD_PROGRAM: return "bad program";
  case FMC_ERR_BAD_INPUT: return "bad input";
  case FMC_ERR_OUT_OF_MEMORY: return "out of memory";
  case FMC_ERR_CUDA: return "CUDA error";
  default: return "unknown status";
  }
}

extern "C" int fmc_abi_version(void) { return FMC_ABI_VERSION; }

/* ------------------------------------------------------------------------------------------ */
/* Memory and launches: CUDA, or the host emulation. */

/* FMC_MEMORY_LIMIT (bytes): a ceiling on what a net may allocate, to test the out-of-memory path. */
static bool over_limit(fmc_i64 bytes) {
  const char *lim = getenv("FMC_MEMORY_LIMIT");
  return lim != NULL && *lim != 0 && bytes > atoll(lim);
}

#ifdef FMC_HOST

extern "C" const char *fmc_build_kind(void) { return "host"; }

extern "C" int fmc_probe(char *description, int len) {
  last_error[0] = 0;
  if (description && len > 0) snprintf(description, len, "host build (CPU emulation of the kernels)");
  return FMC_OK;
}

typedef int stream_t;
static int dev_alloc(void **p, size_t bytes, const char *what) {
  *p = bytes ? malloc(bytes) : NULL;
  if (bytes && !*p) return fail(FMC_ERR_OUT_OF_MEMORY, "out of memory: %s needs %.1f MiB", what, bytes / 1048576.0);
  return FMC_OK;
}
static void dev_free(void *p) { free(p); }
static int to_device(void *dst, const void *src, size_t bytes) { memcpy(dst, src, bytes); return FMC_OK; }
static int to_host(void *dst, const void *src, size_t bytes, stream_t) { memcpy(dst, src, bytes); return FMC_OK; }
static int check_launch(const char *) { return FMC_OK; }
static int stream_create(stream_t *s) { *s = 0; return FMC_OK; }
static void stream_destroy(stream_t) {}

template <class F> static void each(const F &f, fmc_i64 count, stream_t) {
  for (fmc_i64 i = 0; i < count; i++) f(i);
}

template <int BM, int BN> static void conv_run(const ConvArgs &a, stream_t) {
  fmc_i64 N = (fmc_i64)a.n * a.oh * a.ow;
  int gx = (int)((N + BN - 1) / BN), gy = (a.M + BM - 1) / BM;
  ConvShared<BM, BN> sh;
  ConvThread<BM, BN> *t = new ConvThread<BM, BN>[FMC_THREADS];
  /* conv_kernel's phases, each for every thread of the block before the next */
  for (int by = 0; by < gy; by++)
    for (int bx = 0; bx < gx; bx++) {
      for (int tid = 0; tid < FMC_THREADS; tid++) {
        conv_init<BM, BN>(a, bx, tid, t[tid]);
        conv_fetch<BM, BN>(a, by, tid, 0, t[tid]);
        conv_store<BM, BN>(tid, t[tid], sh);
      }
      for (int k0 = 0; k0 < a.K; k0 += FMC_BK) {
        bool more = k0 + FMC_BK < a.K;
        if (more)
          for (int tid = 0; tid < FMC_THREADS; tid++) conv_fetch<BM, BN>(a, by, tid, k0 + FMC_BK, t[tid]);
        for (int tid = 0; tid < FMC_THREADS; tid++) conv_mma<BM, BN>(tid, sh, t[tid]);
        if (more)
          for (int tid = 0; tid < FMC_THREADS; tid++) conv_store<BM, BN>(tid, t[tid], sh);
      }
      for (int tid = 0; tid < FMC_THREADS; tid++) conv_epilogue<BM, BN>(a, bx, by, tid, t[tid]);
    }
  delete[] t;
}

#else /* CUDA */

extern "C" const char *fmc_build_kind(void) { return "cuda"; }

static int cuda_fail(cudaError_t e, const char *what) {
  if (e == cudaErrorMemoryAllocation) return fail(FMC_ERR_OUT_OF_MEMORY, "GPU out of memory: %s", what);
  if (e == cudaErrorInsufficientDriver) return fail(FMC_ERR_NO_DRIVER, "%s: %s", what, cudaGetErrorString(e));
  return fail(FMC_ERR_CUDA, "%s: %s (%s)", what, cudaGetErrorString(e), cudaGetErrorName(e));
}

extern "C" int fmc_probe(char *description, int len) {
  last_error[0] = 0;
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e == cudaErrorInsufficientDriver) {
    int driver = 0;
    cudaDriverGetVersion(&driver);
    if (driver == 0) return fail(FMC_ERR_NO_DRIVER, "no NVIDIA driver (libcuda.so.1 not found)");
    return fail(FMC_ERR_NO_DRIVER, "the NVIDIA driver (CUDA %d.%d) is older than this library's CUDA runtime (%d.%d)", driver / 1000,
                driver % 1000 / 10, CUDART_VERSION / 1000, CUDART_VERSION % 1000 / 10);
  }
  if (e == cudaErrorNoDevice || (e == cudaSuccess && count == 0))
    return fail(FMC_ERR_NO_DEVICE, "no CUDA device (%s)", e == cudaSuccess ? "the driver lists none" : cudaGetErrorString(e));
  if (e != cudaSuccess) {
    /* Without libcuda.so.1 the runtime reports a driver problem under several names. */
    int driver = 0;
    if (cudaDriverGetVersion(&driver) == cudaSuccess && driver == 0)
      return fail(FMC_ERR_NO_DRIVER, "no NVIDIA driver (libcuda.so.1 not found; %s)", cudaGetErrorName(e));
    return fail(FMC_ERR_CUDA, "cudaGetDeviceCount: %s (%s)", cudaGetErrorString(e), cudaGetErrorName(e));
  }
  cudaDeviceProp p;
  e = cudaGetDeviceProperties(&p, 0);
  if (e != cudaSuccess) return fail(FMC_ERR_CUDA, "cudaGetDeviceProperties: %s", cudaGetErrorString(e));
  if (p.major < 9)
    return fail(FMC_ERR_NO_DEVICE, "device 0 (%s) is sm_%d%d; this library is built for sm_90 and newer", p.name, p.major, p.minor);
  if (description && len > 0)
    snprintf(description, len, "%s, sm_%d%d, %.1f GiB", p.name, p.major, p.minor, p.totalGlobalMem / 1073741824.0);
  return FMC_OK;
}

typedef cudaStream_t stream_t;
static int dev_alloc(void **p, size_t bytes, const char *what) {
  *p = NULL;
  if (!bytes) return FMC_OK;
  cudaError_t e = cudaMalloc(p, bytes);
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    size_t free_b = 0, total = 0;
    cudaMemGetInfo(&free_b, &total);
    return fail(FMC_ERR_OUT_OF_MEMORY, "GPU out of memory: %s needs %.1f MiB, %.1f MiB free", what, bytes / 1048576.0,
                free_b / 1048576.0);
  }
  if (e != cudaSuccess) return cuda_fail(e, what);
  return FMC_OK;
}
static void dev_free(void *p) {
  if (p) cudaFree(p);
}
static int to_device(void *dst, const void *src, size_t bytes) {
  cudaError_t e = cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice);
  return e == cudaSuccess ? FMC_OK : cuda_fail(e, "copy to the device");
}
static int to_host(void *dst, const void *src, size_t bytes, stream_t s) {
  cudaError_t e = cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, s);
  if (e == cudaSuccess) e = cudaStreamSynchronize(s);
  return e == cudaSuccess ? FMC_OK : cuda_fail(e, "forward pass");
}
static int check_launch(const char *what) {
  cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? FMC_OK : cuda_fail(e, what);
}
static int stream_create(stream_t *s) {
  cudaError_t e = cudaStreamCreateWithFlags(s, cudaStreamNonBlocking);
  return e == cudaSuccess ? FMC_OK : cuda_fail(e, "cudaStreamCreate");
}
static void stream_destroy(stream_t s) { cudaStreamDestroy(s); }

template <class F> __global__ void each_kernel(F f, fmc_i64 count) {
  fmc_i64 i = (fmc_i64)blockIdx.x * blockDim.x + threadIdx.x;
  if (i < count) f(i);
}
template <class F> static void each(const F &f, fmc_i64 count, stream_t s) {
  if (count <= 0) return;
  each_kernel<F><<<(unsigned)((count + 255) / 256), 256, 0, s>>>(f, count);
}

template <int BM, int BN> __global__ void __launch_bounds__(FMC_THREADS, 2) conv_kernel(ConvArgs a) {
  __shared__ ConvShared<BM, BN> sh;
  ConvThread<BM, BN> t;
  const int tid = threadIdx.x;
  conv_init<BM, BN>(a, blockIdx.x, tid, t);
  conv_fetch<BM, BN>(a, blockIdx.y, tid, 0, t);
  conv_store<BM, BN>(tid, t, sh);
  __syncthreads();
  for (int k0 = 0; k0 < a.K; k0 += FMC_BK) {
    bool more = k0 + FMC_BK < a.K;
    if (more) conv_fetch<BM, BN>(a, blockIdx.y, tid, k0 + FMC_BK, t); /* global loads in flight during the mma */
    conv_mma<BM, BN>(tid, sh, t);
    __syncthreads();
    if (more) {
      conv_store<BM, BN>(tid, t, sh);
      __syncthreads();
    }
  }
  conv_epilogue<BM, BN>(a, blockIdx.x, blockIdx.y, tid, t);
}
template <int BM, int BN> static void conv_run(const ConvArgs &a, stream_t s) {
  fmc_i64 N = (fmc_i64)a.n * a.oh * a.ow;
  dim3 grid((unsigned)((N + BN - 1) / BN), (unsigned)((a.M + BM - 1) / BM));
  conv_kernel<BM, BN><<<grid, FMC_THREADS, 0, s>>>(a);
}

#endif

/* ------------------------------------------------------------------------------------------ */
/* The net */

struct fmc_net {
  int n_ops, max_batch;
  int32_t *ops;          /* n_ops records, host copy */
  fmc_i64 arena_floats;  /* per chip */
  int out_offset, out_size, in_h, in_w;
  float *weights;        /* device */
  float *arena;          /* device, arena_floats * max_batch */
  unsigned char *chips;  /* device, max_batch chips */
  fmc_i64 bytes;
  stream_t stream;
};

static fmc_i64 tensor_size(const int32_t *o, int c, int h, int w) { return (fmc_i64)o[c] * o[h] * o[w]; }

/* Checks one op record against the arena and weights sizes; sets *msg on failure. */
static int check_op(const int32_t *o, int i, fmc_i64 arena, fmc_i64 weights_len, int in_h, int in_w) {
  int kind = o[FMC_O_KIND];
  for (int f = FMC_O_OC; f <= FMC_O_PX; f++)
    if (o[f] < 0 || o[f] > (1 << 20)) return fail(FMC_ERR_BAD_PROGRAM, "op %d: field %d is %d", i, f, o[f]);
  fmc_i64 out_size = tensor_size(o, FMC_O_OC, FMC_O_OH, FMC_O_OW);
  fmc_i64 in_size = tensor_size(o, FMC_O_IC, FMC_O_IH, FMC_O_IW);
  if (out_size <= 0) return fail(FMC_ERR_BAD_PROGRAM, "op %d: empty output", i);
  if (o[FMC_O_OUT] < 0 || o[FMC_O_OUT] + out_size > arena) return fail(FMC_ERR_BAD_PROGRAM, "op %d: output outside the arena", i);
  if (kind != FMC_OP_INPUT && (o[FMC_O_SRC] < 0 || o[FMC_O_SRC] + in_size > arena || in_size <= 0))
    return fail(FMC_ERR_BAD_PROGRAM, "op %d: input outside the arena", i);
  /* a weight range [off, off + len) inside the blob, or absent (-1) when optional */
#define WEIGHTS(field, len, optional)                                                                   \
  do {                                                                                                  \
    fmc_i64 off_ = o[field];                                                                            \
    if (off_ == -1 && (optional)) break;                                                                \
    if (off_ < 0 || off_ + (fmc_i64)(len) > weights_len)                                                \
      return fail(FMC_ERR_BAD_PROGRAM, "op %d: weights (field %d) outside the blob", i, field);         \
  } while (0)
  switch (kind) {
  case FMC_OP_INPUT:
    if (o[FMC_O_OC] != 3 || o[FMC_O_OH] != in_h || o[FMC_O_OW] != in_w)
      return fail(FMC_ERR_BAD_PROGRAM, "op %d: the input is not 3 x %d x %d", i, in_h, in_w);
    WEIGHTS(FMC_O_W, 3, false);
    break;
  case FMC_OP_CONV: {
    int kh = o[FMC_O_KH], kw = o[FMC_O_KW], sy = o[FMC_O_SY], sx = o[FMC_O_SX];
    if (kh < 1 || kw < 1 || sy < 1 || sx < 1) return fail(FMC_ERR_BAD_PROGRAM, "op %d: bad window", i);
    if (o[FMC_O_OH] != 1 + (o[FMC_O_IH] + 2 * o[FMC_O_PY] - kh) / sy || o[FMC_O_OW] != 1 + (o[FMC_O_IW] + 2 * o[FMC_O_PX] - kw) / sx)
      return fail(FMC_ERR_BAD_PROGRAM, "op %d: output size does not match the window", i);
    WEIGHTS(FMC_O_W, (fmc_i64)o[FMC_O_OC] * o[FMC_O_IC] * kh * kw, false);
    int flags = o[FMC_O_FLAGS];
    WEIGHTS(FMC_O_BIAS, o[FMC_O_OC], !(flags & FMC_EPI_BIAS));
    WEIGHTS(FMC_O_GAMMA, o[FMC_O_OC], !(flags & FMC_EPI_AFFINE));
    WEIGHTS(FMC_O_BETA, o[FMC_O_OC], !(flags & FMC_EPI_AFFINE));
    if ((flags & FMC_EPI_RESIDUAL) && (o[FMC_O_RES] < 0 || o[FMC_O_RES] + out_size > arena))
      return fail(FMC_ERR_BAD_PROGRAM, "op %d: residual outside the arena", i);
    break;
  }
  case FMC_OP_AFFINE: {
    fmc_i64 len = (o[FMC_O_FLAGS] & FMC_F_FC) ? in_size : o[FMC_O_IC];
    if (in_size != out_size) return fail(FMC_ERR_BAD_PROGRAM, "op %d: affine changes the shape", i);
    WEIGHTS(FMC_O_GAMMA, len, false);
    WEIGHTS(FMC_O_BETA, len, false);
    break;
  }
  case FMC_OP_RELU:
    if (in_size != out_size) return fail(FMC_ERR_BAD_PROGRAM, "op %d: relu changes the shape", i);
    break;
  case FMC_OP_POOL:
    if (o[FMC_O_KH] < 1 || o[FMC_O_KW] < 1 || o[FMC_O_SY] < 1 || o[FMC_O_SX] < 1 || o[FMC_O_OC] != o[FMC_O_IC] ||
        o[FMC_O_PY] >= o[FMC_O_KH] || o[FMC_O_PX] >= o[FMC_O_KW])
      return fail(FMC_ERR_BAD_PROGRAM, "op %d: bad pooling window", i);
    if (o[FMC_O_OH] != 1 + (o[FMC_O_IH] + 2 * o[FMC_O_PY] - o[FMC_O_KH]) / o[FMC_O_SY] ||
        o[FMC_O_OW] != 1 + (o[FMC_O_IW] + 2 * o[FMC_O_PX] - o[FMC_O_KW]) / o[FMC_O_SX])
      return fail(FMC_ERR_BAD_PROGRAM, "op %d: output size does not match the window", i);
    break;
  case FMC_OP_ADD: {
    fmc_i64 rsize = tensor_size(o, FMC_O_RC, FMC_O_RH, FMC_O_RW);
    if (o[FMC_O_RES] < 0 || rsize <= 0 || o[FMC_O_RES] + rsize > arena)
      return fail(FMC_ERR_BAD_PROGRAM, "op %d: second operand outside the arena", i);
    if (o[FMC_O_OC] < o[FMC_O_IC] || o[FMC_O_OC] < o[FMC_O_RC] || o[FMC_O_OH] < o[FMC_O_IH] || o[FMC_O_OH] < o[FMC_O_RH] ||
        o[FMC_O_OW] < o[FMC_O_IW] || o[FMC_O_OW] < o[FMC_O_RW])
      return fail(FMC_ERR_BAD_PROGRAM, "op %d: add output smaller than an operand", i);
    break;
  }
  case FMC_OP_FC:
    if (o[FMC_O_OH] != 1 || o[FMC_O_OW] != 1) return fail(FMC_ERR_BAD_PROGRAM, "op %d: fc output is not a vector", i);
    WEIGHTS(FMC_O_W, in_size * o[FMC_O_OC], false);
    WEIGHTS(FMC_O_BIAS, o[FMC_O_OC], true);
    break;
  default:
    return fail(FMC_ERR_BAD_PROGRAM, "op %d: unknown kind %d", i, kind);
  }
#undef WEIGHTS
  return FMC_OK;
}

extern "C" void fmc_net_destroy(fmc_net *net) {
  if (!net) return;
  dev_free(net->weights);
  dev_free(net->arena);
  dev_free(net->chips);
  if (net->stream) stream_destroy(net->stream);
  free(net->ops);
  free(net);
}

extern "C" int fmc_net_create(const int32_t *program, int64_t program_len, const float *weights, int64_t weights_len,
                              int max_batch, int precision, fmc_net **out) {
  last_error[0] = 0;
  if (!out) return fail(FMC_ERR_BAD_PROGRAM, "no place for the result");
  *out = NULL;
  if (precision != FMC_PRECISION_FP32) return fail(FMC_ERR_BAD_PROGRAM, "precision %d is not supported (only fp32)", precision);
  if (max_batch < 1 || max_batch > (1 << 16)) return fail(FMC_ERR_BAD_INPUT, "max_batch %d is not in 1..65536", max_batch);
  if (!program || program_len < FMC_HEADER_INTS || program[FMC_H_MAGIC] != FMC_PROGRAM_MAGIC)
    return fail(FMC_ERR_BAD_PROGRAM, "not a facemetric_cuda program (bad magic)");
  int n_ops = program[FMC_H_NOPS];
  if (n_ops < 1 || program_len != FMC_HEADER_INTS + (int64_t)n_ops * FMC_OP_INTS)
    return fail(FMC_ERR_BAD_PROGRAM, "program length %lld does not match its %d ops", (long long)program_len, n_ops);
  fmc_i64 arena = program[FMC_H_ARENA];
  int out_offset = program[FMC_H_OUT], out_size = program[FMC_H_OUTSIZE];
  int in_h = program[FMC_H_INH], in_w = program[FMC_H_INW];
  if (arena <= 0 || out_offset < 0 || out_size <= 0 || out_offset + out_size > arena || in_h < 1 || in_w < 1 || in_h > 4096 || in_w > 4096)
    return fail(FMC_ERR_BAD_PROGRAM, "bad program header");
  const int32_t *ops = program + FMC_HEADER_INTS;
  if (ops[FMC_O_KIND] != FMC_OP_INPUT) return fail(FMC_ERR_BAD_PROGRAM, "the first op is not the input");
  for (int i = 0; i < n_ops; i++) {
    int st = check_op(ops + (fmc_i64)i * FMC_OP_INTS, i, arena, weights_len, in_h, in_w);
    if (st) return st;
  }
  fmc_i64 chip_bytes = (fmc_i64)in_h * in_w * 3;
  fmc_i64 bytes = 4 * weights_len + 4 * arena * max_batch + chip_bytes * max_batch;
  if (over_limit(bytes))
    return fail(FMC_ERR_OUT_OF_MEMORY, "out of memory: the net needs %.1f MiB for batches of %d, over FMC_MEMORY_LIMIT", bytes / 1048576.0,
                max_batch);

  fmc_net *net = (fmc_net *)calloc(1, sizeof(fmc_net));
  if (!net) return fail(FMC_ERR_OUT_OF_MEMORY, "out of host memory");
  net->n_ops = n_ops;
  net->max_batch = max_batch;
  net->arena_floats = arena;
  net->out_offset = out_offset;
  net->out_size = out_size;
  net->in_h = in_h;
  net->in_w = in_w;
  net->bytes = bytes;
  net->ops = (int32_t *)malloc(sizeof(int32_t) * FMC_OP_INTS * n_ops);
  int st = net->ops ? FMC_OK : fail(FMC_ERR_OUT_OF_MEMORY, "out of host memory");
  if (!st) memcpy(net->ops, ops, sizeof(int32_t) * FMC_OP_INTS * n_ops);
  if (!st) st = stream_create(&net->stream);
  if (!st) st = dev_alloc((void **)&net->weights, 4 * weights_len, "the weights");
  if (!st) st = dev_alloc((void **)&net->arena, 4 * arena * max_batch, "the activations");
  if (!st) st = dev_alloc((void **)&net->chips, chip_bytes * max_batch, "the chips");
  if (!st) st = to_device(net->weights, weights, 4 * weights_len);
  if (st) {
    fmc_net_destroy(net);
    return st;
  }
  *out = net;
  return FMC_OK;
}

extern "C" int64_t fmc_net_device_bytes(const fmc_net *net) { return net ? net->bytes : 0; }
extern "C" int fmc_net_max_batch(const fmc_net *net) { return net ? net->max_batch : 0; }

static void run_conv(const fmc_net *net, const int32_t *o, int n, stream_t s) {
  const fmc_i64 cap = net->max_batch;
  const float *w = net->weights;
  ConvArgs a;
  a.x = net->arena + o[FMC_O_SRC] * cap;
  a.out = net->arena + o[FMC_O_OUT] * cap;
  a.res = (o[FMC_O_FLAGS] & FMC_EPI_RESIDUAL) ? net->arena + o[FMC_O_RES] * cap : NULL;
  a.w = w + o[FMC_O_W];
  a.bias = (o[FMC_O_FLAGS] & FMC_EPI_BIAS) ? w + o[FMC_O_BIAS] : NULL;
  a.gamma = (o[FMC_O_FLAGS] & FMC_EPI_AFFINE) ? w + o[FMC_O_GAMMA] : NULL;
  a.beta = (o[FMC_O_FLAGS] & FMC_EPI_AFFINE) ? w + o[FMC_O_BETA] : NULL;
  a.n = n;
  a.M = o[FMC_O_OC];
  a.ic = o[FMC_O_IC];
  a.ih = o[FMC_O_IH];
  a.iw = o[FMC_O_IW];
  a.oh = o[FMC_O_OH];
  a.ow = o[FMC_O_OW];
  a.kh = o[FMC_O_KH];
  a.kw = o[FMC_O_KW];
  a.sy = o[FMC_O_SY];
  a.sx = o[FMC_O_SX];
  a.py = o[FMC_O_PY];
  a.px = o[FMC_O_PX];
  a.K = a.ic * a.kh * a.kw;
  a.flags = o[FMC_O_FLAGS];
  /* Tiles: 64 filters x 64 pixels, or 32 x 128 for the 32-filter layers. */
  if (a.M <= 32) conv_run<32, 128>(a, s);
  else conv_run<64, 64>(a, s);
}

/* Checks a batch's sizes against the net. */
static int check_batch(const fmc_net *net, int64_t chips_len, int n) {
  if (!net) return fail(FMC_ERR_BAD_INPUT, "no net");
  if (n < 1 || n > net->max_batch) return fail(FMC_ERR_BAD_INPUT, "a batch of %d chips; this net takes 1 to %d", n, net->max_batch);
  fmc_i64 chip_bytes = (fmc_i64)net->in_h * net->in_w * 3;
  if (chips_len != chip_bytes * n)
    return fail(FMC_ERR_BAD_INPUT, "%lld bytes of chips for %d chips of %dx%d RGB (expected %lld)", (long long)chips_len, n, net->in_w,
                net->in_h, (long long)(chip_bytes * n));
  return FMC_OK;
}

/* Uploads the chips and runs ops 0..last (inclusive) on the net's stream. */
static int run_ops(fmc_net *net, const uint8_t *chips, int n, int last) {
  fmc_i64 chip_bytes = (fmc_i64)net->in_h * net->in_w * 3;
  int st = to_device(net->chips, chips, chip_bytes * n);
  if (st) return st;
  const fmc_i64 cap = net->max_batch;
  stream_t s = net->stream;
  float *arena = net->arena;
  const float *w = net->weights;
  for (int i = 0; i <= last; i++) {
    const int32_t *o = net->ops + (fmc_i64)i * FMC_OP_INTS;
    float *y = arena + o[FMC_O_OUT] * cap;
    const float *x = arena + o[FMC_O_SRC] * cap;
    fmc_i64 count = (fmc_i64)n * o[FMC_O_OC] * o[FMC_O_OH] * o[FMC_O_OW];
    switch (o[FMC_O_KIND]) {
    case FMC_OP_INPUT: {
      InputBody b = {net->chips, y, net->in_h * net->in_w, {w[o[FMC_O_W]], w[o[FMC_O_W] + 1], w[o[FMC_O_W] + 2]}};
      each(b, count, s);
      break;
    }
    case FMC_OP_CONV: run_conv(net, o, n, s); break;
    case FMC_OP_AFFINE: {
      AffineBody b = {x, w + o[FMC_O_GAMMA], w + o[FMC_O_BETA], y, o[FMC_O_IC], o[FMC_O_IH] * o[FMC_O_IW], (o[FMC_O_FLAGS] & FMC_F_FC) != 0};
      each(b, count, s);
      break;
    }
    case FMC_OP_RELU: {
      ReluBody b = {x, y};
      each(b, count, s);
      break;
    }
    case FMC_OP_POOL: {
      PoolBody b = {x, y, o[FMC_O_IH], o[FMC_O_IW], o[FMC_O_OH], o[FMC_O_OW], o[FMC_O_KH], o[FMC_O_KW],
                    o[FMC_O_SY], o[FMC_O_SX], o[FMC_O_PY], o[FMC_O_PX], (o[FMC_O_FLAGS] & FMC_F_MAX) != 0};
      each(b, count, s);
      break;
    }
    case FMC_OP_ADD: {
      AddBody b = {x, arena + o[FMC_O_RES] * cap, y, o[FMC_O_OC], o[FMC_O_OH], o[FMC_O_OW], o[FMC_O_IC], o[FMC_O_IH], o[FMC_O_IW],
                   o[FMC_O_RC], o[FMC_O_RH], o[FMC_O_RW], (o[FMC_O_FLAGS] & FMC_F_RELU) != 0};
      each(b, count, s);
      break;
    }
    case FMC_OP_FC: {
      FcBody b = {x, w + o[FMC_O_W], o[FMC_O_BIAS] >= 0 ? w + o[FMC_O_BIAS] : NULL, y,
                  o[FMC_O_IC] * o[FMC_O_IH] * o[FMC_O_IW], o[FMC_O_OC]};
      each(b, count, s);
      break;
    }
    }
    st = check_launch("a kernel launch");
    if (st) return st;
  }
  return FMC_OK;
}

extern "C" int fmc_net_forward(fmc_net *net, const uint8_t *chips, int64_t chips_len, int n, float *out, int64_t out_len) {
  last_error[0] = 0;
  int st = check_batch(net, chips_len, n);
  if (st) return st;
  if (out_len != (int64_t)net->out_size * n)
    return fail(FMC_ERR_BAD_INPUT, "output of %lld floats for %d chips of %d", (long long)out_len, n, net->out_size);
  st = run_ops(net, chips, n, net->n_ops - 1);
  if (st) return st;
  return to_host(out, net->arena + net->out_offset * (fmc_i64)net->max_batch, sizeof(float) * net->out_size * n, net->stream);
}

extern "C" int fmc_net_op_output(fmc_net *net, const uint8_t *chips, int64_t chips_len, int n, int op, float *out, int64_t out_len) {
  last_error[0] = 0;
  int st = check_batch(net, chips_len, n);
  if (st) return st;
  if (op < 0 || op >= net->n_ops) return fail(FMC_ERR_BAD_INPUT, "op %d: the net has ops 0 to %d", op, net->n_ops - 1);
  const int32_t *o = net->ops + (fmc_i64)op * FMC_OP_INTS;
  fmc_i64 size = (fmc_i64)o[FMC_O_OC] * o[FMC_O_OH] * o[FMC_O_OW];
  if (out_len != size * n) return fail(FMC_ERR_BAD_INPUT, "output of %lld floats for %d chips of op %d's %lld", (long long)out_len, n, op, (long long)size);
  st = run_ops(net, chips, n, op);
  if (st) return st;
  return to_host(out, net->arena + o[FMC_O_OUT] * (fmc_i64)net->max_batch, sizeof(float) * size * n, net->stream);
}
