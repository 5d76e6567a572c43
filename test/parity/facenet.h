// The face ResNet of dlib_face_recognition_resnet_model_v1, shared by the harness's sources.
#pragma once
#include <dlib/dnn.h>
#include <dlib/image_io.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace facenet {
using namespace dlib;

// Two 3x3 convolutions, each followed by batch-norm-as-affine; relu between them.
template <int K, template <typename> class NORM, int STRIDE, typename IN>
using conv_pair = NORM<con<K, 3, 3, 1, 1, relu<NORM<con<K, 3, 3, STRIDE, STRIDE, IN>>>>>;

// Identity shortcut: out = conv_pair(x) + x.
template <template <int, template <typename> class, int, typename> class BODY, int K,
          template <typename> class NORM, typename IN>
using identity_block = add_prev1<BODY<K, NORM, 1, tag1<IN>>>;

// Down-sampling shortcut: out = conv_pair_stride2(x) + avg_pool_2x2(x).
template <template <int, template <typename> class, int, typename> class BODY, int K,
          template <typename> class NORM, typename IN>
using down_block = add_prev2<avg_pool<2, 2, 2, 2, skip1<tag2<BODY<K, NORM, 2, tag1<IN>>>>>>;

template <int K, typename IN> using res = relu<identity_block<conv_pair, K, affine, IN>>;
template <int K, typename IN> using res_down = relu<down_block<conv_pair, K, affine, IN>>;

template <typename IN> using stage256a = res_down<256, IN>;
template <typename IN> using stage256 = res<256, res<256, res_down<256, IN>>>;
template <typename IN> using stage128 = res<128, res<128, res_down<128, IN>>>;
template <typename IN> using stage64 = res<64, res<64, res<64, res_down<64, IN>>>>;
template <typename IN> using stage32 = res<32, res<32, res<32, IN>>>;

using net_type = loss_metric<fc_no_bias<128, avg_pool_everything<
    stage256a<stage256<stage128<stage64<stage32<
    max_pool<3, 3, 2, 2, relu<affine<con<32, 7, 7, 2, 2, input_rgb_image_sized<150>>>>>>>>>>>>>;

// The same network with batch normalisation, as dlib trains it: dlib's published model is this
// net converted to net_type, which turns each bn_con into an affine_ layer in CONV mode (one
// gamma and beta per channel).
template <int K, typename IN> using res_bn = relu<identity_block<conv_pair, K, bn_con, IN>>;
template <int K, typename IN> using res_down_bn = relu<down_block<conv_pair, K, bn_con, IN>>;
template <typename IN> using stage256a_bn = res_down_bn<256, IN>;
template <typename IN> using stage256_bn = res_bn<256, res_bn<256, res_down_bn<256, IN>>>;
template <typename IN> using stage128_bn = res_bn<128, res_bn<128, res_down_bn<128, IN>>>;
template <typename IN> using stage64_bn = res_bn<64, res_bn<64, res_bn<64, res_down_bn<64, IN>>>>;
template <typename IN> using stage32_bn = res_bn<32, res_bn<32, res_bn<32, IN>>>;

using train_net_type = loss_metric<fc_no_bias<128, avg_pool_everything<
    stage256a_bn<stage256_bn<stage128_bn<stage64_bn<stage32_bn<
    max_pool<3, 3, 2, 2, relu<bn_con<con<32, 7, 7, 2, 2, input_rgb_image_sized<150>>>>>>>>>>>>>;

// The 150x150 face chips at `paths` (net_type's input), loaded with load_image as
// matrix<rgb_pixel>, in order; a chip of another size is a std::runtime_error naming its file.
inline std::vector<matrix<rgb_pixel>> load_chips(const std::vector<std::string>& paths) {
    std::vector<matrix<rgb_pixel>> chips;
    for (const auto& path : paths) {
        matrix<rgb_pixel> chip;
        load_image(chip, path);
        if (chip.nr() != 150 || chip.nc() != 150)
            throw std::runtime_error(path + " is " + std::to_string(chip.nc()) + "x" + std::to_string(chip.nr()) +
                                     ", not a 150x150 chip");
        chips.push_back(std::move(chip));
    }
    return chips;
}
}  // namespace facenet
