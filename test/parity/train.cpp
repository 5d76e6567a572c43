// facemetric parity harness: training steps of the face ResNet (issue 12), run by dlib itself.
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.
//
//   train-step --net bn|affine [--init NET.dat] --batches LIST --out DIR
//              [--lr 0.01] [--weight-decay 0.0005] [--momentum 0.9] [--save NET.dat]
//       Trains facenet::train_net_type (--net bn: bn_con layers, 150x150 input) or
//       facenet::net_type (--net affine: the released model's type; its affine_ layers are fixed)
//       the way a deterministic dnn_trainer step does, without the trainer's thread:
//       for each mini-batch of LIST (lines `path label`, an empty line between mini-batches;
//       paths relative to LIST's folder unless absolute; 150x150 chips),
//         loss = net.compute_parameter_gradients(chips, labels)
//         net.update_parameters(make_sstack(solvers), lr)   (solvers: one sgd(wd, momentum) per
//                                                           computational layer)
//       A fresh --net bn (no --init) is initialised by dlib on its first forward pass
//       (each con_/fc_ seeds dlib::rand with std::rand(), glibc's generator from seed 1).
//       Writes into DIR, each the concatenation over the layers with parameters in
//       visit_layer_parameters order (top-down: fc first, the first con_ last):
//         params-0.f32            the parameters before the first update (after the first forward,
//                                 so a fresh net's initial values)
//         grads-S.f32             params_grad after step S's back-propagation (S = 1, 2, ...)
//         params-S.f32            the parameters after step S's update
//         running-S.f32           every bn_'s running means then running variances after step S
//       and prints one JSON line per step: {"step", "loss" (17 digits), "sizes": [params per layer]}.
//       With --save, serializes the network (after net.clean()) to NET.dat at the end.
//
//   time-train --net bn|affine [--init NET.dat] --people P --per-person K [--repeat R] CHIP.png...
//       Times dlib's training step (compute_parameter_gradients + update_parameters with sgd, as
//       train-step) on one mini-batch of P*K chips (the given chips cycled; labels i / K): one
//       warm-up step, then R timed steps (default 3). Prints {"people","perPerson","images",
//       "median_ms_per_step","images_per_second","peak_rss_mb","blas","threads"?}; blas is
//       "openblas" when the process resolved OpenBLAS (LD_LIBRARY_PATH), else "other".
//
//   convert-net --in TRAIN.dat --out NET.dat
//       Loads a facenet::train_net_type file and assigns it to facenet::net_type (dlib's bn_con ->
//       affine_ conversion, as dnn_metric_learning_on_images_ex.cpp's `anet_type testing_net =
//       net;`), then serializes it. Prints {"layers": N}.

#include <dlfcn.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <dlib/dnn.h>
#include <dlib/image_io.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "facenet.h"
#include "options.h"

using namespace dlib;

namespace {

struct mini_batch {
    std::vector<std::string> paths;
    std::vector<unsigned long> labels;
};

// The --batches format: `path label` per line, an empty line between mini-batches. Labels are
// numbered by first appearance over the whole file.
std::vector<mini_batch> read_batches(const std::string& list) {
    std::ifstream in(list);
    if (!in) throw std::runtime_error("cannot read " + list);
    const auto slash = list.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "." : list.substr(0, slash);
    std::vector<mini_batch> out(1);
    std::map<std::string, unsigned long> ids;
    std::string line;
    while (std::getline(in, line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            if (!out.back().paths.empty()) out.emplace_back();
            continue;
        }
        std::istringstream ls(line);
        std::string path, label;
        if (!(ls >> path >> label)) throw std::runtime_error(list + ": a line without a label: " + line);
        if (path[0] != '/') path = dir + "/" + path;
        const auto it = ids.emplace(label, ids.size()).first;
        out.back().paths.push_back(path);
        out.back().labels.push_back(it->second);
    }
    if (out.back().paths.empty()) out.pop_back();
    if (out.empty()) throw std::runtime_error(list + " lists no mini-batch");
    return out;
}

void write_floats(const std::string& path, const std::vector<float>& v) {
    std::ofstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot write " + path);
    f.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
    if (!f) throw std::runtime_error("write failed: " + path);
}

template <typename net_t>
std::vector<float> all_params(net_t& net, std::vector<size_t>* sizes = nullptr) {
    std::vector<float> out;
    visit_layer_parameters(net, [&](size_t, tensor& p) {
        if (p.size() == 0) return;
        if (sizes) sizes->push_back(p.size());
        out.insert(out.end(), p.host(), p.host() + p.size());
    });
    return out;
}

template <typename net_t>
std::vector<float> all_grads(net_t& net, const std::vector<size_t>& sizes) {
    std::vector<float> out;
    size_t i = 0;
    // every computational layer has a params_grad, empty where it has no parameters
    visit_layer_parameter_gradients(net, [&](size_t, tensor& g) {
        if (i < sizes.size() && g.size() == sizes[i]) {
            out.insert(out.end(), g.host(), g.host() + g.size());
            ++i;
        }
    });
    if (i != sizes.size()) throw std::runtime_error("parameter gradients do not match the parameters");
    return out;
}

template <typename net_t>
std::vector<float> running_stats(net_t& net) {
    std::vector<float> out;
    visit_computational_layers(net, [&](auto& l) {
        if constexpr (requires { l.get_running_stats_window_size(); }) {
            // bn_ keeps running_means/running_variances private; its serialization has them:
            // params, gamma, beta, means, invstds, running_means, running_variances, ...
            std::ostringstream s;
            serialize(l, s);
            std::istringstream in(s.str());
            std::string name;
            resizable_tensor params, means, invstds, rm, rv;
            alias_tensor gamma, beta;
            deserialize(name, in);
            deserialize(params, in);
            deserialize(gamma, in);
            deserialize(beta, in);
            deserialize(means, in);
            deserialize(invstds, in);
            deserialize(rm, in);
            deserialize(rv, in);
            out.insert(out.end(), rm.host(), rm.host() + rm.size());
            out.insert(out.end(), rv.host(), rv.host() + rv.size());
        }
    });
    return out;
}

template <typename net_t>
int train_steps(net_t& net, const command_options& a) {
    const auto batches = read_batches(a.need("batches"));
    const std::string dir = a.need("out");
    const double lr = a.num("lr", 0.01);
    const double wd = a.num("weight-decay", 0.0005);
    const double momentum = a.num("momentum", 0.9);
    std::vector<sgd> solvers(net_t::num_computational_layers, sgd(wd, momentum));
    std::vector<size_t> sizes;
    for (size_t s = 0; s < batches.size(); ++s) {
        const auto chips = facenet::load_chips(batches[s].paths);
        const double loss = net.compute_parameter_gradients(chips.begin(), chips.end(), batches[s].labels.begin());
        if (s == 0) write_floats(dir + "/params-0.f32", all_params(net, &sizes));
        write_floats(dir + "/grads-" + std::to_string(s + 1) + ".f32", all_grads(net, sizes));
        net.update_parameters(make_sstack(solvers), lr);
        write_floats(dir + "/params-" + std::to_string(s + 1) + ".f32", all_params(net));
        write_floats(dir + "/running-" + std::to_string(s + 1) + ".f32", running_stats(net));
        std::printf("{\"step\":%zu,\"loss\":%.17g,\"sizes\":[", s + 1, loss);
        for (size_t i = 0; i < sizes.size(); ++i) std::printf("%s%zu", i ? "," : "", sizes[i]);
        std::printf("]}\n");
    }
    if (a.has("save")) {
        net.clean();
        serialize(a.get("save", "")) << net;
    }
    return 0;
}

int cmd_train_step(const command_options& a) {
    const std::string kind = a.get("net", "bn");
    if (kind == "bn") {
        facenet::train_net_type net;
        if (a.has("init")) deserialize(a.get("init", "")) >> net;
        return train_steps(net, a);
    }
    if (kind == "affine") {
        facenet::net_type net;
        deserialize(a.need("init")) >> net;
        return train_steps(net, a);
    }
    throw std::invalid_argument("--net must be bn or affine");
}

template <typename net_t>
int time_steps(net_t& net, const command_options& a) {
    const long people = a.get_long("people", 5, 1);
    const long per = a.get_long("per-person", 5, 1);
    const long repeat = a.get_long("repeat", 3, 1);
    if (a.pos.empty()) throw std::invalid_argument("time-train: give chips");
    const auto chips = facenet::load_chips(a.pos);
    std::vector<matrix<rgb_pixel>> batch;
    std::vector<unsigned long> labels;
    for (long i = 0; i < people * per; ++i) {
        batch.push_back(chips[i % chips.size()]);
        labels.push_back(static_cast<unsigned long>(i / per));
    }
    std::vector<sgd> solvers(net_t::num_computational_layers, sgd(0.0001, 0.9));
    std::vector<double> ms;
    volatile double sink = 0;
    for (long r = 0; r <= repeat; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        sink = sink + net.compute_parameter_gradients(batch.begin(), batch.end(), labels.begin());
        net.update_parameters(make_sstack(solvers), 0.0001);
        const double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (r > 0) ms.push_back(t);
    }
    std::sort(ms.begin(), ms.end());
    const size_t n = ms.size();
    const double median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    using get_threads_fn = int (*)();
    auto get_threads = reinterpret_cast<get_threads_fn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    std::printf("{\"people\":%ld,\"perPerson\":%ld,\"images\":%ld,\"median_ms_per_step\":%.6g,\"images_per_second\":%.6g,"
                "\"peak_rss_mb\":%.1f,\"blas\":\"%s\"",
                people, per, people * per, median, 1000.0 * people * per / median, u.ru_maxrss / 1024.0,
                get_threads ? "openblas" : "other");
    if (get_threads) std::printf(",\"threads\":%d", get_threads());
    std::printf("}\n");
    return 0;
}

int cmd_time_train(const command_options& a) {
    if (a.get("net", "bn") == "affine") {
        facenet::net_type net;
        deserialize(a.need("init")) >> net;
        return time_steps(net, a);
    }
    facenet::train_net_type net;
    if (a.has("init")) deserialize(a.get("init", "")) >> net;
    return time_steps(net, a);
}

int cmd_convert_net(const command_options& a) {
    facenet::train_net_type train;
    deserialize(a.need("in")) >> train;
    facenet::net_type net = train;
    serialize(a.need("out")) << net;
    std::printf("{\"layers\":%zu}\n", static_cast<size_t>(facenet::net_type::num_layers));
    return 0;
}

}  // namespace

int run_train_command(const std::string& cmd, int argc, char** argv) {
    if (cmd == "train-step") return cmd_train_step(command_options(argc, argv));
    if (cmd == "convert-net") return cmd_convert_net(command_options(argc, argv));
    if (cmd == "time-train") return cmd_time_train(command_options(argc, argv));
    return -1;
}
