// facemetric parity harness: geometry commands (see the header comment of each command).
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.
//
//   pinv-affine X0 Y0 X1 Y1 ... (three or more points)
//       The pseudo-inverse that dlib's find_affine_transform (dlib/geometry/point_transforms.h)
//       computes for these from_points: P is matrix<double,3,0> with column i = (x_i, y_i, 1),
//       exactly as find_affine_transform fills it, then dlib's pinv(P) (an SVD, LAPACK when dlib
//       is built with it). Prints one JSON line {"rows": n, "cols": 3, "pinv": [row-major, %.17g]}.
//       facemetric's tables of pinv values (PINV_P in src/landmarks/shape-predictor.ts, PINV_CHIP
//       in src/landmarks/chips.ts) are checked against this, live.

#include <dlib/geometry.h>
#include <dlib/matrix.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

using namespace dlib;

int run_geometry_command(const std::string& cmd, int argc, char** argv) {
    if (cmd != "pinv-affine") return -1;
    std::vector<double> v;
    for (int i = 2; i < argc; ++i) {
        char* end = nullptr;
        const double x = std::strtod(argv[i], &end);
        if (end == argv[i] || *end != '\0') throw std::invalid_argument("pinv-affine X0 Y0 X1 Y1 X2 Y2 ... (numbers)");
        v.push_back(x);
    }
    if (v.size() < 6 || v.size() % 2 != 0) throw std::invalid_argument("pinv-affine X0 Y0 X1 Y1 X2 Y2 ... (three or more points)");
    const long n = (long)v.size() / 2;
    matrix<double, 3, 0> P(3, n);
    for (long i = 0; i < n; ++i) {
        P(0, i) = v[2 * i];
        P(1, i) = v[2 * i + 1];
        P(2, i) = 1;
    }
    const matrix<double> p = pinv(P);
    std::printf("{\"rows\":%ld,\"cols\":%ld,\"pinv\":[", p.nr(), p.nc());
    for (long r = 0; r < p.nr(); ++r)
        for (long c = 0; c < p.nc(); ++c) std::printf("%s%.17g", r + c == 0 ? "" : ",", p(r, c));
    std::printf("]}\n");
    return 0;
}
