#include "apiserver/label_selector.h"

#include <algorithm>

#include "api/api_error.h"
#include "common/str_cat.h"

namespace snapkeep::apiserver {
namespace {

std::string Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  const size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

// Splits on commas that are not inside parentheses.
std::vector<std::string> SplitTerms(std::string_view text) {
  std::vector<std::string> terms;
  int depth = 0;
  std::string cur;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      terms.push_back(Trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!Trim(cur).empty() || !terms.empty()) terms.push_back(Trim(cur));
  return terms;
}

}  // namespace

absl::StatusOr<Selector> Selector::ParseLabels(std::string_view text) {
  Selector sel;
  for (const std::string& term : SplitTerms(text)) {
    if (term.empty()) {
      return api::BadRequestError(StrCat("labelSelector \"", text, "\": empty term"));
    }
    Requirement r;
    size_t pos;
    if (term[0] == '!') {
      r.key = Trim(term.substr(1));
      r.op = Op::kNotExists;
    } else if ((pos = term.find(" notin ")) != std::string::npos ||
               (pos = term.find(" in ")) != std::string::npos) {
      const bool notin = term.compare(pos, 7, " notin ") == 0;
      r.key = Trim(term.substr(0, pos));
      r.op = notin ? Op::kNotIn : Op::kIn;
      std::string list = Trim(term.substr(pos + (notin ? 7 : 4)));
      if (list.size() < 2 || list.front() != '(' || list.back() != ')') {
        return api::BadRequestError(StrCat(
            "labelSelector \"", text, "\": expected (values) after in/notin in \"", term, "\""));
      }
      for (const std::string& v : SplitTerms(list.substr(1, list.size() - 2))) {
        r.values.push_back(v);
      }
    } else if ((pos = term.find("!=")) != std::string::npos) {
      r.key = Trim(term.substr(0, pos));
      r.op = Op::kNotEquals;
      r.values = {Trim(term.substr(pos + 2))};
    } else if ((pos = term.find("==")) != std::string::npos) {
      r.key = Trim(term.substr(0, pos));
      r.op = Op::kEquals;
      r.values = {Trim(term.substr(pos + 2))};
    } else if ((pos = term.find('=')) != std::string::npos) {
      r.key = Trim(term.substr(0, pos));
      r.op = Op::kEquals;
      r.values = {Trim(term.substr(pos + 1))};
    } else {
      r.key = term;
      r.op = Op::kExists;
    }
    if (r.key.empty() || r.key.find_first_of(" ()!=") != std::string::npos) {
      return api::BadRequestError(
          StrCat("labelSelector \"", text, "\": bad key in \"", term, "\""));
    }
    sel.requirements_.push_back(std::move(r));
  }
  return sel;
}

absl::StatusOr<Selector> Selector::ParseFields(std::string_view text) {
  Selector sel;
  sel.fields_ = true;
  for (const std::string& term : SplitTerms(text)) {
    Requirement r;
    size_t pos;
    if ((pos = term.find("!=")) != std::string::npos) {
      r.op = Op::kNotEquals;
      r.key = Trim(term.substr(0, pos));
      r.values = {Trim(term.substr(pos + 2))};
    } else if ((pos = term.find("==")) != std::string::npos) {
      r.op = Op::kEquals;
      r.key = Trim(term.substr(0, pos));
      r.values = {Trim(term.substr(pos + 2))};
    } else if ((pos = term.find('=')) != std::string::npos) {
      r.op = Op::kEquals;
      r.key = Trim(term.substr(0, pos));
      r.values = {Trim(term.substr(pos + 1))};
    } else {
      return api::BadRequestError(StrCat("fieldSelector \"", text, "\": expected field=value"));
    }
    if (r.key != "metadata.name" && r.key != "metadata.namespace") {
      return api::BadRequestError(
          StrCat("fieldSelector \"", text, "\": field \"", r.key,
                 "\" is not supported (metadata.name, metadata.namespace)"));
    }
    sel.requirements_.push_back(std::move(r));
  }
  return sel;
}

bool Selector::Matches(const nlohmann::json& object) const {
  const nlohmann::json& md = object.contains("metadata") ? object["metadata"] : nlohmann::json();
  for (const auto& r : requirements_) {
    std::optional<std::string> value;
    if (fields_) {
      const std::string field = r.key.substr(std::string_view("metadata.").size());
      value = md.is_object() ? md.value(field, "") : "";
    } else if (md.is_object() && md.contains("labels") && md["labels"].contains(r.key)) {
      value = md["labels"][r.key].get<std::string>();
    }
    const bool has = value.has_value();
    const bool in = has && std::find(r.values.begin(), r.values.end(), *value) != r.values.end();
    switch (r.op) {
      case Op::kEquals:
      case Op::kIn:
        if (!in) return false;
        break;
      case Op::kNotEquals:
      case Op::kNotIn:
        if (in) return false;
        break;
      case Op::kExists:
        if (!has) return false;
        break;
      case Op::kNotExists:
        if (has) return false;
        break;
    }
  }
  return true;
}

}  // namespace snapkeep::apiserver
