#include <algorithm>
#include <cstdio>
#include <iomanip>

#include "cli.hpp"

namespace wisp::cli {

Args::Args(const std::vector<std::string>& argv, const std::vector<std::string>& with_value,
           const std::vector<std::string>& flags) {
  auto known = [](const std::vector<std::string>& list, const std::string& n) {
    return std::find(list.begin(), list.end(), n) != list.end();
  };
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    const size_t eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (known(flags, name)) {
      if (inline_value) throw UsageError{"--" + name + " takes no value"};
      values_.emplace(name, "1");
    } else if (known(with_value, name)) {
      if (!inline_value) {
        if (i + 1 >= argv.size()) throw UsageError{"--" + name + " needs a value"};
        value = argv[++i];
      }
      values_.emplace(name, value);
    } else {
      throw UsageError{"unknown option --" + name};
    }
  }
}

bool Args::flag(const std::string& name) const { return values_.count(name) > 0; }

std::string Args::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

std::vector<std::string> Args::all(const std::string& name) const {
  std::vector<std::string> out;
  for (auto [it, end] = values_.equal_range(name); it != end; ++it) out.push_back(it->second);
  return out;
}

int64_t Args::get_int(const std::string& name, int64_t fallback) const {
  if (!has(name)) return fallback;
  try {
    size_t used = 0;
    const int64_t v = std::stoll(get(name), &used);
    if (used == get(name).size()) return v;
  } catch (...) {
  }
  throw UsageError{"--" + name + " expects an integer, got '" + get(name) + "'"};
}

double Args::get_double(const std::string& name, double fallback) const {
  if (!has(name)) return fallback;
  try {
    size_t used = 0;
    const double v = std::stod(get(name), &used);
    if (used == get(name).size()) return v;
  } catch (...) {
  }
  throw UsageError{"--" + name + " expects a number, got '" + get(name) + "'"};
}

std::map<std::string, int64_t> Args::dims() const {
  std::map<std::string, int64_t> out;
  for (const std::string& d : all("dim")) {
    const size_t eq = d.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError{"--dim expects NAME=SIZE, got '" + d + "'"};
    try {
      const int64_t v = std::stoll(d.substr(eq + 1));
      if (v < 0) throw 0;
      out[d.substr(0, eq)] = v;
    } catch (...) {
      throw UsageError{"--dim " + d + ": the size must be a non-negative integer"};
    }
  }
  return out;
}

std::string format_bytes(int64_t b) {
  char buf[32];
  if (b < 1024) std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(b));
  else if (b < (1 << 20)) std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024.0);
  else std::snprintf(buf, sizeof buf, "%.2f MiB", b / 1048576.0);
  return buf;
}

std::string format_count(int64_t n) {
  char buf[32];
  if (n < 10000) std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
  else if (n < 10000000) std::snprintf(buf, sizeof buf, "%.1f K", n / 1e3);
  else if (n < 10000000000LL) std::snprintf(buf, sizeof buf, "%.2f M", n / 1e6);
  else std::snprintf(buf, sizeof buf, "%.2f G", n / 1e9);
  return buf;
}

// ---- Json ----
std::string Json::quote(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') o += '\\', o += static_cast<char>(c);
    else if (c == '\n') o += "\\n";
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      o += buf;
    } else o += static_cast<char>(c);
  }
  return o + "\"";
}
void Json::key(const std::string& k) {
  if (!first_.back()) out_ << ",";
  first_.back() = false;
  if (!k.empty()) out_ << quote(k) << ":";
}
Json& Json::begin_object(const std::string& k) { key(k); out_ << "{"; first_.push_back(true); return *this; }
Json& Json::end_object() { out_ << "}"; first_.pop_back(); return *this; }
Json& Json::begin_array(const std::string& k) { key(k); out_ << "["; first_.push_back(true); return *this; }
Json& Json::end_array() { out_ << "]"; first_.pop_back(); return *this; }
Json& Json::value(const std::string& k, const std::string& v) { key(k); out_ << quote(v); return *this; }
Json& Json::value(const std::string& k, double v) {
  key(k);
  if (v != v || v - v != 0) out_ << "null";
  else out_ << std::setprecision(9) << v;
  return *this;
}
Json& Json::value(const std::string& k, int64_t v) { key(k); out_ << v; return *this; }
Json& Json::value(const std::string& k, bool v) { key(k); out_ << (v ? "true" : "false"); return *this; }
Json& Json::raw(const std::string& k, const std::string& json) { key(k); out_ << json; return *this; }

}  // namespace wisp::cli
