// facemetric parity harness: runs REAL dlib (Debian's libdlib-dev 19.24) on given inputs and
// writes what it computes, so that facemetric's test suites compare against live dlib output
// instead of numbers pasted once.
//
// Build: `npm run build:harness` (see src/parity/harness.ts for the exact g++ command).
// Usage: harness COMMAND [options] [inputs...]; `harness help` lists the commands.
//
// Output conventions:
//   - One JSON object per line on stdout (JSON Lines), one per input image unless said otherwise.
//   - Floats are printed with 9 significant digits (float32 round-trips exactly), doubles with 17.
//   - Rectangles are dlib's (left, top, right, bottom), inclusive.
//   - Tensors go to binary files: raw little-endian float32, shape (n, k, nr, nc) in the JSON.
//
// The face network type below is the architecture of dlib_face_recognition_resnet_model_v1 as
// declared in dlib's examples/dnn_face_recognition_ex.cpp: a 29-conv-layer ResNet with a 128-D
// metric-loss head.

#include <dlib/clustering.h>
#include <dlib/dnn.h>
#include <dlib/image_io.h>
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>
#include <dlib/revision.h>

#include <link.h>
#include <unistd.h>
#include <csetjmp>
#include <jpeglib.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace dlib;

#include "facenet.h"
#include "options.h"

// Commands defined in the harness's other sources; each returns -1 for a command not its own.
int run_writer_command(const std::string& cmd, int argc, char** argv);  // writers.cpp
int run_fhog_command(const std::string& cmd, int argc, char** argv);    // fhog.cpp
int run_scan_command(const std::string& cmd, int argc, char** argv);    // scan.cpp
int run_landmarks_command(const std::string& cmd, int argc, char** argv);  // landmarks.cpp
int run_chips_command(const std::string& cmd, int argc, char** argv);      // chips.cpp
int run_accuracy_command(const std::string& cmd, int argc, char** argv);   // accuracy.cpp
int run_geometry_command(const std::string& cmd, int argc, char** argv);   // geometry.cpp
int run_dnn_command(const std::string& cmd, int argc, char** argv);        // dnn.cpp
int run_rand_command(const std::string& cmd, int argc, char** argv);       // rand.cpp
int run_cluster_command(const std::string& cmd, int argc, char** argv);    // cluster.cpp
int run_jitter_command(const std::string& cmd, int argc, char** argv);     // jitter.cpp
int run_metric_command(const std::string& cmd, int argc, char** argv);     // metric.cpp
int run_backward_command(const std::string& cmd, int argc, char** argv);   // backward.cpp
int run_sampler_command(const std::string& cmd, int argc, char** argv);    // sampler.cpp
int run_train_command(const std::string& cmd, int argc, char** argv);      // train.cpp

// ---------------------------------------------------------------------------------------------
// Small utilities.

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

using clock_type = std::chrono::steady_clock;
static double ms_since(clock_type::time_point t0) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

static std::string fmt_float(float v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
    return buf;
}

static std::string rect_json(const rectangle& r) {
    std::ostringstream o;
    o << "[" << r.left() << "," << r.top() << "," << r.right() << "," << r.bottom() << "]";
    return o.str();
}

// Writes a tensor's values as raw little-endian float32.
static void write_f32(const std::string& path, const float* data, size_t n) {
    std::ofstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot write " + path);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n * sizeof(float)));
    if (!f) throw std::runtime_error("write failed: " + path);
}

// `--name value` options and positional arguments (options.h).
using args_t = command_options;

// ---------------------------------------------------------------------------------------------
// Pipeline pieces, each as dlib's own tools use them.

using image_t = matrix<rgb_pixel>;

struct detection {
    rectangle rect;
    double score;
    unsigned long filter;
};

static frontal_face_detector load_detector(const args_t& a) {
    frontal_face_detector det;
    std::string path = a.get("detector", "");
    if (path.empty()) {
        det = get_frontal_face_detector();
    } else {
        deserialize(path) >> det;
    }
    return det;
}

// Mirrors dlib's Python binding (tools/python/src/object_detection.cpp,
// run_detector_with_upscale2): upsample `upsample` times with pyramid_up (pyramid_down<2>),
// run the detector, map each box back with rect_down.
static std::vector<detection> run_detector(frontal_face_detector& det, const image_t& img,
                                           unsigned upsample, double adjust_threshold) {
    std::vector<rect_detection> dets;
    if (upsample == 0) {
        det(img, dets, adjust_threshold);
    } else {
        pyramid_down<2> pyr;
        image_t big = img;
        for (unsigned i = 0; i < upsample; ++i) {
            image_t tmp;
            pyramid_up(big, tmp, pyr);
            big.swap(tmp);
        }
        det(big, dets, adjust_threshold);
        for (auto& d : dets) d.rect = pyr.rect_down(d.rect, upsample);
    }
    std::vector<detection> out;
    for (auto& d : dets) out.push_back({d.rect, d.detection_confidence, d.weight_index});
    return out;
}

static std::string faces_json(const std::vector<detection>& dets,
                              const std::vector<full_object_detection>* shapes,
                              const std::vector<matrix<float, 0, 1>>* descriptors) {
    std::ostringstream o;
    o << "[";
    for (size_t i = 0; i < dets.size(); ++i) {
        if (i) o << ",";
        o << "{\"rect\":" << rect_json(dets[i].rect) << ",\"score\":" << json_double(dets[i].score)
          << ",\"filter\":" << dets[i].filter;
        if (shapes) {
            const auto& s = (*shapes)[i];
            o << ",\"landmarks\":[";
            for (unsigned long k = 0; k < s.num_parts(); ++k) {
                if (k) o << ",";
                o << "[" << s.part(k).x() << "," << s.part(k).y() << "]";
            }
            o << "]";
        }
        if (descriptors) {
            const auto& d = (*descriptors)[i];
            o << ",\"descriptor\":[";
            for (long k = 0; k < d.size(); ++k) {
                if (k) o << ",";
                o << fmt_float(d(k));
            }
            o << "]";
        }
        o << "}";
    }
    o << "]";
    return o.str();
}

static std::string timings_json(const std::vector<std::pair<std::string, double>>& t) {
    std::ostringstream o;
    o << "{";
    for (size_t i = 0; i < t.size(); ++i) {
        if (i) o << ",";
        o << json_quote(t[i].first) << ":" << json_double(t[i].second);
    }
    o << "}";
    return o.str();
}

// ---------------------------------------------------------------------------------------------
// Commands.

static int cmd_export_detector(const args_t& a) {
    if (a.pos.size() != 1) throw usage_error("export-detector OUT.svm");
    serialize(a.pos[0]) << get_frontal_face_detector();
    return 0;
}

// Decodes an image with dlib's own loaders (libjpeg / libpng) and writes it as PNG, so both
// sides of a parity test can start from identical pixels.
static int cmd_decode(const args_t& a) {
    if (a.pos.size() != 2) throw usage_error("decode IN OUT.png");
    image_t img;
    load_image(img, a.pos[0]);
    save_png(img, a.pos[1]);
    std::cout << "{\"image\":" << json_quote(a.pos[0]) << ",\"width\":" << img.nc()
              << ",\"height\":" << img.nr() << "}\n";
    return 0;
}

// For the damaged-JPEG tests: loads each file with dlib's load_image and prints one line per
// file: the size and the CRC-32 of its RGB bytes (row-major, r g b), or dlib's exception message;
// plus what libjpeg wrote to stderr meanwhile (its default emit_message prints the first warning).
static uint32_t crc32_bytes(const unsigned char* p, size_t n) {
    static uint32_t table[256];
    static bool ready = false;
    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = true;
    }
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static int cmd_load_report(const args_t& a) {
    if (a.pos.empty()) throw usage_error("load-report IMAGE...");
    for (const std::string& path : a.pos) {
        std::fflush(stderr);
        FILE* capture = std::tmpfile();
        const int saved = dup(2);
        dup2(fileno(capture), 2);
        image_t img;
        std::string error;
        try {
            load_image(img, path);
        } catch (const std::exception& e) {
            error = e.what();
        }
        std::fflush(stderr);
        dup2(saved, 2);
        close(saved);
        std::string said;
        std::rewind(capture);
        for (int ch; (ch = std::fgetc(capture)) != EOF;) said.push_back(static_cast<char>(ch));
        std::fclose(capture);
        std::cout << "{\"image\":" << json_quote(path);
        if (error.empty()) {
            std::vector<unsigned char> rgb;
            rgb.reserve(static_cast<size_t>(img.size()) * 3);
            for (long r = 0; r < img.nr(); r++)
                for (long c = 0; c < img.nc(); c++) {
                    rgb.push_back(img(r, c).red);
                    rgb.push_back(img(r, c).green);
                    rgb.push_back(img(r, c).blue);
                }
            std::cout << ",\"width\":" << img.nc() << ",\"height\":" << img.nr()
                      << ",\"crc32\":" << crc32_bytes(rgb.data(), rgb.size());
        } else {
            std::cout << ",\"error\":" << json_quote(error);
        }
        std::cout << ",\"stderr\":" << json_quote(said) << "}\n";
    }
    return 0;
}

// For the damaged-JPEG tests: every warning libjpeg emits while decoding each file the way dlib's
// jpeg_loader does (jpeg_stdio_src, jpeg_read_header, jpeg_start_decompress, jpeg_read_scanlines,
// jpeg_finish_decompress), in order (dlib's default emit_message prints only the first), and its
// error message if it fails.
struct warnings_mgr {
    jpeg_error_mgr pub;
    jmp_buf jump;
    std::vector<std::string> warnings;
    std::string error;
};

static void collect_warning(j_common_ptr cinfo, int level) {
    if (level >= 0) return;
    auto* m = reinterpret_cast<warnings_mgr*>(cinfo->err);
    char buf[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buf);
    m->warnings.push_back(buf);
    cinfo->err->num_warnings++;
}

static void collect_error(j_common_ptr cinfo) {
    auto* m = reinterpret_cast<warnings_mgr*>(cinfo->err);
    char buf[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buf);
    m->error = buf;
    longjmp(m->jump, 1);
}

static int cmd_jpeg_warnings(const args_t& a) {
    if (a.pos.empty()) throw usage_error("jpeg-warnings IMAGE...");
    for (const std::string& path : a.pos) {
        FILE* f = std::fopen(path.c_str(), "rb");
        if (!f) throw std::runtime_error("cannot open " + path);
        jpeg_decompress_struct cinfo;
        warnings_mgr m;
        cinfo.err = jpeg_std_error(&m.pub);
        m.pub.emit_message = collect_warning;
        m.pub.error_exit = collect_error;
        std::vector<unsigned char> row;
        if (setjmp(m.jump) == 0) {
            jpeg_create_decompress(&cinfo);
            jpeg_stdio_src(&cinfo, f);
            jpeg_read_header(&cinfo, TRUE);
            jpeg_start_decompress(&cinfo);
            row.resize(static_cast<size_t>(cinfo.output_width) * cinfo.output_components);
            while (cinfo.output_scanline < cinfo.output_height) {
                JSAMPROW r = row.data();
                jpeg_read_scanlines(&cinfo, &r, 1);
            }
            jpeg_finish_decompress(&cinfo);
        }
        jpeg_destroy_decompress(&cinfo);
        std::fclose(f);
        std::cout << "{\"image\":" << json_quote(path) << ",\"warnings\":[";
        for (size_t i = 0; i < m.warnings.size(); i++) std::cout << (i ? "," : "") << json_quote(m.warnings[i]);
        std::cout << "]";
        if (!m.error.empty()) std::cout << ",\"error\":" << json_quote(m.error);
        std::cout << "}\n";
    }
    return 0;
}

// The per-image pipeline: detect [-> landmarks [-> chips -> descriptors]].
struct pipeline {
    frontal_face_detector det;
    shape_predictor sp;
    facenet::net_type net;
    bool have_sp = false, have_net = false;
    unsigned upsample = 0;
    double adjust = 0;
    std::string chip_dir;

    struct result {
        image_t img;
        std::vector<detection> dets;
        std::vector<full_object_detection> shapes;
        std::vector<image_t> chips;
        std::vector<matrix<float, 0, 1>> descriptors;
        std::vector<std::pair<std::string, double>> timings;
    };

    result run(const std::string& path, int stages) {
        result r;
        auto t0 = clock_type::now();
        load_image(r.img, path);
        r.timings.push_back({"decode", ms_since(t0)});
        t0 = clock_type::now();
        r.dets = run_detector(det, r.img, upsample, adjust);
        r.timings.push_back({"detect", ms_since(t0)});
        if (stages < 2) return r;
        t0 = clock_type::now();
        for (auto& d : r.dets) r.shapes.push_back(sp(r.img, d.rect));
        r.timings.push_back({"landmarks", ms_since(t0)});
        if (stages < 3 && chip_dir.empty()) return r;
        t0 = clock_type::now();
        for (auto& s : r.shapes) {
            image_t chip;
            extract_image_chip(r.img, get_face_chip_details(s, 150, 0.25), chip);
            r.chips.push_back(std::move(chip));
        }
        r.timings.push_back({"chips", ms_since(t0)});
        if (!chip_dir.empty()) {
            std::string base = path.substr(path.find_last_of('/') + 1);
            for (size_t i = 0; i < r.chips.size(); ++i)
                save_png(r.chips[i], chip_dir + "/" + base + "." + std::to_string(i) + ".png");
        }
        if (stages < 3) return r;
        t0 = clock_type::now();
        r.descriptors = net(r.chips, 16);
        r.timings.push_back({"describe", ms_since(t0)});
        return r;
    }
};

static void setup_pipeline(pipeline& p, const args_t& a, int stages) {
    p.det = load_detector(a);
    p.upsample = static_cast<unsigned>(a.num("upsample", 0));
    p.adjust = a.num("adjust", 0);  // detector adjust_threshold
    p.chip_dir = a.get("chips", "");
    if (stages >= 2) {
        deserialize(a.need("predictor")) >> p.sp;
        p.have_sp = true;
    }
    if (stages >= 3) {
        deserialize(a.need("net")) >> p.net;
        p.have_net = true;
    }
}

// detect | landmarks | describe IMAGE...: one JSON line per image, in the CLI contract's shape.
static int cmd_pipeline(const args_t& a, int stages) {
    if (a.pos.empty()) throw usage_error("needs at least one image");
    pipeline p;
    setup_pipeline(p, a, stages);
    for (const auto& path : a.pos) {
        auto r = p.run(path, stages);
        std::cout << "{\"image\":" << json_quote(path) << ",\"width\":" << r.img.nc()
                  << ",\"height\":" << r.img.nr() << ",\"timings\":" << timings_json(r.timings)
                  << ",\"faces\":"
                  << faces_json(r.dets, stages >= 2 ? &r.shapes : nullptr,
                                stages >= 3 ? &r.descriptors : nullptr)
                  << "}\n";
    }
    return 0;
}

// cluster IMAGE...: every face of every image, edges for pairs i <= j closer than --threshold
// (default 0.6), then chinese_whispers with its defaults, as dnn_face_recognition_ex.cpp does.
static int cmd_cluster(const args_t& a) {
    if (a.pos.empty()) throw usage_error("cluster IMAGE... --predictor SP.dat --net NET.dat");
    pipeline p;
    setup_pipeline(p, a, 3);
    const double threshold = a.num("threshold", 0.6);
    std::vector<std::pair<std::string, rectangle>> faces;
    std::vector<matrix<float, 0, 1>> descriptors;
    for (const auto& path : a.pos) {
        auto r = p.run(path, 3);
        for (size_t i = 0; i < r.dets.size(); ++i) {
            faces.push_back({path, r.dets[i].rect});
            descriptors.push_back(r.descriptors[i]);
        }
    }
    std::vector<sample_pair> edges;
    for (size_t i = 0; i < descriptors.size(); ++i)
        for (size_t j = i; j < descriptors.size(); ++j)
            if (length(descriptors[i] - descriptors[j]) < threshold) edges.push_back(sample_pair(i, j));
    std::vector<unsigned long> labels;
    const auto n = chinese_whispers(edges, labels);
    std::cout << "{\"clusters\":" << n << ",\"faces\":[";
    for (size_t i = 0; i < faces.size(); ++i) {
        if (i) std::cout << ",";
        std::cout << "{\"image\":" << json_quote(faces[i].first)
                  << ",\"rect\":" << rect_json(faces[i].second) << ",\"label\":" << labels[i] << "}";
    }
    std::cout << "]}\n";
    return 0;
}

// Names the non-computational layers (tags and skips) the way dlib's printed net does.
template <unsigned long ID, typename SUBNET, typename E>
static std::string describe_wiring(const add_tag_layer<ID, SUBNET, E>&) {
    return "tag" + std::to_string(ID);
}
template <template <typename> class TAG, typename SUBNET>
static std::string describe_wiring(const add_skip_layer<TAG, SUBNET>&) {
    return "skip" + std::to_string(tag_id<TAG>::id);
}

// layers --net NET.dat --out DIR CHIP.png...: runs the chips as one batch and writes every
// layer's output tensor to DIR/layerNNN.f32, with DIR/layers.json describing them (index as in
// dlib's layer<i>(net), i = 0 being the loss layer, shape, and the layer's printed form).
static int cmd_layers(const args_t& a) {
    if (a.pos.empty()) throw usage_error("layers --net NET.dat --out DIR CHIP.png...");
    facenet::net_type net;
    deserialize(a.need("net")) >> net;
    const std::string dir = a.need("out");
    std::vector<image_t> chips;
    for (const auto& path : a.pos) {
        image_t chip;
        load_image(chip, path);
        chips.push_back(std::move(chip));
    }
    auto descriptors = net(chips, chips.size());
    std::ofstream index(dir + "/layers.json");
    index << "{\"batch\":" << chips.size() << ",\"layers\":[";
    bool first = true;
    visit_layers(net, [&](size_t i, auto& l) {
        if constexpr (requires { l.get_output(); }) {
            // A layer under an in-place layer (affine, relu) has had its output overwritten;
            // dlib refuses get_output() there. Such layers are listed with "inplace": true.
            const tensor* out = nullptr;
            try {
                out = &l.get_output();
            } catch (const dlib::error&) {
                out = nullptr;
            }
            if (out == nullptr) {
                if (!first) index << ",";
                first = false;
                index << "{\"index\":" << i << ",\"inplace\":true}";
                return;
            }
            const tensor& t = *out;
            char name[32];
            std::snprintf(name, sizeof name, "layer%03zu.f32", i);
            write_f32(dir + "/" + name, t.host(), t.size());
            std::ostringstream desc;
            if constexpr (requires { l.layer_details(); }) {
                desc << l.layer_details();
            } else {
                desc << describe_wiring(l);
            }
            if (!first) index << ",";
            first = false;
            index << "{\"index\":" << i << ",\"file\":" << json_quote(name) << ",\"shape\":["
                  << t.num_samples() << "," << t.k() << "," << t.nr() << "," << t.nc()
                  << "],\"details\":" << json_quote(desc.str()) << "}";
        }
    });
    index << "]}\n";
    std::vector<float> flat;
    for (auto& d : descriptors)
        for (long k = 0; k < d.size(); ++k) flat.push_back(d(k));
    write_f32(dir + "/descriptors.f32", flat.data(), flat.size());
    std::ostringstream printed;
    printed << net;
    std::ofstream(dir + "/net.txt") << printed.str();
    return 0;
}

// `blas`: which BLAS and LAPACK this process loaded (the files the dynamic loader mapped, with
// symlinks such as Debian's /etc/alternatives resolved), as one JSON line
// {"blas": PATH, "lapack": PATH, "openblas": bool}. dlib's answers depend on them (the 2x2 SVD
// behind chip geometry is LAPACK's dgesvd; conv layers are BLAS sgemm), so the parity tests
// check that the harness runs Debian's reference BLAS/LAPACK, which the build pins by path
// (src/parity/harness.ts), whatever the system's alternatives point to.
static int cmd_blas() {
    struct found_t { std::string blas, lapack; bool openblas = false; } found;
    dl_iterate_phdr([](dl_phdr_info* info, size_t, void* data) {
        auto& f = *static_cast<found_t*>(data);
        const std::string name = info->dlpi_name ? info->dlpi_name : "";
        const std::string base = name.substr(name.find_last_of('/') + 1);
        char real[PATH_MAX];
        const std::string path = realpath(name.c_str(), real) ? std::string(real) : name;
        if (base.rfind("libblas.so", 0) == 0 && f.blas.empty()) f.blas = path;
        if (base.rfind("liblapack.so", 0) == 0 && f.lapack.empty()) f.lapack = path;
        if (base.rfind("libopenblas", 0) == 0 || path.find("openblas") != std::string::npos) f.openblas = true;
        return 0;
    }, &found);
    std::cout << "{\"blas\":" << json_quote(found.blas) << ",\"lapack\":" << json_quote(found.lapack)
              << ",\"openblas\":" << (found.openblas ? "true" : "false") << "}\n";
    return 0;
}

static void help() {
    std::cout <<
        "facemetric parity harness (dlib " << DLIB_MAJOR_VERSION << "." << DLIB_MINOR_VERSION << ")\n"
        "  blas                               the BLAS and LAPACK files this process loaded (JSON)\n"
        "  export-detector OUT.svm            serialize(get_frontal_face_detector())\n"
        "  decode IN OUT.png                  dlib's load_image, written as PNG\n"
        "  load-report IMAGE...               dlib's load_image: size + CRC-32 of the pixels, or its error\n"
        "  jpeg-warnings IMAGE...             every warning libjpeg emits decoding as dlib does, and its error\n"
        "  write-net OUT.dat [--affine conv|fc] [--clean 0|1] [--from NET]\n"
        "                                     serialize a face ResNet made as dlib made its model\n"
        "  write-zoo DIR | write-encodings OUT | write-random-floats OUT N\n"
        "                                     dlib-written files for the serialization tests\n"
        "  roundtrip-detector|roundtrip-shape-predictor|roundtrip-net IN OUT\n"
        "                                     deserialize with dlib and serialize again\n"
        "  time-deserialize KIND FILE REPEAT  median ms of dlib's deserialize (benchmarks)\n"
        "  detect IMAGE...                    [--detector F] [--upsample N] [--adjust T]\n"
        "  landmarks IMAGE... --predictor F   (+ detect options) [--chips DIR]\n"
        "  describe IMAGE... --predictor F --net F   (+ detect options) [--chips DIR]\n"
        "  cluster IMAGE... --predictor F --net F    [--threshold 0.6]\n"
        "  layers CHIP.png... --net F --out DIR\n"
        "  other commands: see the header comments of fhog.cpp, scan.cpp, landmarks.cpp, chips.cpp,\n"
        "  accuracy.cpp (landmark-accuracy), geometry.cpp (pinv-affine, svd-small, similarity-transform,\n"
        "  atan2), dnn.cpp (time-net) and jitter.cpp (jitter-chips, jitter-describe)\n";
}

int main(int argc, char** argv) {
    if (argc < 2) {
        help();
        return 2;
    }
    const std::string cmd = argv[1];
    try {
        args_t a(argc, argv, 2);
        if (cmd == "help" || cmd == "--help") { help(); return 0; }
        if (cmd == "version") { std::cout << DLIB_MAJOR_VERSION << "." << DLIB_MINOR_VERSION << "\n"; return 0; }
        if (cmd == "blas") return cmd_blas();
        if (cmd == "export-detector") return cmd_export_detector(a);
        if (cmd == "decode") return cmd_decode(a);
        if (cmd == "load-report") return cmd_load_report(a);
        if (cmd == "jpeg-warnings") return cmd_jpeg_warnings(a);
        if (cmd == "detect") return cmd_pipeline(a, 1);
        if (cmd == "landmarks") return cmd_pipeline(a, 2);
        if (cmd == "describe") return cmd_pipeline(a, 3);
        if (cmd == "cluster") return cmd_cluster(a);
        if (cmd == "layers") return cmd_layers(a);
        for (auto* run : {run_writer_command, run_fhog_command, run_scan_command, run_landmarks_command, run_chips_command,
                          run_accuracy_command, run_geometry_command,
                          run_dnn_command, run_rand_command, run_cluster_command, run_jitter_command,
                          run_metric_command, run_backward_command, run_sampler_command, run_train_command})
            if (const int rc = run(cmd, argc, argv); rc >= 0) return rc;
        throw usage_error("unknown command '" + cmd + "'");
    } catch (const usage_error& e) {
        std::cerr << "harness: " << e.what() << "\n";
        return 2;
    } catch (const std::invalid_argument& e) {
        std::cerr << "harness: usage: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "harness " << cmd << ": " << e.what() << "\n";
        return 1;
    }
}
