// facemetric parity harness: chips commands (see the header comment of each command).
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.
//
//   chip-details --points JSON [--size 150] [--padding 0.25]
//       dlib's get_face_chip_details for a 68- or 5-point shape given as [[x,y],...] (integers).
//       Prints one JSON line: {rect: [l, t, r, b], angle, rows, cols} (doubles as %.17g).
//
//   chip-extract IMAGE OUT.png --details "l t r b angle rows cols" [--gray 1]
//       extract_image_chip(img, chip_details(drectangle(l,t,r,b), chip_dims(rows,cols), angle))
//       on the image loaded as matrix<rgb_pixel> (or, with --gray 1, array2d<unsigned char>);
//       saves the chip with save_png and prints {ms} (mean of --repeat N runs, default 1).
//
//   chips IMAGE... --out DIR --predictor SP [--size 150] [--padding 0.25] [--five 1] [--gray 1]
//                  [--upsample N] [--adjust T]
//       dlib's frontal face detector (adjust_threshold T), shape_predictor on the RGB image, get_face_chip_details
//       (with --five 1 on the 5 parts 45, 42, 36, 39, 33 of the 68, dlib's 5-point order),
//       extract_image_chip from the RGB image (or its grey version with --gray 1), save_png to
//       DIR/<image index>.<face index>.png. One JSON line per face: {image, face, chip, rect,
//       parts, details: {rect, angle, rows, cols}, ms} (ms: extract_image_chip only).

#include "options.h"
#include <dlib/image_io.h>
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

using namespace dlib;

namespace {

using chip_args = command_options;


std::vector<double> numbers_in(const std::string& s) {
    std::vector<double> out;
    const char* p = s.c_str();
    while (*p) {
        if ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == '.') {
            char* end = nullptr;
            out.push_back(std::strtod(p, &end));
            p = end;
        } else {
            ++p;
        }
    }
    return out;
}

void print_details(const chip_details& d) {
    std::printf("{\"rect\":[%.17g,%.17g,%.17g,%.17g],\"angle\":%.17g,\"rows\":%lu,\"cols\":%lu}", d.rect.left(),
                d.rect.top(), d.rect.right(), d.rect.bottom(), d.angle, d.rows, d.cols);
}

double now_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

template <typename image_type>
double extract_and_save(const image_type& img, const chip_details& d, const std::string& out, int repeat) {
    image_type chip;
    const double t0 = now_ms();
    for (int i = 0; i < repeat; ++i) extract_image_chip(img, d, chip);
    const double ms = (now_ms() - t0) / repeat;
    save_png(chip, out);
    return ms;
}

}  // namespace

// Returns the exit code, or -1 when `cmd` is not one of this file's commands.
int run_chips_command(const std::string& cmd, int argc, char** argv) {
    if (cmd == "chip-details") {
        chip_args a(argc, argv, 2);
        const auto v = numbers_in(a.get("points", ""));
        if (v.size() != 136 && v.size() != 10) throw std::runtime_error("chip-details: --points needs 68 or 5 [x,y]");
        std::vector<point> parts;
        for (size_t i = 0; i < v.size(); i += 2) parts.push_back(point((long)v[i], (long)v[i + 1]));
        full_object_detection det(rectangle(0, 0, 10, 10), parts);
        print_details(get_face_chip_details(det, std::stoul(a.get("size", "150")), std::stod(a.get("padding", "0.25"))));
        std::printf("\n");
        return 0;
    }
    if (cmd == "chip-extract") {
        chip_args a(argc, argv, 2);
        if (a.pos.size() != 2) throw std::runtime_error("chip-extract IMAGE OUT.png --details \"l t r b angle rows cols\"");
        const auto v = numbers_in(a.get("details", ""));
        if (v.size() != 7) throw std::runtime_error("chip-extract: --details needs 7 numbers");
        chip_details d(drectangle(v[0], v[1], v[2], v[3]), chip_dims((unsigned long)v[5], (unsigned long)v[6]), v[4]);
        const int repeat = std::stoi(a.get("repeat", "1"));
        double ms;
        if (a.get("gray", "0") == "1") {
            array2d<unsigned char> img;
            load_image(img, a.pos[0]);
            ms = extract_and_save(img, d, a.pos[1], repeat);
        } else {
            matrix<rgb_pixel> img;
            load_image(img, a.pos[0]);
            ms = extract_and_save(img, d, a.pos[1], repeat);
        }
        std::printf("{\"ms\":%.6f}\n", ms);
        return 0;
    }
    if (cmd == "chips") {
        chip_args a(argc, argv, 2);
        if (a.pos.empty()) throw std::runtime_error("chips IMAGE... --out DIR --predictor SP");
        const std::string outdir = a.get("out", "");
        const unsigned long size = std::stoul(a.get("size", "150"));
        const double padding = std::stod(a.get("padding", "0.25"));
        const bool five = a.get("five", "0") == "1";
        const bool gray = a.get("gray", "0") == "1";
        const int upsample = std::stoi(a.get("upsample", "0"));
        const double adjust = std::stod(a.get("adjust", "0"));
        frontal_face_detector detector = get_frontal_face_detector();
        shape_predictor sp;
        deserialize(a.get("predictor", "")) >> sp;
        for (size_t n = 0; n < a.pos.size(); ++n) {
            matrix<rgb_pixel> img;
            load_image(img, a.pos[n]);
            for (int i = 0; i < upsample; ++i) pyramid_up(img);
            array2d<unsigned char> gimg;
            if (gray) assign_image(gimg, img);
            const auto dets = detector(img, adjust);
            for (size_t i = 0; i < dets.size(); ++i) {
                full_object_detection s = sp(img, dets[i]);
                full_object_detection used = s;
                if (five) {
                    std::vector<point> p5 = {s.part(45), s.part(42), s.part(36), s.part(39), s.part(33)};
                    used = full_object_detection(s.get_rect(), p5);
                }
                const chip_details d = get_face_chip_details(used, size, padding);
                const std::string out = outdir + "/" + std::to_string(n) + "." + std::to_string(i) + ".png";
                const double ms = gray ? extract_and_save(gimg, d, out, 1) : extract_and_save(img, d, out, 1);
                std::printf("{\"image\":%zu,\"face\":%zu,\"chip\":\"%s\",\"rect\":[%ld,%ld,%ld,%ld],\"parts\":[", n, i,
                            out.c_str(), dets[i].left(), dets[i].top(), dets[i].right(), dets[i].bottom());
                for (unsigned long k = 0; k < s.num_parts(); ++k)
                    std::printf("%s[%ld,%ld]", k ? "," : "", s.part(k).x(), s.part(k).y());
                std::printf("],\"details\":");
                print_details(d);
                std::printf(",\"ms\":%.6f}\n", ms);
            }
        }
        return 0;
    }
    return -1;
}
