// facemetric parity harness: rand commands (see the header comment of each command).
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.
//
//   rand-sequence --kind KIND --count N [--seed S | --default 1] [--reseed-at K] [kind options]
//       Draws N values from a dlib::rand (dlib/rand/rand_kernel_1.h): default-constructed with
//       --default 1 (or when --seed is absent), else constructed from the std::string S (its
//       bytes as given on the command line, i.e. UTF-8). With --reseed-at K, set_seed(S) is
//       called again just before draw K (on the default generator: set_seed("")).
//       KIND is one of
//         u8, u16, u32        get_random_{8,16,32}bit_number (decimal)
//         u64                 get_random_64bit_number (a decimal string)
//         double, float       get_random_double / get_random_float (%.17g of the value as a
//                             double: exact for both)
//         gaussian            get_random_gaussian
//         complex             get_random_complex_gaussian (two values per draw: real, imag)
//         double-range        get_double_in_range(--begin, --end) (numbers)
//         int-range           get_integer_in_range(--begin, --end) (long long, decimal strings
//                             in and out)
//         integer             get_integer(--end) (decimal strings in and out)
//         exponential         get_random_exponential(--lambda)
//         weibull             get_random_weibull(--lambda, --k, --gamma)
//         beta                get_random_beta(--alpha, --beta)
//         mixed               draw i calls the (i mod 12)th of: u32, double, gaussian, float,
//                             u64, gaussian, u8, int-range(-5, 1000), gaussian, u16,
//                             complex (two values), double-range(-2.5, 7)
//       Prints one JSON line {"seed": get_seed(), "values": [...]}.

#include <dlib/rand.h>

#include <cinttypes>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "options.h"

namespace {

void put_num(std::string& out, double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    if (!out.empty()) out += ',';
    out += buf;
}

void put_u(std::string& out, unsigned long long v) {
    if (!out.empty()) out += ',';
    out += std::to_string(v);
}

void put_str(std::string& out, const std::string& s) {
    if (!out.empty()) out += ',';
    out += '"' + s + '"';
}

long long parse_ll(const command_options& o, const std::string& k) {
    if (!o.has(k)) throw std::invalid_argument("--" + k + " is required");
    const std::string s = o.get(k, "");
    char* end = nullptr;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (end == s.c_str() || *end != '\0') throw std::invalid_argument("--" + k + " must be an integer");
    return v;
}

double need_num(const command_options& o, const std::string& k) {
    if (!o.has(k)) throw std::invalid_argument("--" + k + " is required");
    return o.num(k, 0);
}

void draw_mixed(dlib::rand& r, long i, std::string& out) {
    switch (i % 12) {
        case 0: put_u(out, r.get_random_32bit_number()); break;
        case 1: put_num(out, r.get_random_double()); break;
        case 2: put_num(out, r.get_random_gaussian()); break;
        case 3: put_num(out, r.get_random_float()); break;
        case 4: put_str(out, std::to_string(r.get_random_64bit_number())); break;
        case 5: put_num(out, r.get_random_gaussian()); break;
        case 6: put_u(out, r.get_random_8bit_number()); break;
        case 7: put_str(out, std::to_string(r.get_integer_in_range(-5, 1000))); break;
        case 8: put_num(out, r.get_random_gaussian()); break;
        case 9: put_u(out, r.get_random_16bit_number()); break;
        case 10: {
            const std::complex<double> c = r.get_random_complex_gaussian();
            put_num(out, c.real());
            put_num(out, c.imag());
            break;
        }
        default: put_num(out, r.get_double_in_range(-2.5, 7)); break;
    }
}

int rand_sequence(int argc, char** argv) {
    const command_options o(argc, argv);
    const std::string kind = o.get("kind", "");
    const long count = o.get_long("count", 1000, 0);
    const long reseed_at = o.get_long("reseed-at", -1, -1);
    const bool dflt = o.get_long("default", o.has("seed") ? 0 : 1, 0) != 0;
    const std::string seed = o.get("seed", "");

    dlib::rand r = dflt ? dlib::rand() : dlib::rand(seed);

    double a = 0, b = 0, c = 0;
    long long ib = 0, ie = 0;
    if (kind == "double-range") { a = need_num(o, "begin"); b = need_num(o, "end"); }
    else if (kind == "int-range") { ib = parse_ll(o, "begin"); ie = parse_ll(o, "end"); }
    else if (kind == "integer") { ie = parse_ll(o, "end"); }
    else if (kind == "exponential") { a = need_num(o, "lambda"); }
    else if (kind == "weibull") { a = need_num(o, "lambda"); b = need_num(o, "k"); c = need_num(o, "gamma"); }
    else if (kind == "beta") { a = need_num(o, "alpha"); b = need_num(o, "beta"); }
    else if (kind != "u8" && kind != "u16" && kind != "u32" && kind != "u64" && kind != "double" &&
             kind != "float" && kind != "gaussian" && kind != "complex" && kind != "mixed")
        throw std::invalid_argument("rand-sequence: unknown --kind '" + kind + "'");

    std::string out;
    for (long i = 0; i < count; ++i) {
        if (i == reseed_at) r.set_seed(dflt ? std::string() : seed);
        if (kind == "u8") put_u(out, r.get_random_8bit_number());
        else if (kind == "u16") put_u(out, r.get_random_16bit_number());
        else if (kind == "u32") put_u(out, r.get_random_32bit_number());
        else if (kind == "u64") put_str(out, std::to_string(r.get_random_64bit_number()));
        else if (kind == "double") put_num(out, r.get_random_double());
        else if (kind == "float") put_num(out, static_cast<double>(r.get_random_float()));
        else if (kind == "gaussian") put_num(out, r.get_random_gaussian());
        else if (kind == "complex") {
            const std::complex<double> z = r.get_random_complex_gaussian();
            put_num(out, z.real());
            put_num(out, z.imag());
        }
        else if (kind == "double-range") put_num(out, r.get_double_in_range(a, b));
        else if (kind == "int-range") put_str(out, std::to_string(r.get_integer_in_range(ib, ie)));
        else if (kind == "integer") put_str(out, std::to_string(r.get_integer(ie)));
        else if (kind == "exponential") put_num(out, r.get_random_exponential(a));
        else if (kind == "weibull") put_num(out, r.get_random_weibull(a, b, c));
        else if (kind == "beta") put_num(out, r.get_random_beta(a, b));
        else draw_mixed(r, i, out);
    }
    std::printf("{\"seed\":%s,\"values\":[%s]}\n", json_quote(r.get_seed()).c_str(), out.c_str());
    return 0;
}

}  // namespace

int run_rand_command(const std::string& cmd, int argc, char** argv) {
    if (cmd == "rand-sequence") return rand_sequence(argc, argv);
    return -1;
}
