// Per-value error of a quantized model against its float model, for mixed precision
// (`wisp optimize --accuracy-budget`) and reports. Both models name the same activations
// the same way (Contract 1: the value X of the QDQ model is the dequantized float X), so
// running both on the same feeds and comparing value by value measures where the error
// comes from.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "quant/quantizer.hpp"

namespace wisp::quant {

// SQNR in dB (10 log10(sum f^2 / sum (f - q)^2), capped at 200) of every name in `names`
// present in both models.
std::map<std::string, double> value_sqnr(const Model& reference, const Model& test, const std::vector<std::string>& names,
                                         const CalibrationData& data, int threads = 1);

// Compute nodes of `quantized` (names from `report.quantized_nodes`) ordered by the noise
// each adds: SQNR of its input minus SQNR of its (activation-fused) output, largest first.
// `float_model` is the model the quantizer started from (calibration.prepared_model).
std::vector<std::pair<std::string, double>> rank_sensitive_nodes(const Model& float_model, const Model& quantized,
                                                                 const QuantizeReport& report,
                                                                 const CalibrationData& data, int threads = 1);

}  // namespace wisp::quant
