// The result of `wisp compare FLOAT QUANT`, and its three renderings: a terminal table,
// JSON (machine-readable; non-finite numbers such as the SQNR of identical tensors are
// written as null with "identical": true), and a self-contained HTML page (html_report.cpp).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "verify/layer_compare.hpp"
#include "verify/sensitivity_result.hpp"

namespace wisp::verify {

struct ModelSummary {
  std::string path;
  int64_t file_bytes = 0;
  double latency_ms = -1;  // median, 1 sample per run; -1 = not measured
  double top1 = -1;        // percent; -1 = no labels
};

struct CompareReport {
  ModelSummary float_model, quant_model;
  int64_t samples = 0;
  int threads = 1;
  std::string output_name;         // the first graph output (also in layers)
  double top1_agreement = -1;      // percent of samples with the same arg-max; -1 = not measured
  LayerCompareResult layers;       // worst first
  std::optional<SensitivityResult> sensitivity;
  const LayerError* output_layer() const;  // the entry of output_name, or null
};

// `max_rows` bounds each table (0: all rows).
std::string report_table(const CompareReport& report, size_t max_rows = 0);
std::string report_json(const CompareReport& report);
std::string report_html(const CompareReport& report);

// "41.3", "inf", "-inf": for tables.
std::string format_db(double db);

}  // namespace wisp::verify
