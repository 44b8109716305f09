// Shared pieces of the `wisp` command-line tool: argument parsing, JSON output, and the
// sub-command table. Each sub-command lives in its own cmd_<name>.cpp.
#pragma once
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace wisp::cli {

// Thrown for wrong command-line use; main prints it with the sub-command's usage, exit 2.
struct UsageError {
  std::string message;
};

// Parses `--flag`, `--key value`, `--key=value` and positional arguments. Options listed in
// `with_value` take a value; `repeatable` ones may appear more than once.
class Args {
 public:
  Args(const std::vector<std::string>& argv, const std::vector<std::string>& with_value,
       const std::vector<std::string>& flags);
  const std::vector<std::string>& positional() const { return positional_; }
  bool flag(const std::string& name) const;
  std::string get(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> all(const std::string& name) const;
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  int64_t get_int(const std::string& name, int64_t fallback) const;
  double get_double(const std::string& name, double fallback) const;
  // --dim NAME=VALUE (repeatable): sizes of symbolic dimensions.
  std::map<std::string, int64_t> dims() const;

 private:
  std::vector<std::string> positional_;
  std::multimap<std::string, std::string> values_;
};

// Minimal JSON writer: enough for flat objects, arrays and nested objects.
class Json {
 public:
  Json& begin_object(const std::string& key = "");
  Json& end_object();
  Json& begin_array(const std::string& key = "");
  Json& end_array();
  Json& value(const std::string& key, const std::string& v);
  Json& value(const std::string& key, const char* v) { return value(key, std::string(v)); }
  Json& value(const std::string& key, double v);
  Json& value(const std::string& key, int64_t v);
  Json& value(const std::string& key, int v) { return value(key, static_cast<int64_t>(v)); }
  Json& value(const std::string& key, bool v);
  Json& raw(const std::string& key, const std::string& json);
  std::string str() const { return out_.str(); }
  static std::string quote(const std::string& s);

 private:
  void key(const std::string& k);
  std::ostringstream out_;
  std::vector<bool> first_{true};
};

std::string format_bytes(int64_t bytes);  // "1.2 MiB"
std::string format_count(int64_t n);      // "1.23 M"

int cmd_inspect(const std::vector<std::string>& argv);
int cmd_run(const std::vector<std::string>& argv);
int cmd_eval(const std::vector<std::string>& argv);
int cmd_compare(const std::vector<std::string>& argv);
int cmd_bench(const std::vector<std::string>& argv);
int cmd_ops(const std::vector<std::string>& argv);
int cmd_convert(const std::vector<std::string>& argv);
int cmd_optimize(const std::vector<std::string>& argv);
#ifdef WISP_WITH_PACKAGE
int cmd_keygen(const std::vector<std::string>& argv);
int cmd_agent(const std::vector<std::string>& argv);  // WISP_WITH_AGENT only
int cmd_pack(const std::vector<std::string>& argv);
int cmd_verify(const std::vector<std::string>& argv);
int cmd_unpack(const std::vector<std::string>& argv);
#endif
#ifdef WISP_WITH_FLEET
int cmd_fleet(const std::vector<std::string>& argv);
#endif

}  // namespace wisp::cli
