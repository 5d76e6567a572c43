// facemetric parity harness: backward-pass commands: each layer's gradients on given tensors (issue 12).
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.

#include <string>

#include "options.h"

// Returns -1: no command of this source matched.
int run_backward_command(const std::string& cmd, int argc, char** argv) {
    (void)cmd;
    (void)argc;
    (void)argv;
    return -1;
}
