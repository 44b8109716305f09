// Backend-independent parts of the storage interface: result cell conversions.
#include "fleet/database.hpp"

#include <charconv>
#include <cstdio>

#include "core/status.hpp"

namespace wisp::fleet {

const std::string& SqlRow::text(size_t i) const {
  const SqlValue& v = cells.at(i);
  WISP_CHECK(v.has_value(), ErrorCode::kInternal, "fleet storage: column ", i, " is NULL where a value was expected");
  return *v;
}

std::string SqlRow::text_or(size_t i, const std::string& fallback) const {
  const SqlValue& v = cells.at(i);
  return v ? *v : fallback;
}

int64_t SqlRow::integer(size_t i) const {
  const std::string& s = text(i);
  int64_t out = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || p != s.data() + s.size()) {
    // SQLite may hand back a REAL for an integer column written as a double; accept "5.0".
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    WISP_CHECK(end && *end == '\0' && !s.empty(), ErrorCode::kInternal, "fleet storage: column ", i, " is '", s,
               "', not an integer");
    out = static_cast<int64_t>(d);
  }
  return out;
}

int64_t SqlRow::integer_or(size_t i, int64_t fallback) const { return is_null(i) ? fallback : integer(i); }

double SqlRow::real_or(size_t i, double fallback) const {
  if (is_null(i)) return fallback;
  const std::string& s = text(i);
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  WISP_CHECK(end && *end == '\0' && !s.empty(), ErrorCode::kInternal, "fleet storage: column ", i, " is '", s,
             "', not a number");
  return d;
}

SqlValue sql_real(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return SqlValue(std::string(buf));
}

}  // namespace wisp::fleet
