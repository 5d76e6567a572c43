// facemetric parity harness: dnn commands (see the header comment of each command).
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.
//
//   time-net --net NET.dat [--batch B] [--repeat R] CHIP.png...
//       Times dlib's forward pass of the face ResNet (facenet::net_type, i.e. anet_type):
//       deserialize NET.dat, load the chips as matrix<rgb_pixel> (150x150), fill one batch of B
//       chips by cycling through the given ones, run `net(batch, B)` once as a warm-up, then R
//       more times (default B 1, R 5), each timed with steady_clock (the whole call: input
//       conversion, the layers, loss_metric's copy into the 128-D descriptors).
//       Prints one JSON line: {batch, repeat, median_ms_per_batch, min_ms_per_batch, ms_per_face,
//       blas, threads?}. `blas` is "openblas" when the process resolved OpenBLAS (its
//       openblas_get_num_threads symbol is found at run time; `threads` is then what OpenBLAS
//       reports, and `openblas_config` its build string), otherwise "other" (Debian's reference
//       BLAS in this harness's default environment). Which libblas.so.3 is loaded is decided by
//       the dynamic loader (LD_LIBRARY_PATH), so the same binary times both.

#include "options.h"
#include <dlfcn.h>
#include <dlib/dnn.h>
#include <dlib/image_io.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "facenet.h"

using namespace dlib;

namespace {

using dnn_args = command_options;



int cmd_time_net(const dnn_args& a) {
    const std::string net_path = a.get("net", "");
    if (net_path.empty() || a.pos.empty())
        throw std::runtime_error("usage: time-net --net NET.dat [--batch B] [--repeat R] CHIP.png...");
    const long batch = a.get_long("batch", 1, 1);
    const long repeat = a.get_long("repeat", 5, 1);

    facenet::net_type net;
    deserialize(net_path) >> net;

    const std::vector<matrix<rgb_pixel>> chips = facenet::load_chips(a.pos);
    std::vector<matrix<rgb_pixel>> input;
    for (long i = 0; i < batch; ++i) input.push_back(chips[i % chips.size()]);

    using clock = std::chrono::steady_clock;
    volatile float sink = 0;
    auto d = net(input, batch);  // warm-up: allocates the layers' tensors
    sink = sink + d[0](0);
    std::vector<double> ms;
    for (long r = 0; r < repeat; ++r) {
        const auto t0 = clock::now();
        d = net(input, batch);
        ms.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
        sink = sink + d[0](0);
    }
    std::vector<double> sorted = ms;
    std::sort(sorted.begin(), sorted.end());
    const size_t n = sorted.size();
    const double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;

    // Which BLAS did the loader resolve? OpenBLAS exports these; the netlib reference does not.
    using get_threads_fn = int (*)();
    using get_config_fn = char* (*)();
    auto get_threads = reinterpret_cast<get_threads_fn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    auto get_config = reinterpret_cast<get_config_fn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));

    std::printf("{\"batch\":%ld,\"repeat\":%ld,\"median_ms_per_batch\":%.6g,\"min_ms_per_batch\":%.6g,"
                "\"ms_per_face\":%.6g,\"blas\":\"%s\"",
                batch, repeat, median, sorted[0], median / batch, get_threads ? "openblas" : "other");
    if (get_threads) std::printf(",\"threads\":%d", get_threads());
    if (get_config) std::printf(",\"openblas_config\":%s", json_quote(get_config()).c_str());
    std::printf(",\"runs_ms\":[");
    for (size_t i = 0; i < ms.size(); ++i) std::printf("%s%.6g", i ? "," : "", ms[i]);
    std::printf("]}\n");
    return 0;
}

}  // namespace

int run_dnn_command(const std::string& cmd, int argc, char** argv) {
    if (cmd == "time-net") return cmd_time_net(dnn_args(argc, argv, 2));
    return -1;
}
