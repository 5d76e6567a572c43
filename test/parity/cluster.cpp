// facemetric parity harness: cluster commands (see the header comment of each command).
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.

#include <dlib/clustering.h>
#include <dlib/matrix.h>
#include <dlib/rand.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "options.h"

namespace {

// Edge file: one edge per line, "i j" or "i j weight" (weight parsed with strtod, so %.17g
// round-trips); blank lines are skipped.
struct edge_line {
    unsigned long i, j;
    double w;
};

std::vector<edge_line> read_edges(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw std::runtime_error("cannot read " + path);
    std::vector<edge_line> out;
    std::string line;
    while (std::getline(f, line)) {
        std::istringstream in(line);
        edge_line e{0, 0, 1};
        if (!(in >> e.i)) continue;
        if (!(in >> e.j)) throw std::runtime_error("bad edge line: " + line);
        std::string w;
        if (in >> w) e.w = std::strtod(w.c_str(), nullptr);
        out.push_back(e);
    }
    return out;
}

// chinese-whispers EDGES_FILE [--iterations N] [--weighted 0|1] [--ordered 0|1] [--seed S] [--draws 0|1]
// Runs dlib::chinese_whispers on the edges: as sample_pair(i, j) (or sample_pair(i, j, w) with
// --weighted 1), or, with --ordered 1, as ordered_sample_pair(i, j[, w]) in file order (which
// must be sorted by index). The dlib::rand is default-constructed, or seeded with
// set_seed(S). Prints {"clusters":K,"labels":[...]} and, with --draws 1, "draws": the 32-bit
// numbers chinese_whispers drew (replayed from a copy of the generator taken before the run:
// two per step, nodes * iterations steps).
int cmd_chinese_whispers(const command_options& o) {
    if (o.pos.size() != 1) throw std::invalid_argument("chinese-whispers EDGES_FILE [--iterations N] [--weighted 0|1] [--ordered 0|1] [--seed S] [--draws 0|1]");
    const auto lines = read_edges(o.pos[0]);
    const unsigned long iterations = static_cast<unsigned long>(o.get_long("iterations", 100, 0));
    const bool weighted = o.get_long("weighted", 0, 0) != 0;
    const bool ordered = o.get_long("ordered", 0, 0) != 0;
    const bool draws = o.get_long("draws", 0, 0) != 0;
    dlib::rand rnd;
    if (o.has("seed")) rnd.set_seed(o.get("seed", ""));
    dlib::rand before = rnd;
    std::vector<unsigned long> labels;
    unsigned long k = 0;
    unsigned long nodes = 0;
    if (ordered) {
        std::vector<dlib::ordered_sample_pair> edges;
        for (const auto& e : lines) edges.push_back(weighted ? dlib::ordered_sample_pair(e.i, e.j, e.w) : dlib::ordered_sample_pair(e.i, e.j));
        if (!dlib::is_ordered_by_index(edges)) throw std::invalid_argument("ordered edges must be sorted by index");
        nodes = dlib::max_index_plus_one(edges);
        k = dlib::chinese_whispers(edges, labels, iterations, rnd);
    } else {
        std::vector<dlib::sample_pair> edges;
        for (const auto& e : lines) edges.push_back(weighted ? dlib::sample_pair(e.i, e.j, e.w) : dlib::sample_pair(e.i, e.j));
        nodes = dlib::max_index_plus_one(edges);
        k = dlib::chinese_whispers(edges, labels, iterations, rnd);
    }
    std::cout << "{\"clusters\":" << k << ",\"nodes\":" << nodes << ",\"labels\":[";
    for (size_t i = 0; i < labels.size(); ++i) std::cout << (i ? "," : "") << labels[i];
    std::cout << "]";
    if (draws) {
        std::cout << ",\"draws\":[";
        const unsigned long n = lines.empty() ? 0 : nodes * iterations * 2;
        for (unsigned long i = 0; i < n; ++i) std::cout << (i ? "," : "") << before.get_random_32bit_number();
        std::cout << "]";
    }
    std::cout << "}\n";
    return 0;
}

// face-edges DESCRIPTORS.f32 [--dim 128] [--threshold 0.6]
// Reads raw little-endian float32 descriptors (dim values each) into matrix<float,0,1> and
// prints the edges dnn_face_recognition_ex.cpp builds: {"faces":N,"edges":[[i,j],...],
// "lengths":[...]} for pairs i <= j with length(a - b) < threshold, with dlib's float lengths.
int cmd_face_edges(const command_options& o) {
    if (o.pos.size() != 1) throw std::invalid_argument("face-edges DESCRIPTORS.f32 [--dim 128] [--threshold 0.6]");
    const long dim = o.get_long("dim", 128, 1);
    const double threshold = o.num("threshold", 0.6);
    std::ifstream f(o.pos[0], std::ios::binary);
    if (!f) throw std::runtime_error("cannot read " + o.pos[0]);
    f.seekg(0, std::ios::end);
    const auto bytes = static_cast<size_t>(f.tellg());
    f.seekg(0);
    if (bytes % (sizeof(float) * dim) != 0) throw std::runtime_error("file size is not a multiple of dim floats");
    std::vector<float> data(bytes / sizeof(float));
    f.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(bytes));
    std::vector<dlib::matrix<float, 0, 1>> d(data.size() / dim);
    for (size_t i = 0; i < d.size(); ++i) {
        d[i].set_size(dim);
        for (long k = 0; k < dim; ++k) d[i](k) = data[i * dim + k];
    }
    std::ostringstream edges, lengths;
    bool first = true;
    for (size_t i = 0; i < d.size(); ++i)
        for (size_t j = i; j < d.size(); ++j) {
            const float len = dlib::length(d[i] - d[j]);
            if (len < threshold) {
                edges << (first ? "" : ",") << "[" << i << "," << j << "]";
                lengths << (first ? "" : ",") << json_double(len);
                first = false;
            }
        }
    std::cout << "{\"faces\":" << d.size() << ",\"edges\":[" << edges.str() << "],\"lengths\":[" << lengths.str() << "]}\n";
    return 0;
}

}  // namespace

int run_cluster_command(const std::string& cmd, int argc, char** argv) {
    if (cmd == "chinese-whispers") return cmd_chinese_whispers(command_options(argc, argv));
    if (cmd == "face-edges") return cmd_face_edges(command_options(argc, argv));
    return -1;
}
