// Scheduled-SQL rules (rules/scheduled/*.yml, rules/hunting/README.md): a read-only query over
// the workspace, run over an anchor window, one alert per returned row. Used only where one
// side of a join is too voluminous for correlation state (catalogue §1.3).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "detect/rule.h"
#include "store/workspace.h"

namespace trailwarden::detect {

struct ScheduledRule {
  RuleMeta meta;
  int64_t frequency_us = 0;
  int64_t lookback_us = 0;
  std::string query;
};

// Every *.yml under `dir`, sorted; an unreadable or incomplete file is an error naming it.
Result<std::vector<ScheduledRule>> load_scheduled_rules(const std::string& dir);

// Runs each rule over the anchor window [start_us, end_us) and turns its rows into alerts
// (alert ids from the rule id and the row's alert_key, so a re-run updates rather than adds).
Result<std::vector<store::AlertRow>> run_scheduled_rules(store::Workspace& workspace,
                                                         const std::vector<ScheduledRule>& rules,
                                                         int64_t start_us, int64_t end_us,
                                                         int64_t now_us);

}  // namespace trailwarden::detect
