/**
 * The face chips dlib's face recognition ResNet (`dlib_face_recognition_resnet_model_v1.dat`)
 * takes, as dlib's examples/dnn_face_recognition_ex.cpp and the Python API's
 * face_recognition_model_v1 cut them: `get_face_chip_details(shape, 150, 0.25)`, a 150x150 RGB
 * chip (the network's `input_rgb_image_sized<150>`) with 25% padding around the 68 landmarks.
 * A leaf, with no imports, so that the recognizer and the pipeline (src/pipeline/, which a
 * browser page may load) share these two numbers.
 */

/** Side of the square RGB chips dlib's face ResNet takes (input_rgb_image_sized<150>). */
export const FACE_CHIP_SIZE = 150;

/** The padding of get_face_chip_details(shape, 150, 0.25): the chips the network was trained on. */
export const FACE_CHIP_PADDING = 0.25;
