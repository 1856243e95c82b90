#include "controller/backup_metrics.h"

#include <string>
#include <vector>

namespace snapkeep::controller {
namespace {

std::vector<std::string> Labels(std::string_view ns, std::string_view config) {
  return {std::string(ns), std::string(config)};
}

}  // namespace

absl::StatusOr<BackupMetrics> BackupMetrics::Register(MetricsRegistry& registry) {
  const std::vector<std::string> labels = {"namespace", "config"};
  BackupMetrics m;
  auto gauge = [&](const char* name, const char* help, GaugeFamily** out) -> absl::Status {
    absl::StatusOr<GaugeFamily*> g = registry.AddGauge(name, help, labels);
    if (!g.ok()) return g.status();
    *out = *g;
    return absl::OkStatus();
  };
  auto counter = [&](const char* name, const char* help, CounterFamily** out) -> absl::Status {
    absl::StatusOr<CounterFamily*> c = registry.AddCounter(name, help, labels);
    if (!c.ok()) return c.status();
    *out = *c;
    return absl::OkStatus();
  };
  for (absl::Status s : {
           gauge("snapkeep_backup_last_success_timestamp_seconds",
                 "Unix time the newest successful backup finished.", &m.last_success_),
           gauge("snapkeep_backup_last_duration_seconds",
                 "How long the newest successful backup took.", &m.last_duration_),
           gauge("snapkeep_backup_last_size_bytes", "Bytes stored by the newest successful backup.",
                 &m.last_size_),
           counter("snapkeep_backup_successes_total", "Backups that completed.", &m.successes_),
           counter("snapkeep_backup_failures_total", "Backup attempts that failed.", &m.failures_),
           gauge("snapkeep_backup_running", "1 while a backup of the config is running.",
                 &m.running_),
           gauge("snapkeep_backup_next_scheduled_timestamp_seconds",
                 "Unix time the next scheduled backup is due.", &m.next_scheduled_),
       }) {
    if (!s.ok()) return s;
  }
  return m;
}

void BackupMetrics::RecordSuccess(std::string_view ns, std::string_view config, absl::Time finished,
                                  absl::Duration duration, int64_t size_bytes) {
  const auto l = Labels(ns, config);
  last_success_->Set(l, absl::ToDoubleSeconds(finished - absl::UnixEpoch()));
  last_duration_->Set(l, absl::ToDoubleSeconds(duration));
  last_size_->Set(l, static_cast<double>(size_bytes));
  successes_->Increment(l);
}

void BackupMetrics::RecordFailure(std::string_view ns, std::string_view config) {
  failures_->Increment(Labels(ns, config));
}

void BackupMetrics::SetRunning(std::string_view ns, std::string_view config, bool running) {
  running_->Set(Labels(ns, config), running ? 1 : 0);
}

void BackupMetrics::SetNextScheduled(std::string_view ns, std::string_view config,
                                     absl::Time next) {
  if (next == absl::InfiniteFuture()) {
    next_scheduled_->Remove(Labels(ns, config));
  } else {
    next_scheduled_->Set(Labels(ns, config), absl::ToDoubleSeconds(next - absl::UnixEpoch()));
  }
}

void BackupMetrics::RemoveConfig(std::string_view ns, std::string_view config) {
  const auto l = Labels(ns, config);
  for (MetricFamily* f :
       std::initializer_list<MetricFamily*>{last_success_, last_duration_, last_size_, successes_,
                                            failures_, running_, next_scheduled_}) {
    f->Remove(l);
  }
}

}  // namespace snapkeep::controller
