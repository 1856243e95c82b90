#include "common/metrics.h"

#include <cmath>

#include "common/str_cat.h"
#include "spdlog/spdlog.h"

namespace snapkeep {
namespace {

void AppendEscaped(std::string* out, std::string_view text, bool quote) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '"':
        if (quote) {
          out->append("\\\"");
        } else {
          out->push_back(c);
        }
        break;
      default:
        out->push_back(c);
    }
  }
}

void AppendValue(std::string* out, double v) {
  if (std::isnan(v)) {
    out->append("NaN");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
  } else {
    StrAppend(out, v);  // shortest text that reads back as the same double
  }
}

void AppendHeader(std::string* out, std::string_view name, std::string_view help,
                  std::string_view type) {
  StrAppend(out, "# HELP ", name, " ");
  AppendEscaped(out, help, /*quote=*/false);
  StrAppend(out, "\n# TYPE ", name, " ", type, "\n");
}

}  // namespace

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

MetricFamily::MetricFamily(Type type, std::string name, std::string help,
                           std::vector<std::string> labels)
    : type_(type), name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)) {}

void MetricFamily::Update(const std::vector<std::string>& label_values,
                          const std::function<void(double&)>& update) {
  if (label_values.size() != labels_.size()) {
    spdlog::error("metric {}: {} label values given for {} labels; update ignored", name_,
                  label_values.size(), labels_.size());
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  update(series_[label_values]);
}

double MetricFamily::Value(const std::vector<std::string>& label_values) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(label_values);
  return it == series_.end() ? 0 : it->second;
}

void MetricFamily::Remove(const std::vector<std::string>& label_values) {
  std::lock_guard<std::mutex> lock(mu_);
  series_.erase(label_values);
}

void MetricFamily::RemoveWhere(std::string_view label, std::string_view value) {
  size_t i = 0;
  while (i < labels_.size() && labels_[i] != label) ++i;
  if (i == labels_.size()) return;
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(series_, [&](const auto& series) { return series.first[i] == value; });
}

void MetricFamily::Render(std::string* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (series_.empty()) return;
  AppendHeader(out, name_, help_, type_ == Type::kCounter ? "counter" : "gauge");
  for (const auto& [values, value] : series_) {
    out->append(name_);
    if (!labels_.empty()) {
      out->push_back('{');
      for (size_t i = 0; i < labels_.size(); ++i) {
        if (i > 0) out->push_back(',');
        StrAppend(out, labels_[i], "=\"");
        AppendEscaped(out, values[i], /*quote=*/true);
        out->push_back('"');
      }
      out->push_back('}');
    }
    out->push_back(' ');
    AppendValue(out, value);
    out->push_back('\n');
  }
}

void CounterFamily::Increment(const std::vector<std::string>& label_values, double delta) {
  if (!(delta >= 0)) return;
  Update(label_values, [delta](double& v) { v += delta; });
}

void GaugeFamily::Set(const std::vector<std::string>& label_values, double value) {
  Update(label_values, [value](double& v) { v = value; });
}

void GaugeFamily::Add(const std::vector<std::string>& label_values, double delta) {
  Update(label_values, [delta](double& v) { v += delta; });
}

// A label-less gauge whose value is read at render time.
class MetricsRegistry::FunctionGauge final : public MetricFamily {
 public:
  FunctionGauge(std::string name, std::string help, std::function<double()> read)
      : MetricFamily(Type::kGauge, std::move(name), std::move(help), {}), read_(std::move(read)) {}
  void Render(std::string* out) const override {
    AppendHeader(out, name(), help(), "gauge");
    StrAppend(out, name(), " ");
    AppendValue(out, read_());
    out->push_back('\n');
  }

 private:
  const std::function<double()> read_;
};

absl::Status MetricsRegistry::Register(std::unique_ptr<MetricFamily> family) {
  std::lock_guard<std::mutex> lock(mu_);
  if (families_.contains(family->name())) {
    return absl::AlreadyExistsError(StrCat("metric ", family->name(), " is already registered"));
  }
  const std::string name = family->name();
  families_.emplace(name, std::move(family));
  return absl::OkStatus();
}

namespace {

absl::Status CheckNames(std::string_view name, const std::vector<std::string>& labels) {
  if (!IsValidMetricName(name)) {
    return absl::InvalidArgumentError(StrCat("invalid metric name \"", name, "\""));
  }
  for (const std::string& label : labels) {
    if (!IsValidLabelName(label)) {
      return absl::InvalidArgumentError(
          StrCat("metric ", name, ": invalid label name \"", label, "\""));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CounterFamily*> MetricsRegistry::AddCounter(std::string name, std::string help,
                                                           std::vector<std::string> labels) {
  if (absl::Status s = CheckNames(name, labels); !s.ok()) return s;
  auto family =
      std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(labels));
  CounterFamily* raw = family.get();
  if (absl::Status s = Register(std::move(family)); !s.ok()) return s;
  return raw;
}

absl::StatusOr<GaugeFamily*> MetricsRegistry::AddGauge(std::string name, std::string help,
                                                       std::vector<std::string> labels) {
  if (absl::Status s = CheckNames(name, labels); !s.ok()) return s;
  auto family = std::make_unique<GaugeFamily>(std::move(name), std::move(help), std::move(labels));
  GaugeFamily* raw = family.get();
  if (absl::Status s = Register(std::move(family)); !s.ok()) return s;
  return raw;
}

absl::Status MetricsRegistry::AddGaugeFunction(std::string name, std::string help,
                                               std::function<double()> read) {
  if (absl::Status s = CheckNames(name, {}); !s.ok()) return s;
  if (!read) return absl::InvalidArgumentError(StrCat("metric ", name, ": no read function"));
  return Register(
      std::make_unique<FunctionGauge>(std::move(name), std::move(help), std::move(read)));
}

std::string MetricsRegistry::Render() const {
  std::vector<const MetricFamily*> families;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, family] : families_) families.push_back(family.get());
  }
  // Families are never removed, so rendering outside the registry lock is safe, and a
  // slow FunctionGauge does not block registration.
  std::string out;
  for (const MetricFamily* family : families) family->Render(&out);
  return out;
}

}  // namespace snapkeep
