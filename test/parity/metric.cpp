// facemetric parity harness: metric-learning commands: loss_metric_, fc_ backward, sgd, dnn_trainer's
// plateau test (statistics/running_gradient.h), glibc's rand(), and dlib's toy example (issue 12).
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.
//
//   metric-loss --k K --labels L1,L2,... [--margin M] [--thresh T] --grad GRAD.f32 OUTPUT.f32
//       OUTPUT.f32 holds N x K floats (one row per sample, N = number of labels). Runs dlib's real
//       loss_metric_ (loss_metric_() or loss_metric_(M, T) when either option is given) through
//       compute_loss_value_and_gradient on a stand-in subnet whose get_output() is that tensor
//       (N x K x 1 x 1). Prints {"loss": double(17 digits), "n": N, "k": K} and writes the
//       gradient (sub.get_gradient_input(), N x K) to GRAD.f32.
//
//   glibc-rand --count N [--seed S]
//       N values of std::rand() after srand(S) (no srand call without --seed: glibc's default
//       state, seed 1). Prints {"values": [...]}.
//
//   fc-backward --inputs I --outputs O [--bias 0|1] [--lr-mult L] --out DIR X.f32 G.f32 PARAMS.f32 [DX.f32]
//       A real fc_ layer (FC_HAS_BIAS with --bias 1, the default; else FC_NO_BIAS) with O outputs
//       set up on an N x I x 1 x 1 input, its parameters replaced by PARAMS.f32 ((I+1) x O with a
//       bias, I x O without: weights [I][O], then the O biases). Calls backward(G, sub, params_grad)
//       with X as sub.get_output() and sub.get_gradient_input() holding DX.f32 (N x I; zeros
//       without it), params_grad pre-filled with 7 (what dlib leaves there when --lr-mult is 0).
//       Writes DIR/params_grad.f32 and DIR/dx.f32 (the gradient buffer after backward); prints
//       {"n": N, "params": size}.
//
//   sgd-step --layer con|fc|fc-no-bias|bn --in I --out O --lrs LR1,LR2,... [--wd W --momentum M]
//            [--lr-mult A --wd-mult B --bias-lr-mult C --bias-wd-mult D] --dir DIR PARAMS.f32 GRADS.f32
//       A real layer (con_ 3x3 with O filters on I channels; fc_ with bias, O outputs, I inputs;
//       fc_ FC_NO_BIAS; bn_<CONV_MODE> on I channels) set up, its parameters replaced by PARAMS.f32,
//       multipliers set where given, and one dlib::sgd (sgd() or sgd(W, M)). Step s (one per
//       learning rate) does what add_layer::update_parameters does: unless the layer's learning
//       rate multiplier is 0, step = solver(float(LR_s), layer, grads_s) and params += step
//       (tt::add). GRADS.f32 holds one gradient per step. Writes DIR/params.f32 (the parameters
//       after every step) and DIR/v.f32 (the returned step tensor after every step; zeros where a
//       step was skipped). Prints {"size": P, "bias_offset": ...}.
//
//   running-gradient VALUES.f64
//       dlib's running_gradient fed all the values (little-endian doubles), plus the free functions
//       of statistics/running_gradient.h on the same container (a std::vector<double>). Prints
//       {"n", "gradient", "intercept", "standard_error", "p_greater_0", "p_increasing",
//        "p_increasing_robust", "upper_quantile_10", "steps_without_decrease",
//        "steps_without_decrease_robust"} (the probabilities only when n > 2).
//
//   erfc IN.f64 OUT.f64
//       glibc's erfc of every double in IN.f64, written to OUT.f64.
//
//   toy [--steps N] [--async 1]
//       dlib's examples/dnn_metric_learning_ex.cpp: loss_metric<fc<2,input<matrix<double,0,1>>>> on
//       the 8 one-hot vectors labelled 1,1,2,2,3,3,4,4, dnn_trainer with default sgd, learning
//       rate 0.1, `while (get_learning_rate() >= 1e-4) train_one_step(samples, labels)`, but
//       synchronous: get_net() after every step waits for the trainer's thread to finish it (the
//       example's loop runs ahead of the thread), and at most N steps with --steps. The loss
//       layer is loss_metric_ itself with a hook that records every loss it returns. The net is
//       set up first by one forward pass (net(samples): fc_::setup draws its std::rand() there;
//       nothing else draws one), so its initial parameters can be printed.
//       Prints {"init": [params]}, then per step {"step": s, "loss": 17 digits, "lr": the
//       learning rate the step used, "lr_after": get_learning_rate() after it,
//       "steps_without_progress": ...}, then {"steps": S, "params": [...], "embeddings":
//       [[x, y], ...] (net(samples)), "num_right": R, "num_wrong": W}.
//       With --async 1 the example's loop runs as written (no get_net() between steps, so the
//       loop may hand the thread steps after the last shrink): per step only {"step", "loss"}.

#include <dlib/dnn.h>
#include <dlib/statistics/running_gradient.h>

#include <cmath>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "options.h"

using namespace dlib;

namespace {

std::vector<char> read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot read " + path);
    return std::vector<char>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

std::vector<float> read_f32(const std::string& path) {
    const auto b = read_bytes(path);
    std::vector<float> v(b.size() / sizeof(float));
    std::memcpy(v.data(), b.data(), v.size() * sizeof(float));
    return v;
}

std::vector<double> read_f64(const std::string& path) {
    const auto b = read_bytes(path);
    std::vector<double> v(b.size() / sizeof(double));
    std::memcpy(v.data(), b.data(), v.size() * sizeof(double));
    return v;
}

void write_bytes(const std::string& path, const void* data, size_t bytes) {
    std::ofstream f(path, std::ios::binary);
    f.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
    if (!f) throw std::runtime_error("cannot write " + path);
}

std::string json_float(float v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
    return buf;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    for (const char c : s) {
        if (c == sep) {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

// A stand-in SUBNET for loss and layer calls: get_output() and get_gradient_input() are tensors
// the command fills.
struct fake_subnet {
    resizable_tensor out;
    resizable_tensor grad;
    const tensor& get_output() const { return out; }
    tensor& get_gradient_input() { return grad; }
    unsigned int sample_expansion_factor() const { return 1; }
};

int cmd_metric_loss(int argc, char** argv) {
    const command_options o(argc, argv);
    if (o.pos.size() != 1) throw std::invalid_argument("metric-loss --k K --labels L1,L2,... [--margin M] [--thresh T] --grad GRAD.f32 OUTPUT.f32");
    const long k = o.get_long("k", 0, 1);
    if (k <= 0) throw std::invalid_argument("missing option --k");
    std::vector<unsigned long> labels;
    for (const auto& s : split(o.need("labels"), ',')) labels.push_back(std::stoul(s));
    const auto values = read_f32(o.pos[0]);
    const long n = static_cast<long>(labels.size());
    if (static_cast<long>(values.size()) != n * k) throw std::invalid_argument("OUTPUT.f32 must hold #labels x K floats");
    fake_subnet sub;
    sub.out.set_size(n, k);
    std::copy(values.begin(), values.end(), sub.out.host());
    sub.grad.copy_size(sub.out);
    sub.grad = 0;
    loss_metric_ l;
    if (o.has("margin") || o.has("thresh")) l = loss_metric_(static_cast<float>(o.num("margin", 0.04)), static_cast<float>(o.num("thresh", 0.6)));
    const double loss = l.compute_loss_value_and_gradient(sub.out, labels.begin(), sub);
    write_bytes(o.need("grad"), sub.grad.host(), sub.grad.size() * sizeof(float));
    std::printf("{\"loss\":%s,\"n\":%ld,\"k\":%ld}\n", json_double(loss).c_str(), n, k);
    return 0;
}

int cmd_glibc_rand(int argc, char** argv) {
    const command_options o(argc, argv);
    const long count = o.get_long("count", 10, 0);
    if (o.has("seed")) std::srand(static_cast<unsigned>(std::stoul(o.need("seed"))));
    std::string out;
    for (long i = 0; i < count; ++i) {
        if (i) out += ',';
        out += std::to_string(std::rand());
    }
    std::printf("{\"values\":[%s]}\n", out.c_str());
    return 0;
}

template <fc_bias_mode mode>
int fc_backward_impl(const command_options& o, long ni, long no) {
    const auto x = read_f32(o.pos[0]);
    const auto g = read_f32(o.pos[1]);
    const auto p = read_f32(o.pos[2]);
    const long n = static_cast<long>(x.size()) / ni;
    if (n * ni != static_cast<long>(x.size()) || static_cast<long>(g.size()) != n * no) throw std::invalid_argument("X.f32 must be N x I and G.f32 N x O");
    fake_subnet sub;
    sub.out.set_size(n, ni);
    std::copy(x.begin(), x.end(), sub.out.host());
    sub.grad.copy_size(sub.out);
    sub.grad = 0;
    if (o.pos.size() > 3) {
        const auto dx = read_f32(o.pos[3]);
        if (dx.size() != x.size()) throw std::invalid_argument("DX.f32 must be N x I");
        std::copy(dx.begin(), dx.end(), sub.grad.host());
    }
    fc_<1, mode> l(num_fc_outputs(static_cast<unsigned long>(no)));
    l.set_learning_rate_multiplier(o.num("lr-mult", 1));
    l.setup(sub);
    tensor& params = l.get_layer_params();
    if (params.size() != p.size()) throw std::invalid_argument("PARAMS.f32 has the wrong size");
    std::copy(p.begin(), p.end(), params.host());
    resizable_tensor gi;
    gi.set_size(n, no);
    std::copy(g.begin(), g.end(), gi.host());
    resizable_tensor params_grad;
    params_grad.copy_size(params);
    params_grad = 7;
    l.backward(gi, sub, params_grad);
    const std::string dir = o.need("out");
    write_bytes(dir + "/params_grad.f32", params_grad.host(), params_grad.size() * sizeof(float));
    write_bytes(dir + "/dx.f32", sub.grad.host(), sub.grad.size() * sizeof(float));
    std::printf("{\"n\":%ld,\"params\":%zu}\n", n, params.size());
    return 0;
}

int cmd_fc_backward(int argc, char** argv) {
    const command_options o(argc, argv);
    if (o.pos.size() < 3 || o.pos.size() > 4) throw std::invalid_argument("fc-backward --inputs I --outputs O [--bias 0|1] [--lr-mult L] --out DIR X.f32 G.f32 PARAMS.f32 [DX.f32]");
    const long ni = o.get_long("inputs", 0, 1);
    const long no = o.get_long("outputs", 0, 1);
    if (ni <= 0 || no <= 0) throw std::invalid_argument("--inputs and --outputs are required");
    return o.get_long("bias", 1, 0) != 0 ? fc_backward_impl<FC_HAS_BIAS>(o, ni, no) : fc_backward_impl<FC_NO_BIAS>(o, ni, no);
}

template <typename layer_type>
void set_multipliers(layer_type& l, const command_options& o, bool has_bias) {
    if (o.has("lr-mult")) l.set_learning_rate_multiplier(o.num("lr-mult", 1));
    if (o.has("wd-mult")) l.set_weight_decay_multiplier(o.num("wd-mult", 1));
    if constexpr (requires { l.set_bias_learning_rate_multiplier(1.0); }) {
        if (has_bias) {
            if (o.has("bias-lr-mult")) l.set_bias_learning_rate_multiplier(o.num("bias-lr-mult", 1));
            if (o.has("bias-wd-mult")) l.set_bias_weight_decay_multiplier(o.num("bias-wd-mult", 1));
        }
    }
}

template <typename layer_type>
int sgd_steps(layer_type& l, fake_subnet& sub, const command_options& o, long bias_offset) {
    l.setup(sub);
    tensor& params = l.get_layer_params();
    const auto p = read_f32(o.pos[0]);
    const auto g = read_f32(o.pos[1]);
    std::vector<double> lrs;
    for (const auto& s : split(o.need("lrs"), ',')) lrs.push_back(std::stod(s));
    const size_t size = params.size();
    if (p.size() != size) throw std::invalid_argument("PARAMS.f32 must hold " + std::to_string(size) + " floats");
    if (g.size() != size * lrs.size()) throw std::invalid_argument("GRADS.f32 must hold one gradient per learning rate");
    std::copy(p.begin(), p.end(), params.host());
    sgd solver = (o.has("wd") || o.has("momentum")) ? sgd(static_cast<float>(o.num("wd", 0.0005)), static_cast<float>(o.num("momentum", 0.9))) : sgd();
    resizable_tensor grad;
    grad.copy_size(params);
    std::vector<float> all_params, all_v;
    for (size_t s = 0; s < lrs.size(); ++s) {
        std::copy(g.begin() + s * size, g.begin() + (s + 1) * size, grad.host());
        if (get_learning_rate_multiplier(l) != 0) {
            // add_layer::update_parameters(sstack, double learning_rate): the solver takes a float.
            const tensor& step = solver(static_cast<float>(lrs[s]), l, static_cast<const tensor&>(grad));
            tt::add(params, params, step);
            all_v.insert(all_v.end(), step.host(), step.host() + size);
        } else {
            all_v.insert(all_v.end(), size, 0.0f);
        }
        all_params.insert(all_params.end(), params.host(), params.host() + size);
    }
    const std::string dir = o.need("dir");
    write_bytes(dir + "/params.f32", all_params.data(), all_params.size() * sizeof(float));
    write_bytes(dir + "/v.f32", all_v.data(), all_v.size() * sizeof(float));
    std::printf("{\"size\":%zu,\"bias_offset\":%ld}\n", size, bias_offset);
    return 0;
}

int cmd_sgd_step(int argc, char** argv) {
    const command_options o(argc, argv);
    if (o.pos.size() != 2) throw std::invalid_argument("sgd-step --layer con|fc|fc-no-bias|bn --in I --out O --lrs LR1,... --dir DIR PARAMS.f32 GRADS.f32");
    const std::string layer = o.need("layer");
    const long ni = o.get_long("in", 0, 1);
    const long no = o.get_long("out", 1, 1);
    if (ni <= 0) throw std::invalid_argument("--in is required");
    fake_subnet sub;
    if (layer == "con") {
        sub.out.set_size(1, ni, 5, 5);
        con_<1, 3, 3, 1, 1> l(num_con_outputs(static_cast<unsigned long>(no)));
        set_multipliers(l, o, true);
        return sgd_steps(l, sub, o, ni * 9 * no);
    }
    if (layer == "fc") {
        sub.out.set_size(1, ni);
        fc_<1, FC_HAS_BIAS> l(num_fc_outputs(static_cast<unsigned long>(no)));
        set_multipliers(l, o, true);
        return sgd_steps(l, sub, o, ni * no);
    }
    if (layer == "fc-no-bias") {
        sub.out.set_size(1, ni);
        fc_<1, FC_NO_BIAS> l(num_fc_outputs(static_cast<unsigned long>(no)));
        set_multipliers(l, o, false);
        return sgd_steps(l, sub, o, -1);
    }
    if (layer == "bn") {
        sub.out.set_size(2, ni, 2, 2);
        bn_<CONV_MODE> l;
        set_multipliers(l, o, true);
        return sgd_steps(l, sub, o, ni);
    }
    throw std::invalid_argument("--layer must be con, fc, fc-no-bias or bn");
}

int cmd_running_gradient(int argc, char** argv) {
    const command_options o(argc, argv);
    if (o.pos.size() != 1) throw std::invalid_argument("running-gradient VALUES.f64");
    const auto v = read_f64(o.pos[0]);
    running_gradient g;
    for (const double x : v) g.add(x);
    std::ostringstream out;
    out << "{\"n\":" << v.size();
    if (v.size() > 1) out << ",\"gradient\":" << json_double(g.gradient());
    if (v.size() > 0) out << ",\"intercept\":" << json_double(g.intercept());
    if (v.size() > 2) {
        out << ",\"standard_error\":" << json_double(g.standard_error());
        out << ",\"p_greater_0\":" << json_double(g.probability_gradient_greater_than(0));
    }
    out << ",\"p_increasing\":" << json_double(probability_values_are_increasing(v));
    if (v.size() > 0) {
        out << ",\"p_increasing_robust\":" << json_double(probability_values_are_increasing_robust(v));
        out << ",\"upper_quantile_10\":" << json_double(find_upper_quantile(v, 0.1));
    }
    out << ",\"steps_without_decrease\":" << count_steps_without_decrease(v);
    out << ",\"steps_without_decrease_robust\":" << count_steps_without_decrease_robust(v);
    out << "}";
    std::printf("%s\n", out.str().c_str());
    return 0;
}

int cmd_erfc(int argc, char** argv) {
    const command_options o(argc, argv);
    if (o.pos.size() != 2) throw std::invalid_argument("erfc IN.f64 OUT.f64");
    auto v = read_f64(o.pos[0]);
    for (auto& x : v) x = std::erfc(x);
    write_bytes(o.pos[1], v.data(), v.size() * sizeof(double));
    std::printf("{\"n\":%zu}\n", v.size());
    return 0;
}

// loss_metric_ with a hook: every loss compute_loss_value_and_gradient returns is recorded.
std::vector<double>& recorded_losses() {
    static std::vector<double> v;
    return v;
}

class recording_loss_metric_ : public loss_metric_ {
public:
    template <typename const_label_iterator, typename SUBNET>
    double compute_loss_value_and_gradient(const tensor& input_tensor, const_label_iterator truth, SUBNET& sub) const {
        const double loss = loss_metric_::compute_loss_value_and_gradient(input_tensor, truth, sub);
        recorded_losses().push_back(loss);
        return loss;
    }
};

std::string params_json(const tensor& t) {
    std::string s = "[";
    for (size_t i = 0; i < t.size(); ++i) {
        if (i) s += ',';
        s += json_float(t.host()[i]);
    }
    return s + "]";
}

int cmd_toy(int argc, char** argv) {
    const command_options o(argc, argv);
    const long max_steps = o.get_long("steps", -1, 0);
    std::vector<matrix<double, 0, 1>> samples;
    std::vector<unsigned long> labels;
    for (int i = 0; i < 8; ++i) {
        matrix<double, 0, 1> m = zeros_matrix<double>(8, 1);
        m(i) = 1;
        samples.push_back(m);
        labels.push_back(static_cast<unsigned long>(i / 2 + 1));
    }
    using net_type = add_loss_layer<recording_loss_metric_, fc<2, input<matrix<double, 0, 1>>>>;
    net_type net;
    net(samples);
    std::printf("{\"init\":%s}\n", params_json(layer<1>(net).layer_details().get_layer_params()).c_str());

    dnn_trainer<net_type> trainer(net);
    trainer.set_learning_rate(0.1);
    long step = 0;
    const bool async = o.get_long("async", 0, 0) != 0;
    if (async) {
        // The example's own loop, as written: train_one_step hands each step to the trainer's
        // thread and reads the learning rate while that thread may still be working.
        while (trainer.get_learning_rate() >= 1e-4) trainer.train_one_step(samples, labels);
        trainer.get_net();
        for (const double loss : recorded_losses())
            std::printf("{\"step\":%ld,\"loss\":%s}\n", ++step, json_double(loss).c_str());
    }
    while (!async && trainer.get_learning_rate() >= 1e-4 && (max_steps < 0 || step < max_steps)) {
        const double lr = trainer.get_learning_rate();
        trainer.train_one_step(samples, labels);
        trainer.get_net(force_flush_to_disk::no);
        ++step;
        if (recorded_losses().size() != static_cast<size_t>(step)) throw std::runtime_error("toy: the loss of a step was not recorded");
        std::printf("{\"step\":%ld,\"loss\":%s,\"lr\":%s,\"lr_after\":%s,\"steps_without_progress\":%lu}\n", step,
            json_double(recorded_losses().back()).c_str(), json_double(lr).c_str(),
            json_double(trainer.get_learning_rate()).c_str(), trainer.get_steps_without_progress());
    }
    trainer.get_net();
    const std::vector<matrix<float, 0, 1>> embedded = net(samples);
    std::string emb = "[";
    for (size_t i = 0; i < embedded.size(); ++i) {
        if (i) emb += ',';
        emb += "[" + json_float(embedded[i](0)) + "," + json_float(embedded[i](1)) + "]";
    }
    emb += "]";
    int num_right = 0;
    int num_wrong = 0;
    for (size_t i = 0; i < embedded.size(); ++i) {
        for (size_t j = i + 1; j < embedded.size(); ++j) {
            const bool near = length(embedded[i] - embedded[j]) < net.loss_details().get_distance_threshold();
            if ((labels[i] == labels[j]) == near)
                ++num_right;
            else
                ++num_wrong;
        }
    }
    std::printf("{\"steps\":%ld,\"params\":%s,\"embeddings\":%s,\"num_right\":%d,\"num_wrong\":%d}\n", step,
        params_json(layer<1>(net).layer_details().get_layer_params()).c_str(), emb.c_str(), num_right, num_wrong);
    return 0;
}

}  // namespace

// Returns -1: no command of this source matched.
int run_metric_command(const std::string& cmd, int argc, char** argv) {
    if (cmd == "metric-loss") return cmd_metric_loss(argc, argv);
    if (cmd == "glibc-rand") return cmd_glibc_rand(argc, argv);
    if (cmd == "fc-backward") return cmd_fc_backward(argc, argv);
    if (cmd == "sgd-step") return cmd_sgd_step(argc, argv);
    if (cmd == "running-gradient") return cmd_running_gradient(argc, argv);
    if (cmd == "erfc") return cmd_erfc(argc, argv);
    if (cmd == "toy") return cmd_toy(argc, argv);
    return -1;
}
