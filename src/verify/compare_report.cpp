#include "verify/compare_report.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace wisp::verify {

const LayerError* CompareReport::output_layer() const {
  for (const LayerError& e : layers.layers)
    if (e.value == output_name) return &e;
  return nullptr;
}

std::string format_db(double db) {
  if (std::isinf(db)) return db > 0 ? "inf" : "-inf";
  if (std::isnan(db)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", db);
  return buf;
}

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// Fits `s` in a column of `width` with at least one space after it. Too long names keep
// their end ("~es.1/Conv_output_0"): exporters put the distinctive part last.
std::string pad(std::string s, size_t width, bool right = false) {
  if (width >= 3 && s.size() >= width) {
    s.erase(0, s.size() - (width - 2));
    s.front() = '~';  // the first kept character gives way to the marker
  }
  const std::string fill(width - s.size(), ' ');
  return right ? fill + s : s + fill;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// JSON has no infinity: non-finite numbers become null.
std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string json_model(const ModelSummary& m) {
  return "{\"path\":" + json_string(m.path) + ",\"file_bytes\":" + std::to_string(m.file_bytes) +
         ",\"latency_ms_median\":" + (m.latency_ms >= 0 ? json_number(m.latency_ms) : "null") +
         ",\"top1\":" + (m.top1 >= 0 ? json_number(m.top1) : "null") + "}";
}

}  // namespace

std::string report_table(const CompareReport& r, size_t max_rows) {
  std::ostringstream out;
  const auto side = [&](const char* label, const ModelSummary& m) {
    out << "  " << pad(label, 7) << pad(std::to_string(m.file_bytes) + " B", 14, true)
        << pad(m.latency_ms >= 0 ? fmt("%.3f ms", m.latency_ms) : "-", 14, true)
        << pad(m.top1 >= 0 ? fmt("%.2f%%", m.top1) : "-", 10, true) << "  " << m.path << "\n";
  };
  out << "Compared on " << r.samples << " samples (" << r.threads << " thread" << (r.threads == 1 ? "" : "s") << ")\n";
  out << "  " << pad("", 7) << pad("file size", 14, true) << pad("latency", 14, true) << pad("top-1", 10, true) << "\n";
  side("float", r.float_model);
  side("quant", r.quant_model);
  if (r.float_model.file_bytes > 0)
    out << "  size ratio " << fmt("%.3f", double(r.quant_model.file_bytes) / double(r.float_model.file_bytes));
  if (r.float_model.latency_ms > 0 && r.quant_model.latency_ms >= 0)
    out << ", latency ratio " << fmt("%.3f", r.quant_model.latency_ms / r.float_model.latency_ms);
  out << "\n";
  if (const LayerError* o = r.output_layer())
    out << "  output '" << o->value << "': SQNR " << format_db(o->sqnr_db) << " dB, cosine " << fmt("%.6f", o->cosine);
  if (r.top1_agreement >= 0) out << ", top-1 agreement " << fmt("%.2f%%", r.top1_agreement);
  out << "\n\nPer-layer error (worst first; tensor X of the quantized model = dequantized X)\n";
  out << "  " << pad("tensor", 46) << pad("node", 40) << pad("op", 18) << pad("SQNR dB", 9, true) << pad("cosine", 11, true)
      << pad("max |err|", 12, true) << "\n";
  size_t rows = 0;
  for (const LayerError& e : r.layers.layers) {
    if (max_rows && rows++ >= max_rows) {
      out << "  ... " << (r.layers.layers.size() - max_rows) << " more (--json / --html list all)\n";
      break;
    }
    out << "  " << pad(e.value, 46) << pad(e.node, 40) << pad(e.op, 18)
        << pad(e.rescaled ? format_db(e.rescaled_sqnr_db) + "*" : format_db(e.sqnr_db), 9, true)
        << pad(fmt("%.6f", e.cosine), 11, true) << pad(fmt("%.4g", e.max_abs_error), 12, true) << "\n";
  }
  for (const LayerError& e : r.layers.layers)
    if (e.rescaled) {
      out << "  * SQNR after the best per-channel scale: the quantized tensor is the float one with its channels\n"
             "    rescaled (cross-layer equalization moved scale into the next layer); raw SQNR in --json/--html\n";
      break;
    }
  if (r.sensitivity) {
    const SensitivityResult& s = *r.sensitivity;
    out << "\nSensitivity: one node quantized at a time (most sensitive first; top-1 "
        << (s.against_labels ? "against the labels" : "= agreement with the float model") << ", float "
        << fmt("%.2f%%", s.float_top1) << ")\n";
    out << "  " << pad("node", 40) << pad("op", 14) << pad("output SQNR dB", 15, true) << pad("top-1", 9, true)
        << pad("drop pts", 10, true) << "\n";
    rows = 0;
    for (const SensitivityEntry& e : s.layers) {
      if (max_rows && rows++ >= max_rows) {
        out << "  ... " << (s.layers.size() - max_rows) << " more\n";
        break;
      }
      out << "  " << pad(e.node, 40) << pad(e.op, 14) << pad(format_db(e.output_sqnr_db), 15, true)
          << pad(fmt("%.2f%%", e.top1), 9, true) << pad(fmt("%+.2f", e.top1_drop), 10, true) << "\n";
    }
  }
  return out.str();
}

std::string report_json(const CompareReport& r) {
  std::ostringstream out;
  out << "{\"float\":" << json_model(r.float_model) << ",\"quant\":" << json_model(r.quant_model)
      << ",\"samples\":" << r.samples << ",\"threads\":" << r.threads << ",\"output\":" << json_string(r.output_name)
      << ",\"top1_agreement\":" << (r.top1_agreement >= 0 ? json_number(r.top1_agreement) : "null");
  if (const LayerError* o = r.output_layer())
    out << ",\"output_sqnr_db\":" << json_number(o->sqnr_db) << ",\"output_cosine\":" << json_number(o->cosine);
  out << ",\"layers\":[";
  for (size_t i = 0; i < r.layers.layers.size(); ++i) {
    const LayerError& e = r.layers.layers[i];
    out << (i ? "," : "") << "{\"tensor\":" << json_string(e.value) << ",\"node\":" << json_string(e.node)
        << ",\"op\":" << json_string(e.op) << ",\"order\":" << e.order << ",\"elements\":" << e.elements
        << ",\"sqnr_db\":" << json_number(e.sqnr_db) << ",\"identical\":" << (std::isinf(e.sqnr_db) && e.sqnr_db > 0 ? "true" : "false")
        << ",\"cosine\":" << json_number(e.cosine) << ",\"max_abs_error\":" << json_number(e.max_abs_error)
        << ",\"rescaled_sqnr_db\":" << json_number(e.rescaled_sqnr_db) << ",\"rescaled\":" << (e.rescaled ? "true" : "false")
        << "}";
  }
  out << "]";
  if (r.sensitivity) {
    const SensitivityResult& s = *r.sensitivity;
    out << ",\"sensitivity\":{\"against_labels\":" << (s.against_labels ? "true" : "false")
        << ",\"float_top1\":" << json_number(s.float_top1) << ",\"samples\":" << s.samples << ",\"layers\":[";
    for (size_t i = 0; i < s.layers.size(); ++i) {
      const SensitivityEntry& e = s.layers[i];
      out << (i ? "," : "") << "{\"node\":" << json_string(e.node) << ",\"op\":" << json_string(e.op)
          << ",\"output_sqnr_db\":" << json_number(e.output_sqnr_db) << ",\"top1\":" << json_number(e.top1)
          << ",\"top1_drop\":" << json_number(e.top1_drop) << "}";
    }
    out << "]}";
  }
  out << "}\n";
  return out.str();
}

}  // namespace wisp::verify
