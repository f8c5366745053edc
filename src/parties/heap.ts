/**
 * V8 heap tuning for a party process.
 *
 * A party's JS heap is small (~20 MB: code, module state, the objects of the ops in flight);
 * its tensors live in ArrayBuffers and the wasm arena. V8 sizes the old-generation limit from
 * the live heap (×1.1–×2 by default), so a party that promotes a few MB of short-lived op
 * objects (those alive across a network wait) ran a full mark-compact every ~200 ms during a
 * GPT-2 decode step: ~12 per step per party, each with concurrent marking on the two cores the
 * three parties share. Letting the old generation grow to 3× the live heap before the next
 * mark-compact removes them from the decode (the heap stays ~100 MB; ArrayBuffer memory still
 * triggers its own collections through V8's external-memory accounting, unchanged).
 *
 * `--heap-growing-percent` is read at every mark-compact, so setting it once the process runs is
 * enough; it is a process-wide setting, so only party entry points call this (never a library).
 */
import { setFlagsFromString } from 'node:v8';

/** Old-generation growth per mark-compact, in percent (the limit becomes live × (1 + p/100)). */
export const PARTY_HEAP_GROWING_PERCENT = 200;

export function tunePartyHeap(percent = PARTY_HEAP_GROWING_PERCENT): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
