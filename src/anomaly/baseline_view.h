// What the engine has learned, for people and programs: `trailwarden baseline` (one identity)
// and `trailwarden policies` (learning state per policy). Reads the persisted state only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "anomaly/engine_state.h"
#include "anomaly/policy_set.h"
#include "core/result.h"
#include "store/workspace.h"

namespace trailwarden::anomaly {

struct LearnedState {
  std::vector<IdentityState> identities;  // anomaly/id/*
  std::vector<IdentityState> logins;      // anomaly/login/*
  std::vector<AccountState> accounts;
  int64_t newest_us = 0;  // the newest event time the engine has seen (0: none)
};

// Loads every anomaly state blob of the workspace (corrupt ones are an error).
Result<LearnedState> load_learned(store::Workspace& workspace);

// Identities whose key, ARN or display name equals `query` (case-insensitive), or contains it
// when nothing equals it.
std::vector<const IdentityState*> find_identities(const LearnedState& state,
                                                  std::string_view query);

// One identity's baseline as JSON (an object) or as text lines for people (escaped).
std::string baseline_json(const IdentityState& s, const PolicySet& policies, int64_t newest_us);
std::string baseline_text(const IdentityState& s, const PolicySet& policies, int64_t newest_us);

// Per policy: how many identities (or accounts, for account-level learning) are past learning.
struct LearningCount {
  size_t learned = 0;
  size_t learning = 0;
  std::string unit;  // "identities", "accounts", "login keys" or "" (no learning)
};
LearningCount learning_state(const LearnedState& state, const PolicySettings& s);

}  // namespace trailwarden::anomaly
