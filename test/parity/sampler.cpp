// facemetric parity harness: sampler commands: dlib's disturb_colors and
// dnn_metric_learning_on_images_ex.cpp's load_objects_list / load_mini_batch (issue 12).
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.
//
//   disturb-colors --count N --out DIR [--seed S] [--gray 1] IMAGE...
//       dlib::disturb_colors(img, rnd) (dlib/image_transforms/random_color_transform.h, default
//       gamma_magnitude 0.5, color_magnitude 0.2) N times on each image, in order, each time on
//       a fresh copy of the loaded image, all from ONE dlib::rand (default-constructed when
//       --seed is absent, else dlib::rand(S) from the string, as jitter-chips does). Images are
//       loaded with load_image as matrix<rgb_pixel> (or, with --gray 1, matrix<unsigned char>).
//       The N results of image i are written one after the other, raw (row-major, R,G,B or grey
//       bytes, no header), to DIR/disturb.<i>.raw. One JSON line per image:
//       {image, file, count, rows, cols, channels}.
//
//   sampler --seed S --people P --per-person K --batches B --out DIR PERSON_DIR...
//   sampler --seed S --people P --per-person K --batches B --out DIR DATA_DIR
//       The example's data path, deterministically: `dlib::rand rnd(S)` from the NUMBER S (the
//       constructor rand(time_t), i.e. set_seed(cast_to_string(S)), as the example's
//       `dlib::rand rnd(time(0)+seed)`), then B calls of load_mini_batch(P, K, rnd, objs, ...)
//       (ported below with dlib's real disturb_colors and jitter_image; it also records the
//       file each image came from). objs: with one positional that has sub-folders, the
//       example's load_objects_list(DATA_DIR); otherwise one entry per PERSON_DIR given, each
//       the files of that folder. Folders and files are sorted by full name (std::string's <,
//       i.e. byte order; dlib lists them in readdir order, which the file system decides), and
//       a folder without files is left out, as load_objects_list does. Paths are dlib's
//       file::full_name(): the folder's realpath + '/' + sub-folder + '/' + file name.
//       Mini-batch b's images (all the same size, rows x cols) are written raw RGB, one after
//       the other, to DIR/batch.<b>.raw. One JSON line per mini-batch:
//       {batch, file, count, rows, cols, labels: [...], paths: [...]}; labels are the example's
//       (the person's index in objs).

#include <dlib/dir_nav.h>
#include <dlib/image_io.h>
#include <dlib/image_transforms.h>
#include <dlib/rand.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "options.h"

using namespace dlib;

namespace {

template <typename image_type>
void write_raw(std::ofstream& out, const image_type& img, long channels) {
    if (img.size() == 0) return;
    const auto* p = reinterpret_cast<const char*>(&img(0, 0));
    out.write(p, static_cast<std::streamsize>(img.size() * channels));
}

template <typename image_type>
int disturb_colors_of(const command_options& a, long channels) {
    const long count = a.get_long("count", 0, 0);
    const std::string dir = a.get("out", "");
    if (!a.has("count") || dir.empty() || a.pos.empty())
        throw std::invalid_argument("disturb-colors --count N --out DIR [--seed S] [--gray 1] IMAGE...");
    dlib::rand rnd = a.has("seed") ? dlib::rand(a.get("seed", "")) : dlib::rand();
    static_assert(sizeof(rgb_pixel) == 3, "rgb_pixel must be 3 packed bytes");
    for (size_t i = 0; i < a.pos.size(); ++i) {
        image_type img;
        load_image(img, a.pos[i]);
        const std::string file = dir + "/disturb." + std::to_string(i) + ".raw";
        std::ofstream out(file, std::ios::binary);
        if (!out) throw std::runtime_error("cannot write " + file);
        for (long k = 0; k < count; ++k) {
            image_type copy = img;
            disturb_colors(copy, rnd);
            write_raw(out, copy, channels);
        }
        if (!out) throw std::runtime_error("cannot write " + file);
        std::printf("{\"image\":%s,\"file\":%s,\"count\":%ld,\"rows\":%ld,\"cols\":%ld,\"channels\":%ld}\n",
                    json_quote(a.pos[i]).c_str(), json_quote(file).c_str(), count, img.nr(), img.nc(), channels);
    }
    return 0;
}

int cmd_disturb_colors(const command_options& a) {
    if (a.get_long("gray", 0, 0) != 0) return disturb_colors_of<matrix<unsigned char>>(a, 1);
    return disturb_colors_of<matrix<rgb_pixel>>(a, 3);
}

bool by_full_name(const directory& x, const directory& y) { return x.full_name() < y.full_name(); }
bool file_by_full_name(const file& x, const file& y) { return x.full_name() < y.full_name(); }

// The files of one person's folder, sorted (see the header comment).
std::vector<std::string> person_files(const directory& d) {
    std::vector<file> files = d.get_files();
    std::sort(files.begin(), files.end(), file_by_full_name);
    std::vector<std::string> imgs;
    for (const auto& f : files) imgs.push_back(f.full_name());
    return imgs;
}

// The example's load_objects_list(dir), with its sub-folders and files sorted.
std::vector<std::vector<std::string>> load_objects_list(const std::string& dir) {
    std::vector<directory> subdirs = directory(dir).get_dirs();
    std::sort(subdirs.begin(), subdirs.end(), by_full_name);
    std::vector<std::vector<std::string>> objects;
    for (const auto& subdir : subdirs) {
        std::vector<std::string> imgs = person_files(subdir);
        if (!imgs.empty()) objects.push_back(imgs);
    }
    return objects;
}

// The example's load_mini_batch, step for step (the same draws in the same order), also
// recording the file each image was loaded from.
void load_mini_batch(const size_t num_people, const size_t samples_per_id, dlib::rand& rnd,
                     const std::vector<std::vector<std::string>>& objs, std::vector<matrix<rgb_pixel>>& images,
                     std::vector<unsigned long>& labels, std::vector<std::string>& paths) {
    images.clear();
    labels.clear();
    paths.clear();
    DLIB_CASSERT(num_people <= objs.size(), "The dataset doesn't have that many people in it.");

    std::vector<bool> already_selected(objs.size(), false);
    matrix<rgb_pixel> image;
    for (size_t i = 0; i < num_people; ++i) {
        size_t id = rnd.get_random_32bit_number() % objs.size();
        while (already_selected[id]) id = rnd.get_random_32bit_number() % objs.size();
        already_selected[id] = true;
        for (size_t j = 0; j < samples_per_id; ++j) {
            const auto& obj = objs[id][rnd.get_random_32bit_number() % objs[id].size()];
            load_image(image, obj);
            images.push_back(std::move(image));
            labels.push_back(id);
            paths.push_back(obj);
        }
    }
    for (auto&& crop : images) {
        disturb_colors(crop, rnd);
        if (rnd.get_random_double() > 0.1) crop = jitter_image(crop, rnd);
    }
    DLIB_CASSERT(images.size() > 0);
    for (auto&& img : images) {
        DLIB_CASSERT(img.nr() == images[0].nr() && img.nc() == images[0].nc(),
                     "All the images in a single mini-batch must be the same size.");
    }
}

int cmd_sampler(const command_options& a) {
    const char* usage =
        "sampler --seed S --people P --per-person K --batches B --out DIR PERSON_DIR... | DATA_DIR";
    if (!a.has("seed") || !a.has("people") || !a.has("per-person") || !a.has("batches") || !a.has("out") || a.pos.empty())
        throw std::invalid_argument(usage);
    const std::string seed_text = a.get("seed", "");
    char* end = nullptr;
    errno = 0;
    const long long seed = std::strtoll(seed_text.c_str(), &end, 10);
    if (end == seed_text.c_str() || *end != '\0' || errno != 0) throw std::invalid_argument("--seed must be an integer");
    const long people = a.get_long("people", 0, 1);
    const long per_person = a.get_long("per-person", 0, 1);
    const long batches = a.get_long("batches", 0, 0);
    const std::string dir = a.get("out", "");

    std::vector<std::vector<std::string>> objs;
    if (a.pos.size() == 1 && !directory(a.pos[0]).get_dirs().empty()) {
        objs = load_objects_list(a.pos[0]);
    } else {
        for (const auto& p : a.pos) {
            std::vector<std::string> imgs = person_files(directory(p));
            if (!imgs.empty()) objs.push_back(imgs);
        }
    }

    dlib::rand rnd(static_cast<time_t>(seed));
    std::vector<matrix<rgb_pixel>> images;
    std::vector<unsigned long> labels;
    std::vector<std::string> paths;
    for (long b = 0; b < batches; ++b) {
        load_mini_batch(static_cast<size_t>(people), static_cast<size_t>(per_person), rnd, objs, images, labels, paths);
        const std::string file = dir + "/batch." + std::to_string(b) + ".raw";
        std::ofstream out(file, std::ios::binary);
        if (!out) throw std::runtime_error("cannot write " + file);
        for (const auto& img : images) write_raw(out, img, 3);
        if (!out) throw std::runtime_error("cannot write " + file);
        std::string ls, ps;
        for (size_t i = 0; i < images.size(); ++i) {
            ls += (i ? "," : "") + std::to_string(labels[i]);
            ps += (i ? "," : "") + json_quote(paths[i]);
        }
        std::printf("{\"batch\":%ld,\"file\":%s,\"count\":%zu,\"rows\":%ld,\"cols\":%ld,\"labels\":[%s],\"paths\":[%s]}\n",
                    b, json_quote(file).c_str(), images.size(), images[0].nr(), images[0].nc(), ls.c_str(), ps.c_str());
    }
    return 0;
}

}  // namespace

// Runs a sampler command; -1: no command of this source matched.
int run_sampler_command(const std::string& cmd, int argc, char** argv) {
    if (cmd == "disturb-colors") return cmd_disturb_colors(command_options(argc, argv, 2));
    if (cmd == "sampler") return cmd_sampler(command_options(argc, argv, 2));
    return -1;
}
