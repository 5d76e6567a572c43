// facemetric WebAssembly kernels (AssemblyScript, 128-bit SIMD).
//
// Memory model: the module exports its linear memory; the JavaScript side (src/wasm/) owns all
// allocation above __heap_base and passes byte offsets ("pointers") into it, so arrays are
// shared without copies. Every kernel has a plain TypeScript twin in src/ that is the reference
// it is tested against.

// f32 dot product of a[0..n) and b[0..n). Four lanes accumulate independently, then the lanes
// are summed (0+1)+(2+3), then the scalar tail is added in order: the TS reference in
// src/wasm/kernels.ts reproduces this exact summation order, so results are bit-identical.
export function dot_f32(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + off), v128.load(b + off)));
  }
  let s: f32 = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) +
               (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; i < n; i++) {
    const off = <usize>i << 2;
    s += load<f32>(a + off) * load<f32>(b + off);
  }
  return s;
}

// y[i] += alpha * x[i] for i in [0, n): element-wise, so identical to the scalar reference.
export function axpy_f32(y: usize, x: usize, alpha: f32, n: i32): void {
  const va = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    v128.store(y + off, f32x4.add(v128.load(y + off), f32x4.mul(va, v128.load(x + off))));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(y + off, load<f32>(y + off) + alpha * load<f32>(x + off));
  }
}

// First byte the JavaScript allocator may use (everything below holds static data).
export function heap_base(): usize {
  return __heap_base;
}

// fHOG kernels (assembly/fhog.ts).
export * from './fhog';
export * from './scan';
export { gemm_scratch_bytes, gemm_f32 } from './gemm';
export * from './gemm-blas';
export * from './col2img';
export * from './conv';
export * from './distance';
export * from './train';
export * from './elementwise';
export * from './knn';
export * from './ivf';
