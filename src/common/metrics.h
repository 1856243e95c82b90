#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace snapkeep {

// One named metric with a fixed list of label names, holding one value per set of label
// values (a "series"). Thread-safe. Label values are given in the order of the label
// names; a call with the wrong number of values is a programming error and is ignored
// (logged), so a metric can never take down what it measures.
class MetricFamily {
 public:
  enum class Type { kCounter, kGauge };

  MetricFamily(Type type, std::string name, std::string help, std::vector<std::string> labels);
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;
  virtual ~MetricFamily() = default;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  Type type() const { return type_; }

  // The series' value, 0 if it does not exist.
  double Value(const std::vector<std::string>& label_values) const;
  // Drops a series (e.g. the metrics of a deleted config).
  void Remove(const std::vector<std::string>& label_values);
  // Drops every series whose label `label` has value `value`.
  void RemoveWhere(std::string_view label, std::string_view value);

  // Appends the family in Prometheus text format 0.0.4; nothing if it has no series.
  virtual void Render(std::string* out) const;

 protected:
  // Applies `update` to the series' value (created at 0).
  void Update(const std::vector<std::string>& label_values,
              const std::function<void(double&)>& update);

 private:
  const Type type_;
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> labels_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, double> series_ ABSL_GUARDED_BY(mu_);
};

// A value that only goes up (backups taken, failures).
class CounterFamily final : public MetricFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> labels)
      : MetricFamily(Type::kCounter, std::move(name), std::move(help), std::move(labels)) {}
  // Negative deltas are ignored: a counter never goes down.
  void Increment(const std::vector<std::string>& label_values, double delta = 1);
};

// A value that goes up and down (running backups, last success timestamp).
class GaugeFamily final : public MetricFamily {
 public:
  GaugeFamily(std::string name, std::string help, std::vector<std::string> labels)
      : MetricFamily(Type::kGauge, std::move(name), std::move(help), std::move(labels)) {}
  void Set(const std::vector<std::string>& label_values, double value);
  void Add(const std::vector<std::string>& label_values, double delta);
};

// The metrics one server exposes at /metrics, rendered in the Prometheus text
// exposition format 0.0.4 (`# HELP`, `# TYPE`, one line per series; help text escapes
// `\` and newline, label values also `"`; NaN, +Inf and -Inf spelt as Prometheus does).
//
// Lifecycle: families are registered once (usually at start-up) and live as long as the
// registry; the returned pointers stay valid until then. Threading: every method may be
// called from any thread; Render() takes each family's lock in turn, so a scrape sees
// every series consistent but not the whole registry at one instant. Owned by whoever
// wires the server (no global registry): components take a MetricsRegistry&.
class MetricsRegistry {
 public:
  // The Content-Type to serve Render()'s output with.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // InvalidArgument for a name or label name Prometheus does not accept, AlreadyExists
  // for a name registered before.
  absl::StatusOr<CounterFamily*> AddCounter(std::string name, std::string help,
                                            std::vector<std::string> labels = {});
  absl::StatusOr<GaugeFamily*> AddGauge(std::string name, std::string help,
                                        std::vector<std::string> labels = {});
  // A label-less gauge read at each Render() (e.g. a queue's depth). `read` runs under
  // no registry lock and must be thread-safe and cheap.
  absl::Status AddGaugeFunction(std::string name, std::string help, std::function<double()> read);

  // Every family, sorted by name.
  std::string Render() const;

 private:
  class FunctionGauge;
  absl::Status Register(std::unique_ptr<MetricFamily> family);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<MetricFamily>, std::less<>> families_ ABSL_GUARDED_BY(mu_);
};

// Prometheus names: [a-zA-Z_:][a-zA-Z0-9_:]*; label names [a-zA-Z_][a-zA-Z0-9_]*, not
// starting with "__" (reserved).
bool IsValidMetricName(std::string_view name);
bool IsValidLabelName(std::string_view name);

}  // namespace snapkeep
