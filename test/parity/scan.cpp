// facemetric parity harness: scan commands — the inside of dlib's scan_fhog_pyramid, so that a
// mismatch in facemetric's HOG detector can be localised to one stage (feature pyramid, filter
// bank, score maps, raw per-filter detections).
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.
//
//   scan-pyramid IMAGE OUTDIR [--upsample N] [--detector F]
//       The fhog feature pyramid exactly as object_detector::operator() builds it for the frontal
//       face detector (impl::create_fhog_pyramid<pyramid_down<6>> with the scanner's cell size,
//       filter padding, min layer size and max levels), after N pyramid_up steps like the
//       harness's `detect --upsample N`. Writes OUTDIR/level<L>.f32 (31 planes, row-major,
//       concatenated) and prints one JSON line per level {level, rows, cols, planes}.
//   filterbank OUTDIR [--detector F]
//       Every weight vector's processed fhog_filterbank (build_fhog_filterbank): OUTDIR/filters<i>.f32
//       (31 planes of rows x cols floats), rowf<i>.f32 / colf<i>.f32 (the separable filters, plane
//       by plane in dlib's order, concatenated). One JSON line per weight vector:
//       {index, rows, cols, threshold, separable: [count per plane], total, path: "full"|"separable"}.
//   scan-scores IMAGE OUTDIR [--upsample N] [--adjust T] [--detector F]
//       Per level and weight vector: the saliency image from impl::apply_filters_to_fhog
//       (OUTDIR/score_<i>_<L>.f32) and its valid area; then each weight vector's raw detections
//       from impl::detect_from_fhog_pyramid (score as float, image rect), in dlib's order.
//   sort-order KEY...
//       The order std::sort(v.rbegin(), v.rend(), compare-by-key) leaves (key, index) pairs in,
//       as detect_from_fhog_pyramid and object_detector sort detections (ties show libstdc++'s
//       introsort order): one JSON line, the indices.
//   detect-gray IMAGE... [--upsample N] [--adjust T] [--detector F]
//       Like the harness's `detect`, but on array2d<unsigned char> images (load_image's grey
//       conversion), as dlib's Python API runs on 2-D uint8 arrays: one JSON line per image
//       {image, width, height, faces: [{rect, score, filter}]}.

#include "options.h"
#include <dlib/image_io.h>
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>

#include <algorithm>
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

using scan_args = command_options;

void write_floats(const std::string& path, const std::vector<float>& v) {
    std::ofstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot write " + path);
    f.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
    if (!f) throw std::runtime_error("write failed: " + path);
}

void append(std::vector<float>& out, const array2d<float>& a) {
    for (long r = 0; r < a.nr(); ++r)
        for (long c = 0; c < a.nc(); ++c) out.push_back(a[r][c]);
}

template <typename M>
void append_matrix(std::vector<float>& out, const M& m) {
    for (long r = 0; r < m.nr(); ++r)
        for (long c = 0; c < m.nc(); ++c) out.push_back(m(r, c));
}

frontal_face_detector load(const scan_args& a) {
    frontal_face_detector det;
    std::string path = a.get("detector", "");
    if (path.empty())
        det = get_frontal_face_detector();
    else
        deserialize(path) >> det;
    return det;
}

using image_t = matrix<rgb_pixel>;

// The image the detector sees: load_image, then `upsample` pyramid_up steps with pyramid_down<2>.
image_t load_upsampled(const std::string& path, unsigned upsample) {
    image_t img;
    load_image(img, path);
    pyramid_down<2> pyr;
    for (unsigned i = 0; i < upsample; ++i) {
        image_t tmp;
        pyramid_up(img, tmp, pyr);
        img.swap(tmp);
    }
    return img;
}

using feats_t = dlib::array<dlib::array<array2d<float>>>;

feats_t build_pyramid(const frontal_face_detector& det, const image_t& img) {
    const auto& s = det.get_scanner();
    feats_t feats;
    impl::create_fhog_pyramid<pyramid_down<6>>(img, s.get_feature_extractor(), feats, s.get_cell_size(),
                                               s.get_fhog_window_height(), s.get_fhog_window_width(),
                                               s.get_min_pyramid_layer_width(), s.get_min_pyramid_layer_height(),
                                               s.get_max_pyramid_levels());
    return feats;
}

int cmd_scan_pyramid(const scan_args& a) {
    if (a.pos.size() != 2) throw std::runtime_error("scan-pyramid IMAGE OUTDIR [--upsample N]");
    auto det = load(a);
    image_t img = load_upsampled(a.pos[0], static_cast<unsigned>(a.num("upsample", 0)));
    feats_t feats = build_pyramid(det, img);
    for (unsigned long l = 0; l < feats.size(); ++l) {
        std::vector<float> out;
        for (unsigned long p = 0; p < feats[l].size(); ++p) append(out, feats[l][p]);
        write_floats(a.pos[1] + "/level" + std::to_string(l) + ".f32", out);
        std::cout << "{\"level\":" << l << ",\"rows\":" << feats[l][0].nr() << ",\"cols\":" << feats[l][0].nc()
                  << ",\"planes\":" << feats[l].size() << ",\"imageWidth\":" << img.nc()
                  << ",\"imageHeight\":" << img.nr() << "}\n";
    }
    return 0;
}

int cmd_filterbank(const scan_args& a) {
    if (a.pos.size() != 1) throw std::runtime_error("filterbank OUTDIR");
    auto det = load(a);
    const auto& s = det.get_scanner();
    for (unsigned long i = 0; i < det.num_detectors(); ++i) {
        const auto& fb = det.get_processed_w(i).get_detect_argument();
        std::vector<float> filters, rowf, colf;
        std::ostringstream counts;
        for (unsigned long p = 0; p < fb.filters.size(); ++p) {
            append_matrix(filters, fb.filters[p]);
            for (const auto& m : fb.row_filters[p]) append_matrix(rowf, m);
            for (const auto& m : fb.col_filters[p]) append_matrix(colf, m);
            counts << (p ? "," : "") << fb.row_filters[p].size();
        }
        const std::string n = std::to_string(i);
        write_floats(a.pos[0] + "/filters" + n + ".f32", filters);
        write_floats(a.pos[0] + "/rowf" + n + ".f32", rowf);
        write_floats(a.pos[0] + "/colf" + n + ".f32", colf);
        const bool full = fb.num_separable_filters() >
                          fb.filters.size() * std::min(fb.filters[0].nr(), fb.filters[0].nc()) / 3.0;
        std::cout << "{\"index\":" << i << ",\"rows\":" << fb.filters[0].nr() << ",\"cols\":" << fb.filters[0].nc()
                  << ",\"threshold\":" << json_double(det.get_processed_w(i).w(s.get_num_dimensions()))
                  << ",\"separable\":[" << counts.str() << "],\"total\":" << fb.num_separable_filters()
                  << ",\"path\":\"" << (full ? "full" : "separable") << "\"}\n";
    }
    return 0;
}

int cmd_scan_scores(const scan_args& a) {
    if (a.pos.size() != 2) throw std::runtime_error("scan-scores IMAGE OUTDIR [--upsample N] [--adjust T]");
    auto det = load(a);
    const auto& s = det.get_scanner();
    image_t img = load_upsampled(a.pos[0], static_cast<unsigned>(a.num("upsample", 0)));
    feats_t feats = build_pyramid(det, img);
    const double adjust = a.num("adjust", 0);
    const long fw = s.get_fhog_window_width(), fh = s.get_fhog_window_height();
    const long pad = s.get_padding();
    for (unsigned long i = 0; i < det.num_detectors(); ++i) {
        const auto& fb = det.get_processed_w(i).get_detect_argument();
        for (unsigned long l = 0; l < feats.size(); ++l) {
            array2d<float> sal;
            const rectangle area = impl::apply_filters_to_fhog(fb, feats[l], sal);
            std::vector<float> out;
            append(out, sal);
            write_floats(a.pos[1] + "/score_" + std::to_string(i) + "_" + std::to_string(l) + ".f32", out);
            std::cout << "{\"kind\":\"scores\",\"index\":" << i << ",\"level\":" << l << ",\"rows\":" << sal.nr()
                      << ",\"cols\":" << sal.nc() << ",\"area\":[" << area.left() << "," << area.top() << ","
                      << area.right() << "," << area.bottom() << "]}\n";
        }
        const double thresh = det.get_processed_w(i).w(s.get_num_dimensions());
        std::vector<std::pair<double, rectangle>> dets;
        impl::detect_from_fhog_pyramid<pyramid_down<6>>(feats, s.get_feature_extractor(), fb, thresh + adjust,
                                                        fh - 2 * pad, fw - 2 * pad, s.get_cell_size(), fh, fw, dets);
        std::cout << "{\"kind\":\"dets\",\"index\":" << i << ",\"dets\":[";
        for (size_t k = 0; k < dets.size(); ++k) {
            const rectangle& r = dets[k].second;
            std::cout << (k ? "," : "") << "{\"score\":" << json_double(dets[k].first) << ",\"rect\":[" << r.left() << ","
                      << r.top() << "," << r.right() << "," << r.bottom() << "]}";
        }
        std::cout << "]}\n";
    }
    return 0;
}

int cmd_detect_gray(const scan_args& a) {
    if (a.pos.empty()) throw std::runtime_error("detect-gray IMAGE... [--upsample N] [--adjust T]");
    auto det = load(a);
    const unsigned upsample = static_cast<unsigned>(a.num("upsample", 0));
    const double adjust = a.num("adjust", 0);
    for (const auto& path : a.pos) {
        array2d<unsigned char> img;
        load_image(img, path);
        const long w = img.nc(), h = img.nr();
        pyramid_down<2> pyr;
        for (unsigned i = 0; i < upsample; ++i) {
            array2d<unsigned char> tmp;
            pyramid_up(img, tmp, pyr);
            swap(img, tmp);
        }
        std::vector<rect_detection> dets;
        det(img, dets, adjust);
        std::cout << "{\"image\":\"" << path << "\",\"width\":" << w << ",\"height\":" << h << ",\"faces\":[";
        for (size_t k = 0; k < dets.size(); ++k) {
            rectangle r = dets[k].rect;
            if (upsample > 0) r = pyr.rect_down(r, upsample);
            std::cout << (k ? "," : "") << "{\"rect\":[" << r.left() << "," << r.top() << "," << r.right() << ","
                      << r.bottom() << "],\"score\":" << json_double(dets[k].detection_confidence)
                      << ",\"filter\":" << dets[k].weight_index << "}";
        }
        std::cout << "]}\n";
    }
    return 0;
}

int cmd_sort_order(const scan_args& a) {
    std::vector<std::pair<double, long>> v;
    for (size_t i = 0; i < a.pos.size(); ++i) v.push_back({std::stod(a.pos[i]), static_cast<long>(i)});
    std::sort(v.rbegin(), v.rend(), [](const std::pair<double, long>& x, const std::pair<double, long>& y) {
        return x.first < y.first;
    });
    std::cout << "[";
    for (size_t i = 0; i < v.size(); ++i) std::cout << (i ? "," : "") << v[i].second;
    std::cout << "]\n";
    return 0;
}

}  // namespace

// Returns the exit code, or -1 when `cmd` is not one of this file's commands.
int run_scan_command(const std::string& cmd, int argc, char** argv) {
    if (cmd != "scan-pyramid" && cmd != "filterbank" && cmd != "scan-scores" && cmd != "detect-gray" &&
        cmd != "sort-order")
        return -1;
    scan_args a(argc, argv, 2);
    if (cmd == "scan-pyramid") return cmd_scan_pyramid(a);
    if (cmd == "filterbank") return cmd_filterbank(a);
    if (cmd == "detect-gray") return cmd_detect_gray(a);
    if (cmd == "sort-order") return cmd_sort_order(a);
    return cmd_scan_scores(a);
}
