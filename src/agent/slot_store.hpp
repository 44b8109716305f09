// The A/B slot store in the agent's state directory:
//
//   state_dir/active              "a" or "b": the slot that serves (switched atomically)
//   state_dir/slots/a/package.wpkg, slots/b/package.wpkg     complete, verified packages
//   state_dir/slots/X/package.part  (+ part.json: which package)  a download in progress
//   state_dir/counter             highest package counter ever activated (anti-rollback)
//   state_dir/trial               the slot on trial (health check or health window)
//   state_dir/rejected.json       packages refused (health, shadow, crash) and why
//
// Invariant: `active` only ever names a slot whose package.wpkg was fully written,
// fsynced and renamed into place before the pointer was switched, and an update only
// writes the other slot. Every file above is replaced with write-temp / fsync / rename /
// fsync-dir, so a kill -9 or power cut at any point leaves the old or the new content of
// each file. The crash-safety argument is written out in docs/agent.md.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "agent/served_model.hpp"

namespace wisp::agent {

class SlotStore {
 public:
  explicit SlotStore(std::string state_dir);

  const std::string& dir() const { return dir_; }
  // "a", "b", or "" when nothing was ever activated.
  std::string active_slot() const;
  static std::string other(const std::string& slot) { return slot == "a" ? "b" : "a"; }
  // The slot an update writes: the one that is not active.
  std::string staging_slot() const;
  std::string package_path(const std::string& slot) const;
  std::string part_path(const std::string& slot) const;
  bool has_package(const std::string& slot) const;

  // The package a partial download belongs to (its sha256), "" when none.
  std::string part_owner(const std::string& slot) const;
  void begin_part(const std::string& slot, const std::string& sha256);  // truncates
  void discard_part(const std::string& slot);
  // fsyncs the part file and renames it over the slot's package (atomic), fsyncs the dir.
  void commit_part(const std::string& slot);

  // The atomic switch of the serving slot.
  void set_active(const std::string& slot);

  uint64_t min_counter() const;
  void raise_min_counter(uint64_t counter);  // never lowers it

  struct Trial {
    std::string slot;
    std::string sha256;
    // "health" (before the switch), "shadow", "window" (after it), or "window-stopped":
    // the agent was stopped cleanly during the window (not a crash: the window restarts).
    std::string phase;
    int64_t since_unix = 0;
  };
  std::optional<Trial> trial() const;
  void begin_trial(const Trial& t);
  void end_trial();

  std::map<std::string, std::string> rejected() const;  // sha256 -> reason
  void reject(const std::string& sha256, const std::string& reason);

 private:
  std::string dir_;
};

struct Recovery {
  std::shared_ptr<const ServedModel> model;  // null: nothing to serve
  std::string state;                         // serving | rolled_back | fallback | no_model
  std::string reason;                        // why, when not plainly serving the active slot
  bool resume_window = false;                // a clean stop interrupted the health window
};

// On start: settles an unfinished trial (a crash while a candidate was on trial counts as
// the candidate crashing: it is rejected and, if it had been switched to, the other slot
// is made active again), then verifies and loads the active slot from its bytes; if that
// fails, the other slot; then the fallback model; else no model, with the reasons.
// `open` carries the keys, hardware tag and clock; its min_counter is ignored for slots
// (what is in a slot was admitted once; the counter guards downloads).
Recovery recover(SlotStore& store, const package::OpenOptions& open, const std::optional<std::string>& fallback,
                 const std::string& abort_on_model = "");

// Verifies and loads the package in `slot`. Throws on any failure.
std::shared_ptr<const ServedModel> load_slot(const SlotStore& store, const std::string& slot,
                                             const package::OpenOptions& open);

}  // namespace wisp::agent
