/**
 * `identify(img, gallery)`: every face of an image (describeFaces: dlib's detector, landmarks,
 * chips and ResNet) identified against a gallery. Uses the pipeline's default models (read from
 * files) unless the options carry models; the gallery core (identify.ts) takes descriptors.
 */
import type { RgbImage } from '../image/pixels.js';
import { describeFaces, type DescribeFacesOptions } from '../pipeline/describe-faces.js';
import type { Gallery } from './gallery.js';
import { identifyFaces, type IdentifiedFace, type IdentifyOptions } from './identify.js';

/**
 * Every face of `img`, in the detector's order, with its best match in `gallery` (or
 * `unknown_person`), the distance, the `top` nearest people and everyone within the tolerance.
 */
export function identify(img: RgbImage, gallery: Gallery, opts: IdentifyOptions & DescribeFacesOptions = {}): IdentifiedFace[] {
  return identifyFaces(gallery, describeFaces(img, opts).faces, opts);
}
