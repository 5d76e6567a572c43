// facemetric parity harness: fhog commands — dlib's fHOG features and image pyramids, for
// facemetric's src/hog/fhog.ts and src/hog/pyramid.ts to be compared with.
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.
//
//   fhog IMAGE OUTDIR [--cell 8] [--pad-rows 1] [--pad-cols 1] [--gray 1] [--repeat N]
//       load_image into array2d<rgb_pixel> (--gray 1: then assign_image to array2d<unsigned
//       char>), extract_fhog_features into dlib::array<array2d<float>>. Writes OUTDIR/fhog.f32
//       (31 planes of rows x cols floats, row-major, concatenated) and prints
//       {rows, cols, planes, width, height, ms}; ms is the median of N runs (default 1).
//   pyramid IMAGE OUTDIR [--levels N] [--gray 1]
//       N successive pyramid_down<6> levels (default 3, stops at an empty image), each saved
//       with save_png as OUTDIR/level<L>.png (L = 1..N); one JSON line per level
//       {level, width, height, path}.
//   pyramid-up IMAGE OUT.png [--gray 1]
//       pyramid_up(img, out, pyramid_down<2>()) as dlib's Python API upsamples; prints
//       {width, height}.
//   time-pyramid IMAGE [--repeat N] [--gray 1]
//       Median ms over N runs (default 11) of one pyramid_down<6> level and of one pyramid_up
//       (pyramid_down<2>) of the image, for the benchmarks: {downMs, upMs, width, height}.
//   rect-map L T R B [--levels N] [--cell 8] [--pad-rows 1] [--pad-cols 1]
//       The coordinate maps for one rectangle: pyramid_down<N> rect_down/rect_up for N in
//       1, 2, 3, 6 over the given number of levels (drectangle, %.17g), their conversion back
//       to rectangle, and image_to_fhog / fhog_to_image of the rectangle.

#include "options.h"
#include <dlib/image_io.h>
#include <dlib/image_processing.h>
#include <dlib/image_transforms.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace dlib;

namespace {

using fhog_args = command_options;

// Loads IMAGE (a.pos[0]) as RGB and returns run(image): on the RGB image itself, or with
// --gray 1 on its grey version (assign_image, dlib's rgb -> unsigned char rule).
template <typename F>
int on_image(const fhog_args& a, F run) {
    array2d<rgb_pixel> rgb;
    load_image(rgb, a.pos[0]);
    if (a.get_long("gray", 0)) {
        array2d<unsigned char> gray;
        assign_image(gray, rgb);
        return run(gray);
    }
    return run(rgb);
}

template <typename R>
std::string rect_json(const R& r) {
    return "[" + json_double(r.left()) + "," + json_double(r.top()) + "," + json_double(r.right()) + "," + json_double(r.bottom()) + "]";
}

template <typename image_type>
int fhog_on(const image_type& img, const fhog_args& a) {
    const int cell = static_cast<int>(a.get_long("cell", 8));
    const int pad_rows = static_cast<int>(a.get_long("pad-rows", 1));
    const int pad_cols = static_cast<int>(a.get_long("pad-cols", 1));
    const long repeat = std::max(1L, a.get_long("repeat", 1));
    if (cell < 1 || pad_rows < 1 || pad_cols < 1) throw std::invalid_argument("--cell, --pad-rows, --pad-cols must be >= 1");
    dlib::array<array2d<float>> hog;
    std::vector<double> times;
    for (long i = 0; i < repeat; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        extract_fhog_features(img, hog, cell, pad_rows, pad_cols);
        times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(times.begin(), times.end());
    const std::string path = a.pos[1] + "/fhog.f32";
    std::ofstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot write " + path);
    for (unsigned long p = 0; p < hog.size(); ++p)
        for (long r = 0; r < hog[p].nr(); ++r)
            f.write(reinterpret_cast<const char*>(&hog[p][r][0]), static_cast<std::streamsize>(hog[p].nc() * sizeof(float)));
    if (!f) throw std::runtime_error("write failed: " + path);
    std::cout << "{\"rows\":" << hog[0].nr() << ",\"cols\":" << hog[0].nc() << ",\"planes\":" << hog.size()
              << ",\"width\":" << img.nc() << ",\"height\":" << img.nr() << ",\"ms\":" << json_double(times[times.size() / 2])
              << ",\"path\":" << json_quote(path) << "}\n";
    return 0;
}

int cmd_fhog(const fhog_args& a) {
    if (a.pos.size() != 2) throw std::invalid_argument("fhog IMAGE OUTDIR [--cell 8] [--pad-rows 1] [--pad-cols 1] [--gray 1] [--repeat N]");
    return on_image(a, [&](auto& img) { return fhog_on(img, a); });
}

template <typename image_type>
int pyramid_on(image_type& img, const fhog_args& a) {
    const long levels = a.get_long("levels", 3);
    pyramid_down<6> pyr;
    for (long l = 1; l <= levels; ++l) {
        image_type down;
        pyr(img, down);
        swap(img, down);
        if (img.size() == 0) break;
        const std::string path = a.pos[1] + "/level" + std::to_string(l) + ".png";
        save_png(img, path);
        std::cout << "{\"level\":" << l << ",\"width\":" << img.nc() << ",\"height\":" << img.nr()
                  << ",\"path\":" << json_quote(path) << "}\n";
    }
    return 0;
}

int cmd_pyramid(const fhog_args& a) {
    if (a.pos.size() != 2) throw std::invalid_argument("pyramid IMAGE OUTDIR [--levels N] [--gray 1]");
    return on_image(a, [&](auto& img) { return pyramid_on(img, a); });
}

template <typename image_type>
int pyramid_up_on(const image_type& img, const fhog_args& a) {
    image_type out;
    pyramid_up(img, out, pyramid_down<2>());
    save_png(out, a.pos[1]);
    std::cout << "{\"width\":" << out.nc() << ",\"height\":" << out.nr() << "}\n";
    return 0;
}

int cmd_pyramid_up(const fhog_args& a) {
    if (a.pos.size() != 2) throw std::invalid_argument("pyramid-up IMAGE OUT.png [--gray 1]");
    return on_image(a, [&](auto& img) { return pyramid_up_on(img, a); });
}

template <typename image_type>
int time_pyramid_on(const image_type& img, const fhog_args& a) {
    const long repeat = std::max(1L, a.get_long("repeat", 11));
    std::vector<double> down, up;
    for (long i = 0; i < repeat; ++i) {
        image_type out;
        auto t0 = std::chrono::steady_clock::now();
        pyramid_down<6>()(img, out);
        down.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        image_type big;
        t0 = std::chrono::steady_clock::now();
        pyramid_up(img, big, pyramid_down<2>());
        up.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(down.begin(), down.end());
    std::sort(up.begin(), up.end());
    std::cout << "{\"downMs\":" << json_double(down[down.size() / 2]) << ",\"upMs\":" << json_double(up[up.size() / 2])
              << ",\"width\":" << img.nc() << ",\"height\":" << img.nr() << "}\n";
    return 0;
}

int cmd_time_pyramid(const fhog_args& a) {
    if (a.pos.size() != 1) throw std::invalid_argument("time-pyramid IMAGE [--repeat N] [--gray 1]");
    return on_image(a, [&](auto& img) { return time_pyramid_on(img, a); });
}

template <typename pyr_type>
std::string maps_json(const pyr_type& pyr, const drectangle& r, unsigned levels) {
    const drectangle down = pyr.rect_down(r, levels);
    const drectangle up = pyr.rect_up(r, levels);
    const drectangle down1 = pyr.rect_down(r);
    const drectangle up1 = pyr.rect_up(r);
    return "{\"down\":" + rect_json(down) + ",\"up\":" + rect_json(up) + ",\"down1\":" + rect_json(down1) +
           ",\"up1\":" + rect_json(up1) + ",\"downRect\":" + rect_json(rectangle(down)) +
           ",\"upRect\":" + rect_json(rectangle(up)) + "}";
}

int cmd_rect_map(const fhog_args& a) {
    if (a.pos.size() != 4) throw std::invalid_argument("rect-map L T R B [--levels N] [--cell 8] [--pad-rows 1] [--pad-cols 1]");
    const long l = std::stol(a.pos[0]), t = std::stol(a.pos[1]), r = std::stol(a.pos[2]), b = std::stol(a.pos[3]);
    const rectangle rect(l, t, r, b);
    const unsigned levels = static_cast<unsigned>(a.num("levels", 1));
    const int cell = static_cast<int>(a.get_long("cell", 8));
    const int pad_rows = static_cast<int>(a.get_long("pad-rows", 1));
    const int pad_cols = static_cast<int>(a.get_long("pad-cols", 1));
    std::cout << "{\"rect\":" << rect_json(rect) << ",\"levels\":" << levels
              << ",\"p1\":" << maps_json(pyramid_down<1>(), rect, levels)
              << ",\"p2\":" << maps_json(pyramid_down<2>(), rect, levels)
              << ",\"p3\":" << maps_json(pyramid_down<3>(), rect, levels)
              << ",\"p6\":" << maps_json(pyramid_down<6>(), rect, levels)
              << ",\"imageToFhog\":" << rect_json(image_to_fhog(rect, cell, pad_rows, pad_cols))
              << ",\"fhogToImage\":" << rect_json(fhog_to_image(rect, cell, pad_rows, pad_cols)) << "}\n";
    return 0;
}

}  // namespace

// Returns the exit code, or -1 when `cmd` is not one of this file's commands.
int run_fhog_command(const std::string& cmd, int argc, char** argv) {
    if (cmd != "fhog" && cmd != "pyramid" && cmd != "pyramid-up" && cmd != "rect-map" && cmd != "time-pyramid") return -1;
    fhog_args a(argc, argv, 2);
    if (cmd == "fhog") return cmd_fhog(a);
    if (cmd == "pyramid") return cmd_pyramid(a);
    if (cmd == "pyramid-up") return cmd_pyramid_up(a);
    if (cmd == "time-pyramid") return cmd_time_pyramid(a);
    return cmd_rect_map(a);
}
