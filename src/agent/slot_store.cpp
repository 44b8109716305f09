#include "agent/slot_store.hpp"

#include <chrono>
#include <cstdlib>

#include "agent/file_util.hpp"
#include "core/status.hpp"
#include "deploy/json.hpp"

namespace wisp::agent {

SlotStore::SlotStore(std::string state_dir) : dir_(std::move(state_dir)) {
  make_dirs(dir_ + "/slots/a");
  make_dirs(dir_ + "/slots/b");
}

std::string SlotStore::active_slot() const {
  const std::string p = dir_ + "/active";
  if (!file_exists(p)) return "";
  const std::string s = read_file(p, 64);
  if (s.rfind("a", 0) == 0) return "a";
  if (s.rfind("b", 0) == 0) return "b";
  return "";  // unreadable pointer: recover() falls back to whichever slot verifies
}

std::string SlotStore::staging_slot() const {
  const std::string a = active_slot();
  return a.empty() ? "a" : other(a);
}

std::string SlotStore::package_path(const std::string& slot) const { return dir_ + "/slots/" + slot + "/package.wpkg"; }
std::string SlotStore::part_path(const std::string& slot) const { return dir_ + "/slots/" + slot + "/package.part"; }
bool SlotStore::has_package(const std::string& slot) const { return file_exists(package_path(slot)); }

std::string SlotStore::part_owner(const std::string& slot) const {
  const std::string p = dir_ + "/slots/" + slot + "/part.json";
  if (!file_exists(p) || !file_exists(part_path(slot))) return "";
  try {
    return deploy::parse_json(read_file(p, 4096), p).value("sha256", "");
  } catch (const Error&) {
    return "";
  }
}

void SlotStore::begin_part(const std::string& slot, const std::string& sha256) {
  remove_file(part_path(slot));
  atomic_write_file(dir_ + "/slots/" + slot + "/part.json", deploy::Json{{"sha256", sha256}}.dump());
}

void SlotStore::discard_part(const std::string& slot) {
  remove_file(part_path(slot));
  remove_file(dir_ + "/slots/" + slot + "/part.json");
}

void SlotStore::commit_part(const std::string& slot) {
  fsync_path(part_path(slot));
  crash_point("commit-before-rename");
  durable_rename(part_path(slot), package_path(slot));
  crash_point("commit-after-rename");
  remove_file(dir_ + "/slots/" + slot + "/part.json");
}

void SlotStore::set_active(const std::string& slot) {
  WISP_CHECK(slot == "a" || slot == "b", ErrorCode::kInternal, "set_active: bad slot '", slot, "'");
  WISP_CHECK(has_package(slot), ErrorCode::kInternal, "set_active: slot ", slot, " holds no package");
  crash_point("switch-before");
  atomic_write_file(dir_ + "/active", slot + "\n");
  crash_point("switch-after");
}

uint64_t SlotStore::min_counter() const {
  const std::string p = dir_ + "/counter";
  if (!file_exists(p)) return 0;
  return std::strtoull(read_file(p, 64).c_str(), nullptr, 10);
}

void SlotStore::raise_min_counter(uint64_t counter) {
  if (counter <= min_counter()) return;
  atomic_write_file(dir_ + "/counter", std::to_string(counter) + "\n");
}

std::optional<SlotStore::Trial> SlotStore::trial() const {
  const std::string p = dir_ + "/trial";
  if (!file_exists(p)) return std::nullopt;
  try {
    const deploy::Json j = deploy::parse_json(read_file(p, 4096), p);
    return Trial{j.value("slot", ""), j.value("sha256", ""), j.value("phase", ""), j.value("since", int64_t{0})};
  } catch (const Error&) {
    return Trial{};  // unreadable: treated as a trial of unknown slot (nothing to undo)
  }
}

void SlotStore::begin_trial(const Trial& t) {
  atomic_write_file(dir_ + "/trial",
                    deploy::Json{{"slot", t.slot}, {"sha256", t.sha256}, {"phase", t.phase}, {"since", t.since_unix}}.dump());
}

void SlotStore::end_trial() {
  remove_file(dir_ + "/trial");
  fsync_path(dir_);
}

std::map<std::string, std::string> SlotStore::rejected() const {
  const std::string p = dir_ + "/rejected.json";
  std::map<std::string, std::string> r;
  if (!file_exists(p)) return r;
  try {
    const deploy::Json j = deploy::parse_json(read_file(p, 1 << 20), p);
    for (const auto& [k, v] : j.items()) r[k] = v.get<std::string>();
  } catch (const std::exception&) {
  }
  return r;
}

void SlotStore::reject(const std::string& sha256, const std::string& reason) {
  std::map<std::string, std::string> r = rejected();
  r[sha256] = reason;
  // Bounded: a device that keeps getting bad packages must not grow this file forever.
  while (r.size() > 64) r.erase(r.begin());
  deploy::Json j = deploy::Json::object();
  for (const auto& [k, v] : r) j[k] = v;
  atomic_write_file(dir_ + "/rejected.json", j.dump());
}

std::shared_ptr<const ServedModel> load_slot(const SlotStore& store, const std::string& slot,
                                             const package::OpenOptions& open) {
  package::OpenOptions o = open;
  o.min_counter = 0;
  const std::string bytes = read_file(store.package_path(slot));
  return ServedModel::from_package(bytes, o, slot);
}

Recovery recover(SlotStore& store, const package::OpenOptions& open, const std::optional<std::string>& fallback,
                 const std::string& /*abort_on_model*/) {
  Recovery r;
  std::string notes;
  if (const auto trial = store.trial(); trial && trial->phase == "window-stopped" && store.active_slot() == trial->slot) {
    store.begin_trial({trial->slot, trial->sha256, "window", trial->since_unix});
    r.resume_window = true;
  } else if (trial) {
    // The process died while a candidate was on trial: count it as the candidate's crash.
    if (!trial->sha256.empty()) store.reject(trial->sha256, "the agent died while this package was on trial (" +
                                                                trial->phase + "): treated as a crash");
    if (trial->phase == "window" && store.active_slot() == trial->slot && store.has_package(SlotStore::other(trial->slot))) {
      store.set_active(SlotStore::other(trial->slot));
      r.state = "rolled_back";
      notes = str_cat("rolled back from slot ", trial->slot, ": the agent died during its health window");
    } else {
      notes = str_cat("candidate in slot ", trial->slot, " rejected: the agent died during its ", trial->phase);
      r.state = "health_failed";  // still serving the old model; the status says the candidate failed
    }
    store.end_trial();
  }
  const std::string active = store.active_slot();
  std::string failures;
  for (const std::string& slot : {active, active.empty() ? std::string() : SlotStore::other(active)}) {
    if (slot.empty() || !store.has_package(slot)) continue;
    try {
      r.model = load_slot(store, slot, open);
      if (slot != active) {
        store.set_active(slot);
        r.state = "rolled_back";
        notes += str_cat(notes.empty() ? "" : "; ", "active slot ", active, " failed verification (", failures,
                         "); switched to slot ", slot);
      }
      if (r.state.empty()) r.state = "serving";
      r.reason = notes;
      return r;
    } catch (const std::exception& e) {
      failures += str_cat(failures.empty() ? "" : "; ", "slot ", slot, ": ", e.what());
    }
  }
  if (active.empty()) {
    // Never activated: a package may still sit in a slot from a crash before the first switch.
    for (const std::string slot : {"a", "b"})
      if (store.has_package(slot)) failures += str_cat(failures.empty() ? "" : "; ", "slot ", slot, " not activated yet");
  }
  const std::string why = failures.empty() ? std::string("no model installed") : failures;
  if (fallback) {
    try {
      r.model = ServedModel::from_file(*fallback);
      r.state = "fallback";
      r.reason = str_cat(notes.empty() ? "" : notes + "; ", why, "; serving the fallback model ", *fallback);
      return r;
    } catch (const std::exception& e) {
      r.state = "no_model";
      r.reason = str_cat(notes.empty() ? "" : notes + "; ", why, "; the fallback model ", *fallback,
                         " failed to load: ", e.what());
      return r;
    }
  }
  r.state = "no_model";
  r.reason = str_cat(notes.empty() ? "" : notes + "; ", why, "; no fallback model configured");
  return r;
}

}  // namespace wisp::agent
