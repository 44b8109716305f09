#include "core/shape.hpp"

namespace wisp {

int Shape::normalize_axis(int64_t a, int rank, const char* what) {
  WISP_CHECK(a >= -rank && a < (rank == 0 ? 1 : rank), ErrorCode::kInvalidModel, what, " ", a,
             " is out of range for a tensor of rank ", rank);
  return static_cast<int>(a < 0 ? a + rank : a);
}

std::string Shape::str() const {
  std::string s = "[";
  for (int i = 0; i < rank_; ++i) {
    if (i) s += ",";
    s += std::to_string(dims_[i]);
  }
  return s + "]";
}

Shape strides_of(const Shape& s) {
  Shape st;
  st.resize(s.rank());
  int64_t acc = 1;
  for (int i = s.rank() - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const std::string& where) {
  const int r = a.rank() > b.rank() ? a.rank() : b.rank();
  Shape out;
  out.resize(r);
  for (int i = 0; i < r; ++i) {
    const int ia = i - (r - a.rank()), ib = i - (r - b.rank());
    const int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    WISP_CHECK(da == db || da == 1 || db == 1, ErrorCode::kInvalidModel, where, ": shapes ",
               a.str(), " and ", b.str(), " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace wisp
