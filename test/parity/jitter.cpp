// facemetric parity harness: jitter commands (see the header comment of each command).
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.
//
//   jitter-chips --count N --out DIR [--seed S] [--gray 1] IMAGE...
//       dlib::jitter_image (dlib/image_transforms/interpolation.h) N times on each image, in
//       order, all from ONE dlib::rand (default-constructed when --seed is absent, else
//       dlib::rand(S), as rand.cpp's rand-sequence does). Images are loaded with load_image as
//       matrix<rgb_pixel> (or, with --gray 1, matrix<unsigned char>; jitter_image returns its
//       argument's type, so array2d, which cannot be copied, is not used); they must be square.
//       The N crops of image i are written one after the other, raw (row-major, R,G,B or grey
//       bytes, no header), to DIR/jitter.<i>.raw. One JSON line per image:
//       {image, file, count, rows, cols, channels}.
//
//   jitter-describe --net NET.dat --jitters N [--seed S] CHIP.png...
//       Face descriptors of 150x150 chips exactly as dlib's Python API computes them
//       (tools/python/src/face_recognition.cpp, batch_compute_face_descriptors_from_aligned_images,
//       whose `dlib::rand rnd` member is default-constructed and lives as long as the model
//       object): with N <= 1, `net(chips, 16)`; otherwise, for each chip in order,
//       `mean(mat(net(crops, 16)))` where crops are N jitter_image(chip, rnd) drawn from one
//       dlib::rand for the whole run (default-constructed unless --seed S). The descriptors stay
//       float (Python then casts them to double, which is exact). One JSON line per chip:
//       {chip, descriptor: [128 floats, %.9g]}.

#include "options.h"
#include <dlib/dnn.h>
#include <dlib/image_io.h>
#include <dlib/image_transforms.h>
#include <dlib/rand.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "facenet.h"

using namespace dlib;

namespace {

using jitter_args = command_options;

dlib::rand make_rand(const jitter_args& a) {
    return a.has("seed") ? dlib::rand(a.get("seed", "")) : dlib::rand();
}

template <typename image_type>
void write_crops(const std::string& file, const std::vector<image_type>& crops, long channels) {
    std::ofstream out(file, std::ios::binary);
    if (!out) throw std::runtime_error("cannot write " + file);
    for (const auto& c : crops) {
        const auto* p = reinterpret_cast<const char*>(&c(0, 0));
        out.write(p, static_cast<std::streamsize>(c.size() * channels));
    }
    if (!out) throw std::runtime_error("cannot write " + file);
}

template <typename image_type>
int jitter_chips_of(const jitter_args& a, long channels) {
    const long count = a.get_long("count", 0, 0);
    const std::string dir = a.get("out", "");
    if (!a.has("count") || dir.empty() || a.pos.empty())
        throw std::invalid_argument("jitter-chips --count N --out DIR [--seed S] [--gray 1] IMAGE...");
    dlib::rand rnd = make_rand(a);
    static_assert(sizeof(rgb_pixel) == 3, "rgb_pixel must be 3 packed bytes");
    for (size_t i = 0; i < a.pos.size(); ++i) {
        image_type img;
        load_image(img, a.pos[i]);
        std::vector<image_type> crops;
        for (long k = 0; k < count; ++k) crops.push_back(jitter_image(img, rnd));
        const std::string file = dir + "/jitter." + std::to_string(i) + ".raw";
        write_crops(file, crops, channels);
        std::printf("{\"image\":%s,\"file\":%s,\"count\":%ld,\"rows\":%ld,\"cols\":%ld,\"channels\":%ld}\n",
                    json_quote(a.pos[i]).c_str(), json_quote(file).c_str(), count, img.nr(), img.nc(), channels);
    }
    return 0;
}

int cmd_jitter_chips(const jitter_args& a) {
    if (a.get_long("gray", 0, 0) != 0) return jitter_chips_of<matrix<unsigned char>>(a, 1);
    return jitter_chips_of<matrix<rgb_pixel>>(a, 3);
}

void print_descriptor(const std::string& chip, const matrix<float, 0, 1>& d) {
    std::string out;
    char buf[32];
    for (long k = 0; k < d.size(); ++k) {
        std::snprintf(buf, sizeof buf, "%s%.9g", k ? "," : "", static_cast<double>(d(k)));
        out += buf;
    }
    std::printf("{\"chip\":%s,\"descriptor\":[%s]}\n", json_quote(chip).c_str(), out.c_str());
}

int cmd_jitter_describe(const jitter_args& a) {
    const std::string net_path = a.get("net", "");
    if (net_path.empty() || !a.has("jitters") || a.pos.empty())
        throw std::invalid_argument("jitter-describe --net NET.dat --jitters N [--seed S] CHIP.png...");
    const long num_jitters = a.get_long("jitters", 0);
    facenet::net_type net;
    deserialize(net_path) >> net;
    dlib::rand rnd = make_rand(a);

    const std::vector<matrix<rgb_pixel>> chips = facenet::load_chips(a.pos);

    if (num_jitters <= 1) {
        const auto descriptors = net(chips, 16);
        for (size_t i = 0; i < chips.size(); ++i) print_descriptor(a.pos[i], descriptors[i]);
        return 0;
    }
    for (size_t i = 0; i < chips.size(); ++i) {
        std::vector<matrix<rgb_pixel>> crops;
        for (long k = 0; k < num_jitters; ++k) crops.push_back(dlib::jitter_image(chips[i], rnd));
        const matrix<float, 0, 1> r = mean(mat(net(crops, 16)));
        print_descriptor(a.pos[i], r);
    }
    return 0;
}

}  // namespace

int run_jitter_command(const std::string& cmd, int argc, char** argv) {
    if (cmd == "jitter-chips") return cmd_jitter_chips(jitter_args(argc, argv, 2));
    if (cmd == "jitter-describe") return cmd_jitter_describe(jitter_args(argc, argv, 2));
    return -1;
}
