import { corpusAvailable, corpusRequired, unpackCorpus, corpusDir } from './corpus.js';

/** Unpacks the corpus once before the corpus suite; a missing corpus fails under CI. */
export default function setup(): void {
  if (!corpusAvailable()) {
    if (corpusRequired()) throw new Error(`corpus suite: corpus missing at ${corpusDir()}; set INTROSPECT_CORPUS`);
    console.warn(`corpus suite: no corpus at ${corpusDir()}; corpus tests will be skipped`);
    return;
  }
  unpackCorpus();
}
