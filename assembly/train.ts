// Kernels of the training step's convolutions (src/dnn/conv-grad-wasm.ts drives them; the
// TypeScript references are in src/dnn/conv-grad.ts).
//
// dlib's filter gradient (tensor_conv::get_gradient_for_filters, dlib/cuda/cpu_dlib.cpp) multiplies
// the output gradient by one sample's img2col matrix in dlib's layout, one row per output pixel and
// one column per filter tap (img2colSample in conv-grad.ts), as sgemm with B not transposed, so that
// each product is added straight into the filter gradient (netlib's axpy form). im2col_f32
// (assembly/conv.ts) writes the transpose of that matrix (one row per tap) with contiguous copies;
// transpose_f32 turns it into dlib's layout. Both only move floats: the result is img2colSample's
// to the bit.
//
// Pointers are byte offsets into this module's memory; source and destination must not overlap.

// dst[j][i] = src[i][j] for i < rows, j < cols: src rows x cols at row stride lds floats, dst
// cols x rows at row stride ldd floats. 4 x 4 blocks through shuffles, then the edges one float
// at a time. Writes dst[j][i] for i < rows, j < cols only.
export function transpose_f32(dst: usize, ldd: i32, src: usize, lds: i32, rows: i32, cols: i32): void {
  const sb = <usize>lds << 2;
  const db = <usize>ldd << 2;
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const s0 = src + <usize>i * sb;
    const d0 = dst + (<usize>i << 2);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const so = s0 + (<usize>j << 2);
      const r0 = v128.load(so);
      const r1 = v128.load(so + sb);
      const r2 = v128.load(so + 2 * sb);
      const r3 = v128.load(so + 3 * sb);
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
      const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
      const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      const dp = d0 + <usize>j * db;
      v128.store(dp, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
      v128.store(dp + db, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
      v128.store(dp + 2 * db, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
      v128.store(dp + 3 * db, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
    }
    for (; j < cols; j++) {
      const so = s0 + (<usize>j << 2);
      const dp = d0 + <usize>j * db;
      store<f32>(dp, load<f32>(so));
      store<f32>(dp, load<f32>(so + sb), 4);
      store<f32>(dp, load<f32>(so + 2 * sb), 8);
      store<f32>(dp, load<f32>(so + 3 * sb), 12);
    }
  }
  for (; i < rows; i++) {
    const s0 = src + <usize>i * sb;
    const d0 = dst + (<usize>i << 2);
    for (let j = 0; j < cols; j++) store<f32>(d0 + <usize>j * db, load<f32>(s0 + (<usize>j << 2)));
  }
}
