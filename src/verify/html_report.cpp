// The self-contained HTML rendering of a CompareReport: one file, no network, no script
// needed to read it. Charts are inline SVG drawn here (horizontal bars: one row per layer,
// so long node names stay readable); a few lines of inline JS only sort the tables.
//   - per-layer SQNR bars in graph order (where error enters and how it grows), colored
//     green >= 30 dB, orange >= 15 dB, red below; identical tensors drawn full length, "inf";
//   - sensitivity bars (final-output SQNR with only that node quantized, worst first);
//   - size and latency, float vs quantized.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

#include "verify/compare_report.hpp"

namespace wisp::verify {
namespace {

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

const char* db_color(double db) { return db >= 30 ? "#2e9d4a" : db >= 15 ? "#e08a1e" : "#d03030"; }

struct Bar {
  std::string label, value_text, color, tooltip;
  double value = 0;  // bar length in chart units (clamped to [0, max])
};

// One horizontal bar chart as an <svg class="chart" id=...>.
std::string bar_chart(const std::string& id, const std::string& title, const std::vector<Bar>& bars, double max_value,
                      const std::string& unit, const char* axis_format = "%.0f") {
  // Labels are right-aligned left of the bars: size that column for the longest label
  // (~7 px per character at 12 px) so none runs off the left edge; very long names keep
  // their end (exporters put the distinctive part last).
  constexpr size_t kMaxLabel = 64;
  size_t longest = 0;
  for (const Bar& b : bars) longest = std::max(longest, std::min(b.label.size(), kMaxLabel));
  const int label_w = std::clamp(static_cast<int>(longest) * 7 + 12, 120, 460), bar_w = 520, row_h = 18, top = 28;
  const auto fit = [&](const std::string& label) {
    return label.size() <= kMaxLabel ? label : "..." + label.substr(label.size() - (kMaxLabel - 3));
  };
  const int height = top + row_h * static_cast<int>(bars.size()) + 24;
  std::ostringstream s;
  s << "<svg class=\"chart\" id=\"" << id << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << label_w + bar_w + 170
    << "\" height=\"" << height << "\" role=\"img\" aria-label=\"" << esc(title) << "\">\n";
  s << "<text x=\"0\" y=\"16\" class=\"ct\">" << esc(title) << "</text>\n";
  if (max_value <= 0) max_value = 1;
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const int y = top + row_h * static_cast<int>(i);
    const double w = std::clamp(b.value, 0.0, max_value) / max_value * bar_w;
    s << "<g class=\"bar\"><title>" << esc(b.tooltip) << "</title>"
      << "<text x=\"" << label_w - 6 << "\" y=\"" << y + 13 << "\" text-anchor=\"end\">" << esc(fit(b.label)) << "</text>"
      << "<rect x=\"" << label_w << "\" y=\"" << y + 2 << "\" width=\"" << num("%.1f", std::max(w, 1.0))
      << "\" height=\"" << row_h - 4 << "\" fill=\"" << b.color << "\"/>"
      << "<text x=\"" << label_w + static_cast<int>(w) + 4 << "\" y=\"" << y + 13 << "\">" << esc(b.value_text) << "</text></g>\n";
  }
  const int axis_y = top + row_h * static_cast<int>(bars.size()) + 14;
  s << "<text x=\"" << label_w << "\" y=\"" << axis_y << "\" class=\"ax\">0</text><text x=\"" << label_w + bar_w
    << "\" y=\"" << axis_y << "\" class=\"ax\" text-anchor=\"end\">" << num(axis_format, max_value) << " " << esc(unit)
    << "</text>\n</svg>\n";
  return s.str();
}

// The largest finite SQNR (bars of identical tensors are drawn at full length).
double chart_max(const std::vector<double>& dbs) {
  double m = 0;
  for (double d : dbs)
    if (std::isfinite(d)) m = std::max(m, d);
  return m > 0 ? std::ceil(m / 10) * 10 : 60;
}

std::string before_after(const std::string& id, const std::string& title, double before, double after, const std::string& unit,
                         const char* f) {
  std::vector<Bar> bars = {{"float", num(f, before) + " " + unit, "#6f8fbf", "float: " + num(f, before) + " " + unit, before},
                           {"quantized", num(f, after) + " " + unit, "#3a6fb0", "quantized: " + num(f, after) + " " + unit, after}};
  return bar_chart(id, title, bars, std::max(before, after) * 1.1, unit, f);
}

}  // namespace

std::string report_html(const CompareReport& r) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>wisp compare: "
    << esc(r.quant_model.path) << "</title>\n<style>\n"
    << "body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}\n"
    << "h1{font-size:20px}h2{font-size:16px;margin-top:28px}\n"
    << "table{border-collapse:collapse;font-size:13px}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:right}\n"
    << "td:first-child,th:first-child,td.l,th.l{text-align:left}th{cursor:pointer;background:#f3f3f3}\n"
    << "svg.chart{font-size:12px;display:block;margin:8px 0}svg .ct{font-weight:bold;font-size:13px}svg .ax{fill:#777}\n"
    << ".summary td{text-align:left}.bad{color:#d03030}\n</style>\n</head>\n<body>\n";
  h << "<h1>Quantization report</h1>\n<table class=\"summary\" id=\"summary\">\n"
    << "<tr><th class=\"l\"></th><th class=\"l\">model</th><th>file size</th><th>latency (median, 1 sample)</th><th>top-1</th></tr>\n";
  for (const auto* m : {&r.float_model, &r.quant_model}) {
    h << "<tr><td>" << (m == &r.float_model ? "float" : "quantized") << "</td><td class=\"l\">" << esc(m->path) << "</td><td>"
      << m->file_bytes << " B</td><td>" << (m->latency_ms >= 0 ? num("%.3f ms", m->latency_ms) : "-") << "</td><td>"
      << (m->top1 >= 0 ? num("%.2f%%", m->top1) : "-") << "</td></tr>\n";
  }
  h << "</table>\n<p>" << r.samples << " samples, " << r.threads << " thread(s).";
  if (const LayerError* o = r.output_layer())
    h << " Output <code>" << esc(o->value) << "</code>: SQNR " << format_db(o->sqnr_db) << " dB, cosine "
      << num("%.6f", o->cosine) << ".";
  if (r.top1_agreement >= 0) h << " Top-1 agreement with the float model: " << num("%.2f%%", r.top1_agreement) << ".";
  h << "</p>\n";

  h << "<h2>Size and latency</h2>\n";
  if (r.float_model.file_bytes > 0)
    h << before_after("chart-size", "File size (KiB)", double(r.float_model.file_bytes) / 1024.0,
                      double(r.quant_model.file_bytes) / 1024.0, "KiB", "%.1f");
  if (r.float_model.latency_ms >= 0 && r.quant_model.latency_ms >= 0)
    h << before_after("chart-latency", "Latency, median of single-sample runs (ms)", r.float_model.latency_ms,
                      r.quant_model.latency_ms, "ms", "%.3f");

  // Per-layer SQNR in graph order.
  std::vector<LayerError> in_order = r.layers.layers;
  std::sort(in_order.begin(), in_order.end(), [](const LayerError& a, const LayerError& b) { return a.order < b.order; });
  std::vector<double> dbs;
  for (const LayerError& e : in_order) dbs.push_back(e.rank_db());
  const double max_db = chart_max(dbs);
  std::vector<Bar> bars;
  for (const LayerError& e : in_order) {
    const double db = e.rank_db();
    const bool inf = std::isinf(db) && db > 0;
    const std::string raw = e.rescaled ? " (channels rescaled; raw " + format_db(e.sqnr_db) + " dB)" : "";
    bars.push_back({e.value + " (" + e.op + ")", format_db(db) + " dB" + (e.rescaled ? "*" : ""), inf ? "#2e9d4a" : db_color(db),
                    e.value + " from " + e.op + " '" + e.node + "': SQNR " + format_db(db) + " dB" + raw + ", cosine " +
                        num("%.6f", e.cosine),
                    inf ? max_db : db});
  }
  h << "<h2>Per-layer SQNR (graph order)</h2>\n"
    << bar_chart("chart-sqnr", "SQNR of each tensor, quantized vs float (higher is better)", bars, max_db, "dB");

  h << "<h2>Per-layer error (worst first)</h2>\n<table class=\"sortable\" id=\"layers\">\n"
    << "<tr><th class=\"l\">tensor</th><th class=\"l\">node</th><th class=\"l\">op</th><th>SQNR dB</th><th>cosine</th>"
       "<th>max |err|</th></tr>\n";
  for (const LayerError& e : r.layers.layers)
    h << "<tr><td>" << esc(e.value) << "</td><td class=\"l\">" << esc(e.node) << "</td><td class=\"l\">" << esc(e.op)
      << "</td><td" << (e.rank_db() < 15 ? " class=\"bad\"" : "") << ">" << format_db(e.rank_db())
      << (e.rescaled ? "* (raw " + format_db(e.sqnr_db) + ")" : "") << "</td><td>"
      << num("%.6f", e.cosine) << "</td><td>" << num("%.4g", e.max_abs_error) << "</td></tr>\n";
  h << "</table>\n";
  if (std::any_of(r.layers.layers.begin(), r.layers.layers.end(), [](const LayerError& e) { return e.rescaled; }))
    h << "<p>* SQNR after the best per-channel scale: the quantized tensor is the float one with its channels rescaled "
         "(cross-layer equalization moved scale into the next layer), so the raw difference is not a quantization "
         "error.</p>\n";

  if (r.sensitivity) {
    const SensitivityResult& s = *r.sensitivity;
    std::vector<double> sdbs;
    for (const SensitivityEntry& e : s.layers) sdbs.push_back(e.output_sqnr_db);
    const double smax = chart_max(sdbs);
    std::vector<Bar> sbars;
    for (const SensitivityEntry& e : s.layers) {
      const bool inf = std::isinf(e.output_sqnr_db) && e.output_sqnr_db > 0;
      sbars.push_back({e.node + " (" + e.op + ")", format_db(e.output_sqnr_db) + " dB, " + num("%+.2f", e.top1_drop) + " pts",
                       inf ? "#2e9d4a" : db_color(e.output_sqnr_db),
                       e.node + ": output SQNR " + format_db(e.output_sqnr_db) + " dB, top-1 " + num("%.2f%%", e.top1),
                       inf ? smax : e.output_sqnr_db});
    }
    h << "<h2>Sensitivity: one node quantized at a time</h2>\n<p>Final-output SQNR and top-1 drop ("
      << (s.against_labels ? "against the labels" : "agreement with the float model") << ", float "
      << num("%.2f%%", s.float_top1) << ") with only that node quantized; most sensitive first.</p>\n"
      << bar_chart("chart-sensitivity", "Output SQNR with one node quantized (lower = more sensitive)", sbars, smax, "dB")
      << "<table class=\"sortable\" id=\"sensitivity\">\n<tr><th class=\"l\">node</th><th class=\"l\">op</th>"
         "<th>output SQNR dB</th><th>top-1</th><th>drop (pts)</th></tr>\n";
    for (const SensitivityEntry& e : s.layers)
      h << "<tr><td>" << esc(e.node) << "</td><td class=\"l\">" << esc(e.op) << "</td><td>" << format_db(e.output_sqnr_db)
        << "</td><td>" << num("%.2f%%", e.top1) << "</td><td>" << num("%+.2f", e.top1_drop) << "</td></tr>\n";
    h << "</table>\n";
  }
  // Click a header to sort by that column (numbers numerically; "inf" sorts last).
  h << "<script>\ndocument.querySelectorAll('table.sortable th').forEach(function(th,col){th.onclick=function(){\n"
       "var t=th.closest('table'),rows=Array.from(t.rows).slice(1),up=th.dataset.up!=='1';th.dataset.up=up?'1':'0';\n"
       "function k(r){var s=r.cells[col].textContent,v=s==='inf'?1e300:parseFloat(s);return isNaN(v)?s:v;}\n"
       "rows.sort(function(a,b){var x=k(a),y=k(b);return (x<y?-1:x>y?1:0)*(up?1:-1);});\n"
       "rows.forEach(function(r){t.appendChild(r);});};});\n</script>\n";
  h << "<p style=\"color:#777;font-size:12px\">Made by <code>wisp compare</code>. SQNR = 10 log10(sum f&sup2; / sum (f-q)&sup2;) "
       "over all elements of all samples; tensor X of the quantized model is its dequantized X.</p>\n</body>\n</html>\n";
  return h.str();
}

}  // namespace wisp::verify
