// facemetric parity harness: cluster commands (see the header comment of each command).
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.

#include <string>

int run_cluster_command(const std::string& cmd, int argc, char** argv) {
    (void)argc;
    (void)argv;
    (void)cmd;
    return -1;
}
