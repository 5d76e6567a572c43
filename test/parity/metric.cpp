// facemetric parity harness: metric-learning commands: loss_metric_, sgd, dnn_trainer, the toy example (issue 12).
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.

#include <string>

#include "options.h"

// Returns -1: no command of this source matched.
int run_metric_command(const std::string& cmd, int argc, char** argv) {
    (void)cmd;
    (void)argc;
    (void)argv;
    return -1;
}
