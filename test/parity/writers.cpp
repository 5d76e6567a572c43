// facemetric parity harness, part 2: files written by dlib itself, for facemetric's dlib-format
// reader and writer to be checked against (and files facemetric wrote, read back by dlib).
//
//   write-net OUT [--affine conv|fc] [--clean 0|1] [--from NET]
//   write-zoo DIR          small networks covering repeat, tags on the input, ~25 layer types
//   write-encodings OUT    one serialize() after another of many scalar and container values
//   write-random-floats OUT N   N floats then N doubles with random bit patterns (xorshift32)
//   roundtrip-detector IN OUT | roundtrip-shape-predictor IN OUT | roundtrip-net IN OUT
//                          deserialize with dlib, serialize again
//   time-deserialize KIND FILE REPEAT   median ms of dlib's deserialize (KIND: detector,
//                          shape-predictor, net), for the benchmarks

#include <dlib/dnn.h>
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "facenet.h"

using namespace dlib;

namespace {

// 150x150 test pattern for the forward passes that allocate a fresh net's parameters.
matrix<rgb_pixel> pattern(int variant) {
    matrix<rgb_pixel> img(150, 150);
    for (long r = 0; r < 150; ++r)
        for (long c = 0; c < 150; ++c)
            img(r, c) = variant == 0 ? rgb_pixel(r % 256, c % 256, (r * c) % 256)
                                     : rgb_pixel(c % 256, (r + c) % 256, r % 256);
    return img;
}

std::string opt(int argc, char** argv, const std::string& name, const std::string& dflt) {
    for (int i = 2; i + 1 < argc; ++i)
        if (argv[i] == "--" + name) return argv[i + 1];
    return dflt;
}

std::vector<std::string> positional(int argc, char** argv) {
    std::vector<std::string> out;
    for (int i = 2; i < argc; ++i) {
        if (std::string(argv[i]).rfind("--", 0) == 0) { ++i; continue; }
        out.push_back(argv[i]);
    }
    return out;
}

// The face ResNet as dlib made its published model: a bn_con training net (a forward pass on a
// batch of two sets its parameters up) converted to net_type, so affine_ layers are in CONV mode.
// --affine fc instead serializes a freshly constructed net_type, whose affine_ layers are in FC
// mode. --from NET loads a file instead of making a net.
int write_net(int argc, char** argv) {
    auto pos = positional(argc, argv);
    if (pos.size() != 1) throw std::invalid_argument("write-net OUT [--affine conv|fc] [--clean 0|1] [--from NET]");
    const std::string from = opt(argc, argv, "from", "");
    const std::string mode = opt(argc, argv, "affine", "conv");
    facenet::net_type net;
    if (!from.empty()) {
        deserialize(from) >> net;
    } else if (mode == "conv") {
        facenet::train_net_type train;
        std::vector<matrix<rgb_pixel>> batch = {pattern(0), pattern(1)};
        train(batch);
        net = train;
        net(pattern(0));
    } else if (mode == "fc") {
        net(pattern(0));
    } else {
        throw std::invalid_argument("--affine must be conv or fc");
    }
    // dlib's published models are saved after net.clean(), which drops cached outputs and
    // gradients; --clean 0 keeps them.
    if (opt(argc, argv, "clean", "1") != "0") net.clean();
    serialize(pos[0]) << net;
    return 0;
}

template <typename SUBNET> using rblock = relu<fc<6, SUBNET>>;
using zoo_repeat_type = loss_multiclass_log<fc<3, repeat<2, rblock, tag1<input<matrix<float>>>>>>;
template <typename SUBNET> using zblock = con<2, 1, 1, 1, 1, SUBNET>;
using zoo_layers_type = loss_binary_log<fc<1, l2normalize<dropout<prelu<bn_fc<fc_no_bias<4,
    multiply<leaky_relu<sig<htan<elu<gelu<mish<silu<clipped_relu<smelu<layer_norm<
    avg_pool<2, 2, 2, 2, max_pool<2, 2, 1, 1, bn_con<cont<3, 2, 2, 1, 1, add_prev3<mult_prev4<
    skip3<tag4<con<3, 1, 1, 1, 1, tag3<con<3, 3, 3, 1, 1, upsample<2,
    input<matrix<float>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>;
using zoo_concat_type = loss_mean_squared_multioutput<fc<2, softmax<affine<extract<0, 2, 2, 2,
    concat2<tag1, tag2, tag1<zblock<tag2<zblock<input_rgb_image>>>>>>>>>>;

// A fresh NET after one quiet training step on (x, y), cleaned and serialized to `file`: every
// layer then holds initialised parameters and its state as dlib writes it after training.
template <typename NET, typename LABEL>
void train_one_step_and_save(const std::vector<matrix<float>>& x, const std::vector<LABEL>& y, const std::string& file) {
    NET net;
    dnn_trainer<NET> trainer(net);
    trainer.be_quiet();
    trainer.train_one_step(x, y);
    trainer.get_net();
    net.clean();
    serialize(file) << net;
}

int write_zoo(int argc, char** argv) {
    auto pos = positional(argc, argv);
    if (pos.size() != 1) throw std::invalid_argument("write-zoo DIR");
    const std::string dir = pos[0];
    matrix<float> m(8, 8);
    for (long r = 0; r < 8; ++r)
        for (long c = 0; c < 8; ++c) m(r, c) = std::sin(r * 1.3 + c * 0.7);
    matrix<float> m2 = m * 0.5f;
    train_one_step_and_save<zoo_repeat_type>({m, m2}, std::vector<unsigned long>{0, 2}, dir + "/zoo_repeat.dat");
    train_one_step_and_save<zoo_layers_type>({m, m2}, std::vector<float>{1.f, -1.f}, dir + "/zoo_layers.dat");
    {
        zoo_concat_type net;
        matrix<rgb_pixel> im(6, 6);
        for (long r = 0; r < 6; ++r)
            for (long c = 0; c < 6; ++c) im(r, c) = rgb_pixel(r * 40, c * 40, (r + c) * 20);
        net(im);
        serialize(dir + "/zoo_concat_noclean.dat") << net;  // not cleaned: cached outputs kept
    }
    return 0;
}

int write_encodings(int argc, char** argv) {
    auto pos = positional(argc, argv);
    if (pos.size() != 1) throw std::invalid_argument("write-encodings OUT");
    std::ofstream out(pos[0], std::ios::binary);
    const float fs[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, 3.14159265f, 1e-45f, 1.17549435e-38f,
                        3.4028235e38f, -2.5e-40f, std::numeric_limits<float>::infinity(),
                        -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN(),
                        256.0f, 65536.0f, 0.1f, -123456.789f};
    for (float f : fs) serialize(f, out);
    const double ds[] = {0.0, -0.0, 1.0, -1.0, 0.1, 1e-310, 5e-324, 1.7976931348623157e308,
                         -2.2250738585072014e-308, std::numeric_limits<double>::infinity(),
                         -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN(),
                         4503599627370497.0, 123456789.123456789};
    for (double d : ds) serialize(d, out);
    const long double ls[] = {0.0L, 1.0L, -0.1L, 0.1, 1e-4000L};
    for (long double l : ls) serialize(l, out);
    const long ints[] = {0, 1, -1, 127, 128, 255, 256, -256, 65535, 2147483647L, -2147483648L,
                         std::numeric_limits<long>::max(), std::numeric_limits<long>::min()};
    for (long i : ints) serialize(i, out);
    const short ss[] = {0, -1, 32767, -32768};
    for (short s : ss) serialize(s, out);
    const int is[] = {std::numeric_limits<int>::min(), std::numeric_limits<int>::max()};
    for (int i : is) serialize(i, out);
    const unsigned long uls[] = {0, 1, 255, 256, std::numeric_limits<unsigned long>::max()};
    for (unsigned long u : uls) serialize(u, out);
    serialize(true, out);
    serialize(false, out);
    serialize(std::string("hello"), out);
    serialize(rectangle(-3, 4, 100, 2000), out);
    serialize(std::make_pair(point(5, -6), dpoint(0.5, -0.25)), out);
    matrix<double, 2, 3> m;
    m = 1, 2, 3, 4, 5, 6;
    serialize(m, out);
    matrix<float> empty;
    serialize(empty, out);
    std::vector<float> v = {1.5f, -2.0f};
    serialize(v, out);
    char c = 'x';
    signed char sc = -5;
    unsigned char uc = 200;
    serialize(c, out);
    serialize(sc, out);
    serialize(uc, out);
    resizable_tensor t;
    t.set_size(2, 3, 1, 1);
    for (size_t i = 0; i < t.size(); ++i) t.host()[i] = i * 0.5f - 1;
    serialize(t, out);
    return 0;
}

int write_random_floats(int argc, char** argv) {
    auto pos = positional(argc, argv);
    if (pos.size() != 2) throw std::invalid_argument("write-random-floats OUT N");
    std::ofstream out(pos[0], std::ios::binary);
    const unsigned long n = std::stoul(pos[1]);
    uint32_t x = 2463534242u;  // xorshift32
    auto next = [&]() { x ^= x << 13; x ^= x >> 17; x ^= x << 5; return x; };
    for (unsigned long i = 0; i < n; ++i) {
        uint32_t bits = next();
        float f;
        std::memcpy(&f, &bits, 4);
        serialize(f, out);
    }
    for (unsigned long i = 0; i < n; ++i) {
        uint64_t hi = next();
        uint64_t lo = next();
        uint64_t bits = (hi << 32) | lo;
        double d;
        std::memcpy(&d, &bits, 8);
        serialize(d, out);
    }
    return 0;
}

template <typename T>
int roundtrip(int argc, char** argv, const char* usage) {
    auto pos = positional(argc, argv);
    if (pos.size() != 2) throw std::invalid_argument(usage);
    T obj;
    deserialize(pos[0]) >> obj;
    serialize(pos[1]) << obj;
    return 0;
}

template <typename T>
double median_deserialize_ms(const std::string& file, int repeat) {
    std::vector<double> ms;
    for (int i = 0; i < repeat; ++i) {
        T obj;
        const auto t0 = std::chrono::steady_clock::now();
        deserialize(file) >> obj;
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

int time_deserialize(int argc, char** argv) {
    auto pos = positional(argc, argv);
    if (pos.size() != 3) throw std::invalid_argument("time-deserialize detector|shape-predictor|net FILE REPEAT");
    const int repeat = std::max(1, std::stoi(pos[2]));
    double ms;
    if (pos[0] == "detector") ms = median_deserialize_ms<frontal_face_detector>(pos[1], repeat);
    else if (pos[0] == "shape-predictor") ms = median_deserialize_ms<shape_predictor>(pos[1], repeat);
    else if (pos[0] == "net") ms = median_deserialize_ms<facenet::net_type>(pos[1], repeat);
    else throw std::invalid_argument("time-deserialize: KIND is detector, shape-predictor or net");
    std::cout << "{\"kind\":\"" << pos[0] << "\",\"repeat\":" << repeat << ",\"median_ms\":" << ms << "}\n";
    return 0;
}

}  // namespace

// Returns the exit code, or -1 when `cmd` is not one of these commands.
int run_writer_command(const std::string& cmd, int argc, char** argv) {
    if (cmd == "write-net") return write_net(argc, argv);
    if (cmd == "write-zoo") return write_zoo(argc, argv);
    if (cmd == "write-encodings") return write_encodings(argc, argv);
    if (cmd == "write-random-floats") return write_random_floats(argc, argv);
    if (cmd == "roundtrip-detector") return roundtrip<frontal_face_detector>(argc, argv, "roundtrip-detector IN OUT");
    if (cmd == "roundtrip-shape-predictor") return roundtrip<shape_predictor>(argc, argv, "roundtrip-shape-predictor IN OUT");
    if (cmd == "roundtrip-net") return roundtrip<facenet::net_type>(argc, argv, "roundtrip-net IN OUT");
    if (cmd == "time-deserialize") return time_deserialize(argc, argv);
    return -1;
}
