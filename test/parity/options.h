// facemetric parity harness: what every command source shares — its options, JSON strings and numbers.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

// A command's arguments from argv[first] on: `--name value` pairs and positionals, in order.
// A missing value, or a value that is not the number asked for, is a usage error
// (std::invalid_argument: the harness exits 2).
struct command_options {
    std::map<std::string, std::string> opts;
    std::vector<std::string> pos;

    command_options(int argc, char** argv, int first = 2) {
        for (int i = first; i < argc; ++i) {
            const std::string a = argv[i];
            if (a.rfind("--", 0) == 0 && a.size() > 2) {
                if (i + 1 >= argc) throw std::invalid_argument("option " + a + " needs a value");
                opts[a.substr(2)] = argv[++i];
            } else {
                pos.push_back(a);
            }
        }
    }

    bool has(const std::string& k) const { return opts.count(k) != 0; }

    std::string get(const std::string& k, const std::string& dflt) const {
        const auto it = opts.find(k);
        return it == opts.end() ? dflt : it->second;
    }

    // --k's value; a missing --k is a usage error.
    std::string need(const std::string& k) const {
        const auto it = opts.find(k);
        if (it == opts.end()) throw std::invalid_argument("missing option --" + k);
        return it->second;
    }

    // --k as a whole number >= lo, or dflt when absent.
    long get_long(const std::string& k, long dflt, long lo = -2147483647L) const {
        const auto it = opts.find(k);
        if (it == opts.end()) return dflt;
        char* end = nullptr;
        const long v = std::strtol(it->second.c_str(), &end, 10);
        if (end == it->second.c_str() || *end != '\0' || v < lo)
            throw std::invalid_argument("--" + k + " must be an integer >= " + std::to_string(lo));
        return v;
    }

    // --k as a number, or dflt when absent.
    double num(const std::string& k, double dflt) const {
        const auto it = opts.find(k);
        if (it == opts.end()) return dflt;
        char* end = nullptr;
        const double v = std::strtod(it->second.c_str(), &end);
        if (end == it->second.c_str() || *end != '\0') throw std::invalid_argument("--" + k + " must be a number");
        return v;
    }
};

// s as a JSON string literal (quotes, backslashes and control characters escaped).
inline std::string json_quote(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

// v as a JSON number with all 17 significant digits (%.17g), so that it reads back as the same
// double; for a finite v only (a non-finite one prints as inf or nan).
inline std::string json_double(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}
