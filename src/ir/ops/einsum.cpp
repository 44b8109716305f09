// Einsum: parses the equation (explicit "->" or implicit output, "..." ellipsis,
// repeated letters for diagonals) into EinsumParams (kernels/ref/einsum.hpp).
#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "ir/ops/infer_util.hpp"
#include "kernels/ref/einsum.hpp"

namespace wisp {
namespace {

// A term's dims: letters as themselves, ellipsis dims as '0' + index from the right-aligned
// ellipsis block (so every input's k-th-from-last ellipsis dim is one label).
struct Term {
  std::vector<int> labels;  // per dim: letter char, or -(1 + ellipsis position)
};

Term parse_term(const InferContext& ctx, const std::string& t, int rank, int* ell_rank, bool is_output) {
  Term term;
  const size_t dots = t.find("...");
  const int letters = static_cast<int>(t.size()) - (dots == std::string::npos ? 0 : 3);
  for (char c : t)
    if (c != '.' && !std::isalpha(static_cast<unsigned char>(c)))
      ctx.fail_invalid(str_cat("equation term '", t, "' has an invalid character '", c, "'"));
  int ell = 0;
  if (dots != std::string::npos) {
    if (t.find("...", dots + 3) != std::string::npos || t.find('.', dots + 3) != std::string::npos)
      ctx.fail_invalid(str_cat("equation term '", t, "' has more than one ellipsis"));
    ell = is_output ? *ell_rank : rank - letters;
    if (ell < 0) ctx.fail_invalid(str_cat("term '", t, "' has more letters than the input has dims (", rank, ")"));
    if (!is_output) *ell_rank = std::max(*ell_rank, ell);
  } else if (t.find('.') != std::string::npos) {
    ctx.fail_invalid(str_cat("equation term '", t, "' has a stray '.'"));
  } else if (!is_output && letters != rank) {
    ctx.fail_invalid(str_cat("term '", t, "' has ", letters, " letters but the input has rank ", rank));
  }
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '.') {
      for (int e = 0; e < ell; ++e) term.labels.push_back(-(1 + (ell - 1 - e)));  // position from the right
      i += 2;
      continue;
    }
    term.labels.push_back(t[i]);
  }
  return term;
}

void infer_einsum(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16, DType::kI32, DType::kI64,
                            DType::kU32, DType::kU64});
  require_same_dtype(ctx, 0, ctx.num_inputs() - 1);
  if (ctx.num_inputs() > ref::kEinsumMaxInputs) ctx.fail_unsupported("more than 8 inputs");
  std::string eq;
  for (char c : ctx.attrs().get_string("equation", "")) if (c != ' ') eq += c;
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> terms;
  for (size_t start = 0;;) {
    const size_t comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (static_cast<int>(terms.size()) != ctx.num_inputs())
    ctx.fail_invalid(str_cat("equation '", eq, "' has ", terms.size(), " terms but the node has ", ctx.num_inputs(), " inputs"));
  int ell_rank = 0;
  std::vector<Term> in_terms;
  for (int i = 0; i < ctx.num_inputs(); ++i) in_terms.push_back(parse_term(ctx, terms[i], ctx.input_shape(i).rank(), &ell_rank, false));
  // Label sizes (ellipsis labels broadcast: size 1 yields to the other).
  std::map<int, int64_t> size;
  std::map<int, int> count;
  for (int i = 0; i < ctx.num_inputs(); ++i)
    for (size_t d = 0; d < in_terms[i].labels.size(); ++d) {
      const int l = in_terms[i].labels[d];
      const int64_t n = ctx.input_shape(i)[static_cast<int>(d)];
      ++count[l];
      auto it = size.find(l);
      if (it == size.end() || it->second == 1) size[l] = n;
      else if (n != it->second && !(l < 0 && n == 1))
        ctx.fail_invalid(str_cat("label '", l < 0 ? '.' : static_cast<char>(l), "' has sizes ", it->second, " and ", n));
    }
  Term out;
  if (arrow != std::string::npos) {
    out = parse_term(ctx, eq.substr(arrow + 2), 0, &ell_rank, true);
  } else {  // implicit: ellipsis dims, then letters seen once, alphabetically
    for (int e = ell_rank - 1; e >= 0; --e) out.labels.push_back(-(1 + e));
    for (auto& [l, c] : count)
      if (l > 0 && c == 1) out.labels.push_back(l);
  }
  ref::EinsumParams& p = ctx.params<ref::EinsumParams>();
  p = ref::EinsumParams{};
  p.num_inputs = ctx.num_inputs();
  std::map<int, int> id;
  Shape out_shape;
  for (int l : out.labels) {
    if (!size.count(l)) ctx.fail_invalid(str_cat("output label '", static_cast<char>(l), "' is not in any input"));
    if (id.count(l)) ctx.fail_invalid("an output label appears twice");
    id[l] = static_cast<int>(id.size());
    out_shape.push_back(size[l]);
  }
  p.num_out = static_cast<int>(id.size());
  for (auto& [l, n] : size)
    if (!id.count(l)) id[l] = static_cast<int>(id.size());
  p.num_labels = static_cast<int>(id.size());
  if (p.num_labels > ref::kEinsumMaxLabels) ctx.fail_unsupported("too many labels");
  for (auto& [l, k] : id) p.size[k] = size[l];
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const Shape& s = ctx.input_shape(i);
    int64_t stride = 1;
    for (int d = s.rank() - 1; d >= 0; --d) {
      const int l = in_terms[i].labels[d];
      if (s[d] != 1 || size[l] == 1) p.stride[i][id[l]] += stride;  // broadcast dims keep stride 0
      stride *= s[d];
    }
  }
  ctx.set_output(0, ctx.input_dtype(0), out_shape);
}

}  // namespace

WISP_REGISTER_OP({.op_type = "Einsum", .min_inputs = 1, .max_inputs = ref::kEinsumMaxInputs, .infer = infer_einsum});

}  // namespace wisp
