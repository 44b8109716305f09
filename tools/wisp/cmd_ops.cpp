// `wisp ops`: the ops this build supports (every registered op schema).
#include <cstdio>

#include "cli.hpp"
#include "ir/op_registry.hpp"

namespace wisp::cli {

int cmd_ops(const std::vector<std::string>& argv) {
  Args args(argv, {}, {"json", "help"});
  if (args.flag("help")) {
    std::fputs("Usage: wisp ops [--json]\n\nLists every op this build of Wisp supports, with its domain.\n", stdout);
    return 0;
  }
  const auto schemas = all_op_schemas();
  if (args.flag("json")) {
    Json j;
    j.begin_object().value("count", static_cast<int64_t>(schemas.size())).begin_array("ops");
    for (const OpSchema* s : schemas)
      j.value("", s->domain.empty() ? std::string(s->op_type) : str_cat(s->domain, ".", s->op_type));
    j.end_array().end_object();
    std::printf("%s\n", j.str().c_str());
    return 0;
  }
  std::printf("%zu ops (ai.onnx unless a domain is shown):\n", schemas.size());
  int col = 0;
  for (const OpSchema* s : schemas) {
    const std::string name = s->domain.empty() ? std::string(s->op_type) : str_cat(s->domain, ".", s->op_type);
    std::printf("  %-26s%s", name.c_str(), ++col % 4 == 0 ? "\n" : "");
  }
  if (col % 4) std::printf("\n");
  return 0;
}

}  // namespace wisp::cli
