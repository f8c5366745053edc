/**
 * The one import of the ring's fixed-point encoding used by src/parties (switch here if the ring
 * layer renames it). encodeFixed rejects NaN/±Inf with a RangeError naming the tensor.
 */
export { encode as encodeFixed, decode as decodeFixed } from '../ring/fixed-point.js';
