// facemetric parity harness: landmarks commands (see the header comment of each command).
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.
//
//   landmarks-exact IMAGE... --predictor SP [--rects JSON | --rects-per-image JSON] [--pixels rgb|gray]
//       dlib's shape_predictor::operator() on each image, with the positions BEFORE they are
//       rounded to dlib::point. The model file is read into the same impl:: structures the
//       shape_predictor holds (its members are private) and the cascade is run exactly as
//       shape_predictor::operator() runs it (impl::extract_feature_pixel_values, the trees,
//       impl::unnormalizing_tform); every face is also run through the real shape_predictor
//       and its integer parts must equal the rounded exact positions (else exit 1).
//       Faces: dlib's frontal face detector on the image, or with --rects the given boxes
//       (a JSON array of [left, top, right, bottom], applied to every image), or with
//       --rects-per-image a JSON array holding one such array per image, in order.
//       --pixels gray: the image is loaded as array2d<unsigned char> (load_image's grey conversion)
//       instead of matrix<rgb_pixel>.
//       One JSON line per image: {image, width, height, faces: [{rect, parts: [[x,y]...],
//       exact: [x0, y0, x1, y1, ...] (doubles, %.17g)}], ms (mean shape_predictor ms per face)}.

#include <dlib/image_io.h>
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace dlib;

namespace {

struct sp_parts {
    matrix<float, 0, 1> initial_shape;
    std::vector<std::vector<impl::regression_tree>> forests;
    std::vector<std::vector<unsigned long>> anchor_idx;
    std::vector<std::vector<dlib::vector<float, 2>>> deltas;
};

sp_parts read_parts(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    sp_parts p;
    int version = 0;
    deserialize(version, in);
    if (version != 1) throw std::runtime_error("unexpected shape_predictor version");
    deserialize(p.initial_shape, in);
    deserialize(p.forests, in);
    deserialize(p.anchor_idx, in);
    deserialize(p.deltas, in);
    return p;
}

// shape_predictor::operator(), stopping before the conversion to dlib::point.
template <typename image_type>
std::vector<dlib::vector<double, 2>> run_exact(const sp_parts& sp, const image_type& img, const rectangle& rect) {
    using namespace impl;
    matrix<float, 0, 1> current_shape = sp.initial_shape;
    std::vector<float> feature_pixel_values;
    for (unsigned long iter = 0; iter < sp.forests.size(); ++iter) {
        extract_feature_pixel_values(img, rect, current_shape, sp.initial_shape, sp.anchor_idx[iter], sp.deltas[iter],
                                     feature_pixel_values);
        unsigned long leaf_idx;
        for (unsigned long i = 0; i < sp.forests[iter].size(); ++i)
            current_shape += sp.forests[iter][i](feature_pixel_values, leaf_idx);
    }
    const point_transform_affine tform_to_img = unnormalizing_tform(rect);
    std::vector<dlib::vector<double, 2>> out(current_shape.size() / 2);
    for (unsigned long i = 0; i < out.size(); ++i) out[i] = tform_to_img(location(current_shape, i));
    return out;
}

std::vector<rectangle> parse_rects(const std::string& s) {
    std::vector<long> nums;
    const char* p = s.c_str();
    while (*p) {
        if (*p == '-' || (*p >= '0' && *p <= '9')) {
            char* end = nullptr;
            nums.push_back(std::strtol(p, &end, 10));
            p = end;
        } else {
            ++p;
        }
    }
    if (nums.size() % 4 != 0) throw std::runtime_error("--rects: expected groups of 4 integers");
    std::vector<rectangle> out;
    for (size_t i = 0; i < nums.size(); i += 4) out.push_back(rectangle(nums[i], nums[i + 1], nums[i + 2], nums[i + 3]));
    return out;
}

// [[[l,t,r,b], ...], ...]: one list of rects per image.
std::vector<std::vector<rectangle>> parse_rects_per_image(const std::string& s) {
    std::vector<std::vector<rectangle>> out;
    int depth = 0;
    size_t start = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '[') {
            if (++depth == 2) start = i;
        } else if (s[i] == ']') {
            if (depth-- == 2) out.push_back(parse_rects(s.substr(start, i + 1 - start)));
        }
    }
    return out;
}

std::string jstr(const std::string& s) {
    std::string o = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') o += '\\';
        o += c;
    }
    return o + "\"";
}

template <typename image_type>
bool do_image(const std::string& path, const sp_parts& parts, const shape_predictor& sp, frontal_face_detector& det,
              bool have_rects, const std::vector<rectangle>& rects) {
    image_type img;
    load_image(img, path);
    std::vector<rectangle> faces = have_rects ? rects : det(img);
    bool ok = true;
    double ms = 0;
    std::string o = "{\"image\":" + jstr(path) + ",\"width\":" + std::to_string(num_columns(img)) +
                    ",\"height\":" + std::to_string(num_rows(img)) + ",\"faces\":[";
    char buf[64];
    for (size_t f = 0; f < faces.size(); ++f) {
        const rectangle& r = faces[f];
        auto t0 = std::chrono::steady_clock::now();
        full_object_detection d = sp(img, r);
        ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        std::vector<dlib::vector<double, 2>> ex = run_exact(parts, img, r);
        if (f) o += ",";
        o += "{\"rect\":[" + std::to_string(r.left()) + "," + std::to_string(r.top()) + "," + std::to_string(r.right()) +
             "," + std::to_string(r.bottom()) + "],\"parts\":[";
        for (unsigned long i = 0; i < d.num_parts(); ++i) {
            if (i) o += ",";
            o += "[" + std::to_string(d.part(i).x()) + "," + std::to_string(d.part(i).y()) + "]";
            point rounded = ex[i];
            if (rounded != d.part(i)) ok = false;
        }
        o += "],\"exact\":[";
        for (unsigned long i = 0; i < ex.size(); ++i) {
            std::snprintf(buf, sizeof buf, "%s%.17g,%.17g", i ? "," : "", ex[i].x(), ex[i].y());
            o += buf;
        }
        o += "]}";
    }
    std::snprintf(buf, sizeof buf, "%.17g", faces.empty() ? 0.0 : ms / faces.size());
    o += std::string("],\"ms\":") + buf + "}";
    std::cout << o << "\n";
    if (!ok) std::cerr << path << ": the exact positions do not round to shape_predictor's parts\n";
    return ok;
}

int cmd_landmarks_exact(int argc, char** argv) {
    std::vector<std::string> images;
    std::string predictor, rects_json;
    std::string per_image_json;
    bool have_rects = false, per_image = false, gray = false;
    for (int i = 2; i < argc; ++i) {
        std::string s = argv[i];
        if (s == "--predictor" && i + 1 < argc) predictor = argv[++i];
        else if (s == "--rects" && i + 1 < argc) { rects_json = argv[++i]; have_rects = true; }
        else if (s == "--rects-per-image" && i + 1 < argc) { per_image_json = argv[++i]; per_image = true; }
        else if (s == "--pixels" && i + 1 < argc) gray = std::string(argv[++i]) == "gray";
        else images.push_back(s);
    }
    if (predictor.empty()) {
        std::cerr << "landmarks-exact: --predictor SP is required\n";
        return 2;
    }
    sp_parts parts = read_parts(predictor);
    shape_predictor sp;
    deserialize(predictor) >> sp;
    frontal_face_detector det = get_frontal_face_detector();
    std::vector<rectangle> rects = have_rects ? parse_rects(rects_json) : std::vector<rectangle>();
    std::vector<std::vector<rectangle>> per = per_image ? parse_rects_per_image(per_image_json)
                                                        : std::vector<std::vector<rectangle>>();
    if (per_image && per.size() != images.size()) {
        std::cerr << "landmarks-exact: --rects-per-image holds " << per.size() << " lists for " << images.size()
                  << " images\n";
        return 2;
    }
    bool ok = true;
    for (size_t k = 0; k < images.size(); ++k) {
        const std::string& img = images[k];
        const bool given = have_rects || per_image;
        const std::vector<rectangle>& r = per_image ? per[k] : rects;
        if (gray) ok = do_image<array2d<unsigned char>>(img, parts, sp, det, given, r) && ok;
        else ok = do_image<matrix<rgb_pixel>>(img, parts, sp, det, given, r) && ok;
    }
    return ok ? 0 : 1;
}

}  // namespace

// Returns the exit code, or -1 when `cmd` is not one of this file's commands.
int run_landmarks_command(const std::string& cmd, int argc, char** argv) {
    if (cmd == "landmarks-exact") return cmd_landmarks_exact(argc, argv);
    return -1;
}
