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

namespace prometheus {
class Counter;
class Gauge;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace snapkeep {

// One named metric with a fixed list of label names, holding one value per set of label
// values (a "series"). Thread-safe. Label values are given in the order of the label
// names; a call with the wrong number of values is a programming error and is ignored
// (logged), so a metric can never take down what it measures.
class MetricFamily {
 public:
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;
  virtual ~MetricFamily() = default;

  const std::vector<std::string>& label_names() const { return label_names_; }

  // The series' value, 0 if it does not exist.
  virtual double Value(const std::vector<std::string>& label_values) const = 0;
  // Drops a series (e.g. the metrics of a deleted config).
  virtual void Remove(const std::vector<std::string>& label_values) = 0;

 protected:
  MetricFamily(std::string name, std::vector<std::string> label_names)
      : name_(std::move(name)), label_names_(std::move(label_names)) {}

  // The library's label set for `label_values`; false (logged) for a wrong count.
  bool ToLabels(const std::vector<std::string>& label_values,
                std::map<std::string, std::string>* labels) const;

 private:
  const std::string name_;
  const std::vector<std::string> label_names_;
};

// A value that only goes up (backups taken, failures).
class CounterFamily final : public MetricFamily {
 public:
  CounterFamily(std::string name, std::vector<std::string> label_names,
                prometheus::Family<prometheus::Counter>& family)
      : MetricFamily(std::move(name), std::move(label_names)), family_(family) {}

  // Negative (and NaN) deltas are ignored: a counter never goes down.
  void Increment(const std::vector<std::string>& label_values, double delta = 1);
  double Value(const std::vector<std::string>& label_values) const override;
  void Remove(const std::vector<std::string>& label_values) override;

 private:
  prometheus::Family<prometheus::Counter>& family_;
};

// A value that goes up and down (running backups, last success timestamp).
class GaugeFamily final : public MetricFamily {
 public:
  GaugeFamily(std::string name, std::vector<std::string> label_names,
              prometheus::Family<prometheus::Gauge>& family)
      : MetricFamily(std::move(name), std::move(label_names)), family_(family) {}

  void Set(const std::vector<std::string>& label_values, double value);
  void Add(const std::vector<std::string>& label_values, double delta);
  double Value(const std::vector<std::string>& label_values) const override;
  void Remove(const std::vector<std::string>& label_values) override;

 private:
  prometheus::Family<prometheus::Gauge>& family_;
};

// The metrics one server exposes at /metrics: a prometheus-cpp registry plus gauges read
// at scrape time, rendered by prometheus-cpp's text serializer (format 0.0.4). What this
// adds to the library: names are checked into a Status instead of an exception, help text
// is escaped, and the output is stable — families sorted by name, labels in the order
// they were declared, series sorted by their label values.
//
// Lifecycle: families are registered once (usually at start-up) and live as long as the
// registry; the returned pointers stay valid until then. Threading: every method may be
// called from any thread; a scrape sees every series consistent but not the whole
// registry at one instant. Owned by whoever wires the server (no global registry):
// components take a MetricsRegistry&.
class MetricsRegistry {
 public:
  // The Content-Type to serve Render()'s output with.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // InvalidArgument for a name or label name Prometheus does not accept, AlreadyExists
  // for a name registered before.
  absl::StatusOr<CounterFamily*> AddCounter(std::string name, std::string_view help,
                                            std::vector<std::string> labels = {});
  absl::StatusOr<GaugeFamily*> AddGauge(std::string name, std::string_view help,
                                        std::vector<std::string> labels = {});
  // A label-less gauge read at each Render() (e.g. a queue's depth). `read` runs under
  // no registry lock and must be thread-safe and cheap.
  absl::Status AddGaugeFunction(std::string name, std::string_view help,
                                std::function<double()> read);

  // Every family with a series, sorted by name.
  std::string Render() const;

 private:
  struct FunctionGauge {
    std::string help;
    std::function<double()> read;
  };

  // Checks the names and claims `name`.
  absl::Status Reserve(const std::string& name, const std::vector<std::string>& labels)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::unique_ptr<prometheus::Registry> registry_;
  mutable std::mutex mu_;
  // Every name taken, with its family's label order (none for function gauges).
  std::map<std::string, std::unique_ptr<MetricFamily>, std::less<>> families_ ABSL_GUARDED_BY(mu_);
  // Never removed, so Render() can read them outside the lock.
  std::map<std::string, std::unique_ptr<const FunctionGauge>, std::less<>> functions_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace snapkeep
