/*
 * facemetric_cuda: the face ResNet's forward pass (dlib's anet_type, inference) on an NVIDIA GPU,
 * behind a small C ABI. The JavaScript side (src/dnn/forward-cuda.ts) turns a planned network
 * into a program (one fixed-size record per fused op, see below) and a float32 blob of weights;
 * this library uploads both once, keeps an activation arena for up to `max_batch` chips on the
 * device, and runs batches of 150x150 RGB chips to descriptors. It never parses dlib's files.
 *
 * The same source builds two ways (native/cuda/build.sh):
 * - the CUDA build (nvcc, sm_90 code + compute_90 PTX, static CUDA runtime): kernels on the GPU;
 * - the host build (g++, -DFMC_HOST): the same kernel bodies, the same block/thread index
 *   arithmetic and shared-memory tiling, looped over on the CPU (one block after another, each
 *   __syncthreads phase for all threads of the block before the next). Slow, but it lets the
 *   program format, buffer management, batching and kernels be tested where there is no GPU.
 *
 * Every function returns an FMC_* status; on failure fmc_last_error() is a one-line message
 * (per thread). The ABI version changes whenever a signature, a status or the program format
 * changes; the loader refuses a library whose fmc_abi_version() differs from its own.
 */
#ifndef FACEMETRIC_CUDA_H
#define FACEMETRIC_CUDA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FMC_ABI_VERSION 1

/* Status codes. */
#define FMC_OK 0
#define FMC_ERR_NO_DRIVER 1     /* no NVIDIA driver (libcuda) or one too old for this runtime */
#define FMC_ERR_NO_DEVICE 2     /* a driver but no usable device */
#define FMC_ERR_BAD_PROGRAM 3   /* the program or weights are malformed (not the network expected) */
#define FMC_ERR_BAD_INPUT 4     /* a batch of the wrong shape or size */
#define FMC_ERR_OUT_OF_MEMORY 5 /* device (or, host build, process) memory exhausted */
#define FMC_ERR_CUDA 6          /* any other CUDA runtime error */

/* Program: a header of FMC_HEADER_INTS ints, then n_ops records of FMC_OP_INTS ints. */
#define FMC_PROGRAM_MAGIC 0x31434d46 /* "FMC1" little-endian */
#define FMC_HEADER_INTS 8
#define FMC_OP_INTS 24

/* Header fields. */
#define FMC_H_MAGIC 0
#define FMC_H_NOPS 1
#define FMC_H_ARENA 2    /* floats of the arena per chip */
#define FMC_H_OUT 3      /* per-chip float offset of the output tensor */
#define FMC_H_OUTSIZE 4  /* floats of the output per chip (128 for the face ResNet) */
#define FMC_H_INH 5      /* chip rows */
#define FMC_H_INW 6      /* chip columns */

/* Op kinds (field FMC_O_KIND). */
#define FMC_OP_INPUT 0 /* chips (interleaved RGB bytes) -> (pixel - mean) / 256, NCHW; means at W */
#define FMC_OP_CONV 1  /* implicit-GEMM convolution, epilogue by flags FMC_EPI_* */
#define FMC_OP_AFFINE 2 /* gamma*x + beta; FMC_F_FC: per element, else per channel */
#define FMC_OP_RELU 3
#define FMC_OP_POOL 4  /* window clipped to the image; FMC_F_MAX: max, else mean */
#define FMC_OP_ADD 5   /* add_prev_: out = src + res, missing elements count 0; FMC_F_RELU */
#define FMC_OP_FC 6    /* out[s][o] = sum_i x[s][i] * W[i][o] (+ bias[o]) */

/* Flags (field FMC_O_FLAGS). For convolutions, the epilogue in dlib's order. */
#define FMC_EPI_BIAS 1
#define FMC_EPI_AFFINE 2
#define FMC_EPI_RESIDUAL 4
#define FMC_EPI_RELU 8
#define FMC_F_FC 16
#define FMC_F_MAX 32
#define FMC_F_RELU 8

/* Op record fields. Tensor offsets are per-chip float offsets in the arena (the arena holds
 * max_batch chips of each tensor: tensor base = offset * max_batch, chip s at base + s * size).
 * Weight fields are float offsets in the weights blob, -1 where absent. */
#define FMC_O_KIND 0
#define FMC_O_OUT 1
#define FMC_O_SRC 2
#define FMC_O_RES 3     /* residual / second operand tensor, -1 if none */
#define FMC_O_FLAGS 4
#define FMC_O_OC 5      /* output channels, rows, columns */
#define FMC_O_OH 6
#define FMC_O_OW 7
#define FMC_O_IC 8      /* input channels, rows, columns */
#define FMC_O_IH 9
#define FMC_O_IW 10
#define FMC_O_KH 11     /* window rows, columns, strides, padding */
#define FMC_O_KW 12
#define FMC_O_SY 13
#define FMC_O_SX 14
#define FMC_O_PY 15
#define FMC_O_PX 16
#define FMC_O_W 17      /* filters [OC][IC][KH][KW], fc weights [in][out], or the input's 3 means */
#define FMC_O_BIAS 18
#define FMC_O_GAMMA 19
#define FMC_O_BETA 20
#define FMC_O_RC 21     /* second operand's channels, rows, columns (FMC_OP_ADD) */
#define FMC_O_RH 22
#define FMC_O_RW 23

/* Precision (fmc_net_create). Only FP32 is implemented. */
#define FMC_PRECISION_FP32 0

typedef struct fmc_net fmc_net;

/* FMC_ABI_VERSION of the library. */
int fmc_abi_version(void);
/* "cuda" or "host" (the build). */
const char *fmc_build_kind(void);
/* The last failure's message in this thread ("" if none). */
const char *fmc_last_error(void);
/* A short name of a status code ("no driver", ...). */
const char *fmc_status_name(int status);
/* Checks for a usable device: FMC_OK and a description of device 0 ("NVIDIA H200, sm_90,
 * 139.8 GiB"), or FMC_ERR_NO_DRIVER / FMC_ERR_NO_DEVICE / FMC_ERR_CUDA and fmc_last_error().
 * The host build always succeeds ("host build (CPU emulation of the kernels)"). */
int fmc_probe(char *description, int description_len);
/* Validates the program, uploads the weights and allocates the arena for max_batch chips. */
int fmc_net_create(const int32_t *program, int64_t program_len, const float *weights, int64_t weights_len,
                   int max_batch, int precision, fmc_net **out);
/* Descriptors of n <= max_batch chips: chips is n * inh * inw * 3 bytes (RGB interleaved),
 * out n * outsize floats. Blocks until done. */
int fmc_net_forward(fmc_net *net, const uint8_t *chips, int64_t chips_len, int n, float *out, int64_t out_len);
/* For debugging: runs ops 0..op on n chips and copies op's output (n * its size floats) to out. */
int fmc_net_op_output(fmc_net *net, const uint8_t *chips, int64_t chips_len, int n, int op, float *out, int64_t out_len);
/* Bytes of device memory the net holds (weights, arena, chip buffer). */
int64_t fmc_net_device_bytes(const fmc_net *net);
int fmc_net_max_batch(const fmc_net *net);
void fmc_net_destroy(fmc_net *net);

#ifdef __cplusplus
}
#endif

#endif
