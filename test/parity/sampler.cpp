// facemetric parity harness: sampler commands: dnn_metric_learning_on_images_ex.cpp's load_mini_batch (issue 12).
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.

#include <string>

#include "options.h"

// Returns -1: no command of this source matched.
int run_sampler_command(const std::string& cmd, int argc, char** argv) {
    (void)cmd;
    (void)argc;
    (void)argv;
    return -1;
}
