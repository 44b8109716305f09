// Calibration methods: each turns one tensor's statistics into a clip range, and all share
// the SQNR measure `auto` uses to choose between them.
//
// The statistics (TensorStats) hold a histogram of |x| over [0, absmax] with
// kHistogramBins bins (like TensorRT's entropy calibrator), plus the signed min/max. A
// method picks a magnitude threshold t; the clip range is then [max(min, -t), min(max, t)]
// widened to include 0 (zero must be exactly representable). "Levels" is how many
// quantization steps cover [0, t]: 255 for uint8 on a one-sided (min >= 0) tensor, 127.5
// for uint8 on a two-sided one, 127 for symmetric int8.
// One method per file: calib_minmax.cpp, calib_percentile.cpp, calib_entropy.cpp,
// calib_mse.cpp; calib_sqnr.cpp holds the shared error measure.
#pragma once
#include "quant/quantizer.hpp"

namespace wisp::quant {

struct ClipRange {
  double min = 0, max = 0;
};

// Steps of the quantization grid over [0, t] (see above).
double quant_levels(const TensorStats& s, bool symmetric);
// The clip range for magnitude threshold t.
ClipRange clip_for_threshold(const TensorStats& s, double t);
// Quantize-dequantize SQNR (dB) of the histogram with threshold t (bin centres stand for
// their values; clipped values count with their clipping error). +inf-free: capped at 200.
double histogram_sqnr_db(const TensorStats& s, double t, bool symmetric);

double threshold_minmax(const TensorStats& s);
double threshold_percentile(const TensorStats& s, double percentile);
double threshold_entropy(const TensorStats& s, bool symmetric);
double threshold_mse(const TensorStats& s, bool symmetric);

// Applies `method` (kAuto: the method with the highest histogram SQNR).
struct MethodChoice {
  CalibMethod method = CalibMethod::kMinMax;
  double threshold = 0;
  double sqnr_db = 0;
};
MethodChoice choose_threshold(const TensorStats& s, CalibMethod method, double percentile, bool symmetric);

}  // namespace wisp::quant
