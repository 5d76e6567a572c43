/*
 * The kernels of facemetric_cuda, written once for both builds: every kernel is a set of
 * FMC_HD (__host__ __device__) functions of explicit block and thread indices. On the GPU a
 * __global__ wrapper calls them with blockIdx/threadIdx (facemetric_cuda.cu); in the host build
 * (FMC_HOST) a loop calls them for every block and thread, one __syncthreads phase at a time.
 *
 * Numerics follow src/dnn/layers.ts (dlib's layers): the input (pixel - mean) / 256; the
 * convolution a K-term float32 dot product per output (here in tiles of FMC_BK taps, each tile
 * summed in ascending k: a different order from dlib's GEMM, so results differ in the last bits,
 * ~1e-7 relative); the epilogue in dlib's order: + bias, gamma * x + beta, + residual, relu (x < 0
 * ? 0 : x); pooling over the window clipped to the image (max: first element then every larger
 * one; mean: a float32 sum row by row divided by the cell count); add_prev_ with missing elements
 * counting 0; fc_ as a dot product in ascending input order, then + bias.
 */
#ifndef FMC_KERNELS_CUH
#define FMC_KERNELS_CUH

#include "facemetric_cuda.h"

#ifdef FMC_HOST
#define FMC_HD inline
#else
#define FMC_HD __host__ __device__ __forceinline__
#endif

typedef long long fmc_i64;

/* ----------------------------------------------------------------------------------------- */
/* Element-wise kernels: one output element per thread, index i < count. */

/* (pixel - mean) / 256, RGB bytes (n, h, w, 3) -> NCHW floats. */
struct InputBody {
  const unsigned char *chips;
  float *out;
  int plane;         /* h * w */
  float mean[3];
  FMC_HD void operator()(fmc_i64 i) const {
    fmc_i64 s = i / (3 * (fmc_i64)plane);
    int r = (int)(i - s * 3 * (fmc_i64)plane);
    int c = r / plane;
    int p = r - c * plane;
    float v = (float)chips[(s * plane + p) * 3 + c] - mean[c];
    out[i] = v / 256.0f;
  }
};

FMC_HD float fmc_relu(float v) { return v < 0.0f ? 0.0f : v; }

/* gamma * x + beta: per channel (plane pixels per channel) or per element (fc mode). */
struct AffineBody {
  const float *x, *gamma, *beta;
  float *out;
  int channels, plane;
  bool fc;
  FMC_HD void operator()(fmc_i64 i) const {
    int j;
    if (fc) j = (int)(i % ((fmc_i64)channels * plane));
    else j = (int)((i / plane) % channels);
    float g = gamma[j] * x[i];
    out[i] = g + beta[j];
  }
};

struct ReluBody {
  const float *x;
  float *out;
  FMC_HD void operator()(fmc_i64 i) const { out[i] = fmc_relu(x[i]); }
};

/* Pooling over the window clipped to the image: planes = n * channels. */
struct PoolBody {
  const float *x;
  float *out;
  int ih, iw, oh, ow, kh, kw, sy, sx, py, px;
  bool max;
  FMC_HD void operator()(fmc_i64 i) const {
    int q = (int)(i % ow);
    int r = (int)((i / ow) % oh);
    fmc_i64 plane = i / ((fmc_i64)ow * oh);
    const float *src = x + plane * ih * iw;
    int top = r * sy - py, left = q * sx - px;
    int y0 = top < 0 ? 0 : top, y1 = top + kh < ih ? top + kh : ih;
    int x0 = left < 0 ? 0 : left, x1 = left + kw < iw ? left + kw : iw;
    if (max) {
      float m = src[y0 * iw + x0];
      for (int yy = y0; yy < y1; yy++)
        for (int xx = x0; xx < x1; xx++) {
          float v = src[yy * iw + xx];
          if (v > m) m = v;
        }
      out[i] = m;
    } else {
      float acc = 0.0f;
      for (int yy = y0; yy < y1; yy++)
        for (int xx = x0; xx < x1; xx++) acc = acc + src[yy * iw + xx];
      out[i] = acc / (float)((y1 - y0) * (x1 - x0));
    }
  }
};

/* add_prev_: out (oc, oh, ow) = a + b, an element outside an operand's shape counts 0. */
struct AddBody {
  const float *a, *b;
  float *out;
  int oc, oh, ow, ac, ah, aw, bc, bh, bw;
  bool relu;
  FMC_HD float at(const float *t, fmc_i64 s, int c, int y, int x, int tc, int th, int tw) const {
    return c < tc && y < th && x < tw ? t[((s * tc + c) * th + y) * tw + x] : 0.0f;
  }
  FMC_HD void operator()(fmc_i64 i) const {
    int x = (int)(i % ow);
    int y = (int)((i / ow) % oh);
    int c = (int)((i / ((fmc_i64)ow * oh)) % oc);
    fmc_i64 s = i / ((fmc_i64)ow * oh * oc);
    float v = at(a, s, c, y, x, ac, ah, aw) + at(b, s, c, y, x, bc, bh, bw);
    out[i] = relu ? fmc_relu(v) : v;
  }
};

/* fc_: out[s][o] = sum_i x[s][i] * w[i][o] (+ bias[o]); i over n * outputs. */
struct FcBody {
  const float *x, *w, *bias;
  float *out;
  int inputs, outputs;
  FMC_HD void operator()(fmc_i64 i) const {
    fmc_i64 s = i / outputs;
    int o = (int)(i - s * outputs);
    const float *xs = x + s * inputs;
    float acc = 0.0f;
    for (int k = 0; k < inputs; k++) acc = acc + xs[k] * w[(fmc_i64)k * outputs + o];
    out[i] = bias ? acc + bias[o] : acc;
  }
};

/* ----------------------------------------------------------------------------------------- */
/* Convolution as an implicit GEMM: C[m][col] = sum_k A[m][k] * B[k][col], where A is the filters
 * ([M = out channels][K = in channels * kh * kw], row-major, dlib's layout), col runs over every
 * output pixel of every chip (chip-major), and B[k][col] is the input tap (channel, ky, kx) of
 * that pixel, or 0 in the padding: im2col, never materialised. A block of FMC_THREADS threads
 * computes a BM x BN tile of C, FMC_BK taps at a time through shared memory, the next tile's
 * values fetched into registers while the current one is multiplied (double buffering); each
 * thread holds TM x TN accumulators, rows ty * TM + i and columns tx * TN + j (contiguous, so its
 * shared-memory reads are 16-byte vectors). Every output is summed in ascending k, products then
 * sums (on the GPU, fused multiply-adds).
 *
 * Phases (one __syncthreads between each): init + fetch(0) + store; then per K tile: fetch(next),
 * mma, [store]. The host build runs each phase for all threads of a block before the next. */

#define FMC_THREADS 256
#define FMC_BK 16

struct ConvArgs {
  const float *x;     /* input: n chips of ic * ih * iw */
  const float *w;     /* filters: M x K */
  const float *bias, *gamma, *beta; /* per output channel, or null */
  const float *res;   /* residual, same shape as out, or null */
  float *out;         /* n chips of M * oh * ow */
  int n, M, K, ic, ih, iw, oh, ow, kh, kw, sy, sx, py, px, flags;
};

template <int BM, int BN> struct ConvShared {
  alignas(16) float a[FMC_BK][BM];
  alignas(16) float b[FMC_BK][BN];
};

template <int BM, int BN> struct ConvThread {
  enum {
    TN = 4, TM = BM * BN / FMC_THREADS / 4, COLS = BN / TN,
    A_PER = BM * FMC_BK / FMC_THREADS, /* filter values each thread fetches per tile */
    B_PER = FMC_BK * BN / FMC_THREADS, /* input taps each thread fetches per tile */
    B_STEP = FMC_THREADS / BN
  };
  float acc[TM][TN];
  float pa[A_PER], pb[B_PER]; /* the fetched tile, on its way to shared memory */
  /* The column this thread fetches into b[][tid % BN] (fixed for the whole K loop): its chip's
   * input base, and the top-left input coordinate of its window; col_ok false past N. */
  fmc_i64 src_base;
  int y0, x0;
  bool col_ok;
};

template <int BM, int BN> FMC_HD void conv_init(const ConvArgs &a, int bx, int tid, ConvThread<BM, BN> &t) {
  typedef ConvThread<BM, BN> T;
  for (int i = 0; i < T::TM; i++)
    for (int j = 0; j < T::TN; j++) t.acc[i][j] = 0.0f;
  int P = a.oh * a.ow;
  fmc_i64 col = (fmc_i64)bx * BN + tid % BN;
  t.col_ok = col < (fmc_i64)a.n * P;
  fmc_i64 s = t.col_ok ? col / P : 0;
  int p = t.col_ok ? (int)(col - s * P) : 0;
  int oy = p / a.ow, ox = p - (p / a.ow) * a.ow;
  t.src_base = s * a.ic * a.ih * a.iw;
  t.y0 = oy * a.sy - a.py;
  t.x0 = ox * a.sx - a.px;
}

/* The A and B values of the K tile at k0 into the thread's registers. A: consecutive threads along
 * m (conflict-free stores; the filters are few and stay in L1/L2). B: this thread's column, rows
 * tid / BN + r * B_STEP (consecutive threads, consecutive output pixels: coalesced reads). */
template <int BM, int BN> FMC_HD void conv_fetch(const ConvArgs &a, int by, int tid, int k0, ConvThread<BM, BN> &t) {
  typedef ConvThread<BM, BN> T;
  const int taps = a.kh * a.kw;
  for (int r = 0; r < T::A_PER; r++) {
    int e = tid + r * FMC_THREADS;
    int ak = e / BM, am = e - ak * BM;
    int m = by * BM + am, k = k0 + ak;
    t.pa[r] = (m < a.M && k < a.K) ? a.w[(fmc_i64)m * a.K + k] : 0.0f;
  }
  for (int r = 0; r < T::B_PER; r++) {
    int k = k0 + tid / BN + r * T::B_STEP;
    float v = 0.0f;
    if (t.col_ok && k < a.K) {
      int c = k / taps, q = k - c * taps;
      int ky = q / a.kw, kx = q - ky * a.kw;
      int yy = t.y0 + ky, xx = t.x0 + kx;
      if (yy >= 0 && yy < a.ih && xx >= 0 && xx < a.iw) v = a.x[t.src_base + ((fmc_i64)c * a.ih + yy) * a.iw + xx];
    }
    t.pb[r] = v;
  }
}

/* The fetched values into shared memory. */
template <int BM, int BN> FMC_HD void conv_store(int tid, const ConvThread<BM, BN> &t, ConvShared<BM, BN> &sh) {
  typedef ConvThread<BM, BN> T;
  for (int r = 0; r < T::A_PER; r++) {
    int e = tid + r * FMC_THREADS;
    int ak = e / BM;
    sh.a[ak][e - ak * BM] = t.pa[r];
  }
  for (int r = 0; r < T::B_PER; r++) sh.b[tid / BN + r * T::B_STEP][tid % BN] = t.pb[r];
}

/* The thread's TM x TN products over the tile's FMC_BK taps, in ascending k. */
template <int BM, int BN> FMC_HD void conv_mma(int tid, const ConvShared<BM, BN> &sh, ConvThread<BM, BN> &t) {
  typedef ConvThread<BM, BN> T;
  const int tx = tid % T::COLS, ty = tid / T::COLS;
  for (int k = 0; k < FMC_BK; k++) {
    float av[T::TM], bv[T::TN];
    for (int i = 0; i < T::TM; i++) av[i] = sh.a[k][ty * T::TM + i];
    for (int j = 0; j < T::TN; j++) bv[j] = sh.b[k][tx * T::TN + j];
    for (int i = 0; i < T::TM; i++)
      for (int j = 0; j < T::TN; j++) t.acc[i][j] += av[i] * bv[j];
  }
}

/* The fused epilogue in dlib's order, and the store to NCHW. */
template <int BM, int BN> FMC_HD void conv_epilogue(const ConvArgs &a, int bx, int by, int tid, const ConvThread<BM, BN> &t) {
  typedef ConvThread<BM, BN> T;
  const int tx = tid % T::COLS, ty = tid / T::COLS;
  const int P = a.oh * a.ow;
  for (int j = 0; j < T::TN; j++) {
    fmc_i64 col = (fmc_i64)bx * BN + tx * T::TN + j;
    if (col >= (fmc_i64)a.n * P) continue;
    fmc_i64 s = col / P;
    int p = (int)(col - s * P);
    for (int i = 0; i < T::TM; i++) {
      int m = by * BM + ty * T::TM + i;
      if (m >= a.M) continue;
      float v = t.acc[i][j];
      if (a.flags & FMC_EPI_BIAS) v = v + a.bias[m];
      if (a.flags & FMC_EPI_AFFINE) {
        float g = a.gamma[m] * v;
        v = g + a.beta[m];
      }
      fmc_i64 o = (s * a.M + m) * P + p;
      if (a.flags & FMC_EPI_RESIDUAL) v = v + a.res[o];
      if (a.flags & FMC_EPI_RELU) v = fmc_relu(v);
      a.out[o] = v;
    }
  }
}

#endif
