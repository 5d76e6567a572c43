// The element-wise loops of a training step that the inference kernels lack (src/dnn/
// elementwise-wasm.ts and src/train/sgd-wasm.ts drive them; relu_f32 and add_prev_f32, the
// forward passes, are assembly/conv.ts's): relu_'s backward, tt::add into a tensor (add_prev_'s
// backward, shapes matched or not) and sgd's update. The TypeScript references are reluBackward,
// addInto (src/dnn/layers-grad.ts) and Sgd.step (src/train/sgd.ts).
//
// Bits. Every element is computed alone, with the reference's float operations in its order, one
// rounded f32 operation each (plain f32x4 add and mul, nothing fused, in both builds): 4 elements
// at a time only spreads independent elements over the lanes. Comparisons keep the references'
// meaning for -0 and NaN (relu keeps -0 and NaN: `x < 0 ? 0 : x`; relu's gradient passes g where
// y > 0, so a NaN y gives 0).
//
// Pointers are byte offsets into this module's memory; in-place calls pass the same pointer for
// an input and the output where said.

// relu_'s backward (reluBackward in layers-grad.ts) over len floats: where dx is g (add 0,
// pass the same pointer) dx = y > 0 ? g : 0; else (add 1) dx += g where y > 0, dx untouched
// elsewhere (so a -0 stays -0).
export function relu_backward_f32(dx: usize, y: usize, g: usize, len: i32, add: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  if (add == 0) {
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 2;
      v128.store(dx + o, v128.and(v128.load(g + o), f32x4.gt(v128.load(y + o), zero)));
    }
    for (; i < len; i++) {
      const o = <usize>i << 2;
      store<f32>(dx + o, load<f32>(y + o) > 0 ? load<f32>(g + o) : 0);
    }
  } else {
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 2;
      const d = v128.load(dx + o);
      v128.store(dx + o, v128.bitselect(f32x4.add(d, v128.load(g + o)), d, f32x4.gt(v128.load(y + o), zero)));
    }
    for (; i < len; i++) {
      const o = <usize>i << 2;
      if (load<f32>(y + o) > 0) store<f32>(dx + o, load<f32>(dx + o) + load<f32>(g + o));
    }
  }
}

// The offset in floats of element (s, k, r, 0) of a tensor of k x nr x nc samples.
// @ts-ignore: decorator
@inline function at(s: i32, k: i32, r: i32, tk: i32, tnr: i32, tnc: i32): usize {
  return <usize>((s * tk + k) * tnr + r) * <usize>tnc;
}

// -0 -> +0, everything else (NaN included) as it is: the reference's `dest + 0` where src has no
// element (addInto: `if (Object.is(d, -0)) d = 0`).
// @ts-ignore: decorator
@inline function clearNegZeroRun(d: usize, len: i32): void {
  const nz = i32x4.splat(<i32>0x80000000);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(d + o);
    v128.store(d + o, v128.andnot(v, i32x4.eq(v, nz)));
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    if (load<u32>(d + o) == 0x80000000) store<u32>(d + o, 0);
  }
}

// d[i] += s[i] for i < len.
// @ts-ignore: decorator
@inline function addIntoRun(d: usize, s: usize, len: i32): void {
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 2;
    v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o));
  }
}

// tt::add(dest, dest, src) (addInto in layers-grad.ts): dest (dn samples x dk x dnr x dnc) +=
// src (sn samples of this chunk, <= dn, of sk x snr x snc) over dest's shape; dest elements src
// lacks get + 0 (a -0 becomes +0), src elements outside dest's shape are dropped.
export function add_into_f32(dest: usize, dn: i32, dk: i32, dnr: i32, dnc: i32, src: usize, sn: i32, sk: i32, snr: i32, snc: i32): void {
  if (sn == dn && sk == dk && snr == dnr && snc == dnc) {
    addIntoRun(dest, src, dn * dk * dnr * dnc);
    return;
  }
  for (let s = 0; s < dn; s++) {
    for (let k = 0; k < dk; k++) {
      for (let r = 0; r < dnr; r++) {
        const d = dest + (at(s, k, r, dk, dnr, dnc) << 2);
        const l = s < sn && k < sk && r < snr ? min(snc, dnc) : 0;
        addIntoRun(d, src + (at(s, k, r, sk, snr, snc) << 2), l);
        clearNegZeroRun(d + (<usize>l << 2), dnc - l);
      }
    }
  }
}

// ------------------------------------------------------------------------------------------
// sgd (Sgd.step in src/train/sgd.ts: dlib's sgd::operator() and add_layer::update_parameters)

// For i < len: v[i] = ((a*v[i] + b*w[i]) + c*g[i]), then w[i] = w[i] + v[i], each product and sum
// one rounded f32 operation in that order (cpu::affine_transform_range(v, v, params, grad, a, b,
// c), then tt::add(params, params, v)); the elements are independent, so running both passes per
// element gives the two passes' bits.
export function sgd_update_f32(v: usize, w: usize, g: usize, len: i32, a: f32, b: f32, c: f32): void {
  const va = f32x4.splat(a);
  const vb = f32x4.splat(b);
  const vc = f32x4.splat(c);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 2;
    const p = v128.load(w + o);
    const nv = f32x4.add(f32x4.add(f32x4.mul(va, v128.load(v + o)), f32x4.mul(vb, p)), f32x4.mul(vc, v128.load(g + o)));
    v128.store(v + o, nv);
    v128.store(w + o, f32x4.add(p, nv));
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(w + o);
    const nv = (a * load<f32>(v + o) + b * p) + c * load<f32>(g + o);
    store<f32>(v + o, nv);
    store<f32>(w + o, p + nv);
  }
}
