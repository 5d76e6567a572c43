// facemetric parity harness: geometry commands (see the header comment of each command).
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.
//
//   pinv-affine X0 Y0 X1 Y1 ... (three or more points)
//       The pseudo-inverse that dlib's find_affine_transform (dlib/geometry/point_transforms.h)
//       computes for these from_points: P is matrix<double,3,0> with column i = (x_i, y_i, 1),
//       exactly as find_affine_transform fills it, then dlib's pinv(P) (an SVD, LAPACK when dlib
//       is built with it). Prints one JSON line {"rows": n, "cols": 3, "pinv": [row-major, %.17g]}.
//       facemetric's tables of pinv values (PINV_P in src/landmarks/shape-predictor.ts, PINV_CHIP
//       in src/image/chips.ts) are checked against this, live.
//
//   svd-small CASES
//       dlib's svd(m, u, w, v) for fixed-size matrix<double,R,C> (R x C one of 2x2, 3x3, 3x2:
//       NR*NC <= 9, so svd3 hands them to svd4, which in this LAPACK-enabled dlib calls
//       lapack::gesvd('S','A')). (2x3 is left out: for a fixed-size u, svd3's zero padding of
//       w never runs and dlib returns w(2) uninitialised.) CASES is a text file, one case a line: "R C a00 a01 ... " (row
//       major). Prints one JSON line per case: {"u": [...], "w": [diagonal of w], "v": [...],
//       "det": det(m) (2x2 and 3x3 only, else 0)}, matrices row-major, numbers %.17g (a value
//       that is not finite as the string "Infinity", "-Infinity" or "NaN").
//
//   similarity-transform CASES
//       dlib's find_similarity_transform(from_points, to_points). CASES is a text file, one case
//       a line: "KIND N fx0 fy0 ... fx(N-1) fy(N-1) tx0 ty0 ... tx(N-1) ty(N-1)" with KIND d
//       (std::vector<dlib::vector<double,2>>, as get_face_chip_details), f (vector<float,2>, as
//       the shape predictor; the numbers are rounded to float) or p (dlib::point, i.e. long; the
//       numbers must be integers). Prints one JSON line per case: {"m": [m00, m01, m10, m11],
//       "b": [b0, b1]} of the returned point_transform_affine, %.17g (non-finite: as in svd-small).
//
//   atan2 CASES
//       std::atan2(y, x) of the linked libm (glibc's; dlib's chip_details takes its angle so).
//       CASES is a text file, one case a line: "y x" (%.17g-parsable). Prints one JSON line per
//       case: {"atan2": std::atan2(y, x), "ref": atan2l(y, x) rounded to double, "margin": how
//       far that long double lies from the nearest rounding midpoint between two doubles, in
//       ulps of the double (0 .. 0.5)}, numbers %.17g (non-finite: as in svd-small). ref is an
//       independent reference for the correctly rounded result: x86's long double carries 11
//       more bits, so where margin is clearly larger than atan2l's error (about 2^-11 ulp of the
//       double) ref IS the correctly rounded double (facemetric's tests trust it above 2^-9).

#include <dlib/geometry.h>
#include <dlib/matrix.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace dlib;

namespace {

// A JSON number (%.17g), or for a non-finite value the string "Infinity", "-Infinity" or "NaN"
// (JavaScript's String() of it), since JSON has no such numbers.
void print_number(double x) {
    if (std::isnan(x)) std::printf("\"NaN\"");
    else if (std::isinf(x)) std::printf(x > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    else std::printf("%.17g", x);
}

void print_numbers(const char* name, const double* p, long n, bool first) {
    std::printf("%s\"%s\":[", first ? "" : ",", name);
    for (long i = 0; i < n; ++i) {
        if (i) std::printf(",");
        print_number(p[i]);
    }
    std::printf("]");
}

template <typename M>
void print_matrix(const char* name, const M& m, bool first) {
    std::vector<double> v;
    for (long r = 0; r < m.nr(); ++r)
        for (long c = 0; c < m.nc(); ++c) v.push_back(m(r, c));
    print_numbers(name, v.data(), (long)v.size(), first);
}

template <long R, long C>
void svd_case(const std::vector<double>& a) {
    matrix<double, R, C> m;
    for (long r = 0; r < R; ++r)
        for (long c = 0; c < C; ++c) m(r, c) = a[r * C + c];
    matrix<double, R, C> u;
    matrix<double, C, C> w, v;
    svd(m, u, w, v);
    std::vector<double> d;
    for (long i = 0; i < C; ++i) d.push_back(w(i, i));
    double dt = 0;
    if constexpr (R == C && R <= 3) dt = det(m);
    std::printf("{");
    print_matrix("u", u, true);
    print_numbers("w", d.data(), (long)d.size(), false);
    print_matrix("v", v, false);
    std::printf(",\"det\":");
    print_number(dt);
    std::printf("}\n");
}

template <typename T>
void similarity_case(const std::vector<double>& xy, long n) {
    std::vector<dlib::vector<T, 2>> from, to;
    for (long i = 0; i < n; ++i) from.push_back(dlib::vector<T, 2>((T)xy[2 * i], (T)xy[2 * i + 1]));
    for (long i = 0; i < n; ++i) to.push_back(dlib::vector<T, 2>((T)xy[2 * n + 2 * i], (T)xy[2 * n + 2 * i + 1]));
    const point_transform_affine t = find_similarity_transform(from, to);
    const matrix<double, 2, 2> m = t.get_m();
    const dlib::vector<double, 2> b = t.get_b();
    std::printf("{");
    print_matrix("m", m, true);
    const double bb[2] = {b.x(), b.y()};
    print_numbers("b", bb, 2, false);
    std::printf("}\n");
}

std::vector<std::string> case_lines(int argc, char** argv, const char* usage) {
    if (argc != 3) throw std::invalid_argument(usage);
    std::ifstream in(argv[2]);
    if (!in) throw std::runtime_error(std::string("cannot read ") + argv[2]);
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line))
        if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(line);
    return lines;
}

std::vector<double> numbers_of(std::istringstream& ss, const char* usage) {
    std::vector<double> v;
    std::string tok;
    while (ss >> tok) {
        char* end = nullptr;
        const double x = std::strtod(tok.c_str(), &end);
        if (end == tok.c_str() || *end != '\0') throw std::invalid_argument(usage);
        v.push_back(x);
    }
    return v;
}

int cmd_svd_small(int argc, char** argv) {
    const char* usage = "svd-small CASES (lines: R C a00 a01 ... with R x C one of 2x2, 3x3, 3x2)";
    for (const std::string& line : case_lines(argc, argv, usage)) {
        std::istringstream ss(line);
        long r = 0, c = 0;
        if (!(ss >> r >> c)) throw std::invalid_argument(usage);
        const std::vector<double> a = numbers_of(ss, usage);
        if ((long)a.size() != r * c) throw std::invalid_argument(usage);
        if (r == 2 && c == 2) svd_case<2, 2>(a);
        else if (r == 3 && c == 3) svd_case<3, 3>(a);
        else if (r == 3 && c == 2) svd_case<3, 2>(a);
        else throw std::invalid_argument(usage);
    }
    return 0;
}

int cmd_similarity_transform(int argc, char** argv) {
    const char* usage = "similarity-transform CASES (lines: d|f|p N fx0 fy0 ... tx0 ty0 ...)";
    for (const std::string& line : case_lines(argc, argv, usage)) {
        std::istringstream ss(line);
        std::string kind;
        long n = 0;
        if (!(ss >> kind >> n) || n < 2) throw std::invalid_argument(usage);
        const std::vector<double> xy = numbers_of(ss, usage);
        if ((long)xy.size() != 4 * n) throw std::invalid_argument(usage);
        if (kind == "d") similarity_case<double>(xy, n);
        else if (kind == "f") similarity_case<float>(xy, n);
        else if (kind == "p") similarity_case<long>(xy, n);
        else throw std::invalid_argument(usage);
    }
    return 0;
}

int cmd_atan2(int argc, char** argv) {
    const char* usage = "atan2 CASES (lines: y x)";
    for (const std::string& line : case_lines(argc, argv, usage)) {
        std::istringstream ss(line);
        const std::vector<double> v = numbers_of(ss, usage);
        if (v.size() != 2) throw std::invalid_argument(usage);
        const double y = v[0], x = v[1];
        const double g = std::atan2(y, x);
        const long double l = std::atan2((long double)y, (long double)x);
        const double r = (double)l;
        double margin = 0.5;
        if (std::isfinite(r) && (long double)r != l) {
            const double nb = std::nextafter(r, (long double)r < l ? INFINITY : -INFINITY);
            const long double u = std::fabs((long double)nb - (long double)r);
            margin = (double)(0.5L - std::fabs(l - (long double)r) / u);
        }
        std::printf("{\"atan2\":");
        print_number(g);
        std::printf(",\"ref\":");
        print_number(r);
        std::printf(",\"margin\":");
        print_number(margin);
        std::printf("}\n");
    }
    return 0;
}

}  // namespace

int run_geometry_command(const std::string& cmd, int argc, char** argv) {
    if (cmd == "svd-small") return cmd_svd_small(argc, argv);
    if (cmd == "similarity-transform") return cmd_similarity_transform(argc, argv);
    if (cmd == "atan2") return cmd_atan2(argc, argv);
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
