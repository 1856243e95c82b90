#include "apiserver/label_selector.h"

#include <algorithm>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/str_join.h"
#include "api/api_error.h"
#include "api/name_syntax.h"
#include "common/str_cat.h"

namespace snapkeep::apiserver {
namespace {

std::string Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  const size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

// Selector text echoed in a message: control bytes, NUL and non-ASCII as \xNN,
// so the message is readable and always valid UTF-8 in the JSON Status.
std::string Shown(std::string_view text) {
  return StrCat("\"", absl::CHexEscape(ToAbsl(text)), "\"");
}

// A label selector's tokens, as Kubernetes' lexer (k8s.io/apimachinery/pkg/labels)
// cuts them: identifiers run up to whitespace or one of "!=,()<>"; "in" and
// "notin" are keywords.
struct Token {
  enum Kind {
    kIdentifier,
    kIn,
    kNotIn,
    kNot,          // !
    kEquals,       // =
    kDoubleEqual,  // ==
    kNotEquals,    // !=
    kComma,
    kOpen,
    kClose,
    kCompare,  // > or <: Kubernetes' numeric operators, not supported here
    kEnd,
  };
  Kind kind;
  std::string text;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsSpecial(char c) {
  return c == '!' || c == '=' || c == ',' || c == '(' || c == ')' || c == '<' || c == '>';
}

std::vector<Token> Lex(std::string_view text) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (true) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    if (i == text.size()) break;
    const char c = text[i];
    const bool doubled = i + 1 < text.size() && text[i + 1] == '=';
    if (c == '!' && doubled) {
      tokens.push_back({Token::kNotEquals, "!="});
      i += 2;
    } else if (c == '=' && doubled) {
      tokens.push_back({Token::kDoubleEqual, "=="});
      i += 2;
    } else if (IsSpecial(c)) {
      const Token::Kind kind = c == '!'   ? Token::kNot
                               : c == '=' ? Token::kEquals
                               : c == ',' ? Token::kComma
                               : c == '(' ? Token::kOpen
                               : c == ')' ? Token::kClose
                                          : Token::kCompare;
      tokens.push_back({kind, std::string(1, c)});
      ++i;
    } else {
      const size_t start = i;
      while (i < text.size() && !IsSpace(text[i]) && !IsSpecial(text[i])) ++i;
      std::string word(text.substr(start, i - start));
      const Token::Kind kind = word == "in"      ? Token::kIn
                               : word == "notin" ? Token::kNotIn
                                                 : Token::kIdentifier;
      tokens.push_back({kind, std::move(word)});
    }
  }
  tokens.push_back({Token::kEnd, ""});
  return tokens;
}

std::string Describe(const Token& token) {
  return token.kind == Token::kEnd ? "the end of the selector" : Shown(token.text);
}

}  // namespace

// Recursive descent over the tokens (the grammar has no nesting, so no
// recursion on input): selector := requirement ("," requirement)*.
class Selector::LabelParser {
 public:
  explicit LabelParser(std::string_view text) : text_(text), tokens_(Lex(text)) {}

  absl::StatusOr<Selector> Parse() {
    Selector selector;
    if (tokens_.front().kind == Token::kEnd) return selector;  // everything
    while (true) {
      absl::StatusOr<Requirement> requirement = ParseRequirement();
      if (!requirement.ok()) return requirement.status();
      if (absl::Status status = Check(*requirement); !status.ok()) return status;
      selector.requirements_.push_back(*std::move(requirement));
      const Token& next = Next();
      if (next.kind == Token::kEnd) return selector;
      if (next.kind != Token::kComma) {
        return Error(StrCat("found ", Describe(next), " after the requirement on ",
                            Shown(selector.requirements_.back().key),
                            ", expected \",\" or the end of the selector"));
      }
    }
  }

 private:
  const Token& Next() { return tokens_[std::min(pos_++, tokens_.size() - 1)]; }
  const Token& Peek() const { return tokens_[std::min(pos_, tokens_.size() - 1)]; }

  absl::Status Error(std::string_view problem) const {
    return api::BadRequestError(StrCat("labelSelector ", Shown(text_), ": ", problem));
  }

  absl::StatusOr<Requirement> ParseRequirement() {
    Requirement r;
    const Token& first = Next();
    if (first.kind == Token::kNot) {
      const Token& key = Next();
      if (key.kind != Token::kIdentifier) {
        return Error(StrCat("found ", Describe(key), " after \"!\", expected a label key"));
      }
      r.key = key.text;
      r.op = Op::kNotExists;
      return r;
    }
    if (first.kind != Token::kIdentifier) {
      return Error(StrCat("found ", Describe(first), ", expected a label key or !key"));
    }
    r.key = first.text;
    const Token& op = Peek();
    switch (op.kind) {
      case Token::kEnd:
      case Token::kComma:
        r.op = Op::kExists;
        return r;
      case Token::kEquals:
      case Token::kDoubleEqual:
      case Token::kNotEquals: {
        Next();
        r.op = op.kind == Token::kNotEquals ? Op::kNotEquals : Op::kEquals;
        const Token& value = Peek();
        if (value.kind == Token::kIdentifier) {
          r.values.push_back(Next().text);
        } else if (value.kind == Token::kEnd || value.kind == Token::kComma) {
          r.values.emplace_back();  // "key=": the label is present and empty
        } else {
          return Error(StrCat("found ", Describe(value), " after ", Shown(r.key + op.text),
                              ", expected a value"));
        }
        return r;
      }
      case Token::kIn:
      case Token::kNotIn:
        Next();
        r.op = op.kind == Token::kIn ? Op::kIn : Op::kNotIn;
        if (absl::Status status = ParseValueList(r); !status.ok()) return status;
        return r;
      case Token::kCompare:
        return Error(StrCat("operator ", Shown(op.text), " (on ", Shown(r.key),
                            ") is not supported; use =, ==, !=, in, notin, key or !key"));
      default:
        return Error(StrCat("found ", Describe(op), " after the key ", Shown(r.key),
                            ", expected =, ==, !=, in, notin, \",\" or the end of the selector"));
    }
  }

  // "(" [value ("," value)*] ")"
  absl::Status ParseValueList(Requirement& r) {
    const std::string op = r.op == Op::kIn ? "in" : "notin";
    if (const Token& open = Next(); open.kind != Token::kOpen) {
      return Error(StrCat("found ", Describe(open), " after ", Shown(r.key + " " + op),
                          ", expected \"(\" and a list of values, e.g. env in (a,b)"));
    }
    bool want_value = true;
    while (true) {
      const Token& t = Next();
      if (t.kind == Token::kClose) break;
      if (want_value && t.kind == Token::kIdentifier) {
        r.values.push_back(t.text);
        want_value = false;
      } else if (t.kind == Token::kComma) {
        if (want_value) r.values.emplace_back();  // "(a,,b)": an empty value
        want_value = true;
      } else {
        return Error(StrCat("found ", Describe(t), " in the values of ", Shown(r.key + " " + op),
                            ", expected a value, \",\" or \")\""));
      }
    }
    if (r.values.empty()) {
      return Error(StrCat(Shown(r.key + " " + op), " needs at least one value"));
    }
    return absl::OkStatus();
  }

  // Keys are qualified names and values label values, as on the objects.
  absl::Status Check(const Requirement& r) const {
    if (auto errors = api::QualifiedNameErrors(r.key); !errors.empty()) {
      return Error(StrCat("key ", Shown(r.key), ": ", absl::StrJoin(errors, "; ")));
    }
    for (const std::string& value : r.values) {
      if (auto errors = api::LabelValueErrors(value); !errors.empty()) {
        return Error(StrCat("value ", Shown(value), " of key ", Shown(r.key), ": ",
                            absl::StrJoin(errors, "; ")));
      }
    }
    return absl::OkStatus();
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

absl::StatusOr<Selector> Selector::ParseLabels(std::string_view text) {
  return LabelParser(text).Parse();
}

namespace {

// Splits on commas that are not escaped with a backslash.
std::vector<std::string> SplitFieldTerms(std::string_view text) {
  std::vector<std::string> terms;
  std::string cur;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      cur += text[i];
      cur += text[++i];
    } else if (text[i] == ',') {
      terms.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += text[i];
    }
  }
  terms.push_back(std::move(cur));
  return terms;
}

// A field selector value: "\\", "\," and "\=" stand for the character; an
// unescaped "," or "=" and any other escape are errors (as in Kubernetes).
absl::StatusOr<std::string> UnescapeFieldValue(std::string_view value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\\') {
      if (i + 1 == value.size() ||
          (value[i + 1] != '\\' && value[i + 1] != ',' && value[i + 1] != '=')) {
        return absl::InvalidArgumentError(StrCat("invalid escape sequence ",
                                                 Shown(value.substr(i, 2)), " in the value ",
                                                 Shown(value), " (escape only \\\\, \\, and \\=)"));
      }
      out += value[++i];
    } else if (c == '=' || c == ',') {
      return absl::InvalidArgumentError(StrCat("unescaped ", Shown(std::string_view(&c, 1)),
                                               " in the value ", Shown(value), " (write it as \\",
                                               std::string(1, c), ")"));
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<Selector> Selector::ParseFields(std::string_view text) {
  Selector sel;
  sel.fields_ = true;
  auto error = [&](std::string_view problem) {
    return api::BadRequestError(StrCat("fieldSelector ", Shown(text), ": ", problem));
  };
  if (Trim(text).empty()) return sel;
  for (const std::string& raw : SplitFieldTerms(text)) {
    const std::string term = Trim(raw);
    if (term.empty()) continue;
    // The first operator in the term splits it: "a!=b", "a==b", "a=b".
    Requirement r;
    size_t pos = std::string::npos;
    size_t op_size = 0;
    for (size_t i = 0; i < term.size() && pos == std::string::npos; ++i) {
      if (term.compare(i, 2, "!=") == 0 || term.compare(i, 2, "==") == 0) {
        pos = i;
        op_size = 2;
        r.op = term[i] == '!' ? Op::kNotEquals : Op::kEquals;
      } else if (term[i] == '=') {
        pos = i;
        op_size = 1;
        r.op = Op::kEquals;
      }
    }
    if (pos == std::string::npos) {
      return error(StrCat("expected field=value, field==value or field!=value in ", Shown(term)));
    }
    r.key = Trim(term.substr(0, pos));
    if (r.key != "metadata.name" && r.key != "metadata.namespace") {
      return error(
          StrCat("field ", Shown(r.key), " is not supported (metadata.name, metadata.namespace)"));
    }
    absl::StatusOr<std::string> value = UnescapeFieldValue(Trim(term.substr(pos + op_size)));
    if (!value.ok()) return error(std::string(value.status().message()));
    r.values = {*std::move(value)};
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
    } else if (md.is_object() && md.contains("labels") && md["labels"].is_object() &&
               md["labels"].contains(r.key) && md["labels"][r.key].is_string()) {
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
