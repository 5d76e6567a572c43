// facemetric parity harness: chips commands (see the header comment of each command).
// Each harness source defines one run_*_command function; harness.cpp's main tries them in turn.

#include <dlib/image_processing.h>
#include <dlib/image_transforms.h>

#include <string>

using namespace dlib;

// Returns the exit code, or -1 when `cmd` is not one of this file's commands.
int run_chips_command(const std::string& cmd, int argc, char** argv) {
    (void)cmd;
    (void)argc;
    (void)argv;
    return -1;
}
