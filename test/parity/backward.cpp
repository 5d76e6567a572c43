// facemetric parity harness: backward-pass commands: each layer's gradients on given tensors (issue 12).
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.
//
// Tensors travel as raw little-endian float32 files (NCHW, dlib's host() layout); shapes are
// options (`--shape n,k,nr,nc`). Each command writes its results as float32 files into --out DIR
// and prints one JSON line naming them. The layers are dlib's own objects (con_, bn_<CONV_MODE>,
// max_pool_, avg_pool_, relu_, affine_) driven through their forward/backward with a SUBNET stub,
// so add_to flags and the order of the tt:: calls are dlib's; add_prev_'s backward needs
// layer<tag>(sub), so it is the two tt::add calls add_prev_::backward makes.
//
// gemm --mode tt|sgemm --m M --n N --k K --trans-a 0|1 --trans-b 0|1 --alpha A --beta B
//      --a A.f32 --b B.f32 --c C.f32 --out OUT.f32
//   tt: tt::gemm(beta, C, alpha, A, trans_a, B, trans_b) (A a tensor of M x K, or K x M when
//   transposed; B K x N or N x K; C M x N, read when beta != 0). sgemm: the same product by one
//   row-major cblas_sgemm call (BLAS's own beta). Writes C.
// conv-backward --kernel 7s2p0|3s1p1|3s2p0|3s2p1|1s1p0|1s2p0 --filters F --shape n,k,nr,nc
//      --x X.f32 --params P.f32 --g G.f32 --dx0 D.f32 --out DIR
//   con_<F,kernel,kernel,s,s,p,p>: setup, params = P (filters then biases), forward (out.f32),
//   backward(G) with the input's gradient starting at D: dx.f32, dparams.f32 (params_grad,
//   filled with 123 before, so what backward leaves is what it wrote).
// bn-con --shape n,k,nr,nc --calls C --window W --x X.f32 (C batches) --gamma G.f32 --beta B.f32
//      --g G.f32 --dx0 D.f32 --out DIR
//   bn_<CONV_MODE>(W): setup, gamma/beta set, C training forwards (out<i>.f32), running stats
//   after each (rm<i>.f32, rv<i>.f32), backward(G) after the last (dx.f32, dparams.f32: gamma's
//   then beta's gradient), an inference forward of the last batch's first sample (infer.f32),
//   and affine_(bn)'s params (affine.f32: gamma then beta).
// relu-backward --shape S --y Y.f32 --g G.f32 --dx0 D.f32 --same 0|1 --out DIR
//   relu_::backward_inplace(Y, G, data_grad): data_grad the same object as G (same 1) or a
//   separate tensor holding D. Writes dx.f32.
// affine-backward --shape S --gamma G.f32 --g G.f32 --dx0 D.f32 --same 0|1 --out DIR
//   affine_ (CONV_MODE, gamma G, beta 0, loaded through deserialize) backward_inplace(G, data_grad).
//   Writes dx.f32.
// add-prev-backward --shape-a SA --shape-b SB --g G.f32 --da0 DA.f32 --db0 DB.f32 --out DIR
//   add_prev_::backward's tt::add(da, da, G); tt::add(db, db, G) (G has the larger shape).
//   Writes da.f32, db.f32.
// pool-backward --pool max3s2p0|max3s1p1|max2s2p0|avg2s2p0|avg3s1p1|avg3s2p0|avgall --shape S
//      --x X.f32 --g G.f32 --dx0 D.f32 --out DIR
//   max_pool_/avg_pool_ forward (out.f32) then backward(out, G) with the input's gradient
//   starting at D (dx.f32).
// powf --x X.f32 --y Y --out OUT.f32
//   glibc's powf(x, y) for every x (the call dlib's batch_normalize_conv_gradient makes).

#include <dlib/dnn.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "options.h"

extern "C" void cblas_sgemm(int order, int transa, int transb, int m, int n, int k, float alpha, const float* a,
                            int lda, const float* b, int ldb, float beta, float* c, int ldc);

namespace {
using namespace dlib;

std::vector<float> read_f32(const std::string& path, size_t count) {
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    if (!f) throw std::runtime_error("cannot read " + path);
    const auto bytes = static_cast<size_t>(f.tellg());
    if (bytes != count * sizeof(float))
        throw std::runtime_error(path + " has " + std::to_string(bytes) + " bytes, expected " +
                                 std::to_string(count * sizeof(float)));
    std::vector<float> v(count);
    f.seekg(0);
    f.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(bytes));
    return v;
}

void write_f32(const std::string& path, const float* data, size_t n) {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n * sizeof(float)));
    if (!f) throw std::runtime_error("cannot write " + path);
}

void write_tensor(const std::string& path, const tensor& t) { write_f32(path, t.host(), t.size()); }

struct shape4 {
    long n, k, nr, nc;
    size_t size() const { return static_cast<size_t>(n * k * nr * nc); }
};

shape4 parse_shape(const std::string& s) {
    shape4 sh{};
    if (std::sscanf(s.c_str(), "%ld,%ld,%ld,%ld", &sh.n, &sh.k, &sh.nr, &sh.nc) != 4 || sh.n <= 0 || sh.k <= 0 ||
        sh.nr <= 0 || sh.nc <= 0)
        throw std::invalid_argument("a shape is n,k,nr,nc with positive numbers (got " + s + ")");
    return sh;
}

// A tensor of shape sh holding the floats of file --name.
void load(resizable_tensor& t, const command_options& o, const std::string& name, const shape4& sh) {
    t.set_size(sh.n, sh.k, sh.nr, sh.nc);
    const auto v = read_f32(o.need(name), sh.size());
    std::copy(v.begin(), v.end(), t.host());
}

std::string shape_json(const tensor& t) {
    return "[" + std::to_string(t.num_samples()) + "," + std::to_string(t.k()) + "," + std::to_string(t.nr()) + "," +
           std::to_string(t.nc()) + "]";
}

// What a layer's forward/backward needs from the layer below it.
struct stub_subnet {
    resizable_tensor output;
    resizable_tensor grad;
    const tensor& get_output() const { return output; }
    tensor& get_gradient_input() { return grad; }
};

// ---------------------------------------------------------------------------------------------

int gemm_command(const command_options& o) {
    const long M = o.get_long("m", 0, 1), N = o.get_long("n", 0, 1), K = o.get_long("k", 0, 1);
    const bool ta = o.get_long("trans-a", 0, 0) != 0, tb = o.get_long("trans-b", 0, 0) != 0;
    const float alpha = static_cast<float>(o.num("alpha", 1)), beta = static_cast<float>(o.num("beta", 0));
    const std::string mode = o.get("mode", "tt");
    resizable_tensor A, B, C;
    load(A, o, "a", ta ? shape4{K, M, 1, 1} : shape4{M, K, 1, 1});
    load(B, o, "b", tb ? shape4{N, K, 1, 1} : shape4{K, N, 1, 1});
    load(C, o, "c", shape4{M, N, 1, 1});
    if (mode == "tt") {
        tt::gemm(beta, C, alpha, A, ta, B, tb);
    } else if (mode == "sgemm") {
        // CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112
        cblas_sgemm(101, ta ? 112 : 111, tb ? 112 : 111, M, N, K, alpha, A.host(), ta ? M : K, B.host(), tb ? K : N,
                    beta, C.host(), N);
    } else {
        throw std::invalid_argument("--mode is tt or sgemm");
    }
    write_tensor(o.need("out"), C);
    std::printf("{\"out\":%s}\n", json_quote(o.need("out")).c_str());
    return 0;
}

// ---------------------------------------------------------------------------------------------

template <long NR, int S, int P>
int conv_backward(const command_options& o) {
    const shape4 sh = parse_shape(o.need("shape"));
    const long F = o.get_long("filters", 0, 1);
    const std::string dir = o.need("out");
    con_<1, NR, NR, S, S, P, P> layer{num_con_outputs(F)};
    stub_subnet sub;
    load(sub.output, o, "x", sh);
    layer.setup(sub);
    tensor& params = layer.get_layer_params();
    const auto p = read_f32(o.need("params"), params.size());
    std::copy(p.begin(), p.end(), params.host());
    resizable_tensor out;
    layer.forward(sub, out);
    write_tensor(dir + "/out.f32", out);
    resizable_tensor g;
    load(g, o, "g", shape4{out.num_samples(), out.k(), out.nr(), out.nc()});
    load(sub.grad, o, "dx0", sh);
    resizable_tensor params_grad;
    params_grad.copy_size(params);
    params_grad = 123;
    layer.backward(g, sub, params_grad);
    write_tensor(dir + "/dx.f32", sub.grad);
    write_tensor(dir + "/dparams.f32", params_grad);
    std::printf("{\"out\":%s,\"params\":%zu}\n", shape_json(out).c_str(), params.size());
    return 0;
}

int conv_command(const command_options& o) {
    const std::string k = o.need("kernel");
    if (k == "7s2p0") return conv_backward<7, 2, 0>(o);
    if (k == "3s1p1") return conv_backward<3, 1, 1>(o);
    if (k == "3s2p0") return conv_backward<3, 2, 0>(o);
    if (k == "3s2p1") return conv_backward<3, 2, 1>(o);
    if (k == "1s1p0") return conv_backward<1, 1, 0>(o);
    if (k == "1s2p0") return conv_backward<1, 2, 0>(o);
    throw std::invalid_argument("--kernel is one of 7s2p0 3s1p1 3s2p0 3s2p1 1s1p0 1s2p0");
}

// ---------------------------------------------------------------------------------------------

// bn_'s running statistics and update count, read back through its own serialize().
struct bn_state {
    resizable_tensor running_means, running_variances;
    unsigned long num_updates = 0;
};

bn_state bn_state_of(const bn_<CONV_MODE>& b) {
    std::stringstream ss;
    serialize(b, ss);
    std::string version;
    resizable_tensor params, means, invstds;
    alias_tensor gamma, beta;
    bn_state s;
    deserialize(version, ss);
    deserialize(params, ss);
    deserialize(gamma, ss);
    deserialize(beta, ss);
    deserialize(means, ss);
    deserialize(invstds, ss);
    deserialize(s.running_means, ss);
    deserialize(s.running_variances, ss);
    deserialize(s.num_updates, ss);
    return s;
}

int bn_command(const command_options& o) {
    const shape4 sh = parse_shape(o.need("shape"));
    const long calls = o.get_long("calls", 1, 1);
    const std::string dir = o.need("out");
    bn_<CONV_MODE> layer(static_cast<unsigned long>(o.get_long("window", 100, 1)));
    const auto xs = read_f32(o.need("x"), sh.size() * calls);
    const auto gamma = read_f32(o.need("gamma"), sh.k);
    const auto beta = read_f32(o.need("beta"), sh.k);
    stub_subnet sub;
    sub.output.set_size(sh.n, sh.k, sh.nr, sh.nc);
    std::string updates;
    resizable_tensor out;
    for (long c = 0; c < calls; ++c) {
        std::copy(xs.begin() + c * sh.size(), xs.begin() + (c + 1) * sh.size(), sub.output.host());
        if (c == 0) {
            layer.setup(sub);
            tensor& params = layer.get_layer_params();
            std::copy(gamma.begin(), gamma.end(), params.host());
            std::copy(beta.begin(), beta.end(), params.host() + sh.k);
        }
        layer.forward(sub, out);
        write_tensor(dir + "/out" + std::to_string(c) + ".f32", out);
        const bn_state s = bn_state_of(layer);
        write_tensor(dir + "/rm" + std::to_string(c) + ".f32", s.running_means);
        write_tensor(dir + "/rv" + std::to_string(c) + ".f32", s.running_variances);
        updates += (c ? "," : "") + std::to_string(s.num_updates);
    }
    resizable_tensor g;
    load(g, o, "g", sh);
    load(sub.grad, o, "dx0", sh);
    resizable_tensor params_grad;
    params_grad.copy_size(layer.get_layer_params());
    params_grad = 123;
    layer.backward(g, sub, params_grad);
    write_tensor(dir + "/dx.f32", sub.grad);
    write_tensor(dir + "/dparams.f32", params_grad);
    // One sample: bn_ runs in inference mode (running statistics).
    stub_subnet one;
    one.output.set_size(1, sh.k, sh.nr, sh.nc);
    std::copy(sub.output.host(), sub.output.host() + one.output.size(), one.output.host());
    resizable_tensor infer;
    layer.forward(one, infer);
    write_tensor(dir + "/infer.f32", infer);
    // affine_(bn_): its params (gamma then beta) through its serialize(), as get_layer_params()
    // of an affine_ is empty (it learns nothing).
    affine_ aff(layer);
    std::stringstream ss;
    serialize(aff, ss);
    std::string version;
    resizable_tensor aff_params;
    deserialize(version, ss);
    deserialize(aff_params, ss);
    write_tensor(dir + "/affine.f32", aff_params);
    std::printf("{\"num_updates\":[%s],\"eps\":%s}\n", updates.c_str(), json_double(layer.get_eps()).c_str());
    return 0;
}

// ---------------------------------------------------------------------------------------------

int relu_command(const command_options& o) {
    const shape4 sh = parse_shape(o.need("shape"));
    resizable_tensor y, g, dx, params;
    load(y, o, "y", sh);
    load(g, o, "g", sh);
    relu_ layer;
    if (o.get_long("same", 0, 0) != 0) {
        layer.backward_inplace(y, g, g, params);
        write_tensor(o.need("out") + "/dx.f32", g);
    } else {
        load(dx, o, "dx0", sh);
        layer.backward_inplace(y, g, dx, params);
        write_tensor(o.need("out") + "/dx.f32", dx);
    }
    std::printf("{\"same\":%s}\n", o.get_long("same", 0, 0) != 0 ? "true" : "false");
    return 0;
}

int affine_command(const command_options& o) {
    const shape4 sh = parse_shape(o.need("shape"));
    // An affine_ in CONV mode with the given gamma (beta 0), made as dlib loads one: through its
    // deserialize() (its get_layer_params() is empty: it learns nothing).
    const auto gamma = read_f32(o.need("gamma"), sh.k);
    resizable_tensor params(2 * sh.k);
    params = 0;
    std::copy(gamma.begin(), gamma.end(), params.host());
    std::stringstream ss;
    serialize("affine_2", ss);
    serialize(params, ss);
    serialize(alias_tensor(1, sh.k), ss);
    serialize(alias_tensor(1, sh.k), ss);
    serialize(static_cast<int>(CONV_MODE), ss);
    serialize(false, ss);
    affine_ layer;
    deserialize(layer, ss);
    resizable_tensor g, dx, params_grad;
    load(g, o, "g", sh);
    if (o.get_long("same", 0, 0) != 0) {
        layer.backward_inplace(g, g, params_grad);
        write_tensor(o.need("out") + "/dx.f32", g);
    } else {
        load(dx, o, "dx0", sh);
        layer.backward_inplace(g, dx, params_grad);
        write_tensor(o.need("out") + "/dx.f32", dx);
    }
    std::printf("{\"same\":%s}\n", o.get_long("same", 0, 0) != 0 ? "true" : "false");
    return 0;
}

int add_prev_command(const command_options& o) {
    const shape4 sa = parse_shape(o.need("shape-a")), sb = parse_shape(o.need("shape-b"));
    const shape4 so{std::max(sa.n, sb.n), std::max(sa.k, sb.k), std::max(sa.nr, sb.nr), std::max(sa.nc, sb.nc)};
    resizable_tensor g, da, db;
    load(g, o, "g", so);
    load(da, o, "da0", sa);
    load(db, o, "db0", sb);
    // add_prev_::backward: first the layer below (sub), then the tagged layer.
    tt::add(da, da, g);
    tt::add(db, db, g);
    write_tensor(o.need("out") + "/da.f32", da);
    write_tensor(o.need("out") + "/db.f32", db);
    std::printf("{\"g\":%s}\n", shape_json(g).c_str());
    return 0;
}

template <typename LAYER>
int pool_backward(const command_options& o) {
    const shape4 sh = parse_shape(o.need("shape"));
    const std::string dir = o.need("out");
    LAYER layer;
    stub_subnet sub;
    load(sub.output, o, "x", sh);
    layer.setup(sub);
    resizable_tensor out, g, params_grad;
    layer.forward(sub, out);
    write_tensor(dir + "/out.f32", out);
    load(g, o, "g", shape4{out.num_samples(), out.k(), out.nr(), out.nc()});
    load(sub.grad, o, "dx0", sh);
    layer.backward(out, g, sub, params_grad);
    write_tensor(dir + "/dx.f32", sub.grad);
    std::printf("{\"out\":%s}\n", shape_json(out).c_str());
    return 0;
}

int pool_command(const command_options& o) {
    const std::string p = o.need("pool");
    if (p == "max3s2p0") return pool_backward<max_pool_<3, 3, 2, 2, 0, 0>>(o);
    if (p == "max3s1p1") return pool_backward<max_pool_<3, 3, 1, 1, 1, 1>>(o);
    if (p == "max3s2p1") return pool_backward<max_pool_<3, 3, 2, 2, 1, 1>>(o);
    if (p == "max2s2p0") return pool_backward<max_pool_<2, 2, 2, 2, 0, 0>>(o);
    if (p == "avg2s2p0") return pool_backward<avg_pool_<2, 2, 2, 2, 0, 0>>(o);
    if (p == "avg3s1p1") return pool_backward<avg_pool_<3, 3, 1, 1, 1, 1>>(o);
    if (p == "avg3s2p1") return pool_backward<avg_pool_<3, 3, 2, 2, 1, 1>>(o);
    if (p == "avgall") return pool_backward<avg_pool_<0, 0, 1, 1>>(o);
    throw std::invalid_argument("--pool is one of max3s2p0 max3s1p1 max3s2p1 max2s2p0 avg2s2p0 avg3s1p1 avg3s2p1 avgall");
}

// ---------------------------------------------------------------------------------------------

// Called through a volatile pointer so that the compiler cannot evaluate or rewrite powf itself.
float (*volatile powf_fn)(float, float) = ::powf;

int powf_command(const command_options& o) {
    const std::string in = o.need("x");
    std::ifstream f(in, std::ios::binary | std::ios::ate);
    if (!f) throw std::runtime_error("cannot read " + in);
    const size_t n = static_cast<size_t>(f.tellg()) / sizeof(float);
    const auto x = read_f32(in, n);
    const float y = static_cast<float>(o.num("y", 3));
    std::vector<float> out(n);
    for (size_t i = 0; i < n; ++i) out[i] = powf_fn(x[i], y);
    write_f32(o.need("out"), out.data(), n);
    std::printf("{\"count\":%zu}\n", n);
    return 0;
}
}  // namespace

// Returns -1: no command of this source matched.
int run_backward_command(const std::string& cmd, int argc, char** argv) {
    if (cmd != "gemm" && cmd != "conv-backward" && cmd != "bn-con" && cmd != "relu-backward" &&
        cmd != "affine-backward" && cmd != "add-prev-backward" && cmd != "pool-backward" && cmd != "powf")
        return -1;
    const command_options o(argc, argv);
    if (cmd == "gemm") return gemm_command(o);
    if (cmd == "conv-backward") return conv_command(o);
    if (cmd == "bn-con") return bn_command(o);
    if (cmd == "relu-backward") return relu_command(o);
    if (cmd == "affine-backward") return affine_command(o);
    if (cmd == "add-prev-backward") return add_prev_command(o);
    if (cmd == "pool-backward") return pool_command(o);
    return powf_command(o);
}
