/* gst-nmf core (internal): timbre features of a spectral template, which
 * the grouping clusters (grouping.h).
 *
 * After Spiertz & Gnann, "Source-filter based clustering for monaural
 * blind source separation" (DAFx 2009: MFCC of the NMF bases) and the
 * shift-invariant view of Jaiswal et al. ("Clustering NMF basis functions
 * using shifted NMF for monaural sound source separation", ICASSP 2011:
 * one instrument's notes are near-shifted copies on a log-frequency axis).
 * A template's energies in NMF_TIMBRE_BANDS_PER_OCTAVE-per-octave
 * triangular bands (logfreq.h) give three blocks, each scaled to unit norm
 * so that no block dominates by its units (a fixed scaling, no per-call
 * standardisation, so that features of different calls compare), then
 * weighted:
 *   1. cepstral envelope: DCT coefficients 1..NMF_TIMBRE_CEPS of the log
 *      band energies (MFCC-like; c0, the level, left out);
 *   2. shift-invariant harmonic pattern: the modulus of the DFT, along the
 *      log-frequency axis, of the band energies zero-padded to twice their
 *      number: nearly unchanged by a shift on that axis, i.e. by
 *      transposition, so that notes of one instrument match.  Energies,
 *      not their logs, so that the pattern is the partials' and not the
 *      noise floor's; zero-padded, so that a shift is not a rotation that
 *      wraps the top octave onto the bottom;
 *   3. descriptors: the square root of each octave's share of the energy
 *      (a register / brightness profile) and the flatness (geometric over
 *      arithmetic mean of the band energies). */
#ifndef NMF_TIMBRE_H
#define NMF_TIMBRE_H

#define NMF_TIMBRE_BANDS_PER_OCTAVE 12
#define NMF_TIMBRE_CEPS 13

typedef struct nmf_timbre nmf_timbre;

/* bins >= 16; the blocks' weights >= 0 (shares of the squared distance
 * between two feature vectors). */
int nmf_timbre_create (nmf_timbre ** out, int bins, double weight_envelope,
    double weight_shift, double weight_descriptors);
void nmf_timbre_destroy (nmf_timbre ** t);

/* Values per feature vector. */
int nmf_timbre_dim (const nmf_timbre * t);

/* The features of template w (bins values; negative ones read as 0). */
void nmf_timbre_features (nmf_timbre * t, const float *w, float *feat);

#endif /* NMF_TIMBRE_H */
