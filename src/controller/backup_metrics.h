#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/metrics.h"

namespace snapkeep::controller {

// The backup controller's per-config metrics (labels namespace, config), registered in
// the server's MetricsRegistry:
//   snapkeep_backup_last_success_timestamp_seconds  gauge
//   snapkeep_backup_last_duration_seconds           gauge   (of the last completed backup)
//   snapkeep_backup_last_size_bytes                 gauge
//   snapkeep_backup_successes_total                 counter
//   snapkeep_backup_failures_total                  counter
//   snapkeep_backup_running                         gauge   (0 or 1)
//   snapkeep_backup_next_scheduled_timestamp_seconds gauge  (absent for one-time configs)
// The queue depth is the caller's AddGaugeFunction over WorkQueue::ReadyCount().
//
// Thread-safe (the families are). The registry must outlive this object.
class BackupMetrics {
 public:
  // Fails if the names are taken in `registry` (a second BackupMetrics on it).
  static absl::StatusOr<BackupMetrics> Register(MetricsRegistry& registry);

  void RecordSuccess(std::string_view ns, std::string_view config, absl::Time finished,
                     absl::Duration duration, int64_t size_bytes);
  void RecordFailure(std::string_view ns, std::string_view config);
  void SetRunning(std::string_view ns, std::string_view config, bool running);
  // InfiniteFuture removes the series (no next run).
  void SetNextScheduled(std::string_view ns, std::string_view config, absl::Time next);
  // Drops every series of a deleted config.
  void RemoveConfig(std::string_view ns, std::string_view config);

 private:
  BackupMetrics() = default;

  GaugeFamily* last_success_ = nullptr;
  GaugeFamily* last_duration_ = nullptr;
  GaugeFamily* last_size_ = nullptr;
  CounterFamily* successes_ = nullptr;
  CounterFamily* failures_ = nullptr;
  GaugeFamily* running_ = nullptr;
  GaugeFamily* next_scheduled_ = nullptr;
};

}  // namespace snapkeep::controller
