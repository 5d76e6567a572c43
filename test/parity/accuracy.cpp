// facemetric parity harness: landmark accuracy commands (see the header comment of each command).
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.
//
//   landmark-accuracy XML --predictor SP [--pixels gray|rgb]
//       What dlib's examples/train_shape_predictor_ex.cpp does to measure a shape predictor,
//       with a given predictor instead of a trained one: load_image_dataset(images, faces, XML)
//       (dlib's XML reader; the images decoded by dlib's load_image, i.e. libjpeg, into
//       array2d<unsigned char> as in the example, or matrix<rgb_pixel> with --pixels rgb), then
//       test_shape_predictor(sp, images, faces, interocular distances) and, without scales,
//       test_shape_predictor(sp, images, faces) (mean error in pixels). The interocular distance
//       of a face is the example's interocular_distance: the distance between the mean of parts
//       36..41 and the mean of parts 42..47 of the truth (written here, as the example's
//       function is not part of the library).
//       Prints one JSON line:
//         {dataset, pixels, parts_list: [names in dlib's part order],
//          images: [{file (as in the XML), width, height (of the loaded image),
//                    faces: [{rect: [l, t, r, b], truth: [[x, y], ...] (as load_image_dataset
//                             made them; absent parts are OBJECT_PART_NOT_PRESENT,
//                             [2147483647, 2147483647]), parts: [[x, y], ...] (sp(img, rect)),
//                             interocular}],
//                    ignored: [[l, t, r, b], ...]}],
//          faces, mean_error, mean_error_pixels, ms}
//       Doubles as %.17g; ms: the test_shape_predictor call with scales (not a benchmark).

#include "options.h"
#include <dlib/data_io.h>
#include <dlib/image_io.h>
#include <dlib/image_processing.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

using namespace dlib;

namespace {

using accuracy_args = command_options;

std::string rect_str(const rectangle& r) {
    return "[" + std::to_string(r.left()) + "," + std::to_string(r.top()) + "," + std::to_string(r.right()) + "," +
           std::to_string(r.bottom()) + "]";
}

std::string point_str(const point& p) { return "[" + std::to_string(p.x()) + "," + std::to_string(p.y()) + "]"; }

// The distance between the centres of the eyes: the mean of parts 36..41 and the mean of parts
// 42..47, accumulated in double one part at a time and divided by the count, as
// train_shape_predictor_ex.cpp's interocular_distance does (absent parts are not checked for
// there either).
double eye_distance(const full_object_detection& det) {
    if (det.num_parts() < 48) throw std::runtime_error("interocular distance: a face has fewer than 48 parts");
    dlib::vector<double, 2> l, r;
    double n = 0;
    for (unsigned long i = 36; i < 42; ++i, ++n) l += det.part(i);
    l /= n;
    n = 0;
    for (unsigned long i = 42; i < 48; ++i, ++n) r += det.part(i);
    r /= n;
    return length(l - r);
}

template <typename image_type>
int landmark_accuracy(const std::string& xml, const std::string& predictor, const std::string& pixels) {
    shape_predictor sp;
    deserialize(predictor) >> sp;

    // The file names, in the order load_image_dataset loads the images (it keeps every image,
    // empty ones included, with the default image_dataset_file).
    image_dataset_metadata::dataset meta;
    image_dataset_metadata::load_image_dataset_metadata(meta, xml);

    dlib::array<image_type> images;
    std::vector<std::vector<full_object_detection>> faces;
    std::vector<std::string> parts_list;
    const std::vector<std::vector<rectangle>> ignored =
        load_image_dataset(images, faces, image_dataset_file(xml), parts_list);
    if (images.size() != meta.images.size()) throw std::runtime_error("load_image_dataset skipped images");

    std::vector<std::vector<double>> scales(faces.size());
    unsigned long count = 0;
    for (size_t i = 0; i < faces.size(); ++i) {
        for (const auto& f : faces[i]) {
            // test_shape_predictor only asserts this (in debug builds); it indexes past the
            // truth's parts otherwise.
            if (f.num_parts() != sp.num_parts())
                throw std::runtime_error("the dataset's faces have " + std::to_string(f.num_parts()) +
                                         " parts, the predictor " + std::to_string(sp.num_parts()));
            scales[i].push_back(eye_distance(f));
            ++count;
        }
    }

    const auto t0 = std::chrono::steady_clock::now();
    const double mean_error = test_shape_predictor(sp, images, faces, scales);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const double mean_error_pixels = test_shape_predictor(sp, images, faces);

    std::string o = "{\"dataset\":" + json_quote(xml) + ",\"pixels\":" + json_quote(pixels) + ",\"parts_list\":[";
    for (size_t k = 0; k < parts_list.size(); ++k) o += (k ? "," : "") + json_quote(parts_list[k]);
    o += "],\"images\":[";
    for (size_t i = 0; i < images.size(); ++i) {
        if (i) o += ",";
        o += "{\"file\":" + json_quote(meta.images[i].filename) + ",\"width\":" + std::to_string(num_columns(images[i])) +
             ",\"height\":" + std::to_string(num_rows(images[i])) + ",\"faces\":[";
        for (size_t j = 0; j < faces[i].size(); ++j) {
            const full_object_detection& truth = faces[i][j];
            const full_object_detection det = sp(images[i], truth.get_rect());
            if (j) o += ",";
            o += "{\"rect\":" + rect_str(truth.get_rect()) + ",\"truth\":[";
            for (unsigned long k = 0; k < truth.num_parts(); ++k) o += (k ? "," : "") + point_str(truth.part(k));
            o += "],\"parts\":[";
            for (unsigned long k = 0; k < det.num_parts(); ++k) o += (k ? "," : "") + point_str(det.part(k));
            o += "],\"interocular\":" + json_double(scales[i][j]) + "}";
        }
        o += "],\"ignored\":[";
        for (size_t j = 0; j < ignored[i].size(); ++j) o += (j ? "," : "") + rect_str(ignored[i][j]);
        o += "]}";
    }
    o += "],\"faces\":" + std::to_string(count) + ",\"mean_error\":" + json_double(mean_error) +
         ",\"mean_error_pixels\":" + json_double(mean_error_pixels) + ",\"ms\":" + json_double(ms) + "}";
    std::printf("%s\n", o.c_str());
    return 0;
}

}  // namespace

// Returns the exit code, or -1 when `cmd` is not one of this file's commands.
int run_accuracy_command(const std::string& cmd, int argc, char** argv) {
    if (cmd != "landmark-accuracy") return -1;
    accuracy_args a(argc, argv, 2);
    if (a.pos.size() != 1) throw std::invalid_argument("landmark-accuracy XML --predictor SP [--pixels gray|rgb]");
    const std::string predictor = a.get("predictor", "");
    if (predictor.empty()) throw std::invalid_argument("landmark-accuracy: --predictor SP is required");
    const std::string pixels = a.get("pixels", "gray");
    if (pixels == "gray") return landmark_accuracy<array2d<unsigned char>>(a.pos[0], predictor, pixels);
    if (pixels == "rgb") return landmark_accuracy<matrix<rgb_pixel>>(a.pos[0], predictor, pixels);
    throw std::invalid_argument("landmark-accuracy: --pixels must be gray or rgb");
}
