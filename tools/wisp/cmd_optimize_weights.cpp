// Weight transforms and the model writer of `wisp optimize` (see the header).
#include "cmd_optimize_weights.hpp"

#include <filesystem>
#include <ostream>

#include "core/status.hpp"
#include "ir/graph_clone.hpp"
#include "onnx/onnx_exporter.hpp"
#include "passes/pass_manager.hpp"
#include "quant/fp16_weights.hpp"
#include "quant/int4_weights.hpp"
#include "quant/prune.hpp"
#ifdef WISP_WITH_FORMAT
#include "format/wisp_format.hpp"
#endif

namespace wisp::cli {

WeightTransforms parse_weight_transforms(const Args& args) {
  WeightTransforms t;
  t.fp16 = args.flag("fp16");
  t.int4 = args.flag("int4");
  t.structured = args.flag("structured");
  t.group_size = static_cast<int>(args.get_int("group-size", 32));
  t.prune_ratio = args.get_double("prune", 0.0);
  if (t.group_size < 2 || t.group_size > 4096) throw UsageError{"--group-size must be 2..4096 (32, 64 or 128)"};
  if (args.has("group-size") && !t.int4) throw UsageError{"--group-size goes with --int4"};
  if (t.prune_ratio < 0 || t.prune_ratio >= 1) throw UsageError{"--prune RATIO must be in [0, 1), e.g. 0.5"};
  if (t.structured && t.prune_ratio == 0) throw UsageError{"--structured goes with --prune RATIO"};
  return t;
}

std::shared_ptr<Model> apply_weight_transforms(const Model& model, const WeightTransforms& t, std::ostream& log) {
  std::shared_ptr<Model> m;  // the latest result; `current` is what the next step reads
  const Model* current = &model;
  if (t.prune_ratio > 0) {
    quant::PruneReport r;
    m = quant::prune(*current, t.prune_ratio, t.structured, &r);
    log << r.summary();
    current = m.get();
  }
  if (t.int4) {
    quant::Int4Options o;
    o.group_size = t.group_size;
    quant::Int4Report r;
    m = quant::quantize_weights_int4(*current, o, &r);
    log << r.summary() << "\n";
    current = m.get();
  }
  if (t.fp16) {
    quant::Fp16Report r;
    m = quant::convert_weights_fp16(*current, {}, &r);
    log << r.summary() << "\n";
  }
  return m ? m : clone_model(model);
}

void write_optimized_model(const Model& model, const std::string& path, std::ostream& log) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".onnx") {
    export_onnx(model, path);
  } else if (ext == ".wisp") {
    for (const auto& v : model.graph.values())
      if (v->is_constant() && dtype_is_4bit(v->constant->dtype()))
        throw UsageError{"INT4 weights cannot be stored in .wisp yet (format 1.x has no 4-bit type): use -o OUT.onnx"};
#ifdef WISP_WITH_FORMAT
    std::shared_ptr<Model> fused = optimize_model(model);
    format::write_wisp_file(path, *fused, format::Metadata{}, nullptr);
#else
    throw UsageError{"this build has no .wisp format (WISP_WITH_FORMAT=OFF): use -o OUT.onnx"};
#endif
  } else {
    throw UsageError{str_cat("-o ", path, ": the output must end in .onnx or .wisp")};
  }
  log << "wrote " << path << " (" << std::filesystem::file_size(path) << " bytes)\n";
}

}  // namespace wisp::cli
