#include "common/metrics.h"

#include <algorithm>
#include <stdexcept>

#include "common/str_cat.h"
#include "prometheus/check_names.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "spdlog/spdlog.h"

namespace snapkeep {
namespace {

// prometheus-cpp writes help text as given; the format wants `\` and newline escaped.
std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::Status CheckNames(const std::string& name, const std::vector<std::string>& labels) {
  if (!prometheus::CheckMetricName(name)) {
    return absl::InvalidArgumentError(StrCat("invalid metric name \"", name, "\""));
  }
  for (const std::string& label : labels) {
    if (!prometheus::CheckLabelName(label)) {
      return absl::InvalidArgumentError(
          StrCat("metric ", name, ": invalid label name \"", label, "\""));
    }
  }
  return absl::OkStatus();
}

// The library keeps labels in a map (sorted by name) and series in a hash map; put the
// labels back in their declared order and the series in the order of their values.
void OrderSeries(const std::vector<std::string>& label_names, prometheus::MetricFamily* family) {
  using Label = prometheus::ClientMetric::Label;
  auto rank = [&](const Label& label) { return std::ranges::find(label_names, label.name); };
  for (prometheus::ClientMetric& metric : family->metric) std::ranges::sort(metric.label, {}, rank);
  std::ranges::sort(family->metric, [](const auto& a, const auto& b) {
    return std::ranges::lexicographical_compare(a.label, b.label, {}, &Label::value, &Label::value);
  });
}

// The series of `labels`, or null; never creates one.
template <typename T>
T* Find(prometheus::Family<T>& family, const prometheus::Labels& labels) {
  return family.Has(labels) ? &family.Add(labels) : nullptr;
}

}  // namespace

bool MetricFamily::ToLabels(const std::vector<std::string>& label_values,
                            prometheus::Labels* labels) const {
  if (label_values.size() != label_names_.size()) {
    spdlog::error("metric {}: {} label values given for {} labels; update ignored", name_,
                  label_values.size(), label_names_.size());
    return false;
  }
  for (size_t i = 0; i < label_values.size(); ++i) {
    labels->emplace(label_names_[i], label_values[i]);
  }
  return true;
}

void CounterFamily::Increment(const std::vector<std::string>& label_values, double delta) {
  prometheus::Labels labels;
  if (!(delta >= 0) || !ToLabels(label_values, &labels)) return;
  family_.Add(labels).Increment(delta);
}

double CounterFamily::Value(const std::vector<std::string>& label_values) const {
  prometheus::Labels labels;
  if (!ToLabels(label_values, &labels)) return 0;
  const prometheus::Counter* series = Find(family_, labels);
  return series ? series->Value() : 0;
}

void CounterFamily::Remove(const std::vector<std::string>& label_values) {
  prometheus::Labels labels;
  if (!ToLabels(label_values, &labels)) return;
  if (prometheus::Counter* series = Find(family_, labels)) family_.Remove(series);
}

void GaugeFamily::Set(const std::vector<std::string>& label_values, double value) {
  prometheus::Labels labels;
  if (ToLabels(label_values, &labels)) family_.Add(labels).Set(value);
}

void GaugeFamily::Add(const std::vector<std::string>& label_values, double delta) {
  prometheus::Labels labels;
  if (ToLabels(label_values, &labels)) family_.Add(labels).Increment(delta);
}

double GaugeFamily::Value(const std::vector<std::string>& label_values) const {
  prometheus::Labels labels;
  if (!ToLabels(label_values, &labels)) return 0;
  const prometheus::Gauge* series = Find(family_, labels);
  return series ? series->Value() : 0;
}

void GaugeFamily::Remove(const std::vector<std::string>& label_values) {
  prometheus::Labels labels;
  if (!ToLabels(label_values, &labels)) return;
  if (prometheus::Gauge* series = Find(family_, labels)) family_.Remove(series);
}

MetricsRegistry::MetricsRegistry()
    : registry_(
          std::make_unique<prometheus::Registry>(prometheus::Registry::InsertBehavior::Throw)) {}

MetricsRegistry::~MetricsRegistry() = default;

absl::Status MetricsRegistry::Reserve(const std::string& name,
                                      const std::vector<std::string>& labels) {
  if (absl::Status s = CheckNames(name, labels); !s.ok()) return s;
  if (families_.contains(name) || functions_.contains(name)) {
    return absl::AlreadyExistsError(StrCat("metric ", name, " is already registered"));
  }
  return absl::OkStatus();
}

absl::StatusOr<CounterFamily*> MetricsRegistry::AddCounter(std::string name, std::string_view help,
                                                           std::vector<std::string> labels) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status s = Reserve(name, labels); !s.ok()) return s;
  try {
    auto& family =
        prometheus::BuildCounter().Name(name).Help(EscapeHelp(help)).Register(*registry_);
    auto counter = std::make_unique<CounterFamily>(name, std::move(labels), family);
    CounterFamily* raw = counter.get();
    families_.emplace(std::move(name), std::move(counter));
    return raw;
  } catch (const std::invalid_argument& e) {  // the library's only way to say no
    return absl::InvalidArgumentError(StrCat("metric ", name, ": ", e.what()));
  }
}

absl::StatusOr<GaugeFamily*> MetricsRegistry::AddGauge(std::string name, std::string_view help,
                                                       std::vector<std::string> labels) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status s = Reserve(name, labels); !s.ok()) return s;
  try {
    auto& family = prometheus::BuildGauge().Name(name).Help(EscapeHelp(help)).Register(*registry_);
    auto gauge = std::make_unique<GaugeFamily>(name, std::move(labels), family);
    GaugeFamily* raw = gauge.get();
    families_.emplace(std::move(name), std::move(gauge));
    return raw;
  } catch (const std::invalid_argument& e) {
    return absl::InvalidArgumentError(StrCat("metric ", name, ": ", e.what()));
  }
}

absl::Status MetricsRegistry::AddGaugeFunction(std::string name, std::string_view help,
                                               std::function<double()> read) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status s = Reserve(name, {}); !s.ok()) return s;
  if (!read) return absl::InvalidArgumentError(StrCat("metric ", name, ": no read function"));
  functions_.emplace(std::move(name), std::make_unique<const FunctionGauge>(
                                          FunctionGauge{EscapeHelp(help), std::move(read)}));
  return absl::OkStatus();
}

std::string MetricsRegistry::Render() const {
  std::vector<prometheus::MetricFamily> collected = registry_->Collect();
  std::erase_if(collected, [](const auto& family) { return family.metric.empty(); });
  std::vector<std::pair<std::string_view, const FunctionGauge*>> functions;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (prometheus::MetricFamily& family : collected) {
      auto it = families_.find(family.name);
      if (it != families_.end()) OrderSeries(it->second->label_names(), &family);
    }
    for (const auto& [name, function] : functions_) functions.emplace_back(name, function.get());
  }
  // Read outside the lock, so a slow function does not block registration.
  for (const auto& [name, function] : functions) {
    prometheus::ClientMetric metric;
    metric.gauge.value = function->read();
    collected.push_back(
        {std::string(name), function->help, prometheus::MetricType::Gauge, {std::move(metric)}});
  }
  std::ranges::sort(collected, {}, &prometheus::MetricFamily::name);
  return prometheus::TextSerializer().Serialize(collected);
}

}  // namespace snapkeep
