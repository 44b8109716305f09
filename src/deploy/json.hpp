// nlohmann::json for the agent and the fleet server, plus helpers that turn a missing or
// mistyped field into a wisp::Error naming the field and where it was expected.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "core/status.hpp"

namespace wisp::deploy {

using Json = nlohmann::json;

// Parses `text`; throws kInvalidArgument naming `where` and the parser's position.
inline Json parse_json(const std::string& text, const std::string& where) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    fail(ErrorCode::kInvalidArgument, where, ": not valid JSON: ", e.what());
  }
}

// j[key] as T; throws kInvalidArgument "where: 'key' is missing / must be a <type>".
template <class T>
T json_get(const Json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) fail(ErrorCode::kInvalidArgument, where, ": '", key, "' is missing");
  try {
    return j.at(key).get<T>();
  } catch (const Json::exception& e) {
    fail(ErrorCode::kInvalidArgument, where, ": '", key, "' has the wrong type (", e.what(), ")");
  }
}

// j[key] as T, or `fallback` when absent or null.
template <class T>
T json_get_or(const Json& j, const char* key, T fallback, const std::string& where) {
  if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return fallback;
  return json_get<T>(j, key, where);
}

}  // namespace wisp::deploy
